/**
 * @module analytics/completeness
 * The daily completeness report: per station, metric and local day, the readings the profile's
 * reporting interval promises, those received and valid, and the share (COMPLETENESS_FORMULA).
 */
import type { Config } from '../config/index.js';
import type { LoadedProfile } from '../device-profiles/index.js';
import { createError } from '../lib/errors.js';
import { DAILY_AGGREGATE_TIMEZONE, dailyCounts, type DailyCounts } from '../store/analytics.js';
import type { Db } from '../store/index.js';
import type { Station } from '../store/stations.js';
import { bucketStart, localIso, zoneOffsetMs, type Bucket } from './params.js';
import { elapsedMs, intervalSecondsOf, percent, rangeDays } from './series.js';

const DAY = 86_400_000;

export const COMPLETENESS_FORMULA =
  'percent = 100 × valid ÷ (expected − calibrating − fault − maintenance), where expected = ⌊elapsed seconds of the local day inside [from, to) ÷ interval⌋ ' +
  "and interval is the metric's reporting interval from its device profile; calibrating, fault and maintenance readings each stand for one interval " +
  'of a declared non-measuring period and are excluded; out-of-range readings, readings flagged by an automatic check (not restored by a reviewer) and readings ' +
  'a reviewer invalidated count as received but not valid; null when nothing was expected.';

export interface CompletenessRow {
  station: string;
  metric: string;
  day: string;
  expected: number;
  excluded: { calibrating: number; fault: number; maintenance: number };
  /** validated readings (flagged and invalidated ones count as received but not valid) */
  valid: number;
  outOfRange: number;
  percent: number | null;
}

/**
 * One (station, metric, local day) of the report, as `eachCompleteness` hands it to its visitor:
 * ONE object reused for every cell (copy what you keep). A month of 10,000 stations is 3 million
 * cells: as row objects, over 2 GB allocated for a bulletin that keeps one summary per station
 * (issue 20: the monthly bulletin's catch-up at start-up, and the operations center's refresh
 * of every station each minute).
 */
export interface CompletenessCell {
  station: Station;
  metric: string;
  /** the local day, YYYY-MM-DD */
  day: string;
  expected: number;
  calibrating: number;
  fault: number;
  maintenance: number;
  valid: number;
  outOfRange: number;
  percent: number | null;
}

/**
 * Visits every (station, metric, local day) of the report, stations in the order given (grouped
 * by time zone), each station's metrics in the order asked (or its profile's), days in order.
 * Returns the range actually covered (whole local days).
 */
