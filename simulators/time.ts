/**
 * @module simulators/time
 * Vietnam local time (Asia/Ho_Chi_Minh: UTC+7, no DST since 1975) for timestamps and diurnal cycles.
 */

export const VN_OFFSET_MS = 7 * 3_600_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** A `now()` in epoch ms; inject one in tests to control timestamps. */
export type Clock = () => number;

export interface LocalParts {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 */
  day: number;
  /** 0–23 */
  hour: number;
  minute: number;
  /** Fractional hour of the local day, 0 ≤ h < 24. */
  hourOfDay: number;
  /** 0-based day of the (local) year, fractional. */
  dayOfYear: number;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
}

/** Splits an instant into Vietnam local calendar parts. */
export function localParts(epochMs: number): LocalParts {
  const local = new Date(epochMs + VN_OFFSET_MS);
  const year = local.getUTCFullYear();
  const startOfYear = Date.UTC(year, 0, 1);
  const msOfDay = (((epochMs + VN_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS;
  return {
    year,
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    hourOfDay: msOfDay / HOUR_MS,
    dayOfYear: (epochMs + VN_OFFSET_MS - startOfYear) / DAY_MS,
    weekday: local.getUTCDay(),
  };
}

/**
 * ISO 8601 in Vietnam local time with an explicit `+07:00` offset; milliseconds only when non-zero.
 * @example formatLocalIso(Date.UTC(2026, 10, 22, 2, 1)) // '2026-11-22T09:01:00+07:00'
 */
export function formatLocalIso(epochMs: number): string {
  const iso = new Date(epochMs + VN_OFFSET_MS).toISOString(); // 'YYYY-MM-DDTHH:mm:ss.sssZ'
  const base = iso.slice(0, 19);
  const ms = iso.slice(20, 23);
  return `${base}${ms === '000' ? '' : `.${ms}`}+07:00`;
}

/** The same instant without an offset (what some dataloggers wrongly send); used by the `malformed` fault. */
export function formatLocalIsoWithoutOffset(epochMs: number): string {
  return new Date(epochMs + VN_OFFSET_MS).toISOString().slice(0, 19);
}

/**
 * The interval boundary at or before `epochMs`, aligned in local time (with intervals that divide a
 * day, 60 s gives hh:mm:00, 300 s gives hh:m0:00 / hh:m5:00).
 */
export function intervalBoundary(epochMs: number, intervalMs: number): number {
  const local = epochMs + VN_OFFSET_MS;
  return local - (((local % intervalMs) + intervalMs) % intervalMs) - VN_OFFSET_MS;
}
