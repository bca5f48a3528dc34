/**
 * @module bulletins/monthly
 * Assembles a monthly bulletin from what compose.ts read: per station its mean daily VN_AQI and
 * days per category (air stations), the local dates with an exceedance, its alert counts and
 * completeness; per station and limit the local dates it was exceeded (each day compared with
 * the limits in force on it).
 */
import type { LoadedProfile } from '../device-profiles/index.js';
import type { AlertEventInPeriod, DailyAqiRow } from '../store/bulletin-data.js';
import type { Station } from '../store/stations.js';
import { pooled, type StationPeriodCompleteness } from './completeness.js';
import { dayExceedances } from './exceedances.js';
import type { StationMeans } from './hourly-means.js';
import { limitsDuring, limitsOn } from './limits.js';
import type { BulletinHeader, Exceedance, Limit, MonthlyBulletin, MonthlyStation } from './model.js';
import { addDays, localDate, startOfLocalDay } from '../lib/time.js';

export interface MonthlyInput {
  head: BulletinHeader & { kind: 'monthly' };
  /** [fromMs, toMs): the month's local midnights */
  fromMs: number;
  toMs: number;
  stations: readonly Station[];
  profiles: ReadonlyMap<string, LoadedProfile>;
  completenessOf: ReadonlyMap<string, StationPeriodCompleteness>;
  means: ReadonlyMap<string, StationMeans>;
  aqi: readonly DailyAqiRow[];
  events: readonly AlertEventInPeriod[];
  /** every limit loaded; those in force are chosen per day */
  limits: readonly Limit[];
}

/** The monthly bulletin of the stations. */
export function buildMonthly(input: MonthlyInput): MonthlyBulletin {
  const { head, fromMs, toMs, stations, profiles, completenessOf, means, aqi, events, limits } = input;
  const byKey = new Map<string, Omit<Exceedance, 'periods'> & { days: string[] }>();
  const daysOf = new Map<string, Set<string>>();
  // local dates of the month in the bulletin's zone (a 23- or 25-hour day where the zone has daylight saving)
  for (let date = localDate(fromMs, head.timezone), dayStart = fromMs; dayStart < toMs; date = addDays(date, 1), dayStart = startOfLocalDay(date, head.timezone)!) {
    const inForce = limitsOn(limits, dayStart);
    for (const s of stations) {
      for (const e of dayExceedances(s, means.get(s.id), inForce, profiles.get(s.profileId)!.profile, dayStart)) {
        const key = `${e.station}\u0000${e.rule}`;
        let agg = byKey.get(key);
        if (!agg) {
          const { periods: _periods, ...rest } = e;
          byKey.set(key, (agg = { ...rest, days: [] }));
        }
        agg.days.push(date);
        let set = daysOf.get(s.id);
        if (!set) daysOf.set(s.id, (set = new Set()));
        set.add(date);
      }
    }
  }

  const out: MonthlyStation[] = stations.map((s) => {
    const days = aqi.filter((r) => r.stationId === s.id);
    const daysByCategory: Record<string, number> = {};
    for (const r of days) daysByCategory[r.category] = (daysByCategory[r.category] ?? 0) + 1;
    return {
      id: s.id,
      name: s.name,
      profile: s.profileId,
      province: s.province,
      aqi:
        s.profileId === 'air-quality'
          ? { meanDaily: days.length > 0 ? Math.round((days.reduce((a, r) => a + r.aqi, 0) / days.length) * 10) / 10 : null, days: days.length, daysByCategory }
          : null,
      exceedanceDays: [...(daysOf.get(s.id) ?? [])].sort(),
      alertsFired: events.filter((e) => e.type === 'firing' && e.stationId === s.id).length,
      alertsResolved: events.filter((e) => e.type === 'resolved' && e.stationId === s.id).length,
      completeness: completenessOf.get(s.id)?.pooled ?? pooled([]),
    };
  });
  const inForceAny = limitsDuring(limits, fromMs, toMs).filter((l) => stations.some((s) => s.profileId === l.profile));
  return { ...head, kind: 'monthly', stations: out, exceedances: [...byKey.values()], limits: inForceAny };
}
