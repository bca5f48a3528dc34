/**
 * @module validation/reads
 * What the review and report views read (issue 18): a station's series with every reading's
 * flags (columnar, for the chart), the checks' detail rows, the scheduled windows and the day
 * levels; the history of actions and approvals; the monthly report per station and for all
 * stations. Months and days are LOCAL calendar periods of each station (its `timezone`, else
 * config.timezone), and every answer says which zone.
 *
 * The report's `expected` per metric is the number of readings the station's device profile
 * promises over the elapsed part of the month (its reporting interval, analytics/series.ts
 * intervalSecondsOf, as the completeness report computes it); completeness = valid ÷ expected
 * (at most 1; null when nothing was expected). The all-stations summary runs the same per-station
 * count (one bounded statement per station), so its numbers are the per-station report's summed
 * over metrics.
 */
import { intervalSecondsOf } from '../analytics/series.js';
import type { Config } from '../config/index.js';
import type { LoadedProfile } from '../device-profiles/index.js';
import { createError } from '../lib/errors.js';
import { DAY_MS, addDays, localDate, localMonthRange, timeZoneOr } from '../lib/time.js';
import type { Db } from '../store/db.js';
import { listQcFlags, type StoredQcFlag } from '../store/qc-flags.js';
import { listWindows } from '../store/qc-windows.js';
import type { Station } from '../store/stations.js';
import { listActions, validationSeries, type ColumnarSeries, type ValidationAction } from '../store/validation.js';
import { dayLevels, listApprovals, monthLevel, monthLevels, type Approval } from '../store/validation-approvals.js';
import { emptyCounts, reportCounts, type MetricReportCounts } from '../store/validation-report.js';
import type { StationDirectory } from '../stations/directory.js';

/** The longest range the review chart reads at once (a month and a day). */
export const MAX_SERIES_DAYS = 32;

export interface ValidationReadsDeps {
  db: Db;
  stations: Pick<StationDirectory, 'get' | 'all'>;
  profiles: ReadonlyMap<string, LoadedProfile>;
  config: Readonly<Config>;
  now: () => number;
}

export interface SeriesAnswer {
  stationId: string;
  timezone: string;
  from: Date;
  to: Date;
  metrics: Array<ColumnarSeries & { unit: string }>;
  flags: StoredQcFlag[];
  windows: Awaited<ReturnType<typeof listWindows>>;
  levels: Array<{ day: string; level: 0 | 1 | 2 }>;
}

export interface MetricReport extends MetricReportCounts {
  expected: number;
  completeness: number | null;
}

export interface StationReport {
  stationId: string;
  month: string;
  timezone: string;
  from: Date;
  to: Date;
  metrics: MetricReport[];
  days: Array<{ day: string; level: 0 | 1 | 2 }>;
  level: 0 | 1 | 2;
}

export interface SummaryRow extends Omit<MetricReport, 'metric'> {
  stationId: string;
  name: string;
  profile: string;
  timezone: string;
  level: 0 | 1 | 2;
}

export interface ValidationReads {
  series(stationId: string, q: { from?: string | undefined; to?: string | undefined; metrics?: string[] | undefined }): Promise<SeriesAnswer>;
  history(stationId: string, q: { from?: string | undefined; to?: string | undefined }): Promise<{ actions: ValidationAction[]; approvals: Approval[] }>;
  stationReport(stationId: string, month: string): Promise<StationReport>;
  summaryReport(month: string): Promise<{ month: string; stations: SummaryRow[] }>;
}

const completenessOf = (valid: number, expected: number) => (expected > 0 ? Math.min(1, Math.round((valid / expected) * 10_000) / 10_000) : null);

