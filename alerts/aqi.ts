/**
 * @module alerts/aqi
 * Keeps each air station's hourly and daily indices current and stored (aqi_hourly, aqi_daily),
 * so the API and dashboard read them instead of recomputing:
 * - VN_AQI (Decision 1459/QĐ-TCMT): hourly with the NowCast for PM, daily over the VN_AQI day
 *   01:00 → 00:00 local time (the station's zone) with the O3 8-hour rule;
 * - US EPA AQI (2024 breakpoints) as the configurable alternative: PM NowCast, O3 8-hour mean
 *   (1-hour when ≥ 0.125 ppm), CO 8-hour mean, NO2 and SO2 1-hour means, gases converted from
 *   µg/m³ at 25 °C.
 * Inputs are the hourly means of valid readings from the readings_hourly continuous aggregate.
 * Hours are labelled by their end (the value at 01:00 covers 00:00–01:00).
 * Surface-water stations get an hourly VN_WQI (Decision 1460/QĐ-TCMT) where enough groups are measured.
 */
import {
  buildDailyVnAqiInput,
  buildHourlyVnAqiInput,
  dailyVnAqi,
  hourlyVnAqi,
  nowcast,
  ugm3ToEpaUnit,
  usAqi,
  vnWqi,
  type UsAqiInput,
  type VnAqiPollutant,
  type VnWqiInput,
} from '../domain/indices/index.js';
import { DEFAULT_TIME_ZONE, HOUR_MS, localDate, startOfLocalDay } from '../lib/time.js';
import type { Db } from '../store/index.js';
import { hourlyMeans, upsertDailyIndex, upsertHourlyIndex } from '../store/indices.js';

const HOUR = HOUR_MS;
export const AQI_POLLUTANTS: readonly VnAqiPollutant[] = ['pm25', 'pm10', 'so2', 'no2', 'co', 'o3'];
/** The metric under which the alert engine records a station's hourly VN_AQI, so rules can read it like a measurement. */
export const AQI_METRIC = 'vn_aqi_hourly';

/** The hour-ending label (epoch ms) of the hour containing `ts`. */
export function hourEnding(ts: number): number {
  return Math.floor(ts / HOUR) * HOUR + HOUR;
}

/** The local date (YYYY-MM-DD in the station's zone) of the VN_AQI day that contains the hour ending at `hourEnd`, and that day's first hour-ending label. */
export function vnAqiDay(hourEnd: number, timeZone: string = DEFAULT_TIME_ZONE): { day: string; firstHourEnd: number } {
  // The hour ending 00:00 local closes the previous day.
  const day = localDate(hourEnd - 1, timeZone);
  const firstHourEnd = startOfLocalDay(day, timeZone)! + HOUR;
  return { day, firstHourEnd };
}

function mean(values: Array<number | undefined>, minCount: number): number | null {
  const present = values.filter((v): v is number => v !== undefined);
  return present.length >= minCount ? present.reduce((a, b) => a + b, 0) / present.length : null;
}

export interface StationIndices {
  hourEnd: number;
  vnHourly: number | null;
  usHourly: number | null;
  vnDaily: number | null;
}

/** An hourly mean of valid readings by metric and hour-ending label (epoch ms); undefined when the hour has none. */
export type MeanAt = (metric: string, hourEnd: number) => number | undefined;

/** An index ready to store: the stored row without station and time. */
export interface ComputedIndex {
  indexName: 'vn_aqi' | 'us_aqi' | 'vn_wqi';
  aqi: number;
  category: string;
  dominant: string;
  subIndices: Record<string, number>;
}

/** The hourly means an hour's indices and its VN_AQI day need: from 12 hours before it (NowCast) and 8 hours before the day (O3 8-hour). */
export function meansWindowStart(hourEnd: number, timeZone: string): number {
  const { firstHourEnd } = vnAqiDay(hourEnd, timeZone);
  return Math.min(hourEnd - 12 * HOUR, firstHourEnd - 8 * HOUR);
}

/** The hourly VN_AQI (NowCast for PM) and US EPA AQI of the hour ending at `hourEnd`; null when not enough data. */
export function hourlyAirIndices(at: MeanAt, hourEnd: number): { vn: ComputedIndex | null; us: ComputedIndex | null } {
  const newestFirst = (metric: string, hours: number) => Array.from({ length: hours }, (_, k) => at(metric, hourEnd - k * HOUR) ?? null);
  const series: Partial<Record<VnAqiPollutant, Array<number | null>>> = {};
  for (const p of AQI_POLLUTANTS) series[p] = newestFirst(p, 12);
  const vnResult = hourlyVnAqi(buildHourlyVnAqiInput(series));
  const vn: ComputedIndex | null = vnResult
    ? { indexName: 'vn_aqi', aqi: vnResult.aqi, category: vnResult.category.key, dominant: vnResult.dominant, subIndices: vnResult.subIndices as Record<string, number> }
    : null;

  const eight = (metric: 'o3' | 'co') =>
    mean(
      Array.from({ length: 8 }, (_, k) => at(metric, hourEnd - k * HOUR)),
      6,
    );
  const usInput: UsAqiInput = {
    pm25: nowcast(newestFirst('pm25', 12)),
    pm10: nowcast(newestFirst('pm10', 12)),
  };
  const o3_8h = eight('o3');
  const o3_1h = at('o3', hourEnd);
  const co_8h = eight('co');
  const no2 = at('no2', hourEnd);
  const so2 = at('so2', hourEnd);
  if (o3_8h !== null) usInput.o3_8h = ugm3ToEpaUnit('o3', o3_8h);
  if (o3_1h !== undefined) usInput.o3_1h = ugm3ToEpaUnit('o3', o3_1h);
  if (co_8h !== null) usInput.co = ugm3ToEpaUnit('co', co_8h);
  if (no2 !== undefined) usInput.no2 = ugm3ToEpaUnit('no2', no2);
  if (so2 !== undefined) usInput.so2 = ugm3ToEpaUnit('so2', so2);
  const usResult = usInput.pm25 != null || usInput.pm10 != null ? usAqi(usInput, { edition: '2024' }) : null;
  const us: ComputedIndex | null = usResult
    ? { indexName: 'us_aqi', aqi: usResult.aqi, category: usResult.category.key, dominant: usResult.dominant, subIndices: usResult.subIndices as Record<string, number> }
    : null;
  return { vn, us };
}

