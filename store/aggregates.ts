/**
 * @module store/aggregates
 * Bucketed statistics of the analyst API per (station, metric, bucket): from the continuous
 * aggregates (readings_hourly, readings_daily, readings_monthly; re-grouped into wider buckets, or
 * read row for row when the bucket is the aggregate's own) or from the raw table (quantiles,
 * stddev, flagged readings, odd buckets). Statistics count VALIDATED readings
 * (domain/validation/codes.ts), like the continuous aggregates do.
 *
 * Every answer comes back as ONE packed row (see `packed`): on the embedded database the rows'
 * transfer, and then printing their floats as text, cost more than the query.
 */
import { validatedSql } from '../domain/validation/codes.js';
import { createError } from '../lib/errors.js';
import { caggReader, type CaggReader } from './cagg-source.js';
import type { Db } from './db.js';
import { sketchLineSql } from './sketches.js';
import { storedRows } from './stored-rows.js';
import {
  AGG_NAMES,
  COUNT,
  COUNTS,
  QUANTILES,
  RARE_COUNT_BYTES,
  STDDEV_CANCELLED,
  fillQuantiles,
  readRareCounts,
  type AggName,
  type AggregateColumns,
} from './aggregate-columns.js';

export { AGG_NAMES, COUNT, COUNTS, QUANTILES, STDDEV_CANCELLED, type AggName, type AggregateColumns };

/** The validated predicate on an unqualified `readings` row. */
const VALID = validatedSql();

/**
 * Aggregates the continuous aggregates can answer (all of them): exactly but stddev, which comes
 * from the sum of squares (see STDDEV_CANCELLED), and the quantiles (QUANTILES), estimated from
 * their sketches within SKETCH_ALPHA, 1 % (store/sketches.ts).
 */
export const CAGG_AGGS: ReadonlySet<AggName> = new Set(AGG_NAMES);

function stddevSql(n: string, sum: string, sumSq: string): string {
  const spread = `(${sumSq} - ${sum} * ${sum} / ${n})`;
  return `CASE WHEN ${n} > 1 THEN CASE WHEN ${spread} <= ${STDDEV_CANCELLED} * abs(${sumSq}) THEN 0::float8 ELSE sqrt(${spread} / (${n} - 1)) END END`;
}

export type AggregateSource = 'raw' | 'hourly' | 'daily' | 'monthly';

/** The continuous aggregate read for each source, and its own bucket (re-grouping by it is the identity). */
export const VIEWS = { hourly: 'readings_hourly', daily: 'readings_daily', monthly: 'readings_monthly' } as const satisfies Record<Exclude<AggregateSource, 'raw'>, string>;

export interface AggregateQuery {
  stationIds: readonly string[];
  metrics: readonly string[];
  /** bucket-aligned range (the caller widens it to whole buckets) */
  from: Date;
  to: Date;
  /** a PostgreSQL interval, e.g. '3600 seconds', '1 month' */
  interval: string;
  timezone: string;
  aggs: readonly AggName[];
  /** count flagged readings that carry a value too */
  includeFlagged: boolean;
  source: AggregateSource;
  /** the VN_AQI day: statistics over the day's hourly means (Decision 1459/QĐ-TCMT) */
  hourlyMeans: boolean;
  /**
   * The buckets asked for are the continuous aggregate's own (1 h on readings_hourly in a zone of
   * whole hours, 1 d on readings_daily in its zone, 1 month on readings_monthly in its zone): its
   * rows are read as they keep them (store/stored-rows.ts), without grouping them again.
   */
  ownBuckets?: boolean;
}

function rawAggExpr(a: AggName, col = 'value', cond = 'counted'): string {
  const p = QUANTILES[a];
  if (p !== undefined) return `percentile_cont(${p}) WITHIN GROUP (ORDER BY ${col}) FILTER (WHERE ${cond})`;
  const fn = a === 'stddev' ? 'stddev_samp' : a;
  return `${fn}(${col}) FILTER (WHERE ${cond})`;
}

/** The continuous aggregates' columns re-bucketed: avg is weighted by the valid count; a quantile is NULL here (it comes from the sketch column, `sketchColumn`). */
function caggAggExpr(a: AggName): string {
  if (QUANTILES[a] !== undefined) return 'NULL::float8';
  switch (a) {
    case 'avg':
      return 'sum(sum) / NULLIF(sum(n_valid), 0)';
    case 'min':
      return 'min(min)';
    case 'max':
      return 'max(max)';
    case 'sum':
      return 'sum(sum)';
    case 'count':
      return 'sum(n_valid)';
    case 'stddev':
      return stddevSql('sum(n_valid)::float8', 'sum(sum)', 'sum(sum_sq)');
    default:
      throw createError('QT_ERR_INTERNAL', `${a} is not served by a continuous aggregate`);
  }
}

