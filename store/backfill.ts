/**
 * @module store/backfill
 * Late data refreshes the continuous aggregates it falls into. The policies refresh only a
 * recent window and real-time aggregation only covers what is newer than the last
 * materialization, so a backlog (a station back from an outage, a Circular 10 file of last
 * month) would otherwise leave stale hourly and daily buckets. Every committed reading older than
 * LATE_MS is noted by its hour and local day; every `intervalMs` the noted ranges, merged, are
 * refreshed with refresh_continuous_aggregate.
 *
 * A refresh never reaches past what the policies would materialize themselves (`refreshWindows`):
 * the daily window ends at the start of the current local day, the hourly one at the current hour
 * minus the policies' end offset. Refreshing an unfinished bucket moves the aggregate's watermark
 * past it, and real-time aggregation then ignores every later reading of that bucket until the
 * next policy run covers it (for today's daily bucket: after midnight; issue #17). Those buckets
 * need no refresh: they are still answered from the raw rows.
 */
import type { EventBus } from '../domain/events.js';
import type { Logger } from '../lib/logger.js';
import { HOUR_MS, localMidnight, localMonthStart } from '../lib/time.js';
import { DAILY_AGGREGATE_TIMEZONE, refreshAggregate, type ContinuousAggregate } from './analytics.js';
import type { Db } from './db.js';

/** The policies' end offset (store/policies.ts): newer readings are covered by real-time aggregation. */
const POLICY_END_OFFSET_MS = HOUR_MS;
/** Readings newer than this are covered by real-time aggregation. */
const LATE_MS = POLICY_END_OFFSET_MS;
const OWNER = 'aggregate-backfill';

export interface BackfillRefresher {
  /** Refreshes every noted range now (tests, shutdown). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Merges [start, end) ranges that touch or overlap. */
export function mergeIntervals(ranges: Iterable<readonly [number, number]>): Array<[number, number]> {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** Merges [start, start + width) ranges that touch or overlap. */
export function mergeRanges(starts: Iterable<number>, width: number): Array<[number, number]> {
  return mergeIntervals([...starts].map((s): [number, number] => [s, s + width]));
}

/** The local midnight after the one at `dayStart` (a day is 23 to 25 hours long). */
function nextLocalMidnight(dayStart: number, timeZone: string): number {
  return localMidnight(dayStart + 36 * HOUR_MS, timeZone);
}

/**
 * The windows to refresh for noted hour starts (UTC hours, as readings_hourly buckets) and local
 * day starts (readings_daily's zone), merged and cut so that none ends after the current hour
 * minus the policies' end offset (hourly) or the start of the current local day (daily); the
 * months of the noted days (readings_monthly, same zone) end at the start of the current local
 * month. A noted bucket past that limit is left out: it is still real-time.
 */
export function refreshWindows(
  noted: { hours: Iterable<number>; days: Iterable<number> },
  now: number,
  timeZone: string = DAILY_AGGREGATE_TIMEZONE,
): { hourly: Array<[number, number]>; daily: Array<[number, number]>; monthly: Array<[number, number]> } {
  const hourLimit = Math.floor(now / HOUR_MS) * HOUR_MS - POLICY_END_OFFSET_MS;
  const dayLimit = localMidnight(now, timeZone);
  const cut = (ranges: Array<[number, number]>, limit: number) => ranges.filter(([s]) => s < limit).map(([s, e]): [number, number] => [s, Math.min(e, limit)]);
  return {
    hourly: cut(mergeRanges(noted.hours, HOUR_MS), hourLimit),
    daily: cut(mergeIntervals([...noted.days].map((d): [number, number] => [d, nextLocalMidnight(d, timeZone)])), dayLimit),
    monthly: cut(
      mergeIntervals(
        [...noted.days].map((d): [number, number] => {
          const month = localMonthStart(d, timeZone);
          return [month, localMonthStart(month + 32 * 24 * HOUR_MS, timeZone)];
        }),
      ),
      localMonthStart(now, timeZone),
    ),
  };
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
      hours.add(Math.floor(r.ts / HOUR_MS) * HOUR_MS);
      days.add(localMidnight(r.ts, DAILY_AGGREGATE_TIMEZONE));
    }
  });

  async function refresh(view: ContinuousAggregate, noted: Set<number>, windows: Array<[number, number]>): Promise<void> {
    const taken = [...noted];
    noted.clear();
    try {
      for (const [from, to] of windows) {
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
      const windows = refreshWindows({ hours, days }, now(), DAILY_AGGREGATE_TIMEZONE);
      await refresh('readings_hourly', hours, windows.hourly);
      const daysTaken = [...days];
      await refresh('readings_daily', days, windows.daily);
      try {
        // the months of the days just refreshed (readings_monthly is built on readings_daily)
        for (const [from, to] of windows.monthly) await refreshAggregate(db, 'readings_monthly', new Date(from), new Date(to));
      } catch (err) {
        // keep the days for the next run: their months are refreshed again from them
        for (const d of daysTaken) days.add(d);
        throw err;
      }
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
