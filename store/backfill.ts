/**
 * @module store/backfill
 * Late data refreshes the continuous aggregates it falls into. The policies refresh only a
 * recent window and real-time aggregation only covers what is newer than the last
 * materialization, so a backlog (a station back from an outage, a Circular 10 file of last
 * month) would otherwise leave stale hourly and daily buckets. Every committed reading older than
 * LATE_MS is noted by its hour and local day; every `intervalMs` the noted ranges, merged, are
 * refreshed with refresh_continuous_aggregate.
 */
import type { EventBus } from '../domain/events.js';
import type { Logger } from '../lib/logger.js';
import { DAILY_AGGREGATE_TIMEZONE_OFFSET_MS, refreshAggregate, type ContinuousAggregate } from './analytics.js';
import type { Db } from './db.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Readings newer than this are covered by real-time aggregation (the policies' end offset is 1 hour). */
const LATE_MS = HOUR;
const OWNER = 'aggregate-backfill';

export interface BackfillRefresher {
  /** Refreshes every noted range now (tests, shutdown). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Merges [start, end) ranges that touch or overlap. */
export function mergeRanges(starts: Iterable<number>, width: number): Array<[number, number]> {
  const sorted = [...starts].sort((a, b) => a - b);
  const out: Array<[number, number]> = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], s + width);
    else out.push([s, s + width]);
  }
  return out;
}

export function startBackfillRefresher(deps: { db: Db; bus: EventBus; logger: Logger; intervalMs: number; now?: () => number }): BackfillRefresher {
  const { db, bus, logger, intervalMs, now = Date.now } = deps;
  const hours = new Set<number>();
  const days = new Set<number>();
  let running: Promise<void> | undefined;

  bus.on(OWNER, 'readingsAccepted', ({ readings }) => {
    const late = now() - LATE_MS;
    for (const r of readings) {
      if (r.ts >= late) continue;
      hours.add(Math.floor(r.ts / HOUR) * HOUR);
      days.add(Math.floor((r.ts + DAILY_AGGREGATE_TIMEZONE_OFFSET_MS) / DAY) * DAY - DAILY_AGGREGATE_TIMEZONE_OFFSET_MS);
    }
  });

  async function refresh(view: ContinuousAggregate, noted: Set<number>, width: number): Promise<void> {
    const taken = [...noted];
    noted.clear();
    try {
      for (const [from, to] of mergeRanges(taken, width)) {
        await refreshAggregate(db, view, new Date(from), new Date(to));
        logger.debug({ view, from: new Date(from), to: new Date(to) }, 'aggregate range refreshed after late data');
      }
    } catch (err) {
      // Keep the ranges for the next run (refreshing a range twice is harmless).
      for (const s of taken) noted.add(s);
      throw err;
    }
  }

  async function flush(): Promise<void> {
    if (running) await running;
    running = (async () => {
      await refresh('readings_hourly', hours, HOUR);
      await refresh('readings_daily', days, DAY);
    })();
    try {
      await running;
    } finally {
      running = undefined;
    }
  }

  const timer =
    intervalMs > 0
      ? setInterval(() => {
          if (running || (hours.size === 0 && days.size === 0)) return;
          flush().catch((err: unknown) => logger.error({ err }, 'refreshing aggregates after late data failed'));
        }, intervalMs)
      : undefined;
  timer?.unref();

  return {
    flush,
    async close() {
      if (timer) clearInterval(timer);
      bus.removeOwner(OWNER);
      if (running) await running.catch((err: unknown) => logger.error({ err }, 'refreshing aggregates after late data failed at shutdown'));
    },
  };
}
