/**
 * @module bulletins/render-csv
 * A bulletin as one CSV table in long form (one header, a `section` column), so a spreadsheet or a
 * script reads every part the same way. Times are ISO 8601 in the bulletin's zone with its offset
 * (+07:00 in Vietnam); values are rounded to their metric's resolution (precision.ts: the
 * profile's decimals), indices to whole numbers and percentages to 1 decimal, as the HTML shows them.
 *
 * Sections, daily: aqi_daily, aqi_max_hourly, metric_daily_mean, metric_max_hourly_mean,
 * exceedance (one row per exceeding period), alert_fired, alert_resolved, completeness.
 * Monthly: aqi_monthly_mean, aqi_category_days, exceedance_days, alerts, completeness.
 */
import { stringify } from 'csv-stringify/sync';
import { localIso } from '../lib/time.js';
import type { Bulletin } from './model.js';
import { bulletinPrecision, byUnit, INDEX_DECIMALS, MEAN_INDEX_DECIMALS, PERCENT_DECIMALS, roundTo, type MetricDecimals } from './precision.js';

export const CSV_COLUMNS = ['section', 'station', 'station_name', 'province', 'metric', 'averaging', 'time', 'value', 'unit', 'limit', 'category', 'detail'] as const;

type Row = Partial<Record<(typeof CSV_COLUMNS)[number], string | number | null>>;

/** ISO 8601 in the bulletin's local time, whole seconds. */
function local(iso: string, timeZone: string): string {
  return localIso(Math.floor(Date.parse(iso) / 1000) * 1000, timeZone);
}

const FREE_TEXT = new Set(['station_name', 'province', 'detail']);

/** A free-text cell starting like a formula gets a leading apostrophe (spreadsheet formula injection). */
function neutralize(column: string, v: string | number): string | number {
  return typeof v === 'string' && FREE_TEXT.has(column) && /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

/** The bulletin as CSV; `decimals` gives each metric's resolution (bulletins/index.ts passes the profiles'). */
export function renderCsv(b: Bulletin, decimals: MetricDecimals = byUnit): string {
  const rows: Row[] = [];
  const dp = bulletinPrecision(b, decimals);
  const idx = (v: number) => roundTo(v, INDEX_DECIMALS);
  const pct = (v: number | null) => roundTo(v, PERCENT_DECIMALS);
  if (b.kind === 'daily') {
    for (const s of b.stations) {
      const base = { station: s.id, station_name: s.name, province: s.province };
      if (s.aqi?.daily)
        rows.push({ ...base, section: 'aqi_daily', time: b.period, value: idx(s.aqi.daily.value), category: s.aqi.daily.category.key, detail: s.aqi.daily.dominant });
      if (s.aqi?.maxHourly)
        rows.push({
          ...base,
          section: 'aqi_max_hourly',
          time: local(s.aqi.maxHourly.hourEnd, b.timezone),
          value: idx(s.aqi.maxHourly.value),
          category: s.aqi.maxHourly.category.key,
          detail: s.aqi.maxHourly.dominant,
        });
      for (const m of s.metrics) {
        const d = dp.metric(s.id, m.metric, m.unit);
        rows.push({
          ...base,
          section: 'metric_daily_mean',
          metric: m.metric,
          averaging: '24h',
          time: b.period,
          value: roundTo(m.mean, d),
          unit: m.unit,
          detail: `hours=${m.hours}`,
        });
        if (m.maxHourEnd)
          rows.push({
            ...base,
            section: 'metric_max_hourly_mean',
            metric: m.metric,
            averaging: '1h',
            time: local(m.maxHourEnd, b.timezone),
            value: roundTo(m.maxHourlyMean, d),
            unit: m.unit,
          });
      }
    }
    const province = new Map(b.stations.map((s) => [s.id, s.province]));
    for (const e of b.exceedances) {
      for (const p of e.periods) {
        rows.push({
          section: 'exceedance',
          station: e.station,
          station_name: e.stationName,
          province: province.get(e.station) ?? null,
          metric: e.metric,
          averaging: e.averaging,
          time: local(p.end, b.timezone),
          value: roundTo(p.value, dp.metric(e.station, e.metric, e.unit)),
          unit: e.unit,
          limit: `${e.op === 'above' ? '>' : '<'}${e.limit}`,
          detail: e.rule,
        });
      }
    }
    for (const [section, items] of [
      ['alert_fired', b.alerts.fired],
      ['alert_resolved', b.alerts.resolved],
    ] as const) {
      for (const a of items)
        rows.push({
          section,
          station: a.station,
          station_name: a.stationName,
          province: province.get(a.station) ?? null,
          time: local(a.at, b.timezone),
          value: roundTo(a.value, dp.alert(a)),
          category: a.severity,
          detail: `${a.rule}: ${a.message.vi}`,
        });
    }
    for (const s of b.stations) {
      rows.push({
        section: 'completeness',
        station: s.id,
        station_name: s.name,
        province: s.province,
        time: b.period,
        value: pct(s.completeness.percent),
        unit: '%',
        detail: `expected=${s.completeness.expected} excluded=${s.completeness.excluded} valid=${s.completeness.valid}`,
      });
    }
  } else {
    for (const s of b.stations) {
      const base = { station: s.id, station_name: s.name, province: s.province };
      if (s.aqi) {
        rows.push({ ...base, section: 'aqi_monthly_mean', time: b.period, value: roundTo(s.aqi.meanDaily, MEAN_INDEX_DECIMALS), detail: `days=${s.aqi.days}` });
        for (const [key, n] of Object.entries(s.aqi.daysByCategory)) rows.push({ ...base, section: 'aqi_category_days', time: b.period, value: n, category: key });
      }
    }
    const province = new Map(b.stations.map((s) => [s.id, s.province]));
    for (const e of b.exceedances) {
      rows.push({
        section: 'exceedance_days',
        station: e.station,
        station_name: e.stationName,
        province: province.get(e.station) ?? null,
        metric: e.metric,
        averaging: e.averaging,
        time: b.period,
        value: e.days.length,
        unit: e.unit,
        limit: `${e.op === 'above' ? '>' : '<'}${e.limit}`,
        detail: `${e.rule}: ${e.days.join(' ')}`,
      });
    }
    for (const s of b.stations) {
      const base = { station: s.id, station_name: s.name, province: s.province };
      rows.push({ ...base, section: 'alerts', time: b.period, value: s.alertsFired, detail: `fired=${s.alertsFired} resolved=${s.alertsResolved}` });
      rows.push({
        ...base,
        section: 'completeness',
        time: b.period,
        value: pct(s.completeness.percent),
        unit: '%',
        detail: `expected=${s.completeness.expected} excluded=${s.completeness.excluded} valid=${s.completeness.valid}`,
      });
    }
  }
  return stringify(
    rows.map((r) => CSV_COLUMNS.map((c) => neutralize(c, r[c] ?? ''))),
    { header: true, columns: [...CSV_COLUMNS] },
  );
}
