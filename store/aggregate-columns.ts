/**
 * @module store/aggregate-columns
 * What an aggregate query answers, column by column (AggregateColumns), whichever way its rows
 * were read (store/aggregates.ts computes them, store/stored-rows.ts reads them as the continuous
 * aggregates keep them): the aggregates' names, the counts' order, and the statistics finished in
 * JS from what a row keeps (the quantiles from its sketch line, the standard deviation from its sums).
 */
import { createError } from '../lib/errors.js';
import { lineQuantiles, type SketchLayout } from './sketches.js';

export const AGG_NAMES = ['avg', 'min', 'max', 'sum', 'count', 'stddev', 'median', 'p95', 'p98'] as const;
export type AggName = (typeof AGG_NAMES)[number];
/** The quantile each quantile aggregate asks for (percentile_cont over raw rows; sketches from the continuous aggregates). */
export const QUANTILES: Partial<Record<AggName, number>> = { median: 0.5, p95: 0.95, p98: 0.98 };

/**
 * The sample standard deviation from n, Σx and Σx² (the continuous aggregates keep all three):
 * √((Σx² − (Σx)²/n) / (n − 1)), NULL below two readings as stddev_samp. The difference cancels
 * when the spread is tiny against the mean: what is left below STDDEV_CANCELLED × Σx² is rounding
 * (a float8 sum carries about 1e-16 of its size per term added), and the spread is 0 there, as
 * stddev_samp gives for equal readings (a spread under a millionth of the readings' root mean
 * square). Elsewhere it differs from stddev_samp over the raw rows by about 2e-16 × (mean ÷ spread)²,
 * relative: 1.1e-7 for an hour whose mean is 22,000 times its spread (test/analytics-stddev.test.ts).
 */
export const STDDEV_CANCELLED = 1e-12;
/** stddevSql's value, computed from the same float8s the same way (IEEE doubles in both): NaN for NULL. */
export function stddevOf(n: number, sum: number, sumSq: number): number {
  if (!(n > 1)) return NaN;
  const spread = sumSq - (sum * sum) / n;
  return spread <= STDDEV_CANCELLED * Math.abs(sumSq) ? 0 : Math.sqrt(spread / (n - 1));
}

/** The counts every aggregate query ends with, in the order AggregateColumns.counts holds them (store/aggregates.ts packs them as COMMON and RARE). */
const COUNT_COLUMNS = ['counted', 'n_valid', 'n_flagged', 'n_invalidated', 'n_calibrating', 'n_fault', 'n_maintenance'] as const;
/** The index of each count in a row of AggregateColumns.counts. */
export const COUNT = { counted: 0, valid: 1, flagged: 2, invalidated: 3, calibrating: 4, fault: 5, maintenance: 6 } as const;
/** Counts per row in AggregateColumns.counts. */
export const COUNTS = COUNT_COLUMNS.length;

/**
 * The rows of an aggregate query, column by column (what the answer is written from without an
 * object per row; analytics/series.ts). Row r's aggregate a is values[r × aggCount + a], its count
 * c is counts[r × COUNTS + c] (indices in COUNT).
 */
export interface AggregateColumns {
  rows: number;
  aggCount: number;
  /** per row: `station_id TAB metric` (ids never hold a tab: api parseList, station ids) */
  keys: string[];
  /** per row: the bucket's start, ms since the epoch */
  bucket: Float64Array;
  /** NaN = NULL (no reading counted; no aggregate of finite readings is NaN, and the answer writes NaN as null anyway) */
  values: Float64Array;
  /** maintenance -1 = NULL */
  counts: Int32Array;
}

/** The quantile aggregates among `aggs`: each one's index in `aggs` and its quantile, in the order of `aggs` (a 'ranks' sketch line's order). */
export function askedQuantiles(aggs: readonly AggName[]): Array<{ i: number; q: number }> {
  return aggs.flatMap((a, i) => (QUANTILES[a] === undefined ? [] : [{ i, q: QUANTILES[a] }]));
}

/** The quantile aggregates of each row, estimated from its sketch line (one line per row, in the rows' order). */
export function fillQuantiles(out: AggregateColumns, sketches: string, layout: SketchLayout, aggs: readonly AggName[]): void {
  const lines = out.rows === 0 ? [] : sketches.split('\n');
  if (lines.length !== out.rows) throw createError('QT_ERR_INTERNAL', `aggregate: ${lines.length} sketches for ${out.rows} rows`);
  const asked = askedQuantiles(aggs);
  const qs = asked.map((x) => x.q);
  const one = new Float64Array(qs.length);
  for (let r = 0; r < out.rows; r++) {
    lineQuantiles(lines[r]!, layout, qs, one);
    for (let k = 0; k < asked.length; k++) out.values[r * out.aggCount + asked[k]!.i] = one[k]!;
  }
}

/** The bytes of the rare counts a packed row carries when its valid count is written negative (flagged, invalidated, fault, maintenance: int4 each). */
export const RARE_COUNT_BYTES = 16;

/** Reads a packed row's rare counts at byte `o` into row `c` (its index × COUNTS) of `counts`. */
export function readRareCounts(view: DataView, o: number, counts: Int32Array, c: number): void {
  counts[c + COUNT.flagged] = view.getInt32(o);
  counts[c + COUNT.invalidated] = view.getInt32(o + 4);
  counts[c + COUNT.fault] = view.getInt32(o + 8);
  counts[c + COUNT.maintenance] = view.getInt32(o + 12);
}
