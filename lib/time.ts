/**
 * @module lib/time
 * The one local-calendar module. Instants are stored and passed as UTC epoch milliseconds; a
 * local day, hour or month is always computed in a named IANA time zone (a station's
 * `timezone`, or the agency's `TIMEZONE`), never by adding a fixed offset by hand.
 *
 * Vietnam (Asia/Ho_Chi_Minh) is UTC+7 all year with no daylight saving, so every result there
 * equals the old "+7 hours" arithmetic; a zone with daylight saving gets 23- and 25-hour days
 * right. Offsets come from the runtime's time-zone data (Intl) and are cached per zone and UTC
 * hour, so the hot paths (live overview counters, simulators, the anomaly rule's hour of day) pay
 * two Map lookups.
 *
 * @example
 *   localDate(Date.parse('2026-11-21T18:00:00Z'), 'Asia/Ho_Chi_Minh')  // '2026-11-22'
 *   startOfLocalDay('2026-11-22', 'Asia/Ho_Chi_Minh')                   // Date.parse('2026-11-21T17:00:00Z')
 *   localIso(Date.parse('2026-11-22T02:00:00Z'), 'Asia/Ho_Chi_Minh')    // '2026-11-22T09:00:00+07:00'
 */

/** Vietnam's zone: the default wherever a station or setting names none. */
export const DEFAULT_TIME_ZONE = 'Asia/Ho_Chi_Minh';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
/** Offsets by zone, then by UTC hour: numeric keys, no string built per lookup (the alert rules ask once per sample). */
const offsets = new Map<string, Map<number, number>>();
let cachedOffsets = 0;
const MAX_CACHED_OFFSETS = 50_000;

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the runtime knows this IANA zone name. */
export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== 'string' || timeZone.length === 0 || timeZone.length > 64) return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    // Intl throws a RangeError for an unknown zone: that is the answer, not a failure.
    return false;
  }
}

/**
 * `timeZone` when it is a zone the runtime knows, else `fallback`: a station's `timezone`
 * (null, empty or unknown) falls back to the agency's `TIMEZONE`.
 * @example timeZoneOr(station.timezone, config.timezone)
 */
export function timeZoneOr(timeZone: string | null | undefined, fallback: string = DEFAULT_TIME_ZONE): string {
  return typeof timeZone === 'string' && isValidTimeZone(timeZone) ? timeZone : fallback;
}

/**
 * The zone's offset from UTC at an instant, in ms (Asia/Ho_Chi_Minh: +25,200,000).
 * Throws a RangeError for an unknown zone: validate names at the boundary (config, station API).
 */
export function zoneOffsetMs(timeZone: string, at: number): number {
  const hour = Math.floor(at / HOUR_MS);
  let byHour = offsets.get(timeZone);
  const cached = byHour?.get(hour);
  if (cached !== undefined) return cached;
  // Offsets change on whole minutes; evaluating at the hour's start keeps the cache exact for
  // every zone whose transitions fall on the hour (all of today's IANA zones but a few historic ones).
  const probe = hour * HOUR_MS;
  const p = wallClock(timeZone, probe);
  const offset = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - probe;
  if (cachedOffsets >= MAX_CACHED_OFFSETS) {
    offsets.clear();
    cachedOffsets = 0;
    byHour = undefined;
  }
  if (!byHour) offsets.set(timeZone, (byHour = new Map()));
  byHour.set(hour, offset);
  cachedOffsets++;
  return offset;
}

