/**
 * @module store/aggregates
 * Bucketed statistics of the analyst API per (station, metric, bucket): from the continuous
 * aggregates (readings_hourly, readings_daily, readings_monthly; re-grouped into wider buckets, or
 * read row for row when the bucket is the aggregate's own) or from the raw table (quantiles,
 * stddev, flagged readings, odd buckets). Statistics count VALIDATED readings
 * (domain/validation/codes.ts), like the continuous aggregates do.
 *
 * Every answer comes back as ONE packed text value (see `packed`): on the embedded database the
 * rows' transfer, not the query, was the cost.
 */
import { validatedSql } from '../domain/validation/codes.js';
import { createError } from '../lib/errors.js';
import type { Db } from './db.js';

/** The validated predicate on an unqualified `readings` row. */
const VALID = validatedSql();

export const AGG_NAMES = ['avg', 'min', 'max', 'sum', 'count', 'stddev', 'median', 'p95', 'p98'] as const;
export type AggName = (typeof AGG_NAMES)[number];
/** Aggregates the continuous aggregates can answer exactly; the others need raw rows. */
export const CAGG_AGGS: ReadonlySet<AggName> = new Set(['avg', 'min', 'max', 'sum', 'count']);

export type AggregateSource = 'raw' | 'hourly' | 'daily' | 'monthly';

/** The continuous aggregate read for each source, and its own bucket (re-grouping by it is the identity). */
const VIEWS: Record<Exclude<AggregateSource, 'raw'>, string> = { hourly: 'readings_hourly', daily: 'readings_daily', monthly: 'readings_monthly' };

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
   * rows are read as they are, without grouping them again.
   */
  ownBuckets?: boolean;
}

export interface AggregateRow {
  stationId: string;
  metric: string;
  /** the bucket's start, ms since the epoch */
  bucket: number;
  /**
   * One value per asked aggregate, in the order of AggregateQuery.aggs, as PostgreSQL printed it
   * ('' = NULL; float8 is printed shortest-exact, so Number(text) is the value pg's parser gave):
   * kept as text because the answer writes it as text again (analytics/series.ts).
   */
  texts: string[];
  /** readings counted by the statistics (validated, or with a value when flagged ones are included) */
  counted: number;
  /** validated readings */
  valid: number;
  /** flagged by an automatic check and not reviewed (station flag 0) */
  flagged: number;
  /** invalidated by a reviewer */
  invalidated: number;
  calibrating: number;
  fault: number;
  /** readings of a maintenance period (every source keeps it since migration 009; null kept in the type for old callers) */
  maintenance: number | null;
  total: number;
}

const PERCENTILES: Partial<Record<AggName, number>> = { median: 0.5, p95: 0.95, p98: 0.98 };

function rawAggExpr(a: AggName, col = 'value', cond = 'counted'): string {
  const p = PERCENTILES[a];
  if (p !== undefined) return `percentile_cont(${p}) WITHIN GROUP (ORDER BY ${col}) FILTER (WHERE ${cond})`;
  const fn = a === 'stddev' ? 'stddev_samp' : a;
  return `${fn}(${col}) FILTER (WHERE ${cond})`;
}

/** The continuous aggregates' columns re-bucketed: avg is weighted by the valid count. */
function caggAggExpr(a: AggName): string {
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
    default:
      throw createError('QT_ERR_INTERNAL', `${a} is not served by a continuous aggregate`);
  }
}

/** A continuous aggregate's row as one bucket: the same values caggAggExpr gives over that single row. */
function caggRowExpr(a: AggName): string {
  switch (a) {
    case 'avg':
      return 'sum / NULLIF(n_valid, 0)';
    case 'min':
    case 'max':
    case 'sum':
      return a;
    case 'count':
      return 'n_valid';
    default:
      throw createError('QT_ERR_INTERNAL', `${a} is not served by a continuous aggregate`);
  }
}

/** The per-bucket counts of a raw aggregate (the same columns as the continuous aggregates keep). */
const RAW_COUNTS = `count(*) FILTER (WHERE ${VALID}) AS n_valid, count(*) FILTER (WHERE quality = 1) AS n_calibrating,
             count(*) FILTER (WHERE quality = 2) AS n_fault, count(*) FILTER (WHERE quality = 4) AS n_maintenance,
             count(*) FILTER (WHERE quality = 0 AND review = 0 AND qc <> 0) AS n_flagged, count(*) FILTER (WHERE review >= 10) AS n_invalidated,
             count(*) AS n_total`;

/** The counts every aggregate query ends with, in this order (packed after the aggregates' values). */
const COUNT_COLUMNS = ['counted', 'n_valid', 'n_flagged', 'n_invalidated', 'n_calibrating', 'n_fault', 'n_maintenance', 'n_total'] as const;

