/**
 * @module bulletins/period
 * A bulletin's period and scope: local days and months on the agency's calendar (`TIMEZONE`,
 * Asia/Ho_Chi_Minh by default: UTC+7, no daylight saving) as [from, to) instants (lib/time), the
 * scope names 'all' / 'province:<name>', and the header every bulletin starts with. A bulletin
 * covers a province or the whole system, so it uses the agency's zone, not a station's.
 */
import { DEFAULT_TIME_ZONE, HOUR_MS, localDayRange, localMonthRange } from '../lib/time.js';
import type { BulletinHeader, BulletinKind, BulletinScope, Text } from './model.js';

export { localDate } from '../lib/time.js';

export const HOUR = HOUR_MS;
export const DAY = 24 * HOUR;
/** The zone of bulletins when none is given (the agency's default, config.timezone). */
export const BULLETIN_TIMEZONE = DEFAULT_TIME_ZONE;

/** [from, to) of a bulletin period in `timeZone`; throws a RangeError for a malformed period. */
export function periodRange(kind: BulletinKind, period: string, timeZone: string = DEFAULT_TIME_ZONE): { from: number; to: number; periodStart: string } {
  if (kind === 'daily') {
    const r = localDayRange(period, timeZone);
    if (!r) throw new RangeError(`day must be a date YYYY-MM-DD, got ${period}`);
    return { ...r, periodStart: period };
  }
  const r = localMonthRange(period, timeZone);
  if (!r) throw new RangeError(`month must be YYYY-MM, got ${period}`);
  return { ...r, periodStart: `${period}-01` };
}

export function scopeOf(province: string | null | undefined): BulletinScope {
  return province ? `province:${province}` : 'all';
}

export function provinceOf(scope: BulletinScope): string | null {
  return scope.startsWith('province:') ? scope.slice('province:'.length) : null;
}

export function scopeName(scope: BulletinScope): Text {
  const p = provinceOf(scope);
  return p === null ? { vi: 'Toàn hệ thống', en: 'Whole system' } : { vi: p, en: p };
}

/** The header of a bulletin of `period` (a local day or month in `timeZone`) in `scope` generated at `now`, with its [fromMs, toMs) range. */
export function periodHeader<K extends BulletinKind>(
  kind: K,
  period: string,
  scope: BulletinScope,
  now: number,
  timeZone: string = DEFAULT_TIME_ZONE,
): BulletinHeader & { kind: K; fromMs: number; toMs: number } {
  const { from, to, periodStart } = periodRange(kind, period, timeZone);
  return {
    kind,
    period,
    periodStart,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    scope,
    scopeName: scopeName(scope),
    generatedAt: new Date(now).toISOString(),
    timezone: timeZone,
    fromMs: from,
    toMs: to,
  };
}
