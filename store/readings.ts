/**
 * @module store/readings
 * Readings: the group-commit insert and the queries over the `readings` hypertable.
 */
import type { Db } from './db.js';
import { qualityName, type QualityName } from '../domain/quality.js';

/** Column arrays of one batch (same length each). */
export interface ReadingColumns {
  stationIds: string[];
  metrics: string[];
  /** ISO 8601 UTC strings */
  ts: string[];
  values: Array<number | null>;
  quality: number[];
  /** bitmask of the ingest-time checks (domain/validation/codes.ts CHECK_BITS); absent = 0 */
  qc?: number[] | undefined;
}

export interface StoredReading {
  metric: string;
  ts: Date;
  value: number | null;
  quality: QualityName;
}

/**
 * One statement per batch: unnest avoids the 65,535-parameter cap of multi-row VALUES, and
 * ON CONFLICT DO NOTHING drops redelivered duplicates (first write wins). Each row carries its
 * `qc` bits (the ingest-time checks, issue 18) so a flagged reading is never briefly valid.
 * @returns the number of rows newly stored.
 */
/** `signal` withdraws the insert while it waits for a connection (ingest/defer.ts). */
export async function insertReadings(db: Db, cols: ReadingColumns, signal?: AbortSignal): Promise<number> {
  const result = await db.query(
    `INSERT INTO readings (station_id, metric, ts, value, quality, qc)
     SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::float8[], $5::int2[], $6::int2[])
     ON CONFLICT DO NOTHING`,
    [cols.stationIds, cols.metrics, cols.ts, cols.values, cols.quality, cols.qc ?? new Array<number>(cols.stationIds.length).fill(0)],
    { signal },
  );
  return result.rowCount ?? 0;
}

export interface ReadingQuery {
  stationId: string;
  metric?: string | undefined;
  from: Date;
  to: Date;
  limit: number;
}

export async function queryReadings(db: Db, q: ReadingQuery): Promise<StoredReading[]> {
  const { rows } = await db.query<{ metric: string; ts: Date; value: number | null; quality: number }>(
    `SELECT metric, ts, value, quality FROM readings
      WHERE station_id = $1 AND ($2::text IS NULL OR metric = $2) AND ts >= $3 AND ts < $4
      ORDER BY ts, metric LIMIT $5`,
    [q.stationId, q.metric ?? null, q.from, q.to, q.limit],
  );
  return rows.map((r) => ({ metric: r.metric, ts: r.ts, value: r.value, quality: qualityName(r.quality) }));
}

/** The newest reading (by timestamp, not by arrival) of each given metric of a station. */
export async function latestReadings(db: Db, stationId: string, metrics: readonly string[]): Promise<StoredReading[]> {
  const { rows } = await db.query<{ metric: string; ts: Date; value: number | null; quality: number }>(
    `SELECT l.metric, l.ts, l.value, l.quality
       FROM unnest($2::text[]) AS m(metric)
       CROSS JOIN LATERAL (
         SELECT metric, ts, value, quality FROM readings
          WHERE station_id = $1 AND metric = m.metric ORDER BY ts DESC LIMIT 1) l`,
    [stationId, metrics],
  );
  return rows.map((r) => ({ metric: r.metric, ts: r.ts, value: r.value, quality: qualityName(r.quality) }));
}

export async function countReadings(db: Db, stationId?: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM readings WHERE ($1::text IS NULL OR station_id = $1)`, [stationId ?? null]);
  return rows[0]?.n ?? 0;
}

export interface HourlyRow {
  metric: string;
  /** hour start */
  bucket: Date;
  avg: number | null;
  min: number | null;
  max: number | null;
  valid: number;
}

/** Hourly statistics of valid readings of one station over [from, to). */
export async function hourlyStats(db: Db, stationId: string, metric: string | undefined, from: Date, to: Date): Promise<HourlyRow[]> {
  const { rows } = await db.query<{ metric: string; bucket: Date; avg: number | null; min: number | null; max: number | null; n_valid: number }>(
    `SELECT metric, bucket, avg, min, max, n_valid FROM readings_hourly
      WHERE station_id = $1 AND ($2::text IS NULL OR metric = $2) AND bucket >= $3 AND bucket < $4 ORDER BY bucket, metric`,
    [stationId, metric ?? null, from, to],
  );
  return rows.map((r) => ({ metric: r.metric, bucket: r.bucket, avg: r.avg, min: r.min, max: r.max, valid: r.n_valid }));
}