/**
 * The rows of `sql` (columns station_id, metric, bucket, then the aggregates a0…, then
 * COUNT_COLUMNS) packed by the database into ONE text value: a line per row, tab-separated, the
 * bucket as epoch milliseconds, NULL as an empty field. On the embedded database moving many rows
 * over the wire costs far more than the query (24,000 rows: about 600 ms as rows, 50 ms as one
 * text); numbers keep their exact text (float8 is printed shortest-exact, as pg's parser gets it).
 */
function packed(sql: string, aggCount: number): string {
  const fields = ['station_id', 'metric', '(extract(epoch FROM bucket) * 1000)::int8', ...Array.from({ length: aggCount }, (_, i) => `a${i}`), ...COUNT_COLUMNS];
  return `SELECT string_agg(concat(${fields.join(`, E'\\t', `)}), E'\\n') AS packed FROM (${sql}) g`;
}

/** Station ids and metric keys are plain ids (no tab or newline: api parseList, station ids); a field "" is NULL. */
function unpack(text: string | null, aggCount: number): AggregateRow[] {
  if (!text) return [];
  const num = (s: string): number | null => (s === '' ? null : Number(s));
  const lines = text.split('\n');
  const rows: AggregateRow[] = new Array(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const f = lines[i]!.split('\t');
    const c = 3 + aggCount;
    rows[i] = {
      stationId: f[0]!,
      metric: f[1]!,
      bucket: Number(f[2]),
      texts: f.slice(3, c),
      counted: Number(f[c]),
      valid: Number(f[c + 1]),
      flagged: Number(f[c + 2]),
      invalidated: Number(f[c + 3]),
      calibrating: Number(f[c + 4]),
      fault: Number(f[c + 5]),
      maintenance: num(f[c + 6]!),
      total: Number(f[c + 7]),
    };
  }
  return rows;
}

/** Bucketed statistics per (station, metric); buckets without readings have no row. Unordered. */
export async function aggregate(db: Db, q: AggregateQuery): Promise<AggregateRow[]> {
  const params: unknown[] = [q.stationIds, q.metrics, q.from, q.to];
  const where = `station_id = ANY($1::text[]) AND metric = ANY($2::text[])`;
  const named = (exprs: string[]) => exprs.map((e, i) => `${e} AS a${i}`).join(', ');
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
             n_valid, n_calibrating, n_fault, n_maintenance, n_flagged, n_invalidated, n_total
           FROM readings_hourly WHERE ${where} AND bucket >= $3 AND bucket < $4`;
    const exprs = q.aggs.map((a) => (a === 'count' ? 'count(mean)' : `${a === 'stddev' ? 'stddev_samp' : a}(mean)`));
    sql = `SELECT station_id, metric, time_bucket($5::interval, hour, $6::text) AS bucket, ${named(exprs)},
             sum(counted)::int8 AS counted, sum(n_valid)::int8 AS n_valid, sum(n_calibrating)::int8 AS n_calibrating,
             sum(n_fault)::int8 AS n_fault, sum(n_maintenance)::int8 AS n_maintenance, sum(n_flagged)::int8 AS n_flagged,
             sum(n_invalidated)::int8 AS n_invalidated, sum(n_total)::int8 AS n_total
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
  } else if (q.ownBuckets) {
    // the view's own buckets: its rows as they are (grouping each alone again gives the same values)
    sql = `SELECT station_id, metric, bucket, ${named(q.aggs.map(caggRowExpr))},
             n_valid AS counted, n_valid, n_calibrating, n_fault, n_maintenance, n_flagged, n_invalidated, n_total
           FROM ${VIEWS[q.source]} WHERE ${where} AND bucket >= $3 AND bucket < $4`;
  } else {
    sql = `SELECT station_id, metric, time_bucket($5::interval, bucket, $6::text) AS bucket, ${named(q.aggs.map(caggAggExpr))},
             sum(n_valid)::int8 AS counted, sum(n_valid)::int8 AS n_valid, sum(n_calibrating)::int8 AS n_calibrating,
             sum(n_fault)::int8 AS n_fault, sum(n_maintenance)::int8 AS n_maintenance, sum(n_flagged)::int8 AS n_flagged,
             sum(n_invalidated)::int8 AS n_invalidated, sum(n_total)::int8 AS n_total
           FROM ${VIEWS[q.source]} WHERE ${where} AND bucket >= $3 AND bucket < $4
           GROUP BY 1, 2, 3`;
    params.push(q.interval, q.timezone);
  }
  if (q.source === 'raw') params.push(q.includeFlagged);
  const { rows } = await db.query<{ packed: string | null }>(packed(sql, q.aggs.length), params);
  return unpack(rows[0]?.packed ?? null, q.aggs.length);
}
