/**
 * @module dashboard/web/views/review/time
 * The review page's local calendar: a station's day and minute in the station's own time zone
 * (lib/time), whatever the browser's zone. Days are YYYY-MM-DD, the action form's from/to are
 * <input type=datetime-local> values in that zone.
 */
import { addDays, localDate, localDayRange, localParts, localToUtc, MINUTE_MS } from '../../../../../lib/time';
import { lang } from '../../i18n';

const pad = (n: number) => String(n).padStart(2, '0');

/** Yesterday's local date in `zone`. */
export function yesterdayIn(zone: string, now = Date.now()): string {
  return addDays(localDate(now, zone), -1);
}

/** [from, to) of the local days `fromDay` … `toDay` (both included); undefined when malformed or reversed. */
export function daysRange(fromDay: string, toDay: string, zone: string): { from: number; to: number } | undefined {
  const a = localDayRange(fromDay, zone);
  const b = localDayRange(toDay, zone);
  if (!a || !b || b.to <= a.from) return undefined;
  return { from: a.from, to: b.to };
}

/** The local days [from, to) covers, in order. */
export function daysOf(from: number, to: number, zone: string): string[] {
  const out: string[] = [];
  for (let d = localDate(from, zone); out.length < 400; d = addDays(d, 1)) {
    const r = localDayRange(d, zone);
    if (!r || r.from >= to) break;
    out.push(d);
  }
  return out;
}

/** An instant as a datetime-local value in `zone` (to the minute). */
export function toInput(ms: number, zone: string): string {
  const p = localParts(ms, zone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

/** A datetime-local value read in `zone`; undefined when malformed. */
export function fromInput(value: string, zone: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return undefined;
  return localToUtc(y, mo, d, h, mi, s, zone);
}

export const floorMinute = (ms: number) => Math.floor(ms / MINUTE_MS) * MINUTE_MS;
export const ceilMinute = (ms: number) => Math.ceil(ms / MINUTE_MS) * MINUTE_MS;

const formats = new Map<string, Intl.DateTimeFormat>();
/** dd/MM HH:mm(:ss) in `zone`, in the page's language. */
export function fmtLocal(ms: number | string, zone: string, seconds = false): string {
  const key = `${lang()}:${zone}:${seconds}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(lang() === 'vi' ? 'vi-VN' : 'en-GB', {
      timeZone: zone,
      day: '2-digit',
      month: '2-digit',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      ...(seconds ? { second: '2-digit' } : {}),
      hourCycle: 'h23',
    });
    formats.set(key, f);
  }
  return f.format(typeof ms === 'string' ? Date.parse(ms) : ms);
}

/** A local date YYYY-MM-DD as dd/MM/yyyy. */
export function fmtDayShort(day: string): string {
  const [y, m, d] = day.split('-');
  return `${d}/${m}/${y}`;
}
