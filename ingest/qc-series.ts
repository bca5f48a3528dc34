/**
 * @module ingest/qc-series
 * The state the ingest-time checks keep per station and metric, bounded whatever the load: a ring
 * of the last `window` values (spike), the last value and its time (rate, cross-parameter), the
 * run of equal values (flat line: its value, length and start, not its readings), and for a metric
 * that another compares with over a lag (inlet flow) the largest value per slice of that lag.
 *
 * Every series is a slot of one table, its fields columns of typed arrays and its ring a stretch
 * of one shared array, not an object: an object per series with its own Float64Array ring (the
 * object, its boxed doubles, the flat-line run, the typed array, its ArrayBuffer and backing
 * store) held 62 MB for 100,000 series (10,000 stations × 10 metrics, the default checks; heap and
 * array buffers after a full collection), the table 33 MB with the evaluator's maps. A slot holds
 * 8 × 8 + 6 × 4 bytes of fields and window × 8 of ring (15 × 8 = 120 with the defaults); the
 * columns grow by half again when full. Lag slices (rare: one metric of a lagged pair) are kept
 * beside, per slot.
 */

/** Slices of a lag window kept per lagged reference (7 cover the lag, one is being filled). */
const LAG_SLICES = 8;

/** A series' slot in the table. */
export type Slot = number;

export class QcSeriesTable {
  /** newest time seen on the series, any quality (ms); older rows skip the stateful checks */
  newestTs = new Float64Array(0);
  /** last judged value (quality 0, not null) and its time */
  lastTs = new Float64Array(0);
  lastValue = new Float64Array(0);
  /** the last value neither a spike nor too fast, and its time: what the rate of change is measured from */
  rateTs = new Float64Array(0);
  rateValue = new Float64Array(0);
  /** flat line: the current run's value and first time (its count in runCount; 0 = no run) */
  runValue = new Float64Array(0);
  runStart = new Float64Array(0);
  runCount = new Int32Array(0);
  /** batch counter and row index of the last judged value (a later partner flags it in place) */
  lastBatch = new Float64Array(0);
  lastIndex = new Int32Array(0);
  /** the ring: where it starts in `rings`, its capacity, its next write and how many it holds */
  private ringAt = new Int32Array(0);
  private ringCap = new Int32Array(0);
  private head = new Int32Array(0);
  private sizes = new Int32Array(0);
  private rings = new Float64Array(0);
  /** ring doubles in use (the end of the last ring) and left behind by resized rings */
  private ringEnd = 0;
  private ringWasted = 0;
  private lag = new Map<Slot, { sliceMs: number; slices: Float64Array }>();
  private n = 0;

  /** Series in the table. */
  get count(): number {
    return this.n;
  }

  /** A new series with a ring of `window` values. The columns may be replaced: read them through the table, never keep one. */
  create(window: number): Slot {
    const slot = this.n++;
    if (slot >= this.newestTs.length) this.grow(Math.max(1024, Math.ceil(1.5 * this.newestTs.length)));
    for (const col of [this.newestTs, this.lastTs, this.rateTs]) col[slot] = -Infinity;
    for (const col of [this.lastValue, this.rateValue, this.runValue]) col[slot] = NaN;
    this.runStart[slot] = 0;
    this.runCount[slot] = 0;
    this.lastBatch[slot] = -1;
    this.lastIndex[slot] = -1;
    this.placeRing(slot, window);
    return slot;
  }

  /** How many previous values the ring holds. */
  size(slot: Slot): number {
    return this.sizes[slot]!;
  }

  /** The previous values in no particular order (a median does not need one), copied into `out`; returns how many. */
  values(slot: Slot, out: Float64Array): number {
    const n = this.sizes[slot]!;
    const at = this.ringAt[slot]!;
    for (let i = 0; i < n; i++) out[i] = this.rings[at + i]!;
    return n;
  }

  /** The previous values, oldest first (copied into `out`; returns how many). */
  previous(slot: Slot, out: Float64Array): number {
    const n = this.sizes[slot]!;
    const cap = this.ringCap[slot]!;
    const at = this.ringAt[slot]!;
    const start = (this.head[slot]! - n + cap) % cap;
    for (let i = 0; i < n; i++) out[i] = this.rings[at + ((start + i) % cap)]!;
    return n;
  }

  push(slot: Slot, value: number): void {
    const cap = this.ringCap[slot]!;
    const head = this.head[slot]!;
    this.rings[this.ringAt[slot]! + head] = value;
    this.head[slot] = (head + 1) % cap;
    if (this.sizes[slot]! < cap) this.sizes[slot]!++;
  }

