/**
 * @module api/realtime/completeness
 * Today's data completeness on the operations center, by the analyst API's one definition
 * (analytics/series.ts `completeness`, GET /api/v1/completeness): valid ÷ (expected − calibrating
 * − fault − maintenance) per station, metric and local day, expected = ⌊elapsed ÷ the metric's
 * interval⌋. A station's value is Σ valid ÷ Σ measuring over its metrics; the fleet's over every
 * enabled station. The counts are read with that same function every minute (other nodes'
 * readings, a new local day) and advanced in between by the readings committed here; the
 * expected counts follow the clock, so the value is the API's for the same instant.
 */
import { eachCompleteness } from '../../analytics/completeness.js';
import { intervalSecondsOf } from '../../analytics/series.js';
import type { Config } from '../../config/index.js';
import type { LoadedProfile } from '../../device-profiles/index.js';
import type { AcceptedReading } from '../../domain/events.js';
import { DAY_MS, localMidnight, timeZoneOr } from '../../lib/time.js';
import type { StationDirectory } from '../../stations/directory.js';
import type { Db } from '../../store/index.js';
import type { Station } from '../../store/stations.js';

/** Today's counts of one metric of one station. */
interface MetricDay {
  intervalMs: number;
  valid: number;
  /** calibrating + fault + maintenance: declared non-measuring intervals */
  excluded: number;
}

interface StationDay {
  dayStart: number;
  metrics: Map<string, MetricDay>;
}

export interface CompletenessTracker {
  /** Re-reads today's counts of every enabled station with the analyst API's function (one pass at a time: a call during one joins it). */
  refresh(): Promise<void>;
  /** Statements the last finished refresh took (one per group of stations). */
  readonly lastStatements: number;
  /** Counts committed readings of today (between refreshes). */
  add(readings: readonly AcceptedReading[]): void;
  /** A station's completeness today at `at`, percent 0–100 with one decimal like the API; null when nothing was expected. */
  stationPercent(station: Station, at: number): number | null;
  /** The enabled stations' completeness today at `at`, 0..1; null when nothing was expected. */
  fleet(at: number): number | null;
}

/** The API's rounding (analytics/series.ts): one decimal, at most 100. */
export function percentOf(valid: number, measuring: number): number | null {
  if (measuring <= 0) return null;
  return Math.min(100, Math.round((valid / measuring) * 1000) / 10);
}

/** The refresh's label in the connection gate's statistics (its statements' holds give each station's cost). */
const HOLD_LABEL = 'completeness';
/** Stations per statement of a refresh while their cost is not known yet. */
export const REFRESH_GROUP = 50;
/** How long one statement of a refresh should hold the connection, ms. */
export const GROUP_TARGET_MS = 50;
/** Stations per statement at most, however cheap they were. */
export const MAX_GROUP = 100;

/**
 * The refresh's groups of stations, in order: each closed before its stations' estimated cost
 * (`costMs`, what a station's last statement held the connection for, shared among its stations;
 * GROUP_TARGET_MS / REFRESH_GROUP while unknown) would pass GROUP_TARGET_MS, at least one station
 * and at most MAX_GROUP. Today's bucket is computed from the raw readings past the hourly
 * aggregate's watermark, so a station's cost follows how many readings it sent this hour: in
 * bench/contention.ts (2026-12-05 03:34) groups of 50 took 31 ms a statement with ingest alone and
 * held the connection over 200 ms twice a minute with an export, aggregates and the jobs beside;
 * a group size adapted to the last statement's hold alone grew over stations that sent nothing
 * and then held it 1.6 s with 400 that did.
 */
