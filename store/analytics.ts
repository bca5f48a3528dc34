/**
 * @module store/analytics
 * Queries of the analyst API: time spans of series, raw readings by keyset (cursor) pages,
 * daily completeness counts, and targeted aggregate refreshes after backfills; the bucketed
 * aggregates (from the continuous aggregates or the raw table) are in store/aggregates.ts.
 *
 * Every raw query is bounded by a time range the caller has checked against the configured
 * maximum (STACK-NOTES: keep raw scans bounded on the embedded database).
 *
 * Statistics count VALIDATED readings (domain/validation/codes.ts: the station's flag is 0 and no
 * check flagged the reading unless a reviewer restored it; the continuous aggregates use the same
 * predicate); raw pages carry each reading's check bits (`qc`) and reviewer decision (`review`).
 */

/** The validated predicate on an unqualified `readings` row. */
const VALID = validatedSql();
import { validatedSql } from '../domain/validation/codes.js';
import { DEFAULT_TIME_ZONE, zoneOffsetMs } from '../lib/time.js';
import type { ContinuousAggregate } from './cagg-source.js';
import type { Db } from './db.js';

/** Zone of readings_daily's and readings_monthly's buckets (one for all stations; the SQL of migrations/009 and 010 says the same). */
export const DAILY_AGGREGATE_TIMEZONE = DEFAULT_TIME_ZONE;
/** Its offset from UTC (Vietnam has no daylight saving: exact all year). */
export const DAILY_AGGREGATE_TIMEZONE_OFFSET_MS = zoneOffsetMs(DAILY_AGGREGATE_TIMEZONE, Date.UTC(2000, 0, 1));

// The bucketed aggregates live in store/aggregates.ts; their names are part of this module's API.
export { AGG_NAMES, CAGG_AGGS, QUANTILES, type AggName, type AggregateQuery, type AggregateSource } from './aggregates.js';

// ---------------------------------------------------------------------------------------------
// Series spans

export interface SeriesSpan {
  stationId: string;
  metric: string;
  first: Date | null;
  last: Date | null;
}

/**
 * First and last reading time of each (station, metric) pair. Two index-backed lookups per pair
 * (the primary key (station_id, metric, ts)), never a scan.
 */
export async function seriesSpans(db: Db, pairs: ReadonlyArray<{ stationId: string; metric: string }>): Promise<SeriesSpan[]> {
  if (pairs.length === 0) return [];
  const { rows } = await db.query<{ station_id: string; metric: string; first: Date | null; last: Date | null }>(
    `SELECT p.s AS station_id, p.m AS metric,
       (SELECT ts FROM readings r WHERE r.station_id = p.s AND r.metric = p.m ORDER BY ts ASC LIMIT 1) AS first,
       (SELECT ts FROM readings r WHERE r.station_id = p.s AND r.metric = p.m ORDER BY ts DESC LIMIT 1) AS last
     FROM unnest($1::text[], $2::text[]) AS p(s, m)`,
    [pairs.map((p) => p.stationId), pairs.map((p) => p.metric)],
  );
  return rows.map((r) => ({ stationId: r.station_id, metric: r.metric, first: r.first, last: r.last }));
}

// ---------------------------------------------------------------------------------------------
// Raw pages (keyset)

/** The position after a row: ordering is (station, ts, metric); `ts` keeps PostgreSQL's microseconds. */
export interface RawKey {
  stationId: string;
  /** ISO 8601 UTC with microseconds, e.g. 2026-11-22T02:00:00.000000Z */
  ts: string;
  metric: string;
}

export interface RawRow {
  stationId: string;
  metric: string;
  ts: Date;
  /** the row's exact key (microseconds), for the next cursor */
  key: RawKey;
  value: number | null;
  quality: number;
  /** bitmask of the automatic checks that flagged it (domain/validation/codes.ts CHECK_BITS) */
  qc: number;
  /** a reviewer's decision: 0 none, 1 restored, 10 + reason = invalidated */
  review: number;
}

