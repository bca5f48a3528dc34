/**
 * @module domain/validation/checks
 * The automatic checks of issue 18 as pure functions: no I/O, no clock, no state of their own. The
 * ingest-time evaluator (ingest/qc-evaluator.ts) keeps the per-series state (recent values, the
 * current run of equal values) and calls these; the scheduled checks (validation/) may too. Each
 * returns null when the value passes, else what it saw (recorded as the flag's `detail`).
 */
import { difference } from '../../lib/decimal.js';

/** 1.4826 × MAD estimates the standard deviation of normally distributed values. */
export const MAD_TO_SIGMA = 1.4826;

/**
 * The median of the first `n` entries of `values` (n ≥ 1). `scratch` (length ≥ n) avoids an
 * allocation per call on the hot path.
 */
export function medianOf(values: ArrayLike<number>, n: number, scratch: Float64Array = new Float64Array(n)): number {
  for (let i = 0; i < n; i++) scratch[i] = values[i]!;
  const s = scratch.subarray(0, n).sort();
  const mid = n >> 1;
  return n % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The median absolute deviation of the first `n` entries of `values` from `median`. */
export function madOf(values: ArrayLike<number>, n: number, median: number, scratch: Float64Array = new Float64Array(n)): number {
  for (let i = 0; i < n; i++) scratch[i] = Math.abs(values[i]! - median);
  return medianOf(scratch, n, scratch);
}

export interface SpikeParams {
  k: number;
  /** the smallest deviation that flags, in the metric's unit */
  minDelta: number;
  /** fewer previous values: not judged */
  minValues: number;
}
export interface SpikeFinding {
  median: number;
  mad: number;
  limit: number;
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;

/**
 * Spike: `value` against the median of the previous values (in any order), flagged when
 * |value − median| > max(k × 1.4826 × MAD, minDelta).
 * @example
 * spikeCheck([20, 21, 19, 20, 22], 5, 95, { k: 6, minDelta: 10, minValues: 5 }); // { median: 20, mad: 1, limit: 10 }
 */
export function spikeCheck(previous: ArrayLike<number>, n: number, value: number, p: SpikeParams, scratch?: Float64Array): SpikeFinding | null {
  if (n < p.minValues || n === 0) return null;
  // The median lies between the smallest and the largest: when both are within minDelta of the
  // value, so is the median, and no sort is needed (the common case, by far).
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = previous[i]!;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (Math.max(Math.abs(value - lo), Math.abs(value - hi)) <= p.minDelta) return null;
  const median = medianOf(previous, n, scratch);
  if (!(Math.abs(value - median) > p.minDelta)) return null;
  const mad = madOf(previous, n, median, scratch);
  const limit = Math.max(p.k * MAD_TO_SIGMA * mad, p.minDelta);
  if (!(Math.abs(value - median) > limit)) return null;
  return { median: round(median), mad: round(mad), limit: round(limit) };
}

/** The run of equal values a series is in: its value, how many readings, the first one's time. */
export interface FlatRun {
  value: number;
  count: number;
  /** ms */
  start: number;
}

/**
 * Advances `run` (in place: it is the series' state, kept without an allocation per reading) by one
 * reading: longer when the value repeats, a new run of 1 otherwise, no run at all (count 0) for a
 * value in `ignore` (rain 0 is not a stuck gauge). Returns the run's length.
 */
export function flatlineStep(run: FlatRun, value: number, ts: number, ignore: readonly number[]): number {
  if (ignore.includes(value)) run.count = 0;
  else if (run.count > 0 && run.value === value) run.count++;
  else {
    run.value = value;
    run.count = 1;
    run.start = ts;
  }
  return run.count;
}

export interface RateFinding {
  change: number;
  perMinute: number;
  limit: number;
}

/**
 * Rate of change from the previous reading, per minute of time between them.
 * @example rateCheck(1.2, 0, 3.0, 60_000, 0.2); // { change: 1.8, perMinute: 1.8, limit: 0.2 }
 */
export function rateCheck(prevValue: number, prevTs: number, value: number, ts: number, maxPerMinute: number): RateFinding | null {
  const minutes = (ts - prevTs) / 60_000;
  if (!(minutes > 0)) return null;
  // Decided on the plain difference, unless it lies within rounding of the limit: then as written
  // (8.3 − 7.8 is 0.5, not 0.5000000000000009, which a limit of 0.5 a minute flagged). Every
  // reading passes here, and lib/decimal.ts's count of decimals costs more than the subtraction.
  const raw = value - prevValue;
  const atLimit = Math.abs(Math.abs(raw) - maxPerMinute * minutes) <= 1e-9 * Math.max(1, Math.abs(value), Math.abs(prevValue));
  const change = atLimit ? difference(value, prevValue) : raw;
  const perMinute = Math.abs(change) / minutes;
  if (!(perMinute > maxPerMinute)) return null;
  return { change: round(change), perMinute: round(perMinute), limit: maxPerMinute };
}

export interface PairFinding {
  reference: number;
  limit: number;
}

/**
 * `value` must not be above `reference` × (1 + tolerance) + minDelta (PM2.5 ≤ PM10; outlet flow ≤
 * inlet flow, where `reference` is the largest inlet flow over the retention time).
 */
export function pairCheck(value: number, reference: number, tolerance: number, minDelta: number): PairFinding | null {
  const limit = reference * (1 + tolerance) + minDelta;
  return value > limit ? { reference, limit: round(limit) } : null;
}

/**
 * Dissolved oxygen at saturation (mg/L, fresh water, sea level) at `tempC`:
 * DO_sat = 14.652 − 0.41022 T + 0.0079910 T² − 0.000077774 T³, the formula VN_WQI (Decision
 * 1460/QĐ-TCMT) uses to turn DO into % saturation (/work/shared/domain/STANDARDS.md §3.2).
 */
export function doSaturation(tempC: number): number {
  return 14.652 - 0.41022 * tempC + 0.007991 * tempC ** 2 - 0.000077774 * tempC ** 3;
}

export interface SaturationFinding {
  temperature: number;
  saturation: number;
  limit: number;
}

/** Dissolved oxygen above `factor` × saturation at the reading's temperature. */
export function saturationCheck(dissolvedOxygen: number, tempC: number, factor: number): SaturationFinding | null {
  const saturation = doSaturation(tempC);
  const limit = saturation * factor;
  return dissolvedOxygen > limit ? { temperature: tempC, saturation: round(saturation), limit: round(limit) } : null;
}

/** A scheduled calibration or maintenance window, as the checks see it (store/qc-windows.ts stores them). */
export interface QcWindowSpan {
  id: number;
  stationId: string;
  /** null = every metric */
  metrics: readonly string[] | null;
  /** ms, inclusive */
  from: number;
  /** ms, exclusive */
  to: number;
  kind: 'calibration' | 'maintenance';
}

/** The first window of `windows` (one station's) that covers `metric` at `ts`. */
export function windowAt(windows: readonly QcWindowSpan[], metric: string, ts: number): QcWindowSpan | undefined {
  for (const w of windows) if (ts >= w.from && ts < w.to && (w.metrics === null || w.metrics.includes(metric))) return w;
  return undefined;
}
