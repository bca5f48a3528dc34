/**
 * The aggregate refresh after late data (store/backfill.ts), on the real embedded TimescaleDB.
 * The regression of issue #17: a reading more than an hour late for *today* made the refresher
 * materialize today's unfinished daily bucket, which moved readings_daily's watermark to the
 * next local midnight; every reading that came after it was left out of today's `bucket=1d` and
 * completeness until the day was over.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/index.js';
import { EventBus } from '../domain/events.js';
import { createLogger } from '../lib/logger.js';
import { DAY_MS, HOUR_MS, localMidnight } from '../lib/time.js';
import { tempDataDir } from '../test/helpers/app.js';
import { DAILY_AGGREGATE_TIMEZONE } from './analytics.js';
import { mergeRanges, refreshWindows, startBackfillRefresher } from './backfill.js';
import { createStore, type Store } from './index.js';
import { insertReadings } from './readings.js';

const dataDir = tempDataDir();
let store: Store;

beforeAll(async () => {
  store = await createStore(resolveConfig({ dataDir, logLevel: 'silent' }), createLogger('silent'));
});
afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function insert(stationId: string, ts: number[]): Promise<void> {
  await insertReadings(store.db, {
    stationIds: ts.map(() => stationId),
    metrics: ts.map(() => 'pm25'),
    ts: ts.map((t) => new Date(t).toISOString()),
    values: ts.map(() => 10),
    quality: ts.map(() => 0),
  });
}

async function dailyTotal(stationId: string, day: number): Promise<number> {
  const { rows } = await store.db.query<{ n_total: number }>(`SELECT n_total FROM readings_daily WHERE station_id = $1 AND metric = 'pm25' AND bucket = $2`, [
    stationId,
    new Date(day),
  ]);
  return rows[0]?.n_total ?? 0;
}

describe('aggregate refresh after late data', () => {
  it("keeps today's daily bucket real-time after a late reading for today", async () => {
    const realNow = Date.now();
    const today = localMidnight(realNow, DAILY_AGGREGATE_TIMEZONE);
    // A reading at today's first minute, "more than an hour late" for the refresher's clock: the
    // clock is at least 61 minutes into the local day, and still today (the database's now() is too).
    const clock = Math.max(realNow, today + HOUR_MS + 60_000);
    const bus = new EventBus(({ error }) => {
      throw error;
    });
    const refresher = startBackfillRefresher({ db: store.db, bus, logger: createLogger('silent'), intervalMs: 0, now: () => clock });
    try {
      const late = today + 60_000;
      await insert('BF-TODAY', [late]);
      bus.emit('readingsAccepted', { readings: [{ stationId: 'BF-TODAY', metric: 'pm25', ts: late, value: 10, quality: 'valid' }] });
      await refresher.flush();
      expect(await dailyTotal('BF-TODAY', today)).toBe(1);

      // a reading on time, after the refresh: today's bucket must count it at once
      await insert('BF-TODAY', [Math.max(today + 1000, realNow - 1000)]);
      expect(await dailyTotal('BF-TODAY', today)).toBe(2);
    } finally {
      await refresher.close();
    }
  });

  it('still re-materializes a past day', async () => {
    const yesterday = localMidnight(localMidnight(Date.now(), DAILY_AGGREGATE_TIMEZONE) - 1, DAILY_AGGREGATE_TIMEZONE);
    const bus = new EventBus(({ error }) => {
      throw error;
    });
    await insert('BF-PAST', [yesterday + 2 * HOUR_MS]);
    // readings_daily is built on readings_hourly: refreshed after it, as the policy jobs and the refresher do
    await store.db.query(`CALL refresh_continuous_aggregate('readings_hourly', $1::timestamptz, $2::timestamptz)`, [new Date(yesterday - DAY_MS), new Date(yesterday + DAY_MS)]);
    await store.db.query(`CALL refresh_continuous_aggregate('readings_daily', $1::timestamptz, $2::timestamptz)`, [new Date(yesterday - DAY_MS), new Date(yesterday + DAY_MS)]);
    const refresher = startBackfillRefresher({ db: store.db, bus, logger: createLogger('silent'), intervalMs: 0 });
    try {
      const late = yesterday + 3 * HOUR_MS;
      await insert('BF-PAST', [late]);
      bus.emit('readingsAccepted', { readings: [{ stationId: 'BF-PAST', metric: 'pm25', ts: late, value: 10, quality: 'valid' }] });
      await refresher.flush();
      expect(await dailyTotal('BF-PAST', yesterday)).toBe(2);
    } finally {
      await refresher.close();
    }
  });

  it('never plans a window past the last complete local day (daily) or the policy end offset (hourly)', () => {
    const now = Date.parse('2026-11-22T03:30:00Z'); // 10:30 in Hanoi
    const today = Date.parse('2026-11-21T17:00:00Z');
    const w = refreshWindows({ hours: [Date.parse('2026-11-22T01:00:00Z'), Date.parse('2026-11-22T02:00:00Z')], days: [today - DAY_MS, today] }, now, 'Asia/Ho_Chi_Minh');
    expect(w.hourly).toEqual([[Date.parse('2026-11-22T01:00:00Z'), Date.parse('2026-11-22T02:00:00Z')]]);
    // today (and a range that runs into it) stops at today's local midnight
    expect(w.daily).toEqual([[today - DAY_MS, today]]);
    expect(refreshWindows({ hours: [], days: [today] }, now, 'Asia/Ho_Chi_Minh').daily).toEqual([]);
  });

  it('merges touching ranges', () => {
    expect(mergeRanges([0, 10, 30], 10)).toEqual([
      [0, 20],
      [30, 40],
    ]);
  });
});
