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
        // summed in place, in the same order as before (a month of 10,000 stations made tens of millions of windows)
        let sum = 0;
        let n = 0;
        for (let k = 0; k < 8; k++) {
          const v = means.get(end - k * HOUR);
          if (v !== undefined) {
            sum += v;
            n++;
          }
        }
        if (n < MIN_HOURS_8H) continue;
        const v = sum / n;
        if (beyond(l, v)) periods.push({ end: new Date(end).toISOString(), value: v });
      }
    } else {
      let sum = 0;
      let n = 0;
      for (let end = dayStart + HOUR; end <= dayStart + DAY; end += HOUR) {
        const v = means.get(end);
        if (v !== undefined) {
          sum += v;
          n++;
        }
      }
      if (n >= MIN_HOURS_24H) {
        const v = sum / n;
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
