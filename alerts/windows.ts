/**
 * @module alerts/windows
 * Per-station sample windows: for every metric an enabled rule reads, the recent samples in
 * timestamp order, trimmed to the longest lookback of the station's rules on that metric, except
 * that long mean windows (8 h, 24 h) are kept as hourly sums and anomaly histories (7 days) as
 * hourly quantile sketches (series-window.ts), so memory does not grow with window length; and
 * for every metric, the latest sample and when a reading last arrived (no-data and
 * device-status rules). Refilled from the database at start-up (`rebuildWindows`: the stored
 * readings fold into sums and sketches as live ones do); hours a late reading fell into are
 * re-read from it (`refreshLateHours`).
 */
import type { Db } from '../store/index.js';
import { recentSamplePages, stationsWithReadingsSince, storedInHourRanges, storedInRanges } from '../store/alert-windows.js';
import type { Station } from '../store/stations.js';
import { AQI_METRIC } from './aqi.js';
import { hourStartOf, SKETCH_HOUR_MS } from './rules/hour-sketch.js';
import { HOUR_MS } from './rules/hourly.js';
import { ruleMetric, type RuleIndex } from './rule-index.js';
import type { Sample } from './rules/types.js';
import { samplesOf } from './raw-columns.js';
import { addToSeries, createSeries, replaceHour, replaceSketchHour, type SeriesWindow } from './series-window.js';

/** Stations whose recent samples are read by one query at start (at most). */
const REBUILD_CHUNK = 200;
/**
 * Readings one group of stations should hold at most, at their expected rate: REBUILD_CHUNK
 * stations × 10 metrics × a day at one a minute (a week's anomaly window reads fewer stations
 * together). The rows themselves come in pages (store/alert-windows.ts recentSamplePages), so
 * data denser than expected costs more pages, not more memory.
 */
const REBUILD_ROWS = REBUILD_CHUNK * 10 * 1440;

export interface StationWindow {
  /** Each rule metric's whole window: raw samples (as columns: rawSamples gives them as objects), hourly sums and sketches. */
  series: Map<string, SeriesWindow>;
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
  /**
   * The station's window to read, without creating one: a shared empty window (never to be
   * changed) for a station with no readings, so 10,000 registered stations that never reported
   * hold nothing here.
   */
  view(stationId: string): Readonly<StationWindow>;
  /** Whether the station has a window (a reading was recorded or refilled since the start). */
  has(stationId: string): boolean;
  /** Records a reading received at `receivedAt` (engine time). */
  record(station: Station, r: WindowReading, receivedAt: number): void;
  /** Another node received a reading of this station (multi-node mode): only the arrival time counts here. */
  noteRemote(stationId: string, metric: string, receivedAt: number): void;
  /** Hours late readings fell into, whose sums must be re-read (refreshLateHours). */
  lateHours(): LateHour[];
}

/**
 * An hour of a series whose sum or sketch a late reading made uncertain (series-window.ts): a
 * sum's hour (end − 1 h, end] (kind 'sum', at = end), or a sketch's [start, start + 1 h) (kind
 * 'sketch', at = start).
 */
export interface LateHour {
  stationId: string;
  metric: string;
  series: SeriesWindow;
  kind: 'sum' | 'sketch';
  at: number;
}

/** The raw samples of `metric` in the station's window, ascending, as new objects (the rules read them); none if it has no window. */
export function rawSamples(window: Readonly<StationWindow>, metric: string): Sample[] {
  const w = window.series.get(metric);
  return w ? samplesOf(w.raw) : [];
}

/** The window of every station without one (Windows.view): empty, and never written to. */
const EMPTY_WINDOW: Readonly<StationWindow> = Object.freeze({
  series: new Map(),
  latestByMetric: new Map(),
  lastReceivedAt: undefined,
  lastReceivedByMetric: new Map(),
});

