/**
 * @module alerts/windows
 * Per-station sample windows: for every metric an enabled rule reads, the recent samples in
 * timestamp order, trimmed to the longest lookback of the station's rules on that metric; and
 * for every metric, the latest sample and when a reading last arrived (no-data and
 * device-status rules). Refilled from the database at start-up (`rebuildWindows`).
 */
import type { Db } from '../store/index.js';
import { recentSamples } from '../store/alert-windows.js';
import type { Station } from '../store/stations.js';
import { AQI_METRIC } from './aqi.js';
import { ruleMetric, type RuleIndex } from './rule-index.js';
import type { Sample } from './rules/types.js';

/** Stations whose recent samples are read by one query at start. */
const REBUILD_CHUNK = 200;

export interface StationWindow {
  byMetric: Map<string, Sample[]>;
  latestByMetric: Map<string, Sample>;
  lastReceivedAt: number | undefined;
  lastReceivedByMetric: Map<string, number>;
}

/** One reading as the windows take it (a committed reading, a stored one, an index value). */
export interface WindowReading {
  metric: string;
  ts: number;
  value: number | null;
  quality: Sample['quality'];
}

export interface Windows {
  /** The station's window (created empty on first use). */
  of(stationId: string): StationWindow;
  /** Records a reading received at `receivedAt` (engine time). */
  record(station: Station, r: WindowReading, receivedAt: number): void;
  /** Another node received a reading of this station (multi-node mode): only the arrival time counts here. */
  noteRemote(stationId: string, metric: string, receivedAt: number): void;
}

/** Inserts in timestamp order (late readings land in place) and trims to the lookback. */
function addSample(list: Sample[], sample: Sample, lookback: number): void {
  let i = list.length;
  while (i > 0 && list[i - 1]!.ts > sample.ts) i--;
  if (i > 0 && list[i - 1]!.ts === sample.ts) return; // first write wins, as in the database
  list.splice(i, 0, sample);
  const oldest = list[list.length - 1]!.ts - lookback;
  let drop = 0;
  while (drop < list.length && list[drop]!.ts < oldest) drop++;
  if (drop > 0) list.splice(0, drop);
}

export function createWindows(rules: RuleIndex): Windows {
  const series = new Map<string, StationWindow>();

  function of(stationId: string): StationWindow {
    let s = series.get(stationId);
    if (!s) {
      s = { byMetric: new Map(), latestByMetric: new Map(), lastReceivedAt: undefined, lastReceivedByMetric: new Map() };
      series.set(stationId, s);
    }
    return s;
  }

  return {
    of,
    record(station, r, receivedAt) {
      const s = of(station.id);
      const sample: Sample = { ts: r.ts, value: r.value, quality: r.quality };
      const latest = s.latestByMetric.get(r.metric);
      if (!latest || latest.ts <= sample.ts) s.latestByMetric.set(r.metric, sample);
      s.lastReceivedAt = Math.max(s.lastReceivedAt ?? 0, receivedAt);
      s.lastReceivedByMetric.set(r.metric, receivedAt);
      if (!rules.hasRuleFor(station, r.metric)) return;
      let list = s.byMetric.get(r.metric);
      if (!list) s.byMetric.set(r.metric, (list = []));
      addSample(list, sample, rules.lookbackFor(station, r.metric));
    },
    noteRemote(stationId, metric, receivedAt) {
      const s = of(stationId);
      s.lastReceivedAt = Math.max(s.lastReceivedAt ?? 0, receivedAt);
      s.lastReceivedByMetric.set(metric, Math.max(s.lastReceivedByMetric.get(metric) ?? 0, receivedAt));
    },
  };
}

/**
 * Refills the windows of `stations` from the stored readings (start-up). Stations with the same
 * rule metrics and lookback are read together, REBUILD_CHUNK at a time: one query per station
 * made a restart with 10,000 stations take seconds of round trips.
 */
export async function rebuildWindows(db: Db, stations: readonly Station[], rules: RuleIndex, windows: Windows, now: () => number): Promise<void> {
  const groups = new Map<string, { metrics: string[]; longest: number; stations: Station[] }>();
  for (const station of stations) {
    const metrics = new Set<string>();
    for (const rule of rules.rulesFor(station)) {
      const m = ruleMetric(rule);
      if (m && m !== AQI_METRIC) metrics.add(m);
    }
    if (metrics.size === 0) continue;
    const sorted = [...metrics].sort();
    const longest = Math.max(...sorted.map((m) => rules.lookbackFor(station, m)));
    const k = `${sorted.join(',')}|${longest}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { metrics: sorted, longest, stations: [] }));
    g.stations.push(station);
  }
  for (const { metrics, longest, stations: members } of groups.values()) {
    for (let i = 0; i < members.length; i += REBUILD_CHUNK) {
      const chunk = new Map(members.slice(i, i + REBUILD_CHUNK).map((st) => [st.id, st]));
      for (const r of await recentSamples(db, [...chunk.keys()], metrics, new Date(now() - longest))) {
        windows.record(chunk.get(r.stationId)!, { metric: r.metric, ts: r.ts.getTime(), value: r.value, quality: r.quality }, r.ts.getTime());
      }
    }
  }
}