export function costGroups<T extends { id: string }>(stations: readonly T[], costMs: ReadonlyMap<string, number>, targetMs = GROUP_TARGET_MS, maxGroup = MAX_GROUP): T[][] {
  const unknown = targetMs / REFRESH_GROUP;
  const groups: T[][] = [];
  let group: T[] = [];
  let sum = 0;
  for (const s of stations) {
    const c = costMs.get(s.id) ?? unknown;
    if (group.length > 0 && (sum + c > targetMs || group.length >= maxGroup)) {
      groups.push(group);
      group = [];
      sum = 0;
    }
    group.push(s);
    sum += c;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

export function createCompletenessTracker(deps: {
  db: Db;
  config: Readonly<Config>;
  profiles: ReadonlyMap<string, LoadedProfile>;
  directory: StationDirectory;
  now: () => number;
}): CompletenessTracker {
  const { db, config, profiles, directory, now } = deps;
  // a refresh is nobody's request: it gives way to ingest commits and operators' reads
  const background = db.lane('background', HOLD_LABEL);
  const days = new Map<string, StationDay>();

  /** Σ valid and Σ measuring of a station's metrics at `at`; zero after its local day ended (until the next refresh). */
  function sums(stationId: string, at: number): { valid: number; measuring: number } {
    const day = days.get(stationId);
    if (!day || at >= day.dayStart + DAY_MS) return { valid: 0, measuring: 0 };
    let valid = 0;
    let measuring = 0;
    for (const m of day.metrics.values()) {
      const expected = Math.floor(Math.max(0, at - day.dayStart) / m.intervalMs);
      valid += m.valid;
      measuring += Math.max(0, expected - m.excluded);
    }
    return { valid, measuring };
  }

  function emptyDay(s: Station, at: number): StationDay {
    const profile = profiles.get(s.profileId)!.profile;
    const metrics = new Map<string, MetricDay>();
    for (const metric of Object.keys(profile.metrics)) metrics.set(metric, { intervalMs: intervalSecondsOf(profile, metric) * 1000, valid: 0, excluded: 0 });
    return { dayStart: localMidnight(at, timeZoneOr(s.timezone, config.timezone)), metrics };
  }

  /** The refresh under way: a timer tick that comes while the last one is still reading waits for it, not a second pass. */
  let running: Promise<void> | undefined;
  // each station's share of its last statement's hold on the connection, ms (costGroups)
  const costMs = new Map<string, number>();
  let lastStatements = 0;
  const heldSoFar = () => db.gate.holdsByLabel().get(HOLD_LABEL)?.totalMs ?? 0;

  async function refreshNow(): Promise<void> {
    const at = now();
    const stations = directory.all().filter((s) => s.enabled && profiles.has(s.profileId));
    // Groups of stations, each one short statement on the background lane: today's bucket of
    // readings_daily is not materialized but computed at each read, and one statement for the
    // fleet held the embedded database's one connection 380 ms in bench/contention.ts (500
    // stations at 5,000 readings/s), an ingest commit waiting behind it; groups of 100 still
    // held it over 200 ms twice in a minute under that bench's load, groups of 50 never (mean
    // 93 ms); the groups now follow each station's cost (costGroups). Each group's counts replace
    // its stations' at once, so a reading committed after its statement is added on top (add()).
    const groups = costGroups(stations, costMs);
    for (const group of groups) {
      const held = heldSoFar();
      const next = new Map<string, StationDay>();
      for (const s of group) next.set(s.id, emptyDay(s, at));
      // visited, not built as rows: 10,000 stations are 100,000 cells every minute
      await eachCompleteness(background, config, profiles, { stations: group, metrics: null, from: new Date(at), to: new Date(at + 1), now: at }, (c) => {
        const m = next.get(c.station.id)?.metrics.get(c.metric);
        if (!m) return;
        m.valid = c.valid;
        m.excluded = c.calibrating + c.fault + c.maintenance;
      });
      for (const [id, day] of next) days.set(id, day);
      const share = (heldSoFar() - held) / group.length;
      for (const st of group) costMs.set(st.id, share);
    }
    lastStatements = groups.length;
    // stations disabled or removed since
    const counted = new Set(stations.map((s) => s.id));
    for (const id of days.keys()) if (!counted.has(id)) days.delete(id);
    for (const id of costMs.keys()) if (!counted.has(id)) costMs.delete(id);
  }

  return {
    get lastStatements() {
      return lastStatements;
    },
    refresh() {
      running ??= refreshNow().finally(() => (running = undefined));
      return running;
    },
    add(readings) {
      for (const r of readings) {
        let day = days.get(r.stationId);
        if (!day) {
          // a station registered since the last refresh (its earlier readings, if any, come with the next one)
          const s = directory.get(r.stationId);
          if (!s || !s.enabled || !profiles.has(s.profileId)) continue;
          days.set(s.id, (day = emptyDay(s, now())));
        }
        const m = day?.metrics.get(r.metric);
        if (!day || !m || r.ts < day.dayStart || r.ts >= day.dayStart + DAY_MS) continue;
        if (r.quality === 'valid') m.valid += 1;
        else if (r.quality === 'calibrating' || r.quality === 'fault' || r.quality === 'maintenance') m.excluded += 1;
      }
    },
    stationPercent(station, at) {
      const { valid, measuring } = sums(station.id, at);
      return percentOf(valid, measuring);
    },
    fleet(at) {
      let valid = 0;
      let measuring = 0;
      for (const s of directory.all()) {
        if (!s.enabled) continue;
        const x = sums(s.id, at);
        valid += x.valid;
        measuring += x.measuring;
      }
      return measuring <= 0 ? null : Math.min(1, valid / measuring);
    },
  };
}
