/**
 * @module analytics/completeness
 * The daily completeness report: per station, metric and local day, the readings the profile's
 * reporting interval promises, those received and valid, and the share (COMPLETENESS_FORMULA).
 */
import type { Config } from '../config/index.js';
import type { LoadedProfile } from '../device-profiles/index.js';
import { createError } from '../lib/errors.js';
import { DAILY_AGGREGATE_TIMEZONE, dailyCounts } from '../store/analytics.js';
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

export async function completeness(
  db: Db,
  config: Readonly<Config>,
  profiles: ReadonlyMap<string, LoadedProfile>,
  req: { stations: readonly Station[]; metrics: readonly string[] | null; from: Date; to: Date; now: number },
): Promise<{ from: Date; to: Date; data: CompletenessRow[] }> {
  const day: Bucket = { kind: 'fixed', text: '1d', ms: DAY, sql: '1 day' };
  const byZone = new Map<string, Station[]>();
  for (const s of req.stations) {
    const group = byZone.get(s.timezone);
    if (group) group.push(s);
    else byZone.set(s.timezone, [s]);
  }
  const data: CompletenessRow[] = [];
  let outFrom = req.from.getTime();
  let outTo = req.to.getTime();
  for (const [timezone, stations] of byZone) {
    const offsetMs = zoneOffsetMs(timezone, req.from.getTime());
    const from = bucketStart(day, req.from.getTime(), offsetMs);
    const to = bucketStart(day, req.to.getTime() - 1, offsetMs) + DAY;
    outFrom = Math.min(outFrom, from);
    outTo = Math.max(outTo, to);
    const limit = timezone === DAILY_AGGREGATE_TIMEZONE ? config.analytics.maxAggregateRangeDays : config.analytics.maxRawRangeDays;
    if (rangeDays(new Date(from), new Date(to)) > limit) throw createError('QT_ERR_RANGE_TOO_LARGE', `from/to: the completeness report is limited to ${limit} days`);
    const metricsOf = (s: Station) => req.metrics ?? Object.keys(profiles.get(s.profileId)!.profile.metrics);
    const allMetrics = [...new Set(stations.flatMap(metricsOf))];
    const rows = await dailyCounts(db, { stationIds: stations.map((s) => s.id), metrics: allMetrics, from: new Date(from), to: new Date(to), timezone });
    const found = new Map(rows.map((r) => [`${r.stationId}\u0000${r.metric}\u0000${r.day.getTime()}`, r]));
    // each day's text once, not once per station and metric (10,000 stations: 100,000 rows a refresh)
    const dayTexts: string[] = [];
    for (let d = from; d < to; d += DAY) dayTexts.push(localIso(d, offsetMs).slice(0, 10));
    for (const s of stations) {
      const profile = profiles.get(s.profileId)!.profile;
      for (const metric of metricsOf(s)) {
        const intervalMs = intervalSecondsOf(profile, metric) * 1000;
        for (let d = from, i = 0; d < to; d += DAY, i++) {
          const r = found.get(`${s.id}\u0000${metric}\u0000${d}`);
          const elapsed = elapsedMs(d, d + DAY, req.now);
          const expected = Math.floor(elapsed / intervalMs);
          const excluded = { calibrating: r?.calibrating ?? 0, fault: r?.fault ?? 0, maintenance: r?.maintenance ?? 0 };
          const measuring = Math.max(0, expected - excluded.calibrating - excluded.fault - excluded.maintenance);
          const valid = r?.valid ?? 0;
          data.push({
            station: s.id,
            metric,
            day: dayTexts[i]!,
            expected,
            excluded,
            valid,
            outOfRange: r?.outOfRange ?? 0,
            percent: percent(valid, measuring),
          });
        }
      }
    }
  }
  return { from: new Date(outFrom), to: new Date(outTo), data };
}
