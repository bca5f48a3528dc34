/**
 * @module bulletins/exceedances
 * Exceedances of QCVN limits on one local day, from a station's hourly means: a 1-hour limit is
 * compared with every hourly mean, an 8-hour limit with the 8-hour rolling means of hourly means
 * (6 of 8 hours needed), a 24-hour limit with the daily mean (18 of 24 hours needed, as for daily
 * VN_AQI).
 */
import type { LoadedProfile } from '../device-profiles/index.js';
import type { Station } from '../store/stations.js';
import type { StationMeans } from './hourly-means.js';
import type { Exceedance, Limit } from './model.js';
import { DAY, HOUR } from './period.js';

const MIN_HOURS_24H = 18;
const MIN_HOURS_8H = 6;

const beyond = (l: Pick<Limit, 'op' | 'value'>, v: number) => (l.op === 'above' ? v > l.value : v < l.value);

/** Exceedances of one station on one local day, from its hourly means (8-hour means look 7 hours back). */
export function dayExceedances(
  station: Station,
  stationMeans: StationMeans | undefined,
  limits: readonly Limit[],
  profile: LoadedProfile['profile'],
  dayStart: number,
): Exceedance[] {
  const out: Exceedance[] = [];
  for (const l of limits) {
    if (l.profile !== station.profileId) continue;
    const means = stationMeans?.get(l.metric);
    if (!means) continue;
    const periods: Array<{ end: string; value: number }> = [];
    if (l.averaging === '1h') {
      for (let end = dayStart + HOUR; end <= dayStart + DAY; end += HOUR) {
        const v = means.get(end);
        if (v !== undefined && beyond(l, v)) periods.push({ end: new Date(end).toISOString(), value: v });
      }
    } else if (l.averaging === '8h') {
      for (let end = dayStart + HOUR; end <= dayStart + DAY; end += HOUR) {
        const window: number[] = [];
        for (let k = 0; k < 8; k++) {
          const v = means.get(end - k * HOUR);
          if (v !== undefined) window.push(v);
        }
        if (window.length < MIN_HOURS_8H) continue;
        const v = window.reduce((a, b) => a + b, 0) / window.length;
        if (beyond(l, v)) periods.push({ end: new Date(end).toISOString(), value: v });
      }
    } else {
      const day: number[] = [];
      for (let end = dayStart + HOUR; end <= dayStart + DAY; end += HOUR) {
        const v = means.get(end);
        if (v !== undefined) day.push(v);
      }
      if (day.length >= MIN_HOURS_24H) {
        const v = day.reduce((a, b) => a + b, 0) / day.length;
        if (beyond(l, v)) periods.push({ end: new Date(dayStart + DAY).toISOString(), value: v });
      }
    }
    if (periods.length > 0) {
      out.push({
        station: station.id,
        stationName: station.name,
        metric: l.metric,
        rule: l.rule,
        op: l.op,
        limit: l.value,
        averaging: l.averaging,
        unit: profile.metrics[l.metric]?.unit ?? '',
        source: l.source,
        periods,
      });
    }
  }
  return out;
}
