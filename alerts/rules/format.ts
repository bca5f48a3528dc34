/**
 * @module alerts/rules/format
 * Numbers and times in alert messages, in English and Vietnamese. Vietnamese writes a decimal
 * comma and a thousands dot (52,3; 10.000), which Intl's vi-VN locale produces.
 */
import { DEFAULT_TIME_ZONE, localDateTime, utcOffsetMinutes } from '../../lib/time.js';
import { decimalsOf } from '../../lib/decimal.js';
import type { LocalizedText } from './types.js';

/** Fraction digits that keep about three significant figures without noise: 10000, 523, 52.3, 5.23, 0.523. */
function fractionDigits(x: number): number {
  const a = Math.abs(x);
  if (a >= 100) return 0;
  if (a >= 10) return 1;
  if (a >= 1) return 2;
  return 3;
}

const formatters = new Map<string, Intl.NumberFormat>();
function formatter(locale: 'en-US' | 'vi-VN', digits: number): Intl.NumberFormat {
  const key = `${locale}/${digits}`;
  let f = formatters.get(key);
  if (f === undefined) {
    f = new Intl.NumberFormat(locale, { maximumFractionDigits: digits, useGrouping: true });
    formatters.set(key, f);
  }
  return f;
}

/** A number rounded sensibly, in both languages: `{ en: '52.3', vi: '52,3' }`. */
export function num(x: number, digits: number = fractionDigits(x)): LocalizedText {
  return { en: formatter('en-US', digits).format(x), vi: formatter('vi-VN', digits).format(x) };
}

/**
 * `x` with enough decimals to compare it with `ref` (a limit or level): one more than the
 * reference has, and no fewer than num's default. 10.62 against 10.5 → '10.62'; 52.34 against
 * 50 → '52.3'; 0.312 against 0.3 → '0.31'… (capped at 4 decimals).
 */
export function numNear(x: number, ref: number): LocalizedText {
  return num(x, Math.min(4, Math.max(fractionDigits(x), decimalsOf(ref) + 1)));
}

/** A limit or level written out in full: 118.75 stays 118.75. */
export function exact(x: number): LocalizedText {
  return num(x, decimalsOf(x));
}

/** A duration in whole minutes, or hours above two hours: `{ en: '25 min', vi: '25 phút' }`. */
export function duration(ms: number): LocalizedText {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return { en: `${minutes} min`, vi: `${minutes} phút` };
  const hours = num(minutes / 60, 1);
  return { en: `${hours.en} h`, vi: `${hours.vi} giờ` };
}

/** Local time of an epoch-ms instant in a zone (Vietnam by default), `yyyy-MM-dd HH:mm`. */
export function localTime(ts: number, timeZone: string = DEFAULT_TIME_ZONE): string {
  return localDateTime(ts, timeZone).slice(0, 16).replace('T', ' ');
}

/** How a message names the zone of its local times: `UTC+7` / `giờ Việt Nam` in Vietnam, else e.g. `UTC+9` / `giờ UTC+9`. */
export function zoneLabel(timeZone: string = DEFAULT_TIME_ZONE, at: number = Date.now()): LocalizedText {
  const minutes = utcOffsetMinutes(timeZone, at);
  const abs = Math.abs(minutes);
  const en = `UTC${minutes < 0 ? '-' : '+'}${Math.floor(abs / 60)}${abs % 60 === 0 ? '' : `:${String(abs % 60).padStart(2, '0')}`}`;
  return { en, vi: timeZone === DEFAULT_TIME_ZONE ? 'giờ Việt Nam' : `giờ ${en}` };
}

/** ` (source)` when the rule names its source, else ''. */
export function cite(source: string | undefined): string {
  return source === undefined || source === '' ? '' : ` (${source})`;
}