export function createWindows(rules: RuleIndex): Windows {
  const series = new Map<string, StationWindow>();
  /** Series with stale hours, by `${station}|${metric}`. */
  const late = new Map<string, { stationId: string; metric: string; series: SeriesWindow }>();

  function of(stationId: string): StationWindow {
    let s = series.get(stationId);
    if (!s) {
      s = { series: new Map(), latestByMetric: new Map(), lastReceivedAt: undefined, lastReceivedByMetric: new Map() };
      series.set(stationId, s);
    }
    return s;
  }

  return {
    of,
    view: (stationId) => series.get(stationId) ?? EMPTY_WINDOW,
    has: (stationId) => series.has(stationId),
    record(station, r, receivedAt) {
      const s = of(station.id);
      const sample: Sample = { ts: r.ts, value: r.value, quality: r.quality };
      const latest = s.latestByMetric.get(r.metric);
      if (!latest || latest.ts <= sample.ts) s.latestByMetric.set(r.metric, sample);
      s.lastReceivedAt = Math.max(s.lastReceivedAt ?? 0, receivedAt);
      s.lastReceivedByMetric.set(r.metric, receivedAt);
      if (!rules.hasRuleFor(station, r.metric)) return;
      let w = s.series.get(r.metric);
      if (!w) s.series.set(r.metric, (w = createSeries()));
      addToSeries(w, sample, rules.windowPlan(station, r.metric));
      if (w.stale || w.staleSketches) late.set(`${station.id}|${r.metric}`, { stationId: station.id, metric: r.metric, series: w });
    },
    noteRemote(stationId, metric, receivedAt) {
      const s = of(stationId);
      s.lastReceivedAt = Math.max(s.lastReceivedAt ?? 0, receivedAt);
      s.lastReceivedByMetric.set(metric, Math.max(s.lastReceivedByMetric.get(metric) ?? 0, receivedAt));
    },
    lateHours() {
      const hours: LateHour[] = [];
      for (const [k, { stationId, metric, series: w }] of late) {
        if (!w.stale && !w.staleSketches) {
          late.delete(k); // re-read (or out of every window) since
          continue;
        }
        for (const end of w.stale ?? []) hours.push({ stationId, metric, series: w, kind: 'sum', at: end });
        for (const start of w.staleSketches ?? []) hours.push({ stationId, metric, series: w, kind: 'sketch', at: start });
      }
      return hours;
    },
  };
}

/** Hours re-read from the database by one query. */
const REFRESH_CHUNK = 500;

/**
 * Re-reads from the database every hour late readings fell into (Windows.lateHours): a sum
 * cannot tell a new reading from a duplicate, the stored readings can (first write wins). The
 * engine re-reads them a slice at a time (late-hours.ts, rereadHours). On failure the hours stay
 * stale (the late readings not counted yet) and are tried again later. Returns how many.
 */
export async function refreshLateHours(db: Db, windows: Windows): Promise<number> {
  const late = windows.lateHours();
  await rereadHours(db, late);
  return late.length;
}

/**
 * Re-reads `late` (some or all of Windows.lateHours()) from the database and replaces their sums
 * and sketches; each hour's stale mark is cleared once replaced. The caller runs nothing else on
 * the windows meanwhile (the engine's queue: late-hours.ts).
 */
export async function rereadHours(db: Db, late: readonly LateHour[]): Promise<void> {
  for (const kind of ['sum', 'sketch'] as const) {
    const hours = late.filter((h) => h.kind === kind);
    for (let i = 0; i < hours.length; i += REFRESH_CHUNK) {
      const chunk = hours.slice(i, i + REFRESH_CHUNK);
      const stored = chunk.map((): Sample[] => []);
      const rows =
        kind === 'sum'
          ? await storedInRanges(
              db,
              chunk.map((h) => ({ stationId: h.stationId, metric: h.metric, after: new Date(h.at - HOUR_MS), until: new Date(h.at), before: new Date(h.series.rawFrom) })),
            )
          : await storedInHourRanges(
              db,
              chunk.map((h) => ({ stationId: h.stationId, metric: h.metric, from: new Date(h.at), to: new Date(Math.min(h.at + SKETCH_HOUR_MS, h.series.rawFrom)) })),
            );
      for (const r of rows) stored[r.range]!.push({ ts: r.ts.getTime(), value: r.value, quality: r.quality });
      // rawFrom cannot have moved meanwhile: the engine's queue runs nothing else in between
      chunk.forEach((h, j) => (kind === 'sum' ? replaceHour(h.series, h.at, stored[j]!) : replaceSketchHour(h.series, h.at, stored[j]!)));
    }
  }
}