type RawRowDb = { station_id: string; metric: string; ts: Date; ts_key: string; value: number | null; quality: number; qc: number; review: number };

function toRawRow(r: RawRowDb): RawRow {
  return {
    stationId: r.station_id,
    metric: r.metric,
    ts: r.ts,
    key: { stationId: r.station_id, ts: r.ts_key, metric: r.metric },
    value: r.value,
    quality: r.quality,
    qc: r.qc,
    review: r.review,
  };
}

export interface RawPageQuery {
  stationIds: readonly string[];
  /** null = every metric */
  metrics: readonly string[] | null;
  from: Date;
  to: Date;
  after?: RawKey | undefined;
  limit: number;
  /** only validated readings (quality 0, not flagged by a check unless restored, not invalidated) */
  validOnly: boolean;
}

const TS_KEY = `to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * One page of raw readings in (station, ts, metric) order after `after`. Stable while new data
 * arrives: rows before the cursor are never repeated or skipped; rows inserted after the cursor
 * position appear on later pages.
 */
export async function rawPage(db: Db, q: RawPageQuery): Promise<RawRow[]> {
  const params: unknown[] = [q.stationIds, q.metrics, q.from, q.to, q.validOnly, q.limit];
  let keyset = '';
  if (q.after && q.stationIds.length === 1) {
    // With one station the cursor's ts is also a lower bound on ts (chunk exclusion, index range).
    params.push(q.after.ts, q.after.metric);
    keyset = `AND ts >= $7::timestamptz AND (ts, metric) > ($7::timestamptz, $8::text)`;
  } else if (q.after) {
    params.push(q.after.stationId, q.after.ts, q.after.metric);
    keyset = `AND (station_id, ts, metric) > ($7::text, $8::timestamptz, $9::text)`;
  }
  const { rows } = await db.query<RawRowDb>(
    `SELECT station_id, metric, ts, ${TS_KEY} AS ts_key, value, quality, qc, review FROM readings
      WHERE station_id = ANY($1::text[]) AND ($2::text[] IS NULL OR metric = ANY($2::text[]))
        AND ts >= $3 AND ts < $4 AND (NOT $5::boolean OR ${VALID}) ${keyset}
      ORDER BY station_id, ts, metric LIMIT $6`,
    params,
  );
  return rows.map(toRawRow);
}

/**
 * Every raw row of the query in pages of `chunkRows`, one keyset query per page: memory is
 * bounded by one page whatever the range (no server-side cursor needed, works on one connection
 * shared with ingest because each page is its own short query).
 */
export async function* rawRows(db: Db, q: Omit<RawPageQuery, 'after' | 'limit'>, chunkRows: number): AsyncGenerator<RawRow[]> {
  let after: RawKey | undefined;
  for (;;) {
    const page = await rawPage(db, { ...q, after, limit: chunkRows });
    if (page.length > 0) yield page;
    if (page.length < chunkRows) return;
    after = page[page.length - 1]!.key;
  }
}

// ---------------------------------------------------------------------------------------------
// Completeness

export interface DailyCounts {
  stationId: string;
  metric: string;
  /** local midnight of the day */
  day: Date;
  valid: number;
  calibrating: number;
  fault: number;
  outOfRange: number;
  maintenance: number;
  /** flagged by an automatic check, not reviewed */
  flagged: number;
  /** invalidated by a reviewer */
  invalidated: number;
  total: number;
}

/** The counts of a dailyCounts row, NULL as 0 (concat_ws would drop a NULL field and shift the rest). */
const COUNT_FIELDS = ['n_valid', 'n_calibrating', 'n_fault', 'n_out_of_range', 'n_maintenance', 'n_flagged', 'n_invalidated', 'n_total'].map((c) => `coalesce(${c}, 0)`).join(', ');

/**
 * Readings per quality flag and validation state per (station, metric, local day); `valid` counts validated readings. From readings_daily when the zone is
 * its zone, otherwise from the raw table (the caller bounds the range).
 */
export async function dailyCounts(db: Db, q: { stationIds: readonly string[]; metrics: readonly string[]; from: Date; to: Date; timezone: string }): Promise<DailyCounts[]> {
  const where = `station_id = ANY($1::text[]) AND metric = ANY($2::text[])`;
  const sql =
    q.timezone === DAILY_AGGREGATE_TIMEZONE
      ? `SELECT station_id, metric, bucket AS day, n_valid, n_calibrating, n_fault, n_out_of_range, n_maintenance, n_flagged, n_invalidated, n_total
           FROM readings_daily WHERE ${where} AND bucket >= $3 AND bucket < $4`
      : `SELECT station_id, metric, time_bucket(INTERVAL '1 day', ts, $5::text) AS day,
           count(*) FILTER (WHERE ${VALID}) AS n_valid, count(*) FILTER (WHERE quality = 1) AS n_calibrating,
           count(*) FILTER (WHERE quality = 2) AS n_fault, count(*) FILTER (WHERE quality = 3) AS n_out_of_range,
           count(*) FILTER (WHERE quality = 4) AS n_maintenance, count(*) FILTER (WHERE quality = 0 AND review = 0 AND qc <> 0) AS n_flagged,
           count(*) FILTER (WHERE review >= 10) AS n_invalidated, count(*) AS n_total
           FROM readings WHERE ${where} AND ts >= $3 AND ts < $4 GROUP BY 1, 2, 3`;
  const params: unknown[] = [q.stationIds, q.metrics, q.from, q.to];
  if (q.timezone !== DAILY_AGGREGATE_TIMEZONE) params.push(q.timezone);
  // One packed text value, not a row per (station, metric, day): the operations center reads today's
  // counts of every station each minute (10,000 stations: 100,000 rows), and on the embedded database
  // moving rows over the wire costs far more than the query (store/aggregates.ts).
  const { rows } = await db.query<{ packed: string | null }>(
    `SELECT string_agg(concat_ws(E'\\t', station_id, metric, (extract(epoch FROM day) * 1000)::int8, ${COUNT_FIELDS}), E'\\n' ORDER BY station_id, metric, day) AS packed
       FROM (${sql}) c`,
    params,
  );
  const text = rows[0]?.packed;
  if (!text) return [];
  return text.split('\n').map((line) => {
    const f = line.split('\t');
    return {
      stationId: f[0]!,
      metric: f[1]!,
      day: new Date(Number(f[2])),
      valid: Number(f[3]),
      calibrating: Number(f[4]),
      fault: Number(f[5]),
      outOfRange: Number(f[6]),
      maintenance: Number(f[7]),
      flagged: Number(f[8]),
      invalidated: Number(f[9]),
      total: Number(f[10]),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Refresh

export type { ContinuousAggregate };

/** Re-materializes [from, to) of a continuous aggregate (after late data; outside any transaction). */
export async function refreshAggregate(db: Db, view: ContinuousAggregate, from: Date, to: Date): Promise<void> {
  await db.query(`CALL refresh_continuous_aggregate($1::regclass, $2::timestamptz, $3::timestamptz)`, [view, from, to]);
}

// ---------------------------------------------------------------------------------------------
// SensorThings Observations

export async function getObservation(db: Db, stationId: string, metric: string, ts: string): Promise<RawRow | undefined> {
  const { rows } = await db.query<RawRowDb>(
    `SELECT station_id, metric, ts, ${TS_KEY} AS ts_key, value, quality, qc, review FROM readings WHERE station_id = $1 AND metric = $2 AND ts = $3::timestamptz`,
    [stationId, metric, ts],
  );
  const r = rows[0];
  return r ? toRawRow(r) : undefined;
}
