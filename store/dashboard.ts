/**
 * @module store/dashboard
 * The few queries behind the operations center's live overview: seeds for its in-memory state
 * (last reading per station, newest hourly VN_AQI) and today's reading counts for completeness.
 */
import type { Db } from './db.js';

/** Newest reading time (epoch ms) per station over readings newer than `since`. */
export async function lastReadingTimes(db: Db, since: Date): Promise<Map<string, number>> {
  const { rows } = await db.query<{ station_id: string; ts: Date }>(
    `SELECT station_id, max(ts) AS ts FROM readings WHERE ts >= $1 GROUP BY station_id`,
    [since],
  );
  return new Map(rows.map((r) => [r.station_id, r.ts.getTime()]));
}

/** Newest hourly index row per station (hour-ending label in epoch ms) newer than `since`. */
export async function latestHourlyIndex(db: Db, indexName: string, since: Date): Promise<Map<string, { hourEnd: number; aqi: number }>> {
  const { rows } = await db.query<{ station_id: string; ts: Date; aqi: number }>(
    `SELECT DISTINCT ON (station_id) station_id, ts, aqi FROM aqi_hourly
      WHERE index_name = $1 AND ts > $2 ORDER BY station_id, ts DESC`,
    [indexName, since],
  );
  return new Map(rows.map((r) => [r.station_id, { hourEnd: r.ts.getTime(), aqi: r.aqi }]));
}

/**
 * Readings (every quality) per station since `since`, from the real-time hourly aggregate, so
 * the cost does not grow with the day's raw rows. `since` should be on an hour boundary.
 */
export async function readingCountsSince(db: Db, since: Date): Promise<Map<string, number>> {
  const { rows } = await db.query<{ station_id: string; n: string }>(
    `SELECT station_id, sum(n_total)::int8 AS n FROM readings_hourly WHERE bucket >= $1 GROUP BY station_id`,
    [since],
  );
  return new Map(rows.map((r) => [r.station_id, Number(r.n)]));
}