/**
 * Refills the windows of `stations` from the stored readings (start-up). Stations with the same
 * rule metrics and lookbacks are read together, REBUILD_CHUNK at a time (fewer for long
 * lookbacks, about REBUILD_ROWS readings a group), each group's readings a page at a time: one
 * query per station made a restart with 10,000 stations take seconds of round trips, and one
 * result per group held every reading of a dense week at once (issue 20). Each metric is read only
 * as far back as its own rules reach: one reach for all made the anomaly rule's week of PM2.5 a
 * week of every metric with a rule (6 of the air pack's), four times the rows.
 */
export async function rebuildWindows(db: Db, stations: readonly Station[], rules: RuleIndex, windows: Windows, now: () => number): Promise<RefillStats> {
  const at = now();
  const groups = new Map<string, { reads: Map<number, string[]>; rows: number; stations: Station[] }>();
  for (const station of stations) {
    const metrics = new Set<string>();
    for (const rule of rules.rulesFor(station)) {
      const m = ruleMetric(rule);
      if (m && m !== AQI_METRIC) metrics.add(m);
    }
    if (metrics.size === 0) continue;
    // Each metric as far back as its own rules reach, from its newest sample, which may be an
    // interval or two before the clock (a live window keeps what reaches back from its newest
    // sample; more read is trimmed as live). A sketch holds its whole hour: from the start of the
    // oldest one (a mean's oldest hour ends after newest − window, which the reach covers).
    const wanted = [...metrics].sort().map((metric) => {
      const interval = rules.intervalMs(station, metric);
      const reach = rules.lookbackFor(station, metric) + 2 * interval;
      const since = rules.windowPlan(station, metric).sketchMs > 0 ? hourStartOf(at - reach) - 1 : at - reach;
      return { metric, since, rows: Math.ceil(reach / interval) };
    });
    const k = wanted.map((w) => `${w.metric}>${w.since}`).join(',');
    let g = groups.get(k);
    if (!g) {
      // the metrics reaching back alike are read together (one query each, in the order of the index)
      const reads = new Map<number, string[]>();
      for (const w of wanted) reads.set(w.since, [...(reads.get(w.since) ?? []), w.metric]);
      groups.set(k, (g = { reads, rows: wanted.reduce((n, w) => n + w.rows, 0), stations: [] }));
    }
    g.stations.push(station);
  }
  let refilled = 0;
  let readings = 0;
  for (const { reads, rows, stations: grouped } of groups.values()) {
    const size = Math.max(1, Math.min(REBUILD_CHUNK, Math.floor(REBUILD_ROWS / rows)));
    // only the stations with readings in the window (a registered fleet that never reported costs one probe, not a query per group of stations)
    const reported = await stationsWithReadingsSince(
      db,
      grouped.map((s) => s.id),
      new Date(Math.min(...reads.keys())),
    );
    const members = grouped.filter((s) => reported.has(s.id));
    for (let i = 0; i < members.length; i += size) {
      const chunk = new Map(members.slice(i, i + size).map((st) => [st.id, st]));
      for (const [since, metrics] of reads) {
        for await (const page of recentSamplePages(db, [...chunk.keys()], metrics, new Date(since))) {
          for (const r of page) windows.record(chunk.get(r.stationId)!, { metric: r.metric, ts: r.ts.getTime(), value: r.value, quality: r.quality }, r.ts.getTime());
          readings += page.length;
        }
      }
      refilled += chunk.size;
    }
  }
  return { stations: refilled, readings };
}

/** What a refill read: the stations with readings in their windows, and the readings. */
export interface RefillStats {
  stations: number;
  readings: number;
}
