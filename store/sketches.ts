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
 * answered exactly), or for an hour read as stored only the codes the asked quantiles read
 * (rankLineSql); the estimates are computed here, where a loop over a few dozen numbers costs
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

/**
 * readings_hourly's sketch line cut to what the quantiles `qs` read: `min,max,n,` then, per
 * quantile in the order of `qs`, the codes at the 0-based ranks ⌊q·(n − 1)⌋ and the one after, n the
 * hour's codes ('' without a counted value). The codes are ascending, so the
 * database picks them by subscript: 6 codes a row for three quantiles instead of about 60 (an hour at
 * one reading a minute), the same estimates (lineQuantiles, layout 'ranks') from an eighth of the
 * text (24,000 hours: 0.90 against 7.16 MB; the hourly quantile answer asked new p50 / p95 133 / 202
 * against 264 / 360 ms, `npm run bench -- --all`, README Performance).
 */
export function rankLineSql(min: string, max: string, sketch: string, qs: readonly number[]): string {
  const n = `cardinality(${sketch})`;
  const picks = qs.map((q) => {
    // 1-based: the code at 0-based rank ⌊q·(n − 1)⌋, computed in float8 as lineQuantiles does in JS;
    // past the last code (q = 1) the one after is read as the last, which the estimate does not use
    const at = `floor(${Number(q)}::float8 * (${n} - 1))::int + 1`;
    return `${sketch}[${at}], ${sketch}[least(${at} + 1, ${n})]`;
  });
  // one concat_ws a row (each || would copy the text so far); it skips NULLs, so a NULL sketch (with its NULL min and max) gives ''
  return `concat_ws(',', ${min}, ${max}, ${n}, ${picks.join(', ')})`;
}

/**
 * How a sketch line holds its values after `min,max,`: one code per value, ascending
 * (readings_hourly's whole line, sketchLineSql: the reference the rank lines are tested against),
 * (code, count) pairs, or the count and, per quantile asked, the two codes around its rank
 * (rankLineSql, what the API reads for hours).
 */
export type SketchLayout = 'codes' | 'pairs' | 'ranks';

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
  if (layout === 'ranks') {
    // (a rank line has at least one code: an hour without a counted value has the line '')
    const count = Number(parts[2]);
    for (let i = 0; i < qs.length; i++) {
      const rank = qs[i]! * (count - 1);
      const lo = Math.floor(rank);
      const below = clamped(Number(parts[3 + 2 * i]));
      out[i] = rank === lo ? below : below + (clamped(Number(parts[4 + 2 * i])) - below) * (rank - lo);
    }
    return;
  }
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
