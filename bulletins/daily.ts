/**
 * @module bulletins/daily
 * Assembles a daily bulletin from what compose.ts read: per station its daily and highest hourly
 * VN_AQI (air stations), each metric's daily mean (the mean of its hourly means) and highest
 * hourly mean, its completeness; the day's exceedances of the limits in force, and the alerts
 * that fired or resolved during the day.
 */
import { VN_AQI_CATEGORIES } from '../domain/indices/index.js';
import type { LoadedProfile } from '../device-profiles/index.js';
import type { AlertEventInPeriod, DailyAqiRow, HourlyAqiPeak } from '../store/bulletin-data.js';
import type { Station } from '../store/stations.js';
import { pooled, type StationPeriodCompleteness } from './completeness.js';
import { dayExceedances } from './exceedances.js';
import type { StationMeans } from './hourly-means.js';
import type { AlertItem, BulletinHeader, CategoryRef, DailyBulletin, DailyStation, Exceedance, Limit, MetricDay } from './model.js';
import { DAY, HOUR } from './period.js';

export interface DailyInput {
  head: BulletinHeader & { kind: 'daily' };
  /** local midnight starting the day */
  fromMs: number;
  stations: readonly Station[];
  profiles: ReadonlyMap<string, LoadedProfile>;
  completenessOf: ReadonlyMap<string, StationPeriodCompleteness>;
  means: ReadonlyMap<string, StationMeans>;
  aqiDays: ReadonlyMap<string, DailyAqiRow>;
  aqiMax: ReadonlyMap<string, HourlyAqiPeak>;
  events: readonly AlertEventInPeriod[];
  /** the limits in force on the day */
  inForce: readonly Limit[];
}

/** A VN_AQI category key with its names and colour (an unknown key names itself, in grey). */
function category(key: string): CategoryRef {
  const c = VN_AQI_CATEGORIES.find((x) => x.key === key);
  return c ? { key, name: { vi: c.nameVi, en: c.nameEn }, colour: c.colorHex } : { key, name: { vi: key, en: key }, colour: '#c9d1d9' };
}

/** Each metric of the profile with data or completeness on the day: its daily mean and highest hourly mean. */
function metricDays(stationMeans: StationMeans | undefined, profile: LoadedProfile['profile'], dayStart: number, completenessByMetric: Map<string, number | null>): MetricDay[] {
  const out: MetricDay[] = [];
  for (const [metric, def] of Object.entries(profile.metrics)) {
    const means = stationMeans?.get(metric);
    let sum = 0;
    let hours = 0;
    let max: number | null = null;
    let maxAt: number | null = null;
    for (let end = dayStart + HOUR; end <= dayStart + DAY; end += HOUR) {
      const v = means?.get(end);
      if (v === undefined) continue;
      sum += v;
      hours++;
      if (max === null || v > max) {
        max = v;
        maxAt = end;
      }
    }
    if (hours === 0 && !completenessByMetric.has(metric)) continue;
    out.push({
      metric,
      name: { vi: def.name.vi, en: def.name.en },
      unit: def.unit,
      mean: hours > 0 ? sum / hours : null,
      hours,
      maxHourlyMean: max,
      maxHourEnd: maxAt === null ? null : new Date(maxAt).toISOString(),
      completeness: completenessByMetric.get(metric) ?? null,
    });
  }
  return out;
}

/** The daily bulletin of the stations. */
export function buildDaily(input: DailyInput): DailyBulletin {
  const { head, fromMs, stations, profiles, completenessOf, means, aqiDays, aqiMax, events, inForce } = input;
  const exceedances: Exceedance[] = [];
  const out: DailyStation[] = [];
  for (const s of stations) {
    const profile = profiles.get(s.profileId)!.profile;
    const c = completenessOf.get(s.id);
    const isAir = s.profileId === 'air-quality';
    const d = aqiDays.get(s.id);
    const m = aqiMax.get(s.id);
    out.push({
      id: s.id,
      name: s.name,
      profile: s.profileId,
      province: s.province,
      aqi: isAir
        ? {
            daily: d ? { value: d.aqi, category: category(d.category), dominant: d.dominant } : null,
            maxHourly: m ? { value: m.aqi, hourEnd: m.ts.toISOString(), category: category(m.category), dominant: m.dominant } : null,
          }
        : null,
      metrics: metricDays(means.get(s.id), profile, fromMs, c?.percentByMetric ?? new Map()),
      completeness: c?.pooled ?? pooled([]),
    });
    exceedances.push(...dayExceedances(s, means.get(s.id), inForce, profile, fromMs));
  }

  const names = new Map(stations.map((s) => [s.id, s.name]));
  const item = (e: AlertEventInPeriod): AlertItem => ({
    alert: e.alertId,
    at: e.at.toISOString(),
    station: e.stationId,
    stationName: names.get(e.stationId) ?? e.stationId,
    rule: e.ruleId,
    severity: e.severity,
    value: e.value,
    message: e.message,
  });
  return {
    ...head,
    kind: 'daily',
    stations: out,
    exceedances,
    alerts: { fired: events.filter((e) => e.type === 'firing').map(item), resolved: events.filter((e) => e.type === 'resolved').map(item) },
    limits: inForce.filter((l) => stations.some((s) => s.profileId === l.profile)),
  };
}