/** The per-bucket counts of a raw aggregate (the same columns as the continuous aggregates keep). */
const RAW_COUNTS = `count(*) FILTER (WHERE ${VALID}) AS n_valid, count(*) FILTER (WHERE quality = 1) AS n_calibrating,
             count(*) FILTER (WHERE quality = 2) AS n_fault, count(*) FILTER (WHERE quality = 4) AS n_maintenance,
             count(*) FILTER (WHERE quality = 0 AND review = 0 AND qc <> 0) AS n_flagged, count(*) FILTER (WHERE review >= 10) AS n_invalidated`;

/**
 * What a packed row leaves out: what equals the valid count (on a continuous aggregate, re-grouped
 * or not, the counted readings and the `count` aggregate are n_valid; each value left out is a
 * column less for the database to write, a tenth of the packing), and a continuous aggregate's
 * quantiles, which come from the sketch lines instead.
 */
interface PackedLayout {
  counted: boolean;
  /** per aggregate: 'valid' (= n_valid), 'sketch' (estimated from the row's sketch line) or 'packed' */
  aggs: Array<'valid' | 'sketch' | 'packed'>;
}

/** Counts always packed (n_valid first: its sign says whether RARE follows), `counted` only where `same` does not leave it out. */
const COMMON = ['n_valid', 'counted', 'n_calibrating'] as const;
/**
 * Counts packed only when one of them is not 0 (or maintenance is NULL): a bucket flagged,
 * invalidated, in fault or in maintenance is the exception. Their 16 bytes and two int8send a row
 * were a third of the packing (24,000 hourly rows: 41 against 59 ms, p50 of 21, 2026-12-06).
 */
const RARE = ['n_flagged', 'n_invalidated', 'n_fault', 'n_maintenance'] as const;

/** A count as int8, through int4 first: a count past int4 is an error, as with int4send, never a wrapped value. NULL maintenance is -1. */
function countExpr(c: string): string {
  return c === 'n_maintenance' ? `coalesce(${c}::int4, -1)::int8` : `coalesce(${c}::int4, 0)::int8`;
}

/** int4 values packed two at a time as one int8send of `a << 32 | b` (the same 8 bytes as their two int4send, at a send and a concatenation less each); `b` masked when it can be negative. */
function int4Pairs(exprs: readonly string[], negative: (e: string) => boolean): string[] {
  return Array.from({ length: Math.ceil(exprs.length / 2) }, (_, i) => {
    const a = exprs[2 * i]!;
    const b = exprs[2 * i + 1];
    if (b === undefined) return `int4send((${a})::int4)`;
    return `int8send((${a} << 32) | ${negative(b) ? `(${b} & 4294967295)` : b})`;
  });
}

/**
 * The rows of `sql` (columns station_id, metric, bucket, then the aggregates a0…, then
 * COUNT_COLUMNS) packed by the database into ONE row of two values, in the same row order:
 * - keys: `station_id TAB metric`, a line per row;
 * - bin (base64): per row the bucket (epoch seconds) and the aggregates as float8 (NULL as NaN),
 *   then the COMMON counts as int4, n_valid first; when one of the RARE counts is not 0, n_valid
 *   is written as −1 − n_valid and the RARE counts follow (NULL maintenance as −1). Big-endian
 *   (float8send, int4send, int8send), without the values `same` leaves out.
 * On the embedded database moving many rows over the wire costs far more than the query (24,000
 * rows: about 600 ms as rows, 50 ms as one value); binary values are the exact float8s, read
 * without parsing any text (base64: less text for the driver to decode than bytea's hex).
 * Results in the protocol's binary format (arrays of float8 sent as they are) are no way around
 * the packing on the embedded database: its wire server passes every value through a UTF-8
 * decoding, so a byte such as 0xBD came back as EF BF BD (tried 2026-12-04 with node-postgres'
 * `binary: true`). Also measured slower (2026-12-06, the 24,000 rows): array_send of a column's
 * array_agg (89 against 55 ms), record_send of each row (100 against 73), grouping each series'
 * rows in the database to send its key once (54 against 44), ordering them (56 against 44).
 */
