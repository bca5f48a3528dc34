/**
 * @module lib/quantile-sketch
 * A mergeable quantile sketch with a relative-accuracy guarantee (DDSketch, Masson, Rim & Lee,
 * "DDSketch: a fast and fully-mergeable quantile sketch with relative-error guarantees", VLDB
 * 2019): a histogram over logarithmic buckets whose size depends on the range of the values, not
 * on how many there are. The alert engine keeps a week of history for the anomaly rule as one
 * sketch per hour (alerts/series-window.ts) instead of every raw reading.
 *
 * Bucket mapping (keep it stable: SQL-side sketches must produce the same keys):
 *   α = SKETCH_ALPHA = 0.01, γ = (1 + α) / (1 − α)
 *   x > MIN_POSITIVE:    positive bucket k = ceil(ln(x) / ln(γ)), covering (γ^(k−1), γ^k]
 *   x < −MIN_POSITIVE:   negative bucket k = ceil(ln(−x) / ln(γ)) (the mirror image)
 *   |x| ≤ MIN_POSITIVE:  the zero bucket
 *   a bucket's value:    ±2γ^k / (γ + 1), within relative error α of every value in the bucket
 * In SQL: `ceil(ln(x) / ln(1.01 / 0.99))::int` (float8 ln; a value within float rounding of a
 * bucket edge may land in the neighbour, which is still within α + ~1e-12).
 *
 * Guarantees (tested in lib/quantile-sketch.test.ts): count, min and max are exact; each order
 * statistic is estimated within relative error α; the median (the mean of the two middle order
 * statistics for an even count, as simple-statistics) within α·(|a| + |b|)/2 of the exact one,
 * i.e. α·|median| for values of one sign; the median absolute deviation within
 * α·(|median| + MAD) + the median's error (see `sketchSpread`). A sketch keeps at most
 * MAX_BUCKETS buckets a sign, about 17.6 decades from the smallest magnitude it holds: larger
 * magnitudes (a logger's 9.9e37 error code) are counted in the largest kept bucket. Ranks are
 * kept, so only those values' estimates degrade (DDSketch merges the other end; for sensor data
 * the absurd values are the large ones, and magnitudes below MIN_POSITIVE are zeros anyway).
 */

/** Relative accuracy of every estimated order statistic. */
export const SKETCH_ALPHA = 0.01;
/** The bucket growth factor γ = (1 + α) / (1 − α). */
export const SKETCH_GAMMA = (1 + SKETCH_ALPHA) / (1 - SKETCH_ALPHA);
const LN_GAMMA = Math.log(SKETCH_GAMMA);
/** Values of at most this magnitude count as zero. */
export const MIN_POSITIVE = 1e-9;
/** Buckets a sign at most (bounds a sketch's size whatever the values and their number). */
export const MAX_BUCKETS = 2048;

/**
 * Counts by bucket of one sign, dense from its offset (count i is bucket offset + i): a plain
 * array while the sketch grows; once compacted (compactSketch), a string whose char codes are the
 * counts when none exceeds 65,535 (one or two bytes a bucket and a 16-byte header, against 8
 * bytes a slot for an array, or ~260 bytes for a small typed array, in Node's V8). Read them with
 * `countAt`.
 */
export type Counts = number[] | string;

/** Count i of `counts`. */
export function countAt(counts: Counts, i: number): number {
  return typeof counts === 'string' ? counts.charCodeAt(i) : counts[i]!;
}

export interface QuantileSketch {
  count: number;
  /** Exact extremes of the values added (the estimates are clamped to them). */
  min: number;
  max: number;
  zeros: number;
  posOffset: number;
  pos: Counts;
  negOffset: number;
  neg: Counts;
}

/** The counts of a sign with no values. */
const NONE: Counts = '';

export function createSketch(): QuantileSketch {
  return { count: 0, min: Infinity, max: -Infinity, zeros: 0, posOffset: 0, pos: NONE, negOffset: 0, neg: NONE };
}

/** The bucket key of a magnitude > MIN_POSITIVE (see the module comment). */
export function bucketKey(magnitude: number): number {
  return Math.ceil(Math.log(magnitude) / LN_GAMMA);
}

/** The value a bucket stands for: 2γ^k / (γ + 1). */
export function bucketValue(key: number): number {
  return (2 * Math.exp(key * LN_GAMMA)) / (SKETCH_GAMMA + 1);
}

/**
 * Adds `n` to bucket `key` of one sign's dense store (the negative one when `negative`), in place
 * on the sketch (no result object: a merge or a raw value added calls it once a bucket, per
 * evaluation of the anomaly rule). The store spans at most MAX_BUCKETS keys from its lowest: a
 * larger key is counted in the highest kept bucket; a lower key that would stretch it further
 * moves the top buckets into that highest kept one.
 */
function bump(s: QuantileSketch, negative: boolean, key: number, n: number): void {
  const stored = negative ? s.neg : s.pos;
  const offset = negative ? s.negOffset : s.posOffset;
  let counts: number[];
  let start = offset;
  if (stored.length === 0) {
    counts = [n];
    start = key;
  } else {
    // a compacted sketch grows again (by index: iterating a string would join surrogate pairs)
    counts = typeof stored === 'string' ? Array.from({ length: stored.length }, (_, i) => stored.charCodeAt(i)) : stored;
    if (key >= offset && key < offset + counts.length) counts[key - offset]! += n;
    else if (key > offset) {
      if (key - offset >= MAX_BUCKETS) {
        while (counts.length < MAX_BUCKETS) counts.push(0);
        counts[MAX_BUCKETS - 1]! += n;
      } else {
        while (counts.length < key - offset) counts.push(0);
        counts.push(n);
      }
    } else {
      const grown = new Array<number>(offset - key).fill(0).concat(counts);
      grown[0] = n;
      if (grown.length > MAX_BUCKETS) {
        let top = 0;
        for (let i = MAX_BUCKETS - 1; i < grown.length; i++) top += grown[i]!;
        grown.length = MAX_BUCKETS;
        grown[MAX_BUCKETS - 1] = top;
      }
      counts = grown;
      start = key;
    }
  }
  if (negative) {
    s.neg = counts;
    s.negOffset = start;
  } else {
    s.pos = counts;
    s.posOffset = start;
  }
}

