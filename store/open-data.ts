/**
 * @module store/open-data
 * The queries behind the open-data API (/open/v1) and the public page: the agency's publication
 * settings per station, and validated-only reads bounded by a per-station publication cutoff (the
 * embargo and the validation level rule, computed in open/policy.ts) and, with a minimum
 * validation level, limited to the approved spans (`spans`: [from, to) instants; null = no limit).
 * Every query here reads VALIDATED rows only (domain/validation/codes.ts: the continuous
 * aggregates count them, the raw queries use the same predicate): calibrating, fault,
 * maintenance, out-of-range, check-flagged and invalidated readings never appear as public values.
 */
import { validatedSql } from '../domain/validation/codes.js';
import { DAILY_AGGREGATE_TIMEZONE } from './analytics.js';
import { viewOf, type Db } from './db.js';

/** Approved spans [from, to) in epoch ms a station's data may be published from; null = no such limit (minimum validation level 0). */
export type PublishedSpans = ReadonlyArray<{ from: number; to: number }> | null;

/** The spans as two bind parameters (starts, ends; both null when unlimited). */
function spanParams(spans: PublishedSpans): [Date[] | null, Date[] | null] {
  return spans === null ? [null, null] : [spans.map((s) => new Date(s.from)), spans.map((s) => new Date(s.to))];
}

/**
 * SQL: [start, end] lies inside one of the spans bound at $i (starts) and $i+1 (ends), or the
 * spans are null. `strictEnd`: end < span end (a reading at an instant), else end ≤ span end (a bucket's end).
 */
function inSpans(i: number, start: string, end: string, strictEnd: boolean): string {
  return `($${i}::timestamptz[] IS NULL OR EXISTS (SELECT 1 FROM unnest($${i}::timestamptz[], $${i + 1}::timestamptz[]) AS p(s, e) WHERE ${start} >= p.s AND ${end} ${strictEnd ? '<' : '<='} p.e))`;
}

export interface Publication {
  stationId: string;
  /** null = not decided (the profile's default applies) */
  public: boolean | null;
  /** null = every metric of the profile */
  publicMetrics: string[] | null;
  validatedThrough: Date | null;
}

/**
 * The same database, calling `onQuery` before each query. The open-data side answers the public
 * through it so that /metrics shows what the crowd costs (quantrac_open_db_queries_total; a
 * cached answer makes no query).
 */
export function withQueryCount(db: Db, onQuery: () => void): Db {
  return viewOf(db, {
    query: (text, params, options) => {
      onQuery();
      return db.query(text, params, options);
    },
    transaction: (fn) => db.transaction(fn),
    lane: (lane, label) => withQueryCount(db.lane(lane, label), onQuery),
    close: () => db.close(),
  });
}

export async function listPublication(db: Db): Promise<Map<string, Publication>> {
  const { rows } = await db.query<{ id: string; public: boolean | null; public_metrics: string[] | null; validated_through: Date | null }>(
    'SELECT id, public, public_metrics, validated_through FROM stations',
  );
  return new Map(rows.map((r) => [r.id, { stationId: r.id, public: r.public, publicMetrics: r.public_metrics, validatedThrough: r.validated_through }]));
}

/** Sets the given fields (undefined = unchanged, null = back to the default); returns the stored row or undefined if the station does not exist. */
export async function updatePublication(
  db: Db,
  stationId: string,
  patch: { public?: boolean | null | undefined; publicMetrics?: string[] | null | undefined; validatedThrough?: Date | null | undefined },
): Promise<Publication | undefined> {
  const { rows } = await db.query<{ id: string; public: boolean | null; public_metrics: string[] | null; validated_through: Date | null }>(
    `UPDATE stations SET
        public = CASE WHEN $2 THEN $3::boolean ELSE public END,
        public_metrics = CASE WHEN $4 THEN $5::text[] ELSE public_metrics END,
        validated_through = CASE WHEN $6 THEN $7::timestamptz ELSE validated_through END
      WHERE id = $1 RETURNING id, public, public_metrics, validated_through`,
    [
      stationId,
      patch.public !== undefined,
      patch.public ?? null,
      patch.publicMetrics !== undefined,
      patch.publicMetrics ?? null,
      patch.validatedThrough !== undefined,
      patch.validatedThrough ?? null,
    ],
  );
  const r = rows[0];
  return r ? { stationId: r.id, public: r.public, publicMetrics: r.public_metrics, validatedThrough: r.validated_through } : undefined;
}

export interface CurrentIndex {
  stationId: string;
  indexName: string;
  ts: Date;
  value: number;
  category: string;
  dominant: string;
}

/**
 * The newest stored hourly index of each station at or before its cutoff and newer than
 * `cutoff − freshMs` (an index older than that is not "current"), of an hour starting at or after
 * its `floor` when given (the start of its newest published span).
 */
