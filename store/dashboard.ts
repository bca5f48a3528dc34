/**
 * @module store/dashboard
 * The few queries behind the operations center's live overview: seeds for its in-memory state
 * (last reading per station, newest hourly VN_AQI). Completeness comes from the analyst API's
 * function (api/realtime/completeness.ts).
 */
import type { Db } from './db.js';

/** Newest reading time (epoch ms) per station over readings newer than `since`. */
export async function lastReadingTimes(db: Db, since: Date): Promise<Map<string, number>> {
  const { rows } = await db.query<{ station_id: string; ts: Date }>(`SELECT station_id, max(ts) AS ts FROM readings WHERE ts >= $1 GROUP BY station_id`, [since]);
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
