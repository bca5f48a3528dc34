/**
 * @module bulletins/completeness
 * The stations a bulletin reports on and their completeness, from the analyst API's definition
 * (analytics/series.ts) pooled over a station's metrics (and days):
 * 100 × Σ valid ÷ Σ (expected − calibrating − fault − maintenance).
 */
import { completeness, type CompletenessRow } from '../analytics/completeness.js';
import type { Config } from '../config/index.js';
import type { LoadedProfile } from '../device-profiles/index.js';
import { reportedMetrics } from '../store/bulletin-data.js';
import type { Db } from '../store/index.js';
import { listEnabledStations, type Station } from '../store/stations.js';
import type { BulletinScope, StationCompleteness } from './model.js';
import { DAY, provinceOf } from './period.js';

export interface ScopeStations {
  /** enabled stations of the scope with a loaded profile, in province then id order */
  stations: Station[];
  /** station → its completeness over the period */
  completenessOf: Map<string, StationPeriodCompleteness>;
}

/** What a bulletin shows of a station's completeness rows (one per metric it measures and local day). */
export interface StationPeriodCompleteness {
  /** pooled over its rows */
  pooled: StationCompleteness;
  /** each metric's percent (of its last row: the one local day of a daily bulletin) */
  percentByMetric: Map<string, number | null>;
  /** whether any row has a reading in the period */
  hasData: boolean;
}

/**
 * Stations whose completeness rows are computed at a time: the report is one row per station,
 * metric and day (a month of 10,000 stations: 3.7 million rows, over a gigabyte of objects if
 * built at once; 500 stations: about 190,000), and a bulletin only keeps each station's summary
 * (issue 20).
 */
const CHUNK_STATIONS = 500;

/**
 * The metrics each station measures: those it reported in the 30 days up to `to` (a sensor dead
 * for the whole period still counts, a parameter the station is not equipped for does not).
 */
function measuredMetrics(db: Db, stationIds: readonly string[], from: number, to: number): Promise<Map<string, Set<string>>> {
  return reportedMetrics(db, stationIds, new Date(Math.min(from, to - 30 * DAY)), new Date(to));
}

/**
 * The scope's stations with the completeness of their rows (the analyst API's report) restricted
 * to the metrics each measures. A station created after the period is left out unless it has data in it.
 */
export async function stationsWithCompleteness(
  deps: { db: Db; config: Readonly<Config>; profiles: ReadonlyMap<string, LoadedProfile> },
  scope: BulletinScope,
  fromMs: number,
  toMs: number,
  now: number,
): Promise<ScopeStations> {
  const { db, config, profiles } = deps;
  const candidates = (await listEnabledStations(db, provinceOf(scope))).filter((s) => profiles.get(s.profileId)?.profile !== undefined);
  const completenessOf = new Map<string, StationPeriodCompleteness>();
  if (candidates.length === 0) return { stations: [], completenessOf };
  const measured = await measuredMetrics(
    db,
    candidates.map((s) => s.id),
    fromMs,
    toMs,
  );
  for (let i = 0; i < candidates.length; i += CHUNK_STATIONS) {
    const chunk = candidates.slice(i, i + CHUNK_STATIONS);
    const report = await completeness(db, config, profiles, { stations: chunk, metrics: null, from: new Date(fromMs), to: new Date(toMs), now });
    // grouped once: a filter per station over every row is quadratic (11,000 stations froze the main thread for seconds)
    const byStation = new Map<string, CompletenessRow[]>();
    for (const r of report.data) {
      const list = byStation.get(r.station);
      if (list) list.push(r);
      else byStation.set(r.station, [r]);
    }
    for (const s of chunk) completenessOf.set(s.id, summarize(byStation.get(s.id) ?? [], measured.get(s.id)));
  }
  return { stations: candidates.filter((s) => s.createdAt.getTime() < toMs || completenessOf.get(s.id)?.hasData === true), completenessOf };
}

/** A station's rows of the metrics it measures (all when it reported none), summarized in one pass. */
function summarize(rows: readonly CompletenessRow[], measured: ReadonlySet<string> | undefined): StationPeriodCompleteness {
  const percentByMetric = new Map<string, number | null>();
  let hasData = false;
  const kept: CompletenessRow[] = [];
  for (const r of rows) {
    if (measured && !measured.has(r.metric)) continue;
    kept.push(r);
    percentByMetric.set(r.metric, r.percent);
    if (r.valid > 0 || r.outOfRange > 0 || r.excluded.calibrating + r.excluded.fault + r.excluded.maintenance > 0) hasData = true;
  }
  return { pooled: pooled(kept), percentByMetric, hasData };
}

/** A station's completeness pooled over its rows. */
export function pooled(rows: ReadonlyArray<{ expected: number; valid: number; excluded: { calibrating: number; fault: number; maintenance: number } }>): StationCompleteness {
  let expected = 0;
  let valid = 0;
  let excluded = 0;
  for (const r of rows) {
    expected += r.expected;
    valid += r.valid;
    // the analyst API's measuring count per row: max(0, expected − excluded)
    excluded += Math.min(r.expected, r.excluded.calibrating + r.excluded.fault + r.excluded.maintenance);
  }
  const measuring = expected - excluded;
  return { expected, valid, excluded, percent: measuring > 0 ? Math.min(100, Math.round((valid / measuring) * 1000) / 10) : null };
}

/** Completeness pooled over several stations' figures; null when nothing was expected. */
export function pooledPercent(rows: readonly StationCompleteness[]): number | null {
  const valid = rows.reduce((n, r) => n + r.valid, 0);
  const measuring = rows.reduce((n, r) => n + r.expected - r.excluded, 0);
  return measuring > 0 ? Math.min(100, Math.round((valid / measuring) * 1000) / 10) : null;
}
