/**
 * @module store/indices
 * Stored hourly and daily air quality indices, and the hourly means they are computed from
 * (readings_hourly: VALIDATED readings only, migration 009), with the batch writes and deletes a
 * recomputation over a range uses (alerts/recompute.ts).
 */
import type { Db } from './db.js';

export interface StoredIndex {
  stationId: string;
  indexName: string;
  /** hour-ending label (hourly) or the local day's 00:00 (in the station's zone) as a Date (daily) */
  ts: Date;
  aqi: number;
  category: string;
  dominant: string;
  subIndices: Record<string, number>;
}

export async function upsertHourlyIndex(db: Db, r: StoredIndex): Promise<void> {
  await db.query(
    `INSERT INTO aqi_hourly (station_id, index_name, ts, aqi, category, dominant, sub_indices) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (station_id, index_name, ts) DO UPDATE SET aqi = EXCLUDED.aqi, category = EXCLUDED.category,
       dominant = EXCLUDED.dominant, sub_indices = EXCLUDED.sub_indices, computed_at = now()`,
    [r.stationId, r.indexName, r.ts, r.aqi, r.category, r.dominant, JSON.stringify(r.subIndices)],
  );
}

/** `day` is the local calendar date (YYYY-MM-DD) of the VN_AQI day. */
export async function upsertDailyIndex(db: Db, r: Omit<StoredIndex, 'ts'> & { day: string }): Promise<void> {
  await db.query(
    `INSERT INTO aqi_daily (station_id, index_name, day, aqi, category, dominant, sub_indices) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (station_id, index_name, day) DO UPDATE SET aqi = EXCLUDED.aqi, category = EXCLUDED.category,
       dominant = EXCLUDED.dominant, sub_indices = EXCLUDED.sub_indices, computed_at = now()`,
    [r.stationId, r.indexName, r.day, r.aqi, r.category, r.dominant, JSON.stringify(r.subIndices)],
  );
}

/** Stores many hourly indices in one statement (same upsert as upsertHourlyIndex). */
export async function upsertHourlyIndices(db: Db, rows: readonly StoredIndex[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO aqi_hourly (station_id, index_name, ts, aqi, category, dominant, sub_indices)
     SELECT s, n, t, a, c, d, j::jsonb FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::int[], $5::text[], $6::text[], $7::text[]) AS r(s, n, t, a, c, d, j)
     ON CONFLICT (station_id, index_name, ts) DO UPDATE SET aqi = EXCLUDED.aqi, category = EXCLUDED.category,
       dominant = EXCLUDED.dominant, sub_indices = EXCLUDED.sub_indices, computed_at = now()`,
    [
      rows.map((r) => r.stationId),
      rows.map((r) => r.indexName),
      rows.map((r) => r.ts),
      rows.map((r) => r.aqi),
      rows.map((r) => r.category),
      rows.map((r) => r.dominant),
      rows.map((r) => JSON.stringify(r.subIndices)),
    ],
  );
}

/** Stores many daily indices in one statement (same upsert as upsertDailyIndex). */
export async function upsertDailyIndices(db: Db, rows: ReadonlyArray<Omit<StoredIndex, 'ts'> & { day: string }>): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO aqi_daily (station_id, index_name, day, aqi, category, dominant, sub_indices)
     SELECT s, n, d, a, c, dm, j::jsonb FROM unnest($1::text[], $2::text[], $3::date[], $4::int[], $5::text[], $6::text[], $7::text[]) AS r(s, n, d, a, c, dm, j)
     ON CONFLICT (station_id, index_name, day) DO UPDATE SET aqi = EXCLUDED.aqi, category = EXCLUDED.category,
       dominant = EXCLUDED.dominant, sub_indices = EXCLUDED.sub_indices, computed_at = now()`,
    [
      rows.map((r) => r.stationId),
      rows.map((r) => r.indexName),
      rows.map((r) => r.day),
      rows.map((r) => r.aqi),
      rows.map((r) => r.category),
      rows.map((r) => r.dominant),
      rows.map((r) => JSON.stringify(r.subIndices)),
    ],
  );
}

/** Deletes a station's stored hourly indices of `indexName` at these hour-ending labels; returns how many were stored. */
export async function deleteHourlyIndices(db: Db, stationId: string, indexName: string, labels: readonly Date[]): Promise<number> {
  if (labels.length === 0) return 0;
  const r = await db.query(`DELETE FROM aqi_hourly WHERE station_id = $1 AND index_name = $2 AND ts = ANY($3::timestamptz[])`, [stationId, indexName, labels]);
  return r.rowCount ?? 0;
}

/** Deletes a station's stored daily indices of `indexName` of these local days (YYYY-MM-DD); returns how many were stored. */
export async function deleteDailyIndices(db: Db, stationId: string, indexName: string, days: readonly string[]): Promise<number> {
  if (days.length === 0) return 0;
  const r = await db.query(`DELETE FROM aqi_daily WHERE station_id = $1 AND index_name = $2 AND day = ANY($3::date[])`, [stationId, indexName, days]);
  return r.rowCount ?? 0;
}

export async function queryHourlyIndex(db: Db, stationId: string, indexName: string, from: Date, to: Date): Promise<StoredIndex[]> {
  const { rows } = await db.query<{ ts: Date; aqi: number; category: string; dominant: string; sub_indices: Record<string, number> }>(
    `SELECT ts, aqi, category, dominant, sub_indices FROM aqi_hourly
      WHERE station_id = $1 AND index_name = $2 AND ts > $3 AND ts <= $4 ORDER BY ts`,
    [stationId, indexName, from, to],
  );
  return rows.map((r) => ({ stationId, indexName, ts: r.ts, aqi: r.aqi, category: r.category, dominant: r.dominant, subIndices: r.sub_indices }));
}

export async function queryDailyIndex(db: Db, stationId: string, indexName: string, fromDay: string, toDay: string): Promise<Array<Omit<StoredIndex, 'ts'> & { day: string }>> {
  const { rows } = await db.query<{ day: string; aqi: number; category: string; dominant: string; sub_indices: Record<string, number> }>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, aqi, category, dominant, sub_indices FROM aqi_daily
      WHERE station_id = $1 AND index_name = $2 AND day >= $3::date AND day <= $4::date ORDER BY day`,
    [stationId, indexName, fromDay, toDay],
  );
  return rows.map((r) => ({ stationId, indexName, day: r.day, aqi: r.aqi, category: r.category, dominant: r.dominant, subIndices: r.sub_indices }));
}

/**
 * Hourly means of valid readings for the given metrics over (from, to], keyed by metric, with
 * the hour-ending label in epoch ms. Served by the readings_hourly continuous aggregate
 * (real-time, so the current hour is included).
 */
export async function hourlyMeans(db: Db, stationId: string, metrics: readonly string[], from: Date, to: Date): Promise<Map<string, Map<number, number>>> {
  const { rows } = await db.query<{ metric: string; hour_end: Date; avg: number | null }>(
    `SELECT metric, bucket + INTERVAL '1 hour' AS hour_end, avg FROM readings_hourly
      WHERE station_id = $1 AND metric = ANY($2) AND bucket >= $3 AND bucket < $4`,
    [stationId, metrics, from, to],
  );
  const out = new Map<string, Map<number, number>>();
  for (const r of rows) {
    if (r.avg === null) continue;
    let m = out.get(r.metric);
    if (!m) out.set(r.metric, (m = new Map()));
    m.set(r.hour_end.getTime(), r.avg);
  }
  return out;
}
