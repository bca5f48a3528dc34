/**
 * @module bulletins/summary
 * The small digest stored with a bulletin and shown in lists and events: station and exceedance
 * counts, alerts, the worst VN_AQI in scope and the pooled completeness.
 */
import { VN_AQI_CATEGORIES } from '../domain/indices/index.js';
import { pooledPercent } from './completeness.js';
import type { Bulletin, BulletinSummary, StationCompleteness } from './model.js';

/** The VN_AQI category of a (mean) value, rounded half up as the category tables read. */
export function categoryOfValue(v: number): string {
  const r = Math.floor(v + 0.5);
  return VN_AQI_CATEGORIES.find((c) => r >= c.min && r <= c.max)?.key ?? (r > 500 ? 'hazardous' : '');
}

/** The digest stored with the bulletin. */
export function summarize(b: Bulletin): BulletinSummary {
  let worst: BulletinSummary['worstAqi'] = null;
  const all: StationCompleteness[] = [];
  if (b.kind === 'daily') {
    for (const s of b.stations) {
      all.push(s.completeness);
      const d = s.aqi?.daily;
      if (d && (!worst || d.value > worst.value)) worst = { station: s.id, value: d.value, category: d.category.key };
    }
    return {
      stations: b.stations.length,
      stationsExceeding: new Set(b.exceedances.map((e) => e.station)).size,
      exceedances: b.exceedances.reduce((n, e) => n + e.periods.length, 0),
      alertsFired: b.alerts.fired.length,
      alertsResolved: b.alerts.resolved.length,
      worstAqi: worst,
      completeness: pooledPercent(all),
    };
  }
  for (const s of b.stations) {
    all.push(s.completeness);
    const m = s.aqi?.meanDaily;
    if (m != null && (!worst || m > worst.value)) worst = { station: s.id, value: m, category: categoryOfValue(m) };
  }
  return {
    stations: b.stations.length,
    stationsExceeding: b.stations.filter((s) => s.exceedanceDays.length > 0).length,
    exceedances: b.exceedances.reduce((n, e) => n + e.days.length, 0),
    alertsFired: b.stations.reduce((n, s) => n + s.alertsFired, 0),
    alertsResolved: b.stations.reduce((n, s) => n + s.alertsResolved, 0),
    worstAqi: worst,
    completeness: pooledPercent(all),
  };
}
