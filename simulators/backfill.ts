/**
 * @module simulators/backfill
 * A first run that looks alive: simulated stations registered at this start replay the last
 * SIMULATE_BACKFILL_HOURS (default 48) of history, computed with the same value models and seeds
 * their live simulators use (and SIM-001's Hanoi PM2.5 replay), so the map has indices, the charts
 * have lines, rules have fired and yesterday's bulletin has data right away.
 *
 * The history goes through ingest (`handleReadings`, source `mqtt`, as a datalogger's backlog
 * array on the station's readings topic): validation, quality flags, the aggregates, the alert
 * engine and the hourly index queue all see it as they would see a datalogger catching up. It is
 * sent one local hour at a time for every station, each hour committed before the next, so the
 * index queue computes every hour's index. Nothing in a reading says "simulated": the station
 * itself is (stations.simulated = true, shown on the station page and in the API).
 */
import type { DeviceProfile } from '../device-profiles/types.js';
import type { HanoiReplay } from './hanoi-replay.js';
import type { SimulatorLogger } from './logger.js';
import { createValueModel, type ModelOverrides, type ValueModel } from './models.js';
import type { WireReading } from './faults.js';
import { formatLocalIso, intervalBoundary } from './time.js';

const HOUR_MS = 3_600_000;

export interface BackfillStation {
  id: string;
  profile: DeviceProfile;
  timezone: string;
  /** The live simulator's model seed (fleet: deriveSeed(seed, id)). */
  seed: number;
  intervalMs: number;
  replay?: HanoiReplay | undefined;
}

/** What the backfill writes through: ingest's payload entry point (ingest/index.ts `handleReadings`). */
export interface BackfillSink {
  handleReadings(stationId: string, payload: Buffer, source: 'mqtt', topic?: string): Promise<{ rows: number; refused: readonly unknown[] }>;
}

export interface BackfillResult {
  from: number;
  to: number;
  /** Readings (metric values) stored. */
  rows: number;
  /** Readings ingest refused (kept in quarantine like any refused reading). */
  refused: number;
  /**
   * Each station's value model as the history left it: the live simulator continues it, so its
   * first reading follows on from the last one of the history (a fresh model would start its slow
   * random walks again, a jump the spike check rightly flags).
   */
  models: ReadonlyMap<string, ValueModel>;
}

/**
 * Replays `hours` of history before `now` for `stations` through `sink`, oldest hour first.
 * @example await backfillHistory({ stations, hours: 48, now: Date.now(), sink: ingest, logger });
 */
export async function backfillHistory({
  stations,
  hours,
  now,
  sink,
  logger,
}: {
  stations: readonly BackfillStation[];
  hours: number;
  now: number;
  sink: BackfillSink;
  logger: SimulatorLogger;
}): Promise<BackfillResult | undefined> {
  if (hours <= 0 || stations.length === 0) return undefined;
  const from = now - hours * HOUR_MS;
  const plans = stations.map((s) => {
    const model = createValueModel(s.profile, { seed: s.seed, timeZone: s.timezone });
    // the first boundary inside the window; the last one a whole interval before now (the live simulator sends the next)
    const first = intervalBoundary(from, s.intervalMs, s.timezone) + s.intervalMs;
    const last = intervalBoundary(now, s.intervalMs, s.timezone) - s.intervalMs;
    return { station: s, model, next: first, last };
  });
  let rows = 0;
  let refused = 0;
  for (let hourEnd = from + HOUR_MS; ; hourEnd += HOUR_MS) {
    const end = Math.min(hourEnd, now);
    const sends: Array<Promise<void>> = [];
    for (const p of plans) {
      const batch: WireReading[] = [];
      for (; p.next <= p.last && p.next < end; p.next += p.station.intervalMs) {
        const replayed = p.station.replay?.sample(p.next);
        const overrides: ModelOverrides = replayed?.kind === 'value' ? { pm25: replayed.value } : {};
        const values: Record<string, number | null> = {};
        for (const [metric, value] of Object.entries(p.model.sample(p.next, overrides))) if (value !== undefined) values[metric] = value;
        // a gap in the replayed series: the live simulator omits pm25 then, and so does its history
        if (replayed && replayed.kind !== 'value') delete values.pm25;
        if (Object.keys(values).length > 0) batch.push({ ts: formatLocalIso(p.next, p.station.timezone), values });
      }
      if (batch.length === 0) continue;
      const topic = `stations/${p.station.id}/readings`;
      sends.push(
        sink.handleReadings(p.station.id, Buffer.from(JSON.stringify(batch)), 'mqtt', topic).then((r) => {
          rows += r.rows;
          refused += r.refused.length;
        }),
      );
    }
    await Promise.all(sends);
    if (end >= now) break;
  }
  logger.info({ stations: stations.length, hours, rows, refused }, 'simulated stations: recent history backfilled');
  return { from, to: now, rows, refused, models: new Map(plans.map((p) => [p.station.id, p.model])) };
}