export async function eachCompleteness(
  db: Db,
  config: Readonly<Config>,
  profiles: ReadonlyMap<string, LoadedProfile>,
  req: { stations: readonly Station[]; metrics: readonly string[] | null; from: Date; to: Date; now: number },
  visit: (cell: Readonly<CompletenessCell>) => void,
): Promise<{ from: Date; to: Date }> {
  if (req.stations.length === 0) return { from: req.from, to: req.to };
  const day: Bucket = { kind: 'fixed', text: '1d', ms: DAY, sql: '1 day' };
  const byZone = new Map<string, Station[]>();
  for (const s of req.stations) {
    const group = byZone.get(s.timezone);
    if (group) group.push(s);
    else byZone.set(s.timezone, [s]);
  }
  let outFrom = req.from.getTime();
  let outTo = req.to.getTime();
  // the metrics the report covers for a station: those asked, or all of its profile's
  const metricsOf = (s: Station): readonly string[] => req.metrics ?? Object.keys(profiles.get(s.profileId)!.profile.metrics);
  // the zones' ranges, checked before any query runs
  const zones = [...byZone].map(([timezone, stations]) => {
    const offsetMs = zoneOffsetMs(timezone, req.from.getTime());
    const from = bucketStart(day, req.from.getTime(), offsetMs);
    const to = bucketStart(day, req.to.getTime() - 1, offsetMs) + DAY;
    outFrom = Math.min(outFrom, from);
    outTo = Math.max(outTo, to);
    const limit = timezone === DAILY_AGGREGATE_TIMEZONE ? config.analytics.maxAggregateRangeDays : config.analytics.maxRawRangeDays;
    if (rangeDays(new Date(from), new Date(to)) > limit) throw createError('QT_ERR_RANGE_TOO_LARGE', `from/to: the completeness report is limited to ${limit} days`);
    return { timezone, stations, offsetMs, from, to };
  });
  const cell: CompletenessCell = {
    station: req.stations[0]!,
    metric: '',
    day: '',
    expected: 0,
    calibrating: 0,
    fault: 0,
    maintenance: 0,
    valid: 0,
    outOfRange: 0,
    percent: null,
  };
  for (const { timezone, stations, offsetMs, from, to } of zones) {
    const allMetrics = [...new Set(stations.flatMap(metricsOf))];
    const rows = await dailyCounts(db, { stationIds: stations.map((s) => s.id), metrics: allMetrics, from: new Date(from), to: new Date(to), timezone });
    // station → metric → the row of each day (by index): no key string per cell
    const days = Math.round((to - from) / DAY);
    const found = new Map<string, Map<string, Array<DailyCounts | undefined>>>();
    for (const r of rows) {
      const i = Math.round((r.day.getTime() - from) / DAY);
      if (i < 0 || i >= days) continue;
      let byMetric = found.get(r.stationId);
      if (!byMetric) found.set(r.stationId, (byMetric = new Map()));
      let byDay = byMetric.get(r.metric);
      if (!byDay) byMetric.set(r.metric, (byDay = new Array<DailyCounts | undefined>(days)));
      byDay[i] = r;
    }
    // each day's text and elapsed time once, not once per station and metric
    const dayTexts: string[] = [];
    const elapsed: number[] = [];
    for (let d = from; d < to; d += DAY) {
      dayTexts.push(localIso(d, offsetMs).slice(0, 10));
      elapsed.push(elapsedMs(d, d + DAY, req.now));
    }
    for (const s of stations) {
      const profile = profiles.get(s.profileId)!.profile;
      const byMetric = found.get(s.id);
      cell.station = s;
      for (const metric of metricsOf(s)) {
        const intervalMs = intervalSecondsOf(profile, metric) * 1000;
        const byDay = byMetric?.get(metric);
        cell.metric = metric;
        for (let i = 0; i < days; i++) {
          const r = byDay?.[i];
          const expected = Math.floor(elapsed[i]! / intervalMs);
          cell.day = dayTexts[i]!;
          cell.expected = expected;
          cell.calibrating = r?.calibrating ?? 0;
          cell.fault = r?.fault ?? 0;
          cell.maintenance = r?.maintenance ?? 0;
          cell.valid = r?.valid ?? 0;
          cell.outOfRange = r?.outOfRange ?? 0;
          cell.percent = percent(cell.valid, Math.max(0, expected - cell.calibrating - cell.fault - cell.maintenance));
          visit(cell);
        }
      }
    }
  }
  return { from: new Date(outFrom), to: new Date(outTo) };
}

/** The report as rows (the analyst API's answer; a caller that keeps less should visit the cells with eachCompleteness). */
export async function completeness(
  db: Db,
  config: Readonly<Config>,
  profiles: ReadonlyMap<string, LoadedProfile>,
  req: { stations: readonly Station[]; metrics: readonly string[] | null; from: Date; to: Date; now: number },
): Promise<{ from: Date; to: Date; data: CompletenessRow[] }> {
  const data: CompletenessRow[] = [];
  const range = await eachCompleteness(db, config, profiles, req, (c) =>
    data.push({
      station: c.station.id,
      metric: c.metric,
      day: c.day,
      expected: c.expected,
      excluded: { calibrating: c.calibrating, fault: c.fault, maintenance: c.maintenance },
      valid: c.valid,
      outOfRange: c.outOfRange,
      percent: c.percent,
    }),
  );
  return { ...range, data };
}