/** The daily VN_AQI of the VN_AQI day whose first hour ends at `firstHourEnd` (O3 8-hour rule); null when not enough data. */
export function dailyAirIndex(at: MeanAt, firstHourEnd: number): ComputedIndex | null {
  const daySeries: Partial<Record<VnAqiPollutant, Array<number | null>>> & { o3Previous7h?: Array<number | null> } = {};
  for (const p of AQI_POLLUTANTS) daySeries[p] = Array.from({ length: 24 }, (_, k) => at(p, firstHourEnd + k * HOUR) ?? null);
  daySeries.o3Previous7h = Array.from({ length: 7 }, (_, k) => at('o3', firstHourEnd - (7 - k) * HOUR) ?? null);
  const vnDay = dailyVnAqi(buildDailyVnAqiInput(daySeries));
  return vnDay ? { indexName: 'vn_aqi', aqi: vnDay.aqi, category: vnDay.category.key, dominant: vnDay.dominant, subIndices: vnDay.subIndices as Record<string, number> } : null;
}

/** A lookup over hourly means as store/indices.ts hourlyMeans returns them. */
export function meanLookup(means: ReadonlyMap<string, ReadonlyMap<number, number>>): MeanAt {
  return (metric, label) => means.get(metric)?.get(label);
}

/** Computes and stores the indices of the hour ending at `hourEnd` and of its VN_AQI day (a local day in the station's `timeZone`). */
export async function updateStationIndices(db: Db, stationId: string, hourEnd: number, timeZone: string = DEFAULT_TIME_ZONE): Promise<StationIndices> {
  const { day, firstHourEnd } = vnAqiDay(hourEnd, timeZone);
  const means = await hourlyMeans(db, stationId, AQI_POLLUTANTS, new Date(meansWindowStart(hourEnd, timeZone)), new Date(hourEnd));
  const at = meanLookup(means);
  const { vn, us } = hourlyAirIndices(at, hourEnd);
  if (vn) await upsertHourlyIndex(db, { stationId, ts: new Date(hourEnd), ...vn });
  if (us) await upsertHourlyIndex(db, { stationId, ts: new Date(hourEnd), ...us });
  const vnDay = dailyAirIndex(at, firstHourEnd);
  if (vnDay) await upsertDailyIndex(db, { stationId, day, ...vnDay });
  return { hourEnd, vnHourly: vn?.aqi ?? null, usHourly: us?.aqi ?? null, vnDaily: vnDay?.aqi ?? null };
}

/** Metrics of a surface-water station that VN_WQI (Decision 1460/QĐ-TCMT) uses, when measured. */
export const WQI_METRICS: readonly string[] = [
  'ph',
  'do',
  'temp',
  'bod5',
  'cod',
  'toc',
  'nh4',
  'no3',
  'no2_water',
  'po4',
  'coliform',
  'ecoli',
  'as',
  'cd',
  'pb',
  'cr6',
  'cu',
  'zn',
  'hg',
];

/**
 * Computes and stores the hourly VN_WQI (index_name 'vn_wqi') of a surface-water station from the
 * hour's means, with final formula (b) (see alerts/indices/vn-wqi.ts). Returns null, and stores
 * nothing, when fewer than 3 of the 5 parameter groups (or fewer than 3 group IV parameters) were
 * measured in that hour, as the decision requires.
 */
export async function updateWaterIndex(db: Db, stationId: string, hourEnd: number): Promise<number | null> {
  const means = await hourlyMeans(db, stationId, WQI_METRICS, new Date(hourEnd - HOUR), new Date(hourEnd));
  const wqi = hourlyWaterIndex(meanLookup(means), hourEnd);
  if (!wqi) return null;
  await upsertHourlyIndex(db, { stationId, ts: new Date(hourEnd), ...wqi });
  return wqi.aqi;
}

/** The hourly VN_WQI (formula (b)) of the hour ending at `hourEnd`; null when fewer groups were measured than the decision requires. */
export function hourlyWaterIndex(at: MeanAt, hourEnd: number): ComputedIndex | null {
  const input: VnWqiInput = {};
  for (const m of WQI_METRICS) {
    const v = at(m, hourEnd);
    if (v !== undefined) (input as Record<string, number>)[m] = v;
  }
  const result = vnWqi(input);
  if (result.wqi === null) return null;
  return { indexName: 'vn_wqi', aqi: result.wqi, category: result.class.key, dominant: 'wqi', subIndices: result.subIndices as Record<string, number> };
}