export function createValidationReads(deps: ValidationReadsDeps): ValidationReads {
  const { db, profiles, config, now } = deps;
  const timeZoneOf = (s: Station) => timeZoneOr(s.timezone, config.timezone);

  function station(id: string): Station {
    const s = deps.stations.get(id);
    if (!s) throw createError('QT_ERR_NOT_FOUND', `Station ${id} does not exist`);
    return s;
  }
  const profileOf = (s: Station) => profiles.get(s.profileId)!.profile;

  function metricsOf(s: Station, asked: string[] | undefined): string[] {
    const known = profileOf(s).metrics;
    if (asked === undefined || asked.length === 0) return Object.keys(known);
    for (const m of asked) if (!known[m]) throw createError('QT_ERR_METRIC_UNKNOWN', `metrics: "${m}" is not a metric of station ${s.id} (profile ${s.profileId})`);
    return [...new Set(asked)];
  }

  function optionalTime(name: string, text: string | undefined): Date | undefined {
    if (text === undefined) return undefined;
    const d = new Date(text);
    if (Number.isNaN(d.getTime())) throw createError('QT_ERR_RANGE_INVALID', `${name}: not an ISO 8601 time`);
    return d;
  }

  function monthRange(s: Station, month: string): { from: number; to: number } {
    const r = localMonthRange(month, timeZoneOf(s));
    if (!r) throw createError('QT_ERR_QUERY_INVALID', `month: "${month}" is not a month (YYYY-MM)`);
    return r;
  }

  async function counted(s: Station, month: string): Promise<Omit<StationReport, 'days' | 'level'>> {
    const { from, to } = monthRange(s, month);
    const profile = profileOf(s);
    const metrics = Object.keys(profile.metrics);
    const counts = from < now() ? await reportCounts(db, s.id, metrics, new Date(from), new Date(to)) : metrics.map(emptyCounts);
    const elapsed = Math.max(0, Math.min(to, now()) - from);
    return {
      stationId: s.id,
      month,
      timezone: timeZoneOf(s),
      from: new Date(from),
      to: new Date(to),
      metrics: counts.map((c) => {
        const expected = Math.floor(elapsed / (intervalSecondsOf(profile, c.metric) * 1000));
        return { ...c, expected, completeness: completenessOf(c.valid, expected) };
      }),
    };
  }

  return {
    async series(stationId, q) {
      const s = station(stationId);
      const to = optionalTime('to', q.to) ?? new Date(now());
      const from = optionalTime('from', q.from) ?? new Date(to.getTime() - DAY_MS);
      if (from >= to) throw createError('QT_ERR_RANGE_INVALID', 'from: must be earlier than to');
      if (to.getTime() - from.getTime() > MAX_SERIES_DAYS * DAY_MS)
        throw createError('QT_ERR_RANGE_TOO_LARGE', `from/to: the review series covers at most ${MAX_SERIES_DAYS} days`);
      const metrics = metricsOf(s, q.metrics);
      const units = profileOf(s).metrics;
      const tz = timeZoneOf(s);
      const series = await validationSeries(db, s.id, metrics, from, to);
      const flags = await listQcFlags(db, s.id, from, to, metrics);
      const windows = await listWindows(db, s.id, from, to);
      const levels = await dayLevels(db, s.id, localDate(from.getTime(), tz), localDate(to.getTime() - 1, tz));
      return { stationId: s.id, timezone: tz, from, to, metrics: series.map((m) => ({ ...m, unit: units[m.metric]?.unit ?? '' })), flags, windows, levels };
    },

    async history(stationId, q) {
      const s = station(stationId);
      const from = optionalTime('from', q.from);
      const to = optionalTime('to', q.to);
      if (from && to && from >= to) throw createError('QT_ERR_RANGE_INVALID', 'from: must be earlier than to');
      const tz = timeZoneOf(s);
      const actions = await listActions(db, s.id, from, to);
      const approvals = await listApprovals(db, s.id, from && localDate(from.getTime(), tz), to && localDate(to.getTime() - 1, tz));
      return { actions, approvals };
    },

    async stationReport(stationId, month) {
      const s = station(stationId);
      const base = await counted(s, month);
      const lastDay = addDays(`${month}-01`, Math.round((base.to.getTime() - base.from.getTime()) / DAY_MS) - 1);
      const days = await dayLevels(db, s.id, `${month}-01`, lastDay);
      return { ...base, days, level: await monthLevel(db, s.id, month) };
    },

    async summaryReport(month) {
      const levels = await monthLevels(db, month);
      const rows: SummaryRow[] = [];
      for (const s of [...deps.stations.all()].sort((a, b) => a.id.localeCompare(b.id))) {
        if (!profiles.has(s.profileId)) continue;
        const r = await counted(s, month);
        const sum = (f: (m: MetricReport) => number) => r.metrics.reduce((n, m) => n + f(m), 0);
        const sumKeys = <K extends string>(f: (m: MetricReport) => Record<K, number>): Record<K, number> => {
          const out = {} as Record<K, number>;
          for (const m of r.metrics) for (const [k, v] of Object.entries(f(m)) as Array<[K, number]>) out[k] = (out[k] ?? 0) + v;
          return out;
        };
        const expected = sum((m) => m.expected);
        const valid = sum((m) => m.valid);
        rows.push({
          stationId: s.id,
          name: s.name,
          profile: s.profileId,
          timezone: r.timezone,
          expected,
          total: sum((m) => m.total),
          valid,
          restored: sum((m) => m.restored),
          flaggedAny: sum((m) => m.flaggedAny),
          flagged: sumKeys((m) => m.flagged),
          invalidatedAny: sum((m) => m.invalidatedAny),
          invalidated: sumKeys((m) => m.invalidated),
          stationFlags: sumKeys((m) => m.stationFlags),
          completeness: completenessOf(valid, expected),
          level: levels.get(s.id) ?? 0,
        });
      }
      return { month, stations: rows };
    },
  };
}