  /** Forgets the previous values (a gap longer than the spike check's maxGapMinutes). */
  forget(slot: Slot): void {
    this.sizes[slot] = 0;
    this.head[slot] = 0;
  }

  /** Resizes the ring (configuration changed), keeping the newest values that fit. */
  resize(slot: Slot, window: number): void {
    const cap = this.ringCap[slot]!;
    if (window === cap) return;
    const keep = new Float64Array(this.sizes[slot]!);
    this.previous(slot, keep);
    if (window < cap) {
      this.ringCap[slot] = window;
      this.ringWasted += cap - window;
    } else {
      this.ringWasted += cap;
      this.placeRing(slot, window);
    }
    this.forget(slot);
    for (const v of keep.subarray(Math.max(0, keep.length - window))) this.push(slot, v);
  }

  /** Keeps the largest value per slice of `lagMs` (for a pair compared over a lag). */
  trackLag(slot: Slot, lagMs: number, ts: number, value: number): void {
    const sliceMs = Math.max(1, Math.ceil(lagMs / (LAG_SLICES - 1)));
    let lag = this.lag.get(slot);
    if (!lag || lag.sliceMs !== sliceMs) this.lag.set(slot, (lag = { sliceMs, slices: new Float64Array(2 * LAG_SLICES).fill(NaN) }));
    const s = lag.slices;
    const start = Math.floor(ts / sliceMs) * sliceMs;
    const i = (Math.floor(ts / sliceMs) % LAG_SLICES) * 2;
    if (s[i] === start) s[i + 1] = Math.max(s[i + 1]!, value);
    else if (!(s[i]! > start)) {
      s[i] = start;
      s[i + 1] = value;
    }
  }

  /** The largest value in the slices that overlap (ts − lagMs, ts]; NaN when none. */
  maxOver(slot: Slot, lagMs: number, ts: number): number {
    const lag = this.lag.get(slot);
    if (!lag) return NaN;
    const { sliceMs, slices: s } = lag;
    let max = NaN;
    for (let i = 0; i < 2 * LAG_SLICES; i += 2) {
      const start = s[i]!;
      if (start + sliceMs > ts - lagMs && start <= ts && !(s[i + 1]! <= max)) max = s[i + 1]!;
    }
    return max;
  }

  /** Gives the slot a ring of `window` at the end of the shared array (compacting it first when resized rings left half of it unused). */
  private placeRing(slot: Slot, window: number): void {
    if (this.ringWasted > 0 && this.ringWasted * 2 > this.ringEnd) this.compactRings(slot);
    if (this.ringEnd + window > this.rings.length) {
      const rings = new Float64Array(Math.max(16_384, Math.ceil(1.5 * (this.ringEnd + window))));
      rings.set(this.rings.subarray(0, this.ringEnd));
      this.rings = rings;
    }
    this.ringAt[slot] = this.ringEnd;
    this.ringCap[slot] = window;
    this.head[slot] = 0;
    this.sizes[slot] = 0;
    this.ringEnd += window;
  }

  /** Moves every ring but `except`'s (about to be placed again) together. */
  private compactRings(except: Slot): void {
    const rings = new Float64Array(this.rings.length);
    let end = 0;
    for (let slot = 0; slot < this.n; slot++) {
      if (slot === except) continue;
      const at = this.ringAt[slot]!;
      const cap = this.ringCap[slot]!;
      rings.set(this.rings.subarray(at, at + cap), end);
      this.ringAt[slot] = end;
      end += cap;
    }
    this.rings = rings;
    this.ringEnd = end;
    this.ringWasted = 0;
  }

  private grow(capacity: number): void {
    const grown = <T extends Float64Array | Int32Array>(col: T): T => {
      const next = new (col.constructor as new (n: number) => T)(capacity);
      next.set(col);
      return next;
    };
    this.newestTs = grown(this.newestTs);
    this.lastTs = grown(this.lastTs);
    this.lastValue = grown(this.lastValue);
    this.rateTs = grown(this.rateTs);
    this.rateValue = grown(this.rateValue);
    this.runValue = grown(this.runValue);
    this.runStart = grown(this.runStart);
    this.runCount = grown(this.runCount);
    this.lastBatch = grown(this.lastBatch);
    this.lastIndex = grown(this.lastIndex);
    this.ringAt = grown(this.ringAt);
    this.ringCap = grown(this.ringCap);
    this.head = grown(this.head);
    this.sizes = grown(this.sizes);
  }
}
