/**
 * @module bulletins/hourly-means
 * Hourly means of valid readings (store/bulletin-data.ts) keyed as a bulletin reads them: station
 * → metric → hour-ending label (epoch ms) → mean. A VN_AQI hour and a QCVN averaging period are
 * both labelled by the hour they end, so the bucket starting at 00:00 is the hour ending 01:00.
 */
import { hourlyMeans } from '../store/bulletin-data.js';
import type { Db } from '../store/index.js';
import { HOUR } from './period.js';

/** metric → hour-ending label (epoch ms) → mean */
export type StationMeans = Map<string, Map<number, number>>;

/** Hourly means of valid readings, station → metric → hour-ending label → mean, buckets starting in [from, to). */
export async function loadHourlyMeans(db: Db, stationIds: readonly string[], from: number, to: number): Promise<Map<string, StationMeans>> {
  const out = new Map<string, StationMeans>();
  for (const r of await hourlyMeans(db, stationIds, new Date(from), new Date(to))) {
    let byMetric = out.get(r.stationId);
    if (!byMetric) out.set(r.stationId, (byMetric = new Map()));
    let m = byMetric.get(r.metric);
    if (!m) byMetric.set(r.metric, (m = new Map()));
    m.set(r.bucket.getTime() + HOUR, r.mean);
  }
  return out;
}
