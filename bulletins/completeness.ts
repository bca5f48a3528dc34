/**
 * @module bulletins/completeness
 * The stations a bulletin reports on and their completeness, from the analyst API's definition
 * (analytics/series.ts) pooled over a station's metrics (and days):
 * 100 × Σ valid ÷ Σ (expected − calibrating − fault − maintenance).
 */
import { eachCompleteness } from '../analytics/completeness.js';
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
 * Stations whose completeness is read from the database at a time (one statement's rows: a
 * month of 500 stations is up to 150,000 (station, metric, day) counts). The report's cells are
 * folded into each station's summary as they are visited, never kept (issue 20: as row objects a
 * month of 10,000 stations allocated over 2 GB, twice at a start that caught up two scopes).
 */
const CHUNK_STATIONS = 500;

/**
 * The metrics each station measures: those it reported in the 30 days up to `to` (a sensor dead
 * for the whole period still counts, a parameter the station is not equipped for does not).
 */
function measuredMetrics(db: Db, stationIds: readonly string[], from: number, to: number): Promise<Map<string, Set<string>>> {
  return reportedMetrics(db, stationIds, new Date(Math.min(from, to - 30 * DAY)), new Date(to));
}

/** A station's summary as its cells are folded in (one pass, in the report's order). */
interface Folding {
  measured: ReadonlySet<string> | undefined;
  expected: number;
  valid: number;
  excluded: number;
  percentByMetric: Map<string, number | null>;
  hasData: boolean;
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
    const folding = new Map<string, Folding>(
      chunk.map((s) => [s.id, { measured: measured.get(s.id), expected: 0, valid: 0, excluded: 0, percentByMetric: new Map(), hasData: false }]),
    );
    await eachCompleteness(db, config, profiles, { stations: chunk, metrics: null, from: new Date(fromMs), to: new Date(toMs), now }, (c) => {
      const f = folding.get(c.station.id)!;
      // only the metrics it measures (all when it reported none)
      if (f.measured && !f.measured.has(c.metric)) return;
      // the last day's percent stays (the one local day of a daily bulletin)
      f.percentByMetric.set(c.metric, c.percent);
      if (c.valid > 0 || c.outOfRange > 0 || c.calibrating + c.fault + c.maintenance > 0) f.hasData = true;
      f.expected += c.expected;
      f.valid += c.valid;
      // the analyst API's measuring count per row: max(0, expected − excluded)
      f.excluded += Math.min(c.expected, c.calibrating + c.fault + c.maintenance);
    });
    for (const [id, f] of folding) {
      completenessOf.set(id, { pooled: pooledSums(f.expected, f.valid, f.excluded), percentByMetric: f.percentByMetric, hasData: f.hasData });
    }
  }
  return { stations: candidates.filter((s) => s.createdAt.getTime() < toMs || completenessOf.get(s.id)?.hasData === true), completenessOf };
}

/** A station's completeness from its summed counts. */
function pooledSums(expected: number, valid: number, excluded: number): StationCompleteness {
  const measuring = expected - excluded;
  return { expected, valid, excluded, percent: measuring > 0 ? Math.min(100, Math.round((valid / measuring) * 1000) / 10) : null };
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
  return pooledSums(expected, valid, excluded);
}

/** Completeness pooled over several stations' figures; null when nothing was expected. */
export function pooledPercent(rows: readonly StationCompleteness[]): number | null {
  const valid = rows.reduce((n, r) => n + r.valid, 0);
  const measuring = rows.reduce((n, r) => n + r.expected - r.excluded, 0);
  return measuring > 0 ? Math.min(100, Math.round((valid / measuring) * 1000) / 10) : null;
}
