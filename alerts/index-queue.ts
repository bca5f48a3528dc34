/**
 * @module alerts/index-queue
 * Recomputes a station's hourly indices (alerts/aqi.ts: VN_AQI and US AQI for air, VN_WQI for
 * surface water) as its pollutant readings arrive, at most once per throttle period and at every
 * new hour, and announces them as `indexUpdated`. The work runs on a queue of its own: the
 * database work (several queries per station, 1,000 stations at every new hour) would otherwise
 * hold every threshold alert behind it (measured: a crossing waited 31 s). A new hourly VN_AQI
 * is handed back (`onHourlyAqi`) so the engine can evaluate the AQI rules on its serial queue.
 * The throttle is per station and hour: late readings (a station catching up on a backlog) used
 * to pass it with every batch, their hour not being the station's newest, and queued 9,553
 * recomputations in 30 s of 5,000 readings/s (bench/suite.ts --until latency), whose queries
 * then delayed every alert write.
 *
 * A recomputation that fails (the database is down: 1,000 stations' new hour queued as an outage
 * began, in the soak of 2026-12-07) is not dropped: its hour is queued again with the station's
 * next readings, which during an outage arrive once the spool is replayed. A station keeps at most
 * MAX_FAILED_HOURS of them (the newest): a failure that never ends must not grow the queue's work
 * with every hour.
 */
import type { EventBus } from '../domain/events.js';
import type { Logger } from '../lib/logger.js';
import { DEFAULT_TIME_ZONE, timeZoneOr } from '../lib/time.js';
import type { Db } from '../store/index.js';
import type { Station } from '../store/stations.js';
import { hourEnding, updateStationIndices, updateWaterIndex } from './aqi.js';

/** Failed hours kept per station to recompute again (the newest; older ones are logged and given up). */
export const MAX_FAILED_HOURS = 48;

export interface IndexQueueDeps {
  db: Db;
  bus: EventBus;
  log: Logger;
  /** Recompute a station's indices at most this often while readings arrive (and at every new hour). */
  throttleMs: number;
  /** The agency's zone (config.timezone): a station's VN_AQI day is in its own `timezone`, else in this one. */
  timeZone?: string;
  /** Called (on the index queue) with a newly computed hourly VN_AQI; must not wait for the engine's queue. */
  onHourlyAqi(station: Station, hourEnd: number, value: number, at: number): void;
}

export interface IndexQueue {
  /** Queues a recomputation for the hour of `newestTs` unless one ran recently for that hour. */
  update(station: Station, newestTs: number, at: number, force?: boolean): void;
  /** The queue's current tail: resolves when everything queued so far is done. */
  readonly tail: Promise<unknown>;
}

export function createIndexQueue(deps: IndexQueueDeps): IndexQueue {
  const { db, bus, log, throttleMs, onHourlyAqi } = deps;
  const agencyZone = deps.timeZone ?? DEFAULT_TIME_ZONE;
  let tail: Promise<unknown> = Promise.resolve();
  /** Per station: when the indices of each hour were last queued (engine time), for hours queued within the throttle period. */
  const last = new Map<string, Map<number, number>>();
  /** Per station: the hours (ends) whose recomputation failed, queued again with its next readings. */
  const failed = new Map<string, Set<number>>();

  function queue(station: Station, hour: number, at: number): void {
    last.get(station.id)!.set(hour, at);
    const run = tail.then(async () => {
      if (station.profileId === 'surface-water') {
        const wqi = await updateWaterIndex(db, station.id, hour);
        bus.emit('indexUpdated', { stationId: station.id, hourEnd: hour, vnAqi: null, usAqi: null, vnAqiDaily: null, vnWqi: wqi });
        return;
      }
      const idx = await updateStationIndices(db, station.id, hour, timeZoneOr(station.timezone, agencyZone));
      bus.emit('indexUpdated', { stationId: station.id, hourEnd: hour, vnAqi: idx.vnHourly, usAqi: idx.usHourly, vnAqiDaily: idx.vnDaily, vnWqi: null });
      if (idx.vnHourly !== null) onHourlyAqi(station, hour, idx.vnHourly, at);
    });
    tail = run.catch((err: unknown) => {
      log.error({ err, stationId: station.id, hourEnd: new Date(hour) }, 'recomputing indices failed; the hour is recomputed with the station’s next readings');
      last.get(station.id)?.delete(hour);
      let hours = failed.get(station.id);
      if (!hours) failed.set(station.id, (hours = new Set()));
      hours.add(hour);
      if (hours.size > MAX_FAILED_HOURS) {
        const oldest = Math.min(...hours);
        hours.delete(oldest);
        log.warn({ stationId: station.id, hourEnd: new Date(oldest) }, `indices of an hour given up: more than ${MAX_FAILED_HOURS} of the station's hours failed`);
      }
    });
  }

  return {
    update(station, newestTs, at, force = false) {
      let hours = last.get(station.id);
      if (!hours) last.set(station.id, (hours = new Map()));
      const retry = failed.get(station.id);
      if (retry) {
        failed.delete(station.id);
        for (const h of retry) queue(station, h, at);
      }
      const hour = hourEnding(newestTs);
      const queuedAt = hours.get(hour);
      if (!force && queuedAt !== undefined && at - queuedAt < throttleMs) return;
      for (const [h, t] of hours) if (at - t >= throttleMs) hours.delete(h); // out of the period: nothing to throttle
      queue(station, hour, at);
    },
    get tail() {
      return tail;
    },
  };
}
