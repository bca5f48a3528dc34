/**
 * @module alerts/rules/hourly
 * Long mean windows (threshold over 'mean' longer than an hour: QCVN 05:2023's 8 h and 24 h
 * values) counted in whole hours, so the engine can keep them as one partial sum per hour instead
 * of every raw reading (alerts/series-window.ts), and memory does not grow with the window.
 *
 * Hours are UTC hours closed at their end, (end − 1 h, end]: a reading stamped 10:00 belongs to the
 * hour ending 10:00, like the hourly index values the engine stamps at hour ends.
 *
 * The window: (ceilHour(newest − W), newest], i.e. the hour ending at or after the newest valid
 * sample and the ⌈W⌉ − 1 hours before it, W for 24 h giving "the last 24 hourly periods, the
 * newest one possibly still running". A window of raw samples, (newest − W, newest], would need
 * every raw reading of its oldest hour as that edge slides; whole hours need only the sums.
 * When the newest sample sits on an hour (hourly data stamped at the hour) the two are the same;
 * otherwise the window is shorter by less than an hour, and coverage is measured over its span.
 * The sum is exact (exact-sum.ts), so hourly sums and raw values give the same mean, bit for bit.
 */
import { addExact, exactTotal, mergeExact } from './exact-sum.js';
import { evidenceIn, firstAfter } from './samples.js';
import type { Rule, Sample } from './types.js';

export const HOUR_MS = 3_600_000;

/** Mean windows longer than this are counted in whole hours (shorter ones keep raw readings). */
export const HOURLY_WINDOW_ABOVE_MS = HOUR_MS;

/** The sum of the valid values of one hour, (end − 1 h, end]: count and exact partials (exact-sum.ts). */
export interface HourSum {
  end: number;
  count: number;
  partials: number[];
}

/** The end of the hour `ts` belongs to: ts itself on an hour, else the next hour. */
export function hourEndOf(ts: number): number {
  return Math.ceil(ts / HOUR_MS) * HOUR_MS;
}

/** The mean window of the rule in ms if it is counted in whole hours, else undefined. */
export function hourlyWindowMs(rule: Rule): number | undefined {
  if (rule.kind !== 'threshold' || rule.over !== 'mean' || rule.windowMinutes === undefined) return undefined;
  const ms = rule.windowMinutes * 60_000;
  return ms > HOURLY_WINDOW_ABOVE_MS ? ms : undefined;
}

/** The exclusive start of an hourly window of `windowMs` ending at `newestTs`. */
export function hourlyWindowStart(newestTs: number, windowMs: number): number {
  return hourEndOf(newestTs - windowMs);
}

export interface HourlyMean {
  mean: number;
  count: number;
  /** newest − start: what coverage is measured over. */
  spanMs: number;
  /** The newest raw samples inside the window, at most MAX_EVIDENCE, copied (the evidence). */
  evidence: Sample[];
}

/**
 * The mean of the valid values in (hourlyWindowStart(newestTs, windowMs), newestTs]: `valid` (raw,
 * ascending, ending at newestTs) and `hours`, the sums of the valid values older than every raw
 * sample. Undefined when the window holds no value.
 */
export function hourlyMean<S extends Sample & { value: number }>(valid: readonly S[], hours: readonly HourSum[], newestTs: number, windowMs: number): HourlyMean | undefined {
  const start = hourlyWindowStart(newestTs, windowMs);
  const partials: number[] = [];
  let count = 0;
  for (const h of hours) {
    if (h.end <= start || h.count === 0) continue;
    mergeExact(partials, h.partials);
    count += h.count;
  }
  // valid is ascending: the window is one run of it, found by bisection (a filter grew a copy per evaluation)
  const from = firstAfter(valid, start);
  const to = firstAfter(valid, newestTs);
  for (let i = from; i < to; i++) addExact(partials, valid[i]!.value);
  count += to - from;
  if (count === 0) return undefined;
  return { mean: exactTotal(partials) / count, count, spanMs: newestTs - start, evidence: evidenceIn(valid, from, to) };
}