export async function currentIndices(
  db: Db,
  wanted: ReadonlyArray<{ stationId: string; indexName: string; cutoff: Date; floor?: Date | null | undefined }>,
  freshMs: number,
): Promise<CurrentIndex[]> {
  if (wanted.length === 0) return [];
  const { rows } = await db.query<{ station_id: string; index_name: string; ts: Date; aqi: number; category: string; dominant: string }>(
    `SELECT w.station_id, w.index_name, i.ts, i.aqi, i.category, i.dominant
       FROM unnest($1::text[], $2::text[], $3::timestamptz[], $5::timestamptz[]) AS w(station_id, index_name, cutoff, floor)
       CROSS JOIN LATERAL (
         SELECT ts, aqi, category, dominant FROM aqi_hourly
          WHERE station_id = w.station_id AND index_name = w.index_name
            AND ts <= w.cutoff AND ts > w.cutoff - ($4::double precision * INTERVAL '1 millisecond')
            AND (w.floor IS NULL OR ts - INTERVAL '1 hour' >= w.floor)
          ORDER BY ts DESC LIMIT 1) i`,
    [wanted.map((w) => w.stationId), wanted.map((w) => w.indexName), wanted.map((w) => w.cutoff), freshMs, wanted.map((w) => w.floor ?? null)],
  );
  return rows.map((r) => ({ stationId: r.station_id, indexName: r.index_name, ts: r.ts, value: r.aqi, category: r.category, dominant: r.dominant }));
}

export interface IndexPoint {
  /** hour-ending label (hourly) or the local date YYYY-MM-DD of the VN_AQI day (daily) */
  ts: Date | string;
  value: number;
  category: string;
  dominant: string;
}

/** Hourly index values over (from, to] (hour-ending labels), of hours inside the spans. */
export async function hourlyIndexSeries(db: Db, stationId: string, indexName: string, from: Date, to: Date, spans: PublishedSpans = null): Promise<IndexPoint[]> {
  const { rows } = await db.query<{ ts: Date; aqi: number; category: string; dominant: string }>(
    `SELECT ts, aqi, category, dominant FROM aqi_hourly
      WHERE station_id = $1 AND index_name = $2 AND ts > $3 AND ts <= $4 AND ${inSpans(5, "ts - INTERVAL '1 hour'", 'ts', false)} ORDER BY ts`,
    [stationId, indexName, from, to, ...spanParams(spans)],
  );
  return rows.map((r) => ({ ts: r.ts, value: r.aqi, category: r.category, dominant: r.dominant }));
}

