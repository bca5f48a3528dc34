/**
 * @module bulletins/completeness
 * The stations a bulletin reports on and their completeness, from the analyst API's definition
 * (analytics/series.ts) pooled over a station's metrics (and days):
 * 100 × Σ valid ÷ Σ (expected − calibrating − fault − maintenance).
 */
import { completeness, type CompletenessRow } from '../analytics/series.js';
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
  /** station → its completeness rows (one per metric it measures and local day) */
  rowsOf: Map<string, CompletenessRow[]>;
}

/**
 * The metrics each station measures: those it reported in the 30 days up to `to` (a sensor dead
 * for the whole period still counts, a parameter the station is not equipped for does not).
 */
function measuredMetrics(db: Db, stationIds: readonly string[], from: number, to: number): Promise<Map<string, Set<string>>> {
  return reportedMetrics(db, stationIds, new Date(Math.min(from, to - 30 * DAY)), new Date(to));
}

/**
 * The scope's stations with their completeness rows (the analyst API's report) restricted to
 * the metrics each measures. A station created after the period is left out unless it has data in it.
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
  const rowsOf = new Map<string, CompletenessRow[]>();
  if (candidates.length === 0) return { stations: [], rowsOf };
  const measured = await measuredMetrics(
    db,
    candidates.map((s) => s.id),
    fromMs,
    toMs,
  );
  const report = await completeness(db, config, profiles, { stations: candidates, metrics: null, from: new Date(fromMs), to: new Date(toMs), now });
  // grouped once: a filter per station over every row is quadratic (11,000 stations froze the main thread for seconds)
  const byStation = new Map<string, CompletenessRow[]>();
  for (const r of report.data) {
    const list = byStation.get(r.station);
    if (list) list.push(r);
    else byStation.set(r.station, [r]);
  }
  for (const s of candidates) {
    const set = measured.get(s.id);
    rowsOf.set(
      s.id,
      (byStation.get(s.id) ?? []).filter((r) => !set || set.has(r.metric)),
    );
  }
  const hasData = (id: string) => (rowsOf.get(id) ?? []).some((r) => r.valid > 0 || r.outOfRange > 0 || r.excluded.calibrating + r.excluded.fault + r.excluded.maintenance > 0);
  return { stations: candidates.filter((s) => s.createdAt.getTime() < toMs || hasData(s.id)), rowsOf };
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
