/**
 * @module bulletins/period
 * A bulletin's period and scope: local days and months on Vietnam's calendar (UTC+7, no daylight
 * saving) as [from, to) instants, the scope names 'all' / 'province:<name>', and the header
 * every bulletin starts with.
 */
import type { BulletinHeader, BulletinKind, BulletinScope, Text } from './model.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** Bulletins are on Vietnam's calendar (UTC+7, no daylight saving). */
export const BULLETIN_TIMEZONE = 'Asia/Ho_Chi_Minh';
const OFFSET = 7 * HOUR;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH = /^(\d{4})-(\d{2})$/;

/** Local midnight (epoch ms) of a YYYY-MM-DD date, or undefined when it is not a real date. */
export function localMidnight(day: string): number | undefined {
  if (!DATE.test(day)) return undefined;
  const t = Date.parse(`${day}T00:00:00+07:00`);
  return Number.isNaN(t) || localDate(t) !== day ? undefined : t;
}

/** The local (UTC+7) date of an instant. */
export function localDate(t: number): string {
  return new Date(t + OFFSET).toISOString().slice(0, 10);
}

/** [from, to) of a bulletin period; throws a RangeError for a malformed period. */
export function periodRange(kind: BulletinKind, period: string): { from: number; to: number; periodStart: string } {
  if (kind === 'daily') {
    const from = localMidnight(period);
    if (from === undefined) throw new RangeError(`day must be a date YYYY-MM-DD, got ${period}`);
    return { from, to: from + DAY, periodStart: period };
  }
  const m = MONTH.exec(period);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new RangeError(`month must be YYYY-MM, got ${period}`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const next = mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`;
  return { from: localMidnight(`${period}-01`)!, to: localMidnight(`${next}-01`)!, periodStart: `${period}-01` };
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

/** The header of a bulletin of `period` in `scope` generated at `now`, with its [fromMs, toMs) range. */
export function periodHeader<K extends BulletinKind>(kind: K, period: string, scope: BulletinScope, now: number): BulletinHeader & { kind: K; fromMs: number; toMs: number } {
  const { from, to, periodStart } = periodRange(kind, period);
  return { kind, period, periodStart, from: new Date(from).toISOString(), to: new Date(to).toISOString(), scope, scopeName: scopeName(scope), generatedAt: new Date(now).toISOString(), timezone: BULLETIN_TIMEZONE, fromMs: from, toMs: to };
}
