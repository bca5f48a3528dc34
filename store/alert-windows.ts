/**
 * @module store/alert-windows
 * The query that refills the alert engine's in-memory sample windows at start-up
 * (alerts/windows.ts): the recent readings of many stations and metrics in one round trip.
 */
import { qualityName, type QualityName } from '../domain/quality.js';
import type { Db } from './db.js';

export interface RecentSample {
  stationId: string;
  metric: string;
  ts: Date;
  value: number | null;
  quality: QualityName;
}

/**
 * The readings of `stationIds` × `metrics` newer than `since`, ordered by station and time.
 *
 * @example const samples = await recentSamples(db, ['HN-01', 'HN-02'], ['pm25'], new Date(Date.now() - 3_600_000));
 */
export async function recentSamples(db: Db, stationIds: readonly string[], metrics: readonly string[], since: Date): Promise<RecentSample[]> {
  const { rows } = await db.query<{ station_id: string; metric: string; ts: Date; value: number | null; quality: number }>(
    `SELECT station_id, metric, ts, value, quality FROM readings WHERE station_id = ANY($1) AND metric = ANY($2) AND ts > $3 ORDER BY station_id, ts`,
    [stationIds, metrics, since],
  );
  return rows.map((r) => ({ stationId: r.station_id, metric: r.metric, ts: r.ts, value: r.value, quality: qualityName(r.quality) }));
}
