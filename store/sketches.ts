/**
 * @module store/sketches
 * Medians and percentiles from the quantile sketches the continuous aggregates carry (migration
 * 011), over lib/quantile-sketch's logarithmic buckets (relative accuracy SKETCH_ALPHA, 1 %). A
 * bucket's code is monotone in the value: 1,100 + k for a positive bucket k, −1,100 − k for a
 * negative one, 0 for zero. readings_hourly's `sketch` is the hour's codes, one per reading,
 * ascending; readings_daily's and readings_monthly's are (code, count) pairs, codes ascending.
 *
 * The database sends each answered bucket's sketch as one line of text, `min,max,` then the codes
 * or the pairs (its exact extremes first: an estimate is clamped to them, so a constant series is
 * answered exactly); the estimates are computed here, where a loop over a few dozen numbers costs
 * nothing, against about 100 µs per row for the same loop as an SQL function on the embedded database.
 */
import { bucketValue } from '../lib/quantile-sketch.js';

const CODE_OFFSET = 1_100;

/** The value a sketch code stands for (within SKETCH_ALPHA of every value it counts). */
export function codeValue(code: number): number {
  if (code > 0) return bucketValue(code - CODE_OFFSET);
  if (code < 0) return -bucketValue(-code - CODE_OFFSET);
  return 0;
}

/** The sketch text of a continuous aggregate's row (`min,max,` and the codes or the pairs; '' without a counted value). */
export function sketchLineSql(min: string, max: string, sketch: string): string {
  return `coalesce(${min}::text || ',' || ${max}::text || ',' || array_to_string(${sketch}, ','), '')`;
}

/** How a sketch line holds its values after `min,max,`: one code per value, ascending (readings_hourly), or (code, count) pairs. */
export type SketchLayout = 'codes' | 'pairs';

/**
 * Estimates of the quantiles `qs` (each in [0, 1]) of the values a sketch line counts, written to
 * out[i]: interpolated between the order statistics around rank q·(n − 1), as PostgreSQL's
 * percentile_cont over the raw readings, each order statistic estimated by its bucket's value and
 * clamped to the exact min and max. NaN for an empty line. (lib/quantile-sketch's sketchQuantile
 * takes the order statistic at ⌊q·(n − 1)⌋ without interpolating: the API answers as
 * percentile_cont does.)
 */
export function lineQuantiles(line: string, layout: SketchLayout, qs: readonly number[], out: Float64Array): void {
  if (line === '') {
    out.fill(NaN, 0, qs.length);
    return;
  }
  const parts = line.split(',');
  const min = Number(parts[0]);
  const max = Number(parts[1]);
  const clamped = (code: number) => Math.min(max, Math.max(min, codeValue(code)));
  let n = 0;
  if (layout === 'codes') n = parts.length - 2;
  else for (let p = 3; p < parts.length; p += 2) n += Number(parts[p]);
  // the value at 0-based rank j (ranks ascending: codes are monotone in the value, and ascending)
  const at_ = (j: number): number => {
    if (layout === 'codes') return clamped(Number(parts[j + 2]));
    let seen = 0;
    for (let p = 2; p + 1 < parts.length; p += 2) {
      seen += Number(parts[p + 1]);
      if (j < seen) return clamped(Number(parts[p]));
    }
    return max;
  };
  for (let i = 0; i < qs.length; i++) {
    if (n === 0) {
      out[i] = NaN;
      continue;
    }
    const rank = qs[i]! * (n - 1);
    const lo = Math.floor(rank);
    const below = at_(lo);
    out[i] = rank === lo ? below : below + (at_(lo + 1) - below) * (rank - lo);
  }
}
