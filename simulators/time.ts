/**
 * @module simulators/time
 * A simulated station's local time for its timestamps and diurnal cycles: the calendar parts the
 * value models read, ISO 8601 with the zone's offset, and interval boundaries aligned in local
 * time. Everything is computed by lib/time in the station's zone (its `timezone`; Asia/Ho_Chi_Minh,
 * UTC+7 with no daylight saving, when none is given).
 */
import { DAY_MS, DEFAULT_TIME_ZONE, HOUR_MS, localDateTime, localIso, localParts as zoneParts, zoneOffsetMs } from '../lib/time.js';

export { DAY_MS, HOUR_MS };

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

/** Splits an instant into local calendar parts in the zone (Vietnam by default). */
export function localParts(epochMs: number, timeZone: string = DEFAULT_TIME_ZONE): LocalParts {
  const p = zoneParts(epochMs, timeZone);
  const msOfDay = ((p.hour * 60 + p.minute) * 60 + p.second) * 1000 + p.millisecond;
  return {
    year: p.year,
    month: p.month,
    day: p.day,
    hour: p.hour,
    minute: p.minute,
    hourOfDay: msOfDay / HOUR_MS,
    dayOfYear: (epochMs + p.offsetMs - Date.UTC(p.year, 0, 1)) / DAY_MS,
    weekday: p.weekday % 7,
  };
}

/**
 * ISO 8601 in local time with the zone's offset; milliseconds only when non-zero.
 * @example formatLocalIso(Date.UTC(2026, 10, 22, 2, 1)) // '2026-11-22T09:01:00+07:00'
 */
export function formatLocalIso(epochMs: number, timeZone: string = DEFAULT_TIME_ZONE): string {
  return localIso(epochMs, timeZone);
}

/** The same instant without an offset (what some dataloggers wrongly send); used by the `malformed` fault. */
export function formatLocalIsoWithoutOffset(epochMs: number, timeZone: string = DEFAULT_TIME_ZONE): string {
  return localDateTime(epochMs, timeZone);
}

/**
 * The interval boundary at or before `epochMs`, aligned in local time (with intervals that divide a
 * day, 60 s gives hh:mm:00, 300 s gives hh:m0:00 / hh:m5:00).
 */
export function intervalBoundary(epochMs: number, intervalMs: number, timeZone: string = DEFAULT_TIME_ZONE): number {
  const offsetMs = zoneOffsetMs(timeZone, epochMs);
  const local = epochMs + offsetMs;
  return local - (((local % intervalMs) + intervalMs) % intervalMs) - offsetMs;
}
