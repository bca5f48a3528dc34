/**
 * @module bulletins/compose
 * Builds the model of a bulletin — a local day or month, for one province or the whole system —
 * from what is stored (store/bulletin-data.ts), never recomputing an index:
 * - VN_AQI from aqi_daily / aqi_hourly (alerts/aqi.ts). The VN_AQI day of date D is labelled by
 *   hour-ending times 01:00 … 24:00 of D, i.e. the readings of 00:00–24:00 local time: the same
 *   span as the bulletin's day.
 * - Metric means from the readings_hourly continuous aggregate (valid readings only); the daily
 *   mean of a metric is the mean of its hourly means (hourly-means.ts).
 * - QCVN limits from the shipped rule packs (limits.ts), compared as exceedances.ts describes.
 * - Alerts from alert_events: `firing` and `resolved` events inside the period.
 * - Completeness from the analyst API's definition (completeness.ts).
 * This module reads; daily.ts and monthly.ts assemble, summary.ts digests, model.ts has the types.
 */
import type { Config } from '../config/index.js';
import type { LoadedProfile } from '../device-profiles/index.js';
import { alertEventsInPeriod, dailyVnAqi, peakHourlyVnAqi } from '../store/bulletin-data.js';
import type { Db } from '../store/index.js';
import { stationsWithCompleteness } from './completeness.js';
import { buildDaily } from './daily.js';
import { loadHourlyMeans } from './hourly-means.js';
import { limitsOn, loadLimits } from './limits.js';
import type { BulletinScope, DailyBulletin, Limit, MonthlyBulletin } from './model.js';
import { buildMonthly } from './monthly.js';
import { HOUR, localDate, periodHeader } from './period.js';

export interface ComposeDeps {
  db: Db;
  config: Readonly<Config>;
  profiles: ReadonlyMap<string, LoadedProfile>;
  /** rule packs folder (default: the shipped packs) */
  packsDir?: string;
}

export interface Composer {
  readonly limits: readonly Limit[];
  daily(day: string, scope: BulletinScope, now: number): Promise<DailyBulletin>;
  monthly(month: string, scope: BulletinScope, now: number): Promise<MonthlyBulletin>;
}

export function createComposer(deps: ComposeDeps): Composer {
  const { db, profiles } = deps;
  const limits = loadLimits(deps.packsDir);

  async function daily(day: string, scope: BulletinScope, now: number): Promise<DailyBulletin> {
    const { fromMs, toMs, ...head } = periodHeader('daily', day, scope, now, deps.config.timezone);
    const { stations, completenessOf } = await stationsWithCompleteness(deps, scope, fromMs, toMs, now);
    const ids = stations.map((s) => s.id);
    // 8-hour means at the day's first hours look 7 hours back
    const means = await loadHourlyMeans(db, ids, fromMs - 7 * HOUR, toMs);
    const aqiDays = new Map((await dailyVnAqi(db, ids, day, localDate(toMs, deps.config.timezone))).map((r) => [r.stationId, r]));
    const aqiMax = await peakHourlyVnAqi(db, ids, new Date(fromMs), new Date(toMs));
    const events = await alertEventsInPeriod(db, ids, new Date(fromMs), new Date(toMs));
    return buildDaily({ head, fromMs, stations, profiles, completenessOf, means, aqiDays, aqiMax, events, inForce: limitsOn(limits, fromMs) });
  }

  async function monthly(month: string, scope: BulletinScope, now: number): Promise<MonthlyBulletin> {
    const { fromMs, toMs, ...head } = periodHeader('monthly', month, scope, now, deps.config.timezone);
    const { stations, completenessOf } = await stationsWithCompleteness(deps, scope, fromMs, toMs, now);
    const ids = stations.map((s) => s.id);
    const means = await loadHourlyMeans(db, ids, fromMs - 7 * HOUR, toMs);
    const aqi = await dailyVnAqi(db, ids, head.periodStart, localDate(toMs, deps.config.timezone));
    const events = await alertEventsInPeriod(db, ids, new Date(fromMs), new Date(toMs));
    return buildMonthly({ head, fromMs, toMs, stations, profiles, completenessOf, means, aqi, events, limits });
  }

  return { limits, daily, monthly };
}
