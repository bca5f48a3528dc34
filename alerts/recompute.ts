/**
 * @module alerts/recompute
 * Recomputes a station's stored indices over a range after its data changed in the past (a
 * reviewer invalidated or restored readings, issue 18): the hourly VN_AQI and US AQI and the daily
 * VN_AQI of an air station, the hourly VN_WQI of a surface-water station, from the validated view
 * (readings_hourly counts validated readings only; the caller refreshes it first). The formulas
 * are alerts/aqi.ts's, fed from one read of the hourly means instead of one per hour.
 *
 * Which hours: every hour intersecting [from, to), and the 11 hours after it whose NowCast (12
 * hours) and 8-hour means read it, up to the hour under way; which days: the VN_AQI days (in the
 * station's zone) of those hours. A stored index of such an hour or day that no longer has enough
 * data is deleted. Stations of other types have no stored index: nothing to do.
 */
import type { Logger } from '../lib/logger.js';
import { HOUR_MS, timeZoneOr } from '../lib/time.js';
import type { Db } from '../store/index.js';
import { deleteDailyIndices, deleteHourlyIndices, hourlyMeans, upsertDailyIndices, upsertHourlyIndices, type StoredIndex } from '../store/indices.js';
import { getStation } from '../store/stations.js';
import { AQI_POLLUTANTS, WQI_METRICS, dailyAirIndex, hourEnding, hourlyAirIndices, hourlyWaterIndex, meanLookup, meansWindowStart, vnAqiDay, type ComputedIndex } from './aqi.js';

export interface RecomputeDeps {
  db: Db;
  log: Logger;
  /** The agency's zone: a station without its own `timezone` has its VN_AQI days in this one. */
  timeZone: string;
  /** The clock (epoch ms); tests replace it. */
  now?: () => number;
}

/** Hours after a changed hour whose indices read it: the NowCast's 12 hours (and the 8-hour means) include it. */
const HOURS_AFTER = 11;

/**
 * Recomputes the stored indices of `stationId` whose hours or days intersect [from, to) (and the
 * hours after that read them); returns how many hour labels and days were recomputed.
 */
export async function recomputeIndices(deps: RecomputeDeps, stationId: string, from: Date, to: Date): Promise<{ hours: number; days: number }> {
  const { db } = deps;
  const station = await getStation(db, stationId);
  if (!station || to.getTime() <= from.getTime()) return { hours: 0, days: 0 };
  const air = station.profileId === 'air-quality';
  if (!air && station.profileId !== 'surface-water') return { hours: 0, days: 0 };
  const zone = timeZoneOr(station.timezone, deps.timeZone);
  const nowLabel = hourEnding((deps.now ?? Date.now)());
  const first = hourEnding(from.getTime());
  const last = Math.min(hourEnding(to.getTime() - 1) + (air ? HOURS_AFTER * HOUR_MS : 0), nowLabel);
  if (last < first) return { hours: 0, days: 0 };
  const labels: number[] = [];
  for (let h = first; h <= last; h += HOUR_MS) labels.push(h);

  const hourly: StoredIndex[] = [];
  const gone = new Map<string, Date[]>();
  const missing = (indexName: string, label: number) => gone.set(indexName, [...(gone.get(indexName) ?? []), new Date(label)]);
  const keep = (c: ComputedIndex | null, indexName: string, label: number) => {
    if (c) hourly.push({ stationId, ts: new Date(label), ...c });
    else missing(indexName, label);
  };

  if (!air) {
    const means = meanLookup(await hourlyMeans(db, stationId, WQI_METRICS, new Date(first - HOUR_MS), new Date(last)));
    for (const label of labels) keep(hourlyWaterIndex(means, label), 'vn_wqi', label);
    await upsertHourlyIndices(db, hourly);
    await deleteHourlyIndices(db, stationId, 'vn_wqi', gone.get('vn_wqi') ?? []);
    deps.log.info({ stationId, from: from.toISOString(), to: to.toISOString(), hours: labels.length }, 'indices recomputed');
    return { hours: labels.length, days: 0 };
  }

  // the days of those hours, each needing its own 24 hours and the 7 before it
  const days = new Map<string, number>();
  for (const label of labels) {
    const { day, firstHourEnd } = vnAqiDay(label, zone);
    days.set(day, firstHourEnd);
  }
  const firstDayStart = Math.min(...days.values());
  const lastDayEnd = Math.max(...[...days.values()].map((f) => f + 23 * HOUR_MS));
  const windowStart = Math.min(meansWindowStart(first, zone), firstDayStart - 8 * HOUR_MS);
  // hourlyMeans reads buckets starting in [from, to): labels (from, to]; a day's last label may be 25 hours after its first (a daylight-saving day)
  const means = meanLookup(await hourlyMeans(db, stationId, AQI_POLLUTANTS, new Date(windowStart), new Date(Math.max(last, lastDayEnd + HOUR_MS))));

  for (const label of labels) {
    const { vn, us } = hourlyAirIndices(means, label);
    keep(vn, 'vn_aqi', label);
    keep(us, 'us_aqi', label);
  }
  const daily: Array<Omit<StoredIndex, 'ts'> & { day: string }> = [];
  const goneDays: string[] = [];
  for (const [day, firstHourEnd] of days) {
    const d = dailyAirIndex(means, firstHourEnd);
    if (d) daily.push({ stationId, day, ...d });
    else goneDays.push(day);
  }
  await upsertHourlyIndices(db, hourly);
  await deleteHourlyIndices(db, stationId, 'vn_aqi', gone.get('vn_aqi') ?? []);
  await deleteHourlyIndices(db, stationId, 'us_aqi', gone.get('us_aqi') ?? []);
  await upsertDailyIndices(db, daily);
  await deleteDailyIndices(db, stationId, 'vn_aqi', goneDays);
  deps.log.info({ stationId, from: from.toISOString(), to: to.toISOString(), hours: labels.length, days: days.size }, 'indices recomputed');
  return { hours: labels.length, days: days.size };
}
