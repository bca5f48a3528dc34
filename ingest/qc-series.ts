/**
 * @module ingest/qc-series
 * The state the ingest-time checks keep per station and metric, bounded whatever the load: a ring
 * of the last `window` values (spike), the last value and its time (rate, cross-parameter), the
 * run of equal values (flat line: its value, length and start, not its readings), and for a metric
 * that another compares with over a lag (inlet flow) the largest value per slice of that lag.
 *
 * Memory per series: the ring is window × 8 bytes (15 × 8 = 120 with the defaults), the lag slices
 * 16 × 8 = 128 bytes where a lagged pair needs them, plus about 150 bytes of object, fields and
 * typed-array header: ~270 bytes per series with the defaults (~400 with lag slices), ~3.3 KB per
 * 12-metric station, ~33 MB for 10,000 such stations.
 */

import type { FlatRun } from '../domain/validation/checks.js';

/** Slices of a lag window kept per lagged reference (7 cover the lag, one is being filled). */
const LAG_SLICES = 8;

export class QcSeries {
  /** newest time seen on this series, any quality (ms); older rows skip the stateful checks */
  newestTs = -Infinity;
  /** last judged value (quality 0, not null) and its time */
  lastTs = -Infinity;
  lastValue = NaN;
  /** the last value neither a spike nor too fast, and its time: what the rate of change is measured from */
  rateTs = -Infinity;
  rateValue = NaN;
  /** batch counter and row index of the last judged value (a later partner flags it in place) */
  lastBatch = -1;
  lastIndex = -1;
  /** flat line: the current run (count 0 = none) */
  readonly run: FlatRun = { value: NaN, count: 0, start: 0 };
  private ring: Float64Array;
  private head = 0;
  private size = 0;
  private lag: Float64Array | undefined;
  private lagSliceMs = 0;

  constructor(window: number) {
    this.ring = new Float64Array(window);
  }

  /** The previous values in no particular order (a median does not need one): the first `count` of this array. */
  get values(): Float64Array {
    return this.ring;
  }

  /** The previous values, oldest first (copied into `out`; returns how many). */
  previous(out: Float64Array): number {
    const n = this.size;
    const cap = this.ring.length;
    const start = (this.head - n + cap) % cap;
    for (let i = 0; i < n; i++) out[i] = this.ring[(start + i) % cap]!;
    return n;
  }

  get count(): number {
    return this.size;
  }

  /** Resizes the ring (configuration changed), keeping the newest values that fit. */
  resize(window: number): void {
    if (window === this.ring.length) return;
    const keep = new Float64Array(this.size);
    this.previous(keep);
    this.ring = new Float64Array(window);
    this.head = 0;
    this.size = 0;
    for (const v of keep.subarray(Math.max(0, keep.length - window))) this.push(v);
  }

  push(value: number): void {
    this.ring[this.head] = value;
    this.head = (this.head + 1) % this.ring.length;
    if (this.size < this.ring.length) this.size++;
  }

  /** Forgets the previous values (a gap longer than the spike check's maxGapMinutes). */
  forget(): void {
    this.size = 0;
    this.head = 0;
  }

  /** Keeps the largest value per slice of `lagMs` (for a pair compared over a lag). */
  trackLag(lagMs: number, ts: number, value: number): void {
    const slice = Math.max(1, Math.ceil(lagMs / (LAG_SLICES - 1)));
    if (!this.lag || this.lagSliceMs !== slice) {
      this.lag = new Float64Array(2 * LAG_SLICES).fill(NaN);
      this.lagSliceMs = slice;
    }
    const start = Math.floor(ts / slice) * slice;
    const i = (Math.floor(ts / slice) % LAG_SLICES) * 2;
    if (this.lag[i] === start) this.lag[i + 1] = Math.max(this.lag[i + 1]!, value);
    else if (!(this.lag[i]! > start)) {
      this.lag[i] = start;
      this.lag[i + 1] = value;
    }
  }

  /** The largest value in the slices that overlap (ts − lagMs, ts]; NaN when none. */
  maxOver(lagMs: number, ts: number): number {
    if (!this.lag) return NaN;
    let max = NaN;
    for (let i = 0; i < 2 * LAG_SLICES; i += 2) {
      const start = this.lag[i]!;
      if (start + this.lagSliceMs > ts - lagMs && start <= ts && !(this.lag[i + 1]! <= max)) max = this.lag[i + 1]!;
    }
    return max;
  }
}