/** The local hour of day (0–23) of an instant in a zone: localParts(ms, zone).hour without building the parts. */
export function localHourOfDay(ms: number, timeZone: string = DEFAULT_TIME_ZONE): number {
  const local = ms + zoneOffsetMs(timeZone, ms);
  return Math.floor((((local % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS);
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(timeZone: string, at: number): WallClock {
  const out: WallClock = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatter(timeZone).formatToParts(at)) {
    if (part.type in out) out[part.type as keyof WallClock] = Number(part.value);
  }
  return out;
}

export interface LocalParts extends WallClock {
  millisecond: number;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  weekday: number;
  /** The zone's offset from UTC at that instant, ms. */
  offsetMs: number;
}

/** The local calendar fields of an instant in a zone. */
export function localParts(ms: number, timeZone: string = DEFAULT_TIME_ZONE): LocalParts {
  const offsetMs = zoneOffsetMs(timeZone, ms);
  const d = new Date(ms + offsetMs);
  const weekday = d.getUTCDay() === 0 ? 7 : d.getUTCDay();
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
    weekday,
    offsetMs,
  };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `+07:00` for an offset of 7 hours. */
export function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? '-' : '+';
  const minutes = Math.abs(Math.round(offsetMs / MINUTE_MS));
  return `${sign}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** The zone's offset from UTC in minutes at an instant (now by default): 420 for Vietnam. */
export function utcOffsetMinutes(timeZone: string = DEFAULT_TIME_ZONE, at: number = Date.now()): number {
  return Math.round(zoneOffsetMs(timeZone, at) / MINUTE_MS);
}

/** The local date (YYYY-MM-DD) of an instant. */
export function localDate(ms: number, timeZone: string = DEFAULT_TIME_ZONE): string {
  const p = localParts(ms, timeZone);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
}

/** The local month (YYYY-MM) of an instant. */
export function localMonth(ms: number, timeZone: string = DEFAULT_TIME_ZONE): string {
  return localDate(ms, timeZone).slice(0, 7);
}

/** ISO 8601 in local time with the zone's offset, e.g. 2026-11-22T09:00:00+07:00 (milliseconds only when not zero). */
export function localIso(ms: number, timeZone: string = DEFAULT_TIME_ZONE): string {
  const p = localParts(ms, timeZone);
  const frac = p.millisecond === 0 ? '' : `.${pad(p.millisecond, 3)}`;
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${frac}${formatOffset(p.offsetMs)}`;
}

/** Local wall-clock time without an offset, `YYYY-MM-DDTHH:MM:SS` (for files and CSV columns that carry the zone elsewhere). */
export function localDateTime(ms: number, timeZone: string = DEFAULT_TIME_ZONE): string {
  return localIso(Math.floor(ms / 1000) * 1000, timeZone).slice(0, 19);
}

/**
 * The UTC instant of a local wall-clock time. A time skipped by a daylight-saving jump resolves
 * to the instant after the jump; a repeated one to its first occurrence.
 */
export function localToUtc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, timeZone: string = DEFAULT_TIME_ZONE): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const first = wall - zoneOffsetMs(timeZone, wall);
  const second_ = wall - zoneOffsetMs(timeZone, first);
  if (second_ === first) return first;
  // Near a transition the two guesses differ: take the earlier one that maps back to this wall time.
  const a = Math.min(first, second_);
  const b = Math.max(first, second_);
  return a + zoneOffsetMs(timeZone, a) === wall ? a : b;
}

/** Start (00:00 local) of the local day that contains the instant. */
export function localMidnight(ms: number, timeZone: string = DEFAULT_TIME_ZONE): number {
  const p = localParts(ms, timeZone);
  return localToUtc(p.year, p.month, p.day, 0, 0, 0, timeZone);
}

/** Start of the local hour that contains the instant. */
export function localHourStart(ms: number, timeZone: string = DEFAULT_TIME_ZONE): number {
  const p = localParts(ms, timeZone);
  return localToUtc(p.year, p.month, p.day, p.hour, 0, 0, timeZone);
}

/** Start of the local month that contains the instant. */
export function localMonthStart(ms: number, timeZone: string = DEFAULT_TIME_ZONE): number {
  const p = localParts(ms, timeZone);
  return localToUtc(p.year, p.month, 1, 0, 0, 0, timeZone);
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH_RE = /^(\d{4})-(\d{2})$/;

/** 00:00 local of a calendar date `YYYY-MM-DD`; undefined when it is not a real date. */
export function startOfLocalDay(date: string, timeZone: string = DEFAULT_TIME_ZONE): number | undefined {
  const m = DATE_RE.exec(date);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined;
  return localToUtc(y, mo, d, 0, 0, 0, timeZone);
}

/** 00:00 local of the first day of a month `YYYY-MM`; undefined when it is not a real month. */
export function startOfLocalMonth(month: string, timeZone: string = DEFAULT_TIME_ZONE): number | undefined {
  const m = MONTH_RE.exec(month);
  if (!m) return undefined;
  const [y, mo] = [Number(m[1]), Number(m[2])];
  if (mo < 1 || mo > 12) return undefined;
  return localToUtc(y, mo, 1, 0, 0, 0, timeZone);
}

/** The calendar date `n` days after `date` (YYYY-MM-DD; negative n goes back). */
export function addDays(date: string, n: number): string {
  const m = DATE_RE.exec(date);
  if (!m) throw new RangeError(`not a date: ${date}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + n)).toISOString().slice(0, 10);
}

/** The month `n` months after `month` (YYYY-MM). */
export function addMonths(month: string, n: number): string {
  const m = MONTH_RE.exec(month);
  if (!m) throw new RangeError(`not a month: ${month}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1 + n, 1)).toISOString().slice(0, 7);
}

/** The local day [from, to) that `date` names, as UTC instants (23 or 25 hours long across a daylight-saving change). */
export function localDayRange(date: string, timeZone: string = DEFAULT_TIME_ZONE): { from: number; to: number } | undefined {
  const from = startOfLocalDay(date, timeZone);
  if (from === undefined) return undefined;
  return { from, to: startOfLocalDay(addDays(date, 1), timeZone)! };
}

/** The local month [from, to) that `month` (YYYY-MM) names, as UTC instants. */
export function localMonthRange(month: string, timeZone: string = DEFAULT_TIME_ZONE): { from: number; to: number } | undefined {
  const from = startOfLocalMonth(month, timeZone);
  if (from === undefined) return undefined;
  return { from, to: startOfLocalMonth(addMonths(month, 1), timeZone)! };
}
