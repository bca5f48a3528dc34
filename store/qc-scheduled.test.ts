/**
 * The hourly means the scheduled spatial check judges (store/qc-scheduled.ts hourlyStationMeans)
 * do not depend on the order the database reads the readings in: a run that judged an hour again
 * found a mean 204.5875 one way and a hair above it the other, rounded it to 204.587 or 204.588
 * in the flag's detail, and so rewrote and announced flags nothing had changed.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resolveConfig } from '../config/index.js';
import { createLogger } from '../lib/logger.js';
import { HOUR_MS } from '../lib/time.js';
import { tempDataDir } from '../test/helpers/app.js';
import { createStore, type Store } from './index.js';
import { viewOf, type Db } from './db.js';
import { hourlyStationMeans, type StationHourMean } from './qc-scheduled.js';

const dataDir = tempDataDir();
let store: Store;
beforeAll(async () => {
  store = await createStore(resolveConfig({ dataDir, logLevel: 'silent' }), createLogger('silent'));
}, 60_000);
afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

it('gives the same hourly mean whatever order the readings are stored and read in', async () => {
  const db = store.db;
  await db.query(`INSERT INTO device_profiles (id, version, definition) VALUES ('air-test', 1, '{}'::jsonb)`);
  await db.query(`INSERT INTO stations (id, name, profile_id, lat, lon) VALUES ('ORD-UP', 'up', 'air-test', 21.03, 105.85), ('ORD-DOWN', 'down', 'air-test', 21.04, 105.86)`);
  const hour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 5 * HOUR_MS;
  // in floating point (0.1 + 0.2) + 0.3 = 0.6000000000000001 and (0.3 + 0.2) + 0.1 = 0.6: the same
  // three values, stored (and stamped) in the opposite order at the two stations
  const values = [0.1, 0.2, 0.3];
  for (const [station, order] of [
    ['ORD-UP', values],
    ['ORD-DOWN', [...values].reverse()],
  ] as const)
    for (const [k, v] of order.entries())
      await db.query(`INSERT INTO readings (station_id, metric, ts, value) VALUES ($1, 'pm25', $2, $3)`, [station, new Date(hour + k * 60_000), v]);

  const means = await hourlyStationMeans(db, new Date(hour), new Date(hour + HOUR_MS));
  const of = (id: string) => means.find((m) => m.stationId === id);
  expect(of('ORD-UP')).toMatchObject({ metric: 'pm25', hour, n: 3, mean: 0.2 });
  expect(of('ORD-DOWN')).toMatchObject({ metric: 'pm25', hour, n: 3, mean: 0.2 });
});

it('reads an hour and a group of stations at a time, with the same means as all at once', async () => {
  const db = store.db;
  await db.query(
    `INSERT INTO stations (id, name, profile_id, lat, lon) VALUES ('SL-A', 'a', 'air-test', 21.1, 105.8), ('SL-B', 'b', 'air-test', 21.2, 105.8), ('SL-C', 'c', 'air-test', 21.3, 105.8)`,
  );
  await db.query(`INSERT INTO stations (id, name, profile_id, lat, lon, enabled) VALUES ('SL-OFF', 'off', 'air-test', 21.4, 105.8, false)`);
  const hour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 10 * HOUR_MS;
  for (const [k, id] of ['SL-A', 'SL-B', 'SL-C', 'SL-OFF'].entries())
    await db.query(
      `INSERT INTO readings (station_id, metric, ts, value, quality)
       SELECT $1, m, $2::timestamptz + g * INTERVAL '10 minutes', $3 + g + (m = 'no2')::int * 100, CASE WHEN g = 3 THEN 2 ELSE 0 END
         FROM generate_series(0, 11) g, unnest(ARRAY['pm25', 'no2']) m`,
      [id, new Date(hour), k * 10],
    );
  let statements = 0;
  const counted = viewOf(db, { ...db, query: ((...args: Parameters<Db['query']>) => (statements++, db.query(...args))) as Db['query'] });
  const key = (m: StationHourMean) => `${m.stationId} ${m.metric} ${m.hour}`;
  const sorted = (ms: StationHourMean[]) => ms.filter((m) => m.stationId.startsWith('SL-')).sort((a, b) => key(a).localeCompare(key(b)));
  // from the middle of the first hour to the end of the second
  const from = new Date(hour + 30 * 60_000);
  const to = new Date(hour + 2 * HOUR_MS);
  const whole = sorted(await hourlyStationMeans(db, from, to, undefined, 1000));
  const sliced = sorted(await hourlyStationMeans(counted, from, to, undefined, 1));
  expect(sliced).toEqual(whole);
  // the stations' list, then each of the two hours for each enabled station (ORD-UP and ORD-DOWN from above too)
  expect(statements).toBe(1 + 2 * 5);
  // SL-A's pm25 in the first half hour's remainder: g = 3…5 (g = 3 a fault, not counted)
  expect(whole.find((m) => m.stationId === 'SL-A' && m.metric === 'pm25' && m.hour === hour)).toMatchObject({ n: 2, mean: 4.5, lat: 21.1, profileId: 'air-test' });
  expect(whole.filter((m) => m.hour === hour + HOUR_MS).map((m) => `${m.stationId} ${m.metric} ${m.n} ${m.mean}`)).toEqual([
    'SL-A no2 6 108.5',
    'SL-A pm25 6 8.5',
    'SL-B no2 6 118.5',
    'SL-B pm25 6 18.5',
    'SL-C no2 6 128.5',
    'SL-C pm25 6 28.5',
  ]);
  expect(whole.some((m) => m.stationId === 'SL-OFF')).toBe(false);
});