function packed(sql: string, aggCount: number, same: PackedLayout): string {
  const common = COMMON.filter((c) => !(c === 'counted' && same.counted)).map(countExpr);
  const rare = RARE.map(countExpr);
  const negative = (e: string) => e.startsWith('coalesce(n_maintenance');
  const hasRare = `(${rare.join(' | ')}) <> 0`;
  const marked = [`(-1 - ${common[0]!})`, ...common.slice(1)];
  const row = [
    `float8send(date_part('epoch', bucket))`,
    ...Array.from({ length: aggCount }, (_, i) => (same.aggs[i] !== 'packed' ? '' : `float8send(coalesce(a${i}::float8, 'NaN'))`)),
    `CASE WHEN ${hasRare} THEN ${int4Pairs([...marked, ...rare], negative).join(' || ')} ELSE ${int4Pairs(common, negative).join(' || ')} END`,
  ].filter((e) => e !== '');
  const sketches = same.aggs.includes('sketch') ? `, string_agg(sk, E'\\n') AS sketches` : '';
  return `SELECT string_agg(station_id || E'\\t' || metric, E'\\n') AS keys, encode(string_agg(${row.join(' || ')}, ''::bytea), 'base64') AS bin${sketches} FROM (${sql}) g`;
}

function unpack(keys: string | null, bin: Buffer | null, aggCount: number, same: PackedLayout): AggregateColumns {
  const lines = keys ? keys.split('\n') : [];
  const n = lines.length;
  const packedAggs = same.aggs.filter((s) => s === 'packed').length;
  const length = bin?.byteLength ?? 0;
  const mismatch = () => createError('QT_ERR_INTERNAL', `aggregate: ${length} bytes do not hold ${n} rows`);
  // the bytes of a row without its RARE counts, and of those
  const size = 8 + 8 * packedAggs + 4 * (same.counted ? COMMON.length - 1 : COMMON.length);
  const rareSize = RARE_COUNT_BYTES;
  if (length < n * size) throw mismatch();
  const out: AggregateColumns = { rows: n, aggCount, keys: lines, bucket: new Float64Array(n), values: new Float64Array(n * aggCount), counts: new Int32Array(n * COUNTS) };
  if (!bin) return out;
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  let o = 0;
  for (let r = 0; r < n; r++) {
    if (o + size > length) throw mismatch();
    out.bucket[r] = view.getFloat64(o) * 1000;
    o += 8;
    const v = r * aggCount;
    for (let a = 0; a < aggCount; a++) {
      if (same.aggs[a] !== 'packed') continue;
      out.values[v + a] = view.getFloat64(o);
      o += 8;
    }
    const c = r * COUNTS;
    const first = view.getInt32(o);
    o += 4;
    const valid = first < 0 ? -1 - first : first;
    out.counts[c + COUNT.valid] = valid;
    if (same.counted) out.counts[c + COUNT.counted] = valid;
    else {
      out.counts[c + COUNT.counted] = view.getInt32(o);
      o += 4;
    }
    out.counts[c + COUNT.calibrating] = view.getInt32(o);
    o += 4;
    if (first < 0) {
      if (o + rareSize > length) throw mismatch();
      readRareCounts(view, o, out.counts, c);
      o += rareSize;
    }
    for (let a = 0; a < aggCount; a++) if (same.aggs[a] === 'valid') out.values[v + a] = valid;
  }
  if (o !== length) throw mismatch();
  return out;
}

/**
 * Bucketed statistics per (station, metric), column by column; buckets without readings have no row. Unordered.
 * `caggs`: the continuous aggregates' watermarks read once for the several parts of one answer (read here when not given).
 */
export async function aggregateColumns(db: Db, q: AggregateQuery, caggs?: CaggReader): Promise<AggregateColumns> {
  if (q.source !== 'raw') caggs ??= await caggReader(db);
  // a continuous aggregate's own buckets: its rows as it keeps them (store/stored-rows.ts)
  if (q.source !== 'raw' && !q.hourlyMeans && q.ownBuckets) return storedRows(db, { ...q, view: VIEWS[q.source] }, caggs!);
  const { sql, params } = aggregateSql(q, caggs);
  const cagg = q.source !== 'raw' && !q.hourlyMeans;
  const same: PackedLayout = { counted: cagg, aggs: q.aggs.map((a) => (cagg && a === 'count' ? 'valid' : cagg && QUANTILES[a] !== undefined ? 'sketch' : 'packed')) };
  const { rows } = await db.query<{ keys: string | null; bin: string | null; sketches?: string | null }>(packed(sql, q.aggs.length, same), params);
  const bin = rows[0]?.bin;
  const out = unpack(rows[0]?.keys ?? null, bin ? Buffer.from(bin, 'base64') : null, q.aggs.length, same);
  // sketches merged into wider buckets: (code, count) pairs
  if (same.aggs.includes('sketch')) fillQuantiles(out, rows[0]?.sketches ?? '', 'pairs', q.aggs);
  return out;
}