/** Daily index values of the local days fromDay..toDay (inclusive, YYYY-MM-DD). */
export async function dailyIndexSeries(db: Db, stationId: string, indexName: string, fromDay: string, toDay: string): Promise<IndexPoint[]> {
  const { rows } = await db.query<{ day: string; aqi: number; category: string; dominant: string }>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, aqi, category, dominant FROM aqi_daily
      WHERE station_id = $1 AND index_name = $2 AND day >= $3::date AND day <= $4::date ORDER BY day`,
    [stationId, indexName, fromDay, toDay],
  );
  return rows.map((r) => ({ ts: r.day, value: r.aqi, category: r.category, dominant: r.dominant }));
}

export interface LatestValid {
  metric: string;
  ts: Date;
  value: number;
}

/** The newest validated reading of each metric at or before the cutoff, looking back at most `lookbackMs` and not before `floor`. */
export async function latestValid(db: Db, stationId: string, metrics: readonly string[], cutoff: Date, lookbackMs: number, floor: Date | null = null): Promise<LatestValid[]> {
  if (metrics.length === 0) return [];
  const since = floor === null ? cutoff.getTime() - lookbackMs : Math.max(cutoff.getTime() - lookbackMs, floor.getTime() - 1);
  const { rows } = await db.query<{ metric: string; ts: Date; value: number }>(
    `SELECT l.metric, l.ts, l.value
       FROM unnest($2::text[]) AS m(metric)
       CROSS JOIN LATERAL (
         SELECT metric, ts, value FROM readings
          WHERE station_id = $1 AND metric = m.metric AND ts <= $3 AND ts > $4
            AND ${validatedSql()} AND value IS NOT NULL
          ORDER BY ts DESC LIMIT 1) l`,
    [stationId, metrics, cutoff, new Date(since)],
  );
  return rows;
}

export interface AggregatePoint {
  metric: string;
  /** bucket start */
  start: Date;
  avg: number;
  min: number;
  max: number;
  /** valid readings in the bucket */
  n: number;
}

/**
 * Hourly (readings_hourly) or daily (local days of `timeZone`) statistics of validated readings for
 * buckets that start in [from, to), end at or before `cutoff` and lie inside the spans. Buckets
 * without a validated reading are left out. Days of the continuous aggregate's zone
 * (DAILY_AGGREGATE_TIMEZONE) come from readings_daily; days of another zone are summed from
 * readings_hourly (exact: sums, counts, minima and maxima add up).
 */
export async function aggregateSeries(
  db: Db,
  period: 'hour' | 'day',
  stationId: string,
  metrics: readonly string[],
  from: Date,
  to: Date,
  cutoff: Date,
  timeZone: string = DAILY_AGGREGATE_TIMEZONE,
  spans: PublishedSpans = null,
): Promise<AggregatePoint[]> {
  if (metrics.length === 0) return [];
  type Row = { metric: string; bucket: Date; avg: number; min: number; max: number; n: number };
  if (period === 'day' && timeZone !== DAILY_AGGREGATE_TIMEZONE) {
    const day = `time_bucket(INTERVAL '1 day', bucket, $6::text)`;
    const { rows } = await db.query<Row>(
      `SELECT * FROM (
         SELECT metric, ${day} AS bucket, sum(sum) / sum(n_valid) AS avg, min(min) AS min, max(max) AS max, sum(n_valid)::int AS n
           FROM readings_hourly
          WHERE station_id = $1 AND metric = ANY($2) AND bucket >= $3 AND bucket < $4::timestamptz + INTERVAL '1 day' AND n_valid > 0
          GROUP BY 1, 2
         HAVING ${day} >= $3 AND ${day} < $4 AND ${day} + INTERVAL '1 day' <= $5) d
        WHERE ${inSpans(7, 'd.bucket', "d.bucket + INTERVAL '1 day'", false)}
        ORDER BY 2, 1`,
      [stationId, metrics, from, to, cutoff, timeZone, ...spanParams(spans)],
    );
    return rows.map((r) => ({ metric: r.metric, start: r.bucket, avg: Number(r.avg), min: r.min, max: r.max, n: Number(r.n) }));
  }
  const view = period === 'hour' ? 'readings_hourly' : 'readings_daily';
  const width = period === 'hour' ? "INTERVAL '1 hour'" : "INTERVAL '1 day'";
  const { rows } = await db.query<Row>(
    `SELECT metric, bucket, avg, min, max, n_valid AS n FROM ${view}
      WHERE station_id = $1 AND metric = ANY($2) AND bucket >= $3 AND bucket < $4
        AND bucket + ${width} <= $5 AND n_valid > 0 AND ${inSpans(6, 'bucket', `bucket + ${width}`, false)}
      ORDER BY bucket, metric`,
    [stationId, metrics, from, to, cutoff, ...spanParams(spans)],
  );
  return rows.map((r) => ({ metric: r.metric, start: r.bucket, avg: r.avg, min: r.min, max: r.max, n: r.n }));
}

/** Validated raw readings in [from, to] inside the spans, oldest first, at most `limit`. */
export async function validRaw(
  db: Db,
  stationId: string,
  metrics: readonly string[],
  from: Date,
  to: Date,
  limit: number,
  spans: PublishedSpans = null,
): Promise<Array<{ metric: string; ts: Date; value: number }>> {
  if (metrics.length === 0) return [];
  const { rows } = await db.query<{ metric: string; ts: Date; value: number }>(
    `SELECT metric, ts, value FROM readings
      WHERE station_id = $1 AND metric = ANY($2) AND ts >= $3 AND ts <= $4 AND ${validatedSql()} AND value IS NOT NULL
        AND ${inSpans(6, 'ts', 'ts', true)}
      ORDER BY ts, metric LIMIT $5`,
    [stationId, metrics, from, to, limit, ...spanParams(spans)],
  );
  return rows;
}

/**
 * Local months (YYYY-MM in `timeZone`) in which the station has validated readings of these metrics at
 * or before the cutoff and inside the spans: from readings_daily in its own zone
 * (DAILY_AGGREGATE_TIMEZONE), else from readings_hourly.
 */
export async function monthsWithData(
  db: Db,
  stationId: string,
  metrics: readonly string[],
  cutoff: Date,
  timeZone: string = DAILY_AGGREGATE_TIMEZONE,
  spans: PublishedSpans = null,
): Promise<string[]> {
  if (metrics.length === 0) return [];
  const view = timeZone === DAILY_AGGREGATE_TIMEZONE ? 'readings_daily' : 'readings_hourly';
  const { rows } = await db.query<{ month: string }>(
    `SELECT DISTINCT to_char(bucket AT TIME ZONE $4::text, 'YYYY-MM') AS month FROM ${view}
      WHERE station_id = $1 AND metric = ANY($2) AND n_valid > 0 AND bucket <= $3 AND ${inSpans(5, 'bucket', 'bucket', true)} ORDER BY month`,
    [stationId, metrics, cutoff, timeZone, ...spanParams(spans)],
  );
  return rows.map((r) => r.month);
}