/** Adds `n` (default 1) occurrences of the finite value `x`. */
export function addToSketch(s: QuantileSketch, x: number, n = 1): void {
  s.count += n;
  if (x < s.min) s.min = x;
  if (x > s.max) s.max = x;
  if (x > MIN_POSITIVE) bump(s, false, bucketKey(x), n);
  else if (x < -MIN_POSITIVE) bump(s, true, bucketKey(-x), n);
  else s.zeros += n;
}

/** Adds every value of `from` to `into` (the result is the sketch of both value sets). */
export function mergeSketch(into: QuantileSketch, from: QuantileSketch): void {
  if (from.count === 0) return;
  into.count += from.count;
  into.min = Math.min(into.min, from.min);
  into.max = Math.max(into.max, from.max);
  into.zeros += from.zeros;
  for (let i = 0; i < from.pos.length; i++) {
    const c = countAt(from.pos, i);
    if (c === 0) continue;
    bump(into, false, from.posOffset + i, c);
  }
  for (let i = 0; i < from.neg.length; i++) {
    const c = countAt(from.neg, i);
    if (c === 0) continue;
    bump(into, true, from.negOffset + i, c);
  }
}

/** Stores the sketch's counts compactly (see Counts; a grown array also keeps spare room). */
export function compactSketch(s: QuantileSketch): void {
  s.pos = compactCounts(s.pos);
  s.neg = compactCounts(s.neg);
}

function compactCounts(counts: Counts): Counts {
  if (typeof counts === 'string') return counts;
  if (counts.length === 0) return NONE;
  let most = 0;
  for (const c of counts) most = Math.max(most, c);
  if (most > 0xffff) return counts.slice();
  let text = '';
  for (let i = 0; i < counts.length; i += 4096) text += String.fromCharCode(...counts.slice(i, i + 4096));
  return text;
}

/** Buckets held (the size measure: each is one array slot). */
export function sketchBuckets(s: QuantileSketch): number {
  return s.pos.length + s.neg.length;
}

/** The non-empty buckets in ascending order of value: [value, count] pairs, values clamped to [min, max]. */
export function sketchBins(s: QuantileSketch): Array<[number, number]> {
  const bins: Array<[number, number]> = [];
  const clamp = (v: number): number => Math.min(s.max, Math.max(s.min, v));
  for (let i = s.neg.length - 1; i >= 0; i--) {
    const c = countAt(s.neg, i);
    if (c > 0) bins.push([clamp(-bucketValue(s.negOffset + i)), c]);
  }
  if (s.zeros > 0) bins.push([clamp(0), s.zeros]);
  for (let i = 0; i < s.pos.length; i++) {
    const c = countAt(s.pos, i);
    if (c > 0) bins.push([clamp(bucketValue(s.posOffset + i)), c]);
  }
  return bins;
}

/** The value at 0-based `rank` of bins sorted ascending by value. */
function atRank(bins: ReadonlyArray<readonly [number, number]>, rank: number): number {
  let seen = 0;
  for (const [v, c] of bins) {
    seen += c;
    if (rank < seen) return v;
  }
  return bins.at(-1)![0];
}

/** The median of weighted bins sorted ascending (mean of the two middle ranks for an even total, as simple-statistics). */
function binsMedian(bins: ReadonlyArray<readonly [number, number]>, total: number): number {
  if (total % 2 === 1) return atRank(bins, (total - 1) / 2);
  return (atRank(bins, total / 2 - 1) + atRank(bins, total / 2)) / 2;
}

/** The estimated median; NaN for an empty sketch. */
export function sketchMedian(s: QuantileSketch): number {
  if (s.count === 0) return NaN;
  if (s.min === s.max) return s.min;
  return binsMedian(sketchBins(s), s.count);
}

/** The estimated value at quantile q ∈ [0, 1] (the value at rank ⌊q·(count − 1)⌋); NaN when empty. */
export function sketchQuantile(s: QuantileSketch, q: number): number {
  if (s.count === 0) return NaN;
  return atRank(sketchBins(s), Math.floor(Math.min(1, Math.max(0, q)) * (s.count - 1)));
}

/**
 * The estimated median absolute deviation around `center` (the sketch's median) and the mean
 * absolute deviation around it, from the bucket values: each value's deviation is estimated by
 * its bucket's. Error of the MAD: each deviation |x − m| is off by at most α·|x| + |m̂ − m|; for
 * the values at most MAD away from the median |x| ≤ |m| + MAD, so the MAD is off by at most
 * α·(|m| + MAD) + |m̂ − m| (the order statistic of perturbed values moves by at most the
 * perturbation of the values around it). A history in one bucket has both deviations 0.
 */
export function sketchSpread(s: QuantileSketch, center: number): { mad: number; meanAbsDev: number } {
  if (s.count === 0 || s.min === s.max) return { mad: 0, meanAbsDev: 0 };
  const deviations = sketchBins(s).map(([v, c]): [number, number] => [Math.abs(v - center), c]);
  let sum = 0;
  for (const [d, c] of deviations) sum += d * c;
  deviations.sort((a, b) => a[0] - b[0]);
  return { mad: binsMedian(deviations, s.count), meanAbsDev: sum / s.count };
}
