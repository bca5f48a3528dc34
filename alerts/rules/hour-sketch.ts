/**
 * @module alerts/rules/hour-sketch
 * The anomaly rule's long history (7 days in QCVN 05:2023's pack) kept as one quantile sketch per
 * hour (lib/quantile-sketch.ts) instead of every raw reading, so the engine's memory does not
 * grow with the window or the reading rate (alerts/series-window.ts keeps them).
 *
 * Hours are UTC clock hours [start, start + 1 h), open at their end, like the local hour of day
 * the rule compares (localParts(ts).hour is 10 from 10:00:00 to 10:59:59). An hour's local hour
 * of day is that of its start: exact in zones whose offset is whole hours (Vietnam and its
 * neighbours); in a half-hour zone (India, UTC+5:30) an hour's readings straddle two local hours
 * and are attributed to the first.
 *
 * The window: [floorHour(newest − W), newest), i.e. whole hours from the one the window starts
 * in, so it may reach up to an hour further back than the raw window [newest − W, newest); on
 * hourly data stamped at the hour the two are the same.
 */
import { addToSketch, compactSketch, createSketch, type QuantileSketch } from '../../lib/quantile-sketch.js';

export const SKETCH_HOUR_MS = 3_600_000;

/** The sketch of the valid values with ts in [start, start + 1 h) older than the raw samples (one object: an hour of PM2.5 at one reading a minute costs ~240 bytes). */
export interface HourSketch extends QuantileSketch {
  start: number;
}

/** An empty sketch of the hour starting at `start`. */
export function createHourSketch(start: number): HourSketch {
  return { start, ...createSketch() };
}

/** The start of the UTC hour `ts` falls in. */
export function hourStartOf(ts: number): number {
  return Math.floor(ts / SKETCH_HOUR_MS) * SKETCH_HOUR_MS;
}

/** The inclusive start of the anomaly history of `windowMs` before `newestTs` when hour sketches are used. */
export function sketchWindowStart(newestTs: number, windowMs: number): number {
  return hourStartOf(newestTs - windowMs);
}

/** The sketch of `values` (tests and the re-read of an hour from the database). */
export function sketchOf(values: Iterable<number>): QuantileSketch {
  const s = createSketch();
  for (const v of values) addToSketch(s, v);
  compactSketch(s);
  return s;
}
