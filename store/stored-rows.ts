/**
 * @module store/stored-rows
 * A continuous aggregate's own rows read as it keeps them: each row's `packed` bytes (migration
 * 012), made once when its bucket was materialized (and by the view's real-time part for the
 * buckets after the watermark), laid end to end by the database, then finished here into the
 * statistics asked for. The answer makes no bytes per row in the database (store/aggregates.ts
 * `packed` does, for the rows it computes): 24,000 hourly rows, 60 against 34 ms (README, Performance).
 *
 * A packed row, big-endian: the bucket's start (float8, epoch seconds); sum, sum_sq, min, max
 * (float8, NaN for NULL); n_valid << 32 | n_calibrating (int8), n_valid written as −1 − n_valid
 * when two more int8 follow: n_flagged << 32 | n_invalidated, n_fault << 32 | n_maintenance.
 */
import { createError } from '../lib/errors.js';
import { COUNT, COUNTS, RARE_COUNT_BYTES, askedQuantiles, fillQuantiles, readRareCounts, stddevOf, type AggName, type AggregateColumns } from './aggregate-columns.js';
import type { CaggReader, ContinuousAggregate } from './cagg-source.js';
import type { Db } from './db.js';
import { rankLineSql, sketchLineSql } from './sketches.js';

/** The bytes of a packed row without its rare counts. */
const ROW_BYTES = 48;

export interface StoredRowsQuery {
  view: ContinuousAggregate;
  stationIds: readonly string[];
  metrics: readonly string[];
  /** bucket-aligned range */
  from: Date;
  to: Date;
  aggs: readonly AggName[];
}

/** The rows of `q.view` in [from, to) for those stations and metrics, as AggregateColumns (unordered; counted = n_valid). */
export async function storedRows(db: Db, q: StoredRowsQuery, caggs: CaggReader): Promise<AggregateColumns> {
  const asked = askedQuantiles(q.aggs);
  // readings_hourly keeps its readings' codes, ascending: the database picks the ranks the quantiles
  // read; the daily and monthly rows keep (code, count) pairs, sent whole
  const hourly = q.view === 'readings_hourly';
  const line = hourly
    ? rankLineSql(
        'min',
        'max',
        'sketch',
        asked.map((x) => x.q),
      )
    : sketchLineSql('min', 'max', 'sketch');
  const sketches = asked.length > 0 ? `, string_agg(${line}, E'\\n') AS sketches` : '';
  const { rows } = await db.query<{ keys: string | null; bin: string | null; sketches?: string | null }>(
    `SELECT string_agg(station_id || E'\\t' || metric, E'\\n') AS keys, encode(string_agg(packed, ''::bytea), 'base64') AS bin${sketches}
       FROM ${caggs.fromItem(q.view, q.from, q.to)}
      WHERE station_id = ANY($1::text[]) AND metric = ANY($2::text[]) AND bucket >= $3 AND bucket < $4`,
    [q.stationIds, q.metrics, q.from, q.to],
  );
  const bin = rows[0]?.bin;
  const out = unpackStored(rows[0]?.keys ?? null, bin ? Buffer.from(bin, 'base64') : null, q.aggs);
  if (asked.length > 0) fillQuantiles(out, rows[0]?.sketches ?? '', hourly ? 'ranks' : 'pairs', q.aggs);
  return out;
}

/** Packed rows (one key line each) into columns, each asked aggregate finished from the row's sums and counts as the SQL of store/aggregates.ts computes it. */
export function unpackStored(keys: string | null, bin: Buffer | null, aggs: readonly AggName[]): AggregateColumns {
  const lines = keys ? keys.split('\n') : [];
  const n = lines.length;
  const aggCount = aggs.length;
  const length = bin?.byteLength ?? 0;
  const mismatch = () => createError('QT_ERR_INTERNAL', `stored rows: ${length} bytes do not hold ${n} rows`);
  if (length < n * ROW_BYTES) throw mismatch();
  const out: AggregateColumns = { rows: n, aggCount, keys: lines, bucket: new Float64Array(n), values: new Float64Array(n * aggCount), counts: new Int32Array(n * COUNTS) };
  if (!bin) return out;
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  let o = 0;
  for (let r = 0; r < n; r++) {
    if (o + ROW_BYTES > length) throw mismatch();
    out.bucket[r] = view.getFloat64(o) * 1000;
    const sum = view.getFloat64(o + 8);
    const sumSq = view.getFloat64(o + 16);
    const min = view.getFloat64(o + 24);
    const max = view.getFloat64(o + 32);
    const first = view.getInt32(o + 40);
    const valid = first < 0 ? -1 - first : first;
    const c = r * COUNTS;
    out.counts[c + COUNT.counted] = valid;
    out.counts[c + COUNT.valid] = valid;
    out.counts[c + COUNT.calibrating] = view.getInt32(o + 44);
    o += ROW_BYTES;
    if (first < 0) {
      if (o + RARE_COUNT_BYTES > length) throw mismatch();
      readRareCounts(view, o, out.counts, c);
      o += RARE_COUNT_BYTES;
    }
    const v = r * aggCount;
    for (let a = 0; a < aggCount; a++) {
      switch (aggs[a]) {
        case 'avg':
          // sum / NULLIF(n_valid, 0)
          out.values[v + a] = valid > 0 ? sum / valid : NaN;
          break;
        case 'min':
          out.values[v + a] = min;
          break;
        case 'max':
          out.values[v + a] = max;
          break;
        case 'sum':
          out.values[v + a] = sum;
          break;
        case 'count':
          out.values[v + a] = valid;
          break;
        case 'stddev':
          out.values[v + a] = stddevOf(valid, sum, sumSq);
          break;
        default:
        // a quantile: fillQuantiles writes it from the row's sketch line
      }
    }
  }
  if (o !== length) throw mismatch();
  return out;
}
