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
import { hourlyStationMeans } from './qc-scheduled.js';

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