/** The query of `q`: columns station_id, metric, bucket, the aggregates a0…, then COUNT_COLUMNS, then (a continuous aggregate's quantiles) the sketch line sk. */
function aggregateSql(q: AggregateQuery, caggs: CaggReader | undefined): { sql: string; params: unknown[] } {
  // a continuous aggregate's rows: its materialized hypertable before the watermark, the view after it (store/cagg-source.ts)
  const from = (source: Exclude<AggregateSource, 'raw'>) => caggs?.fromItem(VIEWS[source], q.from, q.to) ?? VIEWS[source];
  const params: unknown[] = [q.stationIds, q.metrics, q.from, q.to];
  const where = `station_id = ANY($1::text[]) AND metric = ANY($2::text[])`;
  const named = (exprs: string[]) => exprs.map((e, i) => `${e} AS a${i}`).join(', ');
  const quantiles = q.aggs.some((a) => QUANTILES[a] !== undefined);
  let sql: string;
  if (q.hourlyMeans) {
    // Hourly means first (hour-ending labels 01:00…24:00 fall in the day), then the day's statistics over them.
    const hourly =
      q.source === 'raw'
        ? `SELECT station_id, metric, time_bucket(INTERVAL '1 hour', ts) AS hour,
             avg(value) FILTER (WHERE counted) AS mean, count(*) FILTER (WHERE counted) AS counted,
             ${RAW_COUNTS}
           FROM (SELECT *, ${VALID} OR ($7::boolean AND value IS NOT NULL) AS counted FROM readings
                  WHERE ${where} AND ts >= $3 AND ts < $4) r
           GROUP BY 1, 2, 3`
        : `SELECT station_id, metric, bucket AS hour, sum / NULLIF(n_valid, 0) AS mean, n_valid AS counted,
             n_valid, n_calibrating, n_fault, n_maintenance, n_flagged, n_invalidated
           FROM ${from('hourly')} WHERE ${where} AND bucket >= $3 AND bucket < $4`;
    const exprs = q.aggs.map((a) => (a === 'count' ? 'count(mean)' : `${a === 'stddev' ? 'stddev_samp' : a}(mean)`));
    sql = `SELECT station_id, metric, time_bucket($5::interval, hour, $6::text) AS bucket, ${named(exprs)},
             sum(counted)::int8 AS counted, sum(n_valid)::int8 AS n_valid, sum(n_calibrating)::int8 AS n_calibrating,
             sum(n_fault)::int8 AS n_fault, sum(n_maintenance)::int8 AS n_maintenance, sum(n_flagged)::int8 AS n_flagged,
             sum(n_invalidated)::int8 AS n_invalidated
           FROM (${hourly}) h GROUP BY 1, 2, 3`;
    params.push(q.interval, q.timezone);
  } else if (q.source === 'raw') {
    const exprs = q.aggs.map((a) => rawAggExpr(a));
    sql = `SELECT station_id, metric, time_bucket($5::interval, ts, $6::text) AS bucket, ${named(exprs)},
             count(*) FILTER (WHERE counted) AS counted, ${RAW_COUNTS}
           FROM (SELECT *, ${VALID} OR ($7::boolean AND value IS NOT NULL) AS counted FROM readings
                  WHERE ${where} AND ts >= $3 AND ts < $4) r
           GROUP BY 1, 2, 3`;
    params.push(q.interval, q.timezone);
  } else {
    // the sketches of a wider bucket merged in the database into (code, count) pairs (migration 011)
    const merge = q.source === 'hourly' ? 'qt_sketch_of_codes' : 'qt_sketch_merge';
    const sk = quantiles ? `, ${sketchLineSql('min(min)', 'max(max)', `${merge}(sketch)`)} AS sk` : '';
    sql = `SELECT station_id, metric, time_bucket($5::interval, bucket, $6::text) AS bucket, ${named(q.aggs.map(caggAggExpr))},
             sum(n_valid)::int8 AS counted, sum(n_valid)::int8 AS n_valid, sum(n_calibrating)::int8 AS n_calibrating,
             sum(n_fault)::int8 AS n_fault, sum(n_maintenance)::int8 AS n_maintenance, sum(n_flagged)::int8 AS n_flagged,
             sum(n_invalidated)::int8 AS n_invalidated${sk}
           FROM ${from(q.source)} WHERE ${where} AND bucket >= $3 AND bucket < $4
           GROUP BY 1, 2, 3`;
    params.push(q.interval, q.timezone);
  }
  if (q.source === 'raw') params.push(q.includeFlagged);
  return { sql, params };
}
