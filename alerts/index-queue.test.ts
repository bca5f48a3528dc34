/**
 * The hourly index queue's throttle (alerts/index-queue.ts): at most one recomputation per station
 * and hour within the throttle period, whether the hour is the station's newest or an older one a
 * backlog is filling, and at once for an hour not computed recently. Real embedded database.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/index.js';
import { EventBus } from '../domain/events.js';
import { createLogger } from '../lib/logger.js';
import { createStore, type Store } from '../store/index.js';
import { viewOf, type Db } from '../store/db.js';
import type { Station } from '../store/stations.js';
import { tempDataDir } from '../test/helpers/app.js';
import { hourEnding } from './aqi.js';
import { createIndexQueue, MAX_FAILED_HOURS } from './index-queue.js';

const HOUR = 3_600_000;
const station: Station = {
  id: 'IQ-01',
  name: 'IQ-01',
  profileId: 'air-quality',
  lat: 21,
  lon: 105.8,
  province: null,
  timezone: 'Asia/Ho_Chi_Minh',
  enabled: true,
  simulated: false,
  connectionState: 'unknown',
  connectionChangedAt: null,
  createdAt: new Date(0),
  attributes: {},
};

describe('hourly index queue', () => {
  const dataDir = tempDataDir();
  let store: Store;
  beforeAll(async () => {
    store = await createStore(resolveConfig({ dataDir, logLevel: 'silent' }), createLogger('silent'));
  });
  afterAll(async () => {
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('recomputes each hour at most once per throttle period, an older hour a backlog fills included', async () => {
    const bus = new EventBus(() => undefined);
    const computed: number[] = [];
    bus.on('test', 'indexUpdated', ({ hourEnd }) => void computed.push(hourEnd));
    const queue = createIndexQueue({ db: store.db, bus, log: createLogger('silent'), throttleMs: 60_000, onHourlyAqi: () => undefined });
    const newest = Date.parse('2026-03-01T10:30:00Z');
    const older = newest - 5 * HOUR;
    let at = 1_000_000;
    queue.update(station, newest, at);
    // a backlog: batch after batch of readings of an older hour (going back in time), 2 s apart
    for (let i = 0; i < 20; i++) queue.update(station, older - i * 1000, (at += 2000));
    queue.update(station, newest + 1000, (at += 2000)); // the newest hour again, within the period
    await queue.tail;
    expect(computed).toEqual([Date.parse('2026-03-01T11:00:00Z'), Date.parse('2026-03-01T06:00:00Z')]);
    // once the period is over, each hour is recomputed again with its next reading
    queue.update(station, older - 30_000, (at += 60_000));
    queue.update(station, newest + 2000, at);
    await queue.tail;
    expect(computed.slice(2)).toEqual([Date.parse('2026-03-01T06:00:00Z'), Date.parse('2026-03-01T11:00:00Z')]);
  });

  it('recomputes an hour whose recomputation failed (the database was down) with the station’s next readings', async () => {
    const bus = new EventBus(() => undefined);
    const computed: number[] = [];
    bus.on('test', 'indexUpdated', ({ hourEnd }) => void computed.push(hourEnd));
    let down = true;
    const refused = () => Promise.reject(new Error('connect ECONNREFUSED'));
    const db: Db = viewOf(store.db, {
      query: ((...args: Parameters<Db['query']>) => (down ? refused() : store.db.query(...args))) as Db['query'],
      transaction: ((...args: Parameters<Db['transaction']>) => (down ? refused() : store.db.transaction(...args))) as Db['transaction'],
      lane: () => db,
      close: async () => undefined,
    });
    const lines: Array<{ msg: string }> = [];
    const log = createLogger('error', 'test', { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string }) });
    const queue = createIndexQueue({ db, bus, log, throttleMs: 60_000, onHourlyAqi: () => undefined });
    const hour = Date.parse('2026-03-02T10:30:00Z');
    queue.update(station, hour, 1_000_000);
    await queue.tail;
    expect(computed).toEqual([]);
    expect(lines).toContainEqual(expect.objectContaining({ msg: expect.stringContaining('recomputing indices failed') }));
    // back: the next readings (the next hour's) bring the failed hour along
    down = false;
    queue.update(station, hour + HOUR, 1_030_000);
    await queue.tail;
    expect(computed).toEqual([Date.parse('2026-03-02T11:00:00Z'), Date.parse('2026-03-02T12:00:00Z')]);
    // and only once
    queue.update(station, hour + HOUR + 1000, 1_200_000);
    await queue.tail;
    expect(computed.filter((h) => h === Date.parse('2026-03-02T11:00:00Z'))).toHaveLength(1);

    // a failure that does not end: the station keeps its newest MAX_FAILED_HOURS to recompute, not every hour
    down = true;
    computed.length = 0;
    for (let k = 0; k < MAX_FAILED_HOURS + 5; k++) queue.update(station, hour + (10 + k) * HOUR, 2_000_000 + k * 60_000);
    await queue.tail;
    down = false;
    queue.update(station, hour + (10 + MAX_FAILED_HOURS + 5) * HOUR, 9_000_000);
    await queue.tail;
    expect(computed).toHaveLength(MAX_FAILED_HOURS + 1);
    expect(Math.min(...computed)).toBe(hourEnding(hour + 15 * HOUR));
  });
});
