/**
 * DB_APP_RUNS_JOBS: on a server whose TimescaleDB job scheduler does not run (here an embedded
 * TimescaleDB served over the wire, which has no background workers), the app runs the policy
 * jobs itself, as it does for the embedded database; without it, nobody refreshes the hourly
 * aggregate and every aggregate read is computed from the raw readings.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resolveConfig } from '../config/index.js';
import { createLogger } from '../lib/logger.js';
import { HOUR_MS } from '../lib/time.js';
import { tempDataDir } from '../test/helpers/app.js';
import { caggWatermarks } from './cagg-source.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded/index.js';
import { createStore, type Store } from './index.js';

const dataDir = tempDataDir();
// pglite-socket serves one client at a time, and not the next one right after: a server each
const servers: EmbeddedDatabase[] = [];
beforeAll(async () => {
  for (const name of ['left', 'running'])
    servers.push(
      await startEmbeddedDatabase(join(dataDir, name), (err) => {
        throw err;
      }),
    );
}, 60_000);
afterAll(async () => {
  for (const s of servers) await s.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const open = (server: EmbeddedDatabase, appRunsJobs: boolean) =>
  createStore(
    resolveConfig({ dataDir: join(dataDir, 'app'), databaseUrl: `postgres://postgres@127.0.0.1:${server.port}/postgres`, logLevel: 'silent', store: { poolSize: 1, appRunsJobs } }),
    createLogger('silent'),
  );
const insertHour = (db: Store['db'], hour: number) =>
  db.query(`INSERT INTO readings (station_id, metric, ts, value) VALUES ('JOBS-01', 'pm25', $1, 12), ('JOBS-01', 'pm25', $2, 14)`, [new Date(hour), new Date(hour + 60_000)]);

it('runs the policy jobs on a server when asked to, and leaves them to the server otherwise', async () => {
  const hour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 3 * HOUR_MS;
  const left = await open(servers[0]!, false);
  try {
    expect(left.embeddedJobs).toBeUndefined();
    await insertHour(left.db, hour);
    await left.runPolicyJobs();
    expect((await caggWatermarks(left.db)).readings_hourly).toBeLessThanOrEqual(hour);
  } finally {
    await left.close();
  }

  const running = await open(servers[1]!, true);
  try {
    await insertHour(running.db, hour);
    await running.runPolicyJobs();
    // the hour is materialized: the watermark has passed it
    expect((await caggWatermarks(running.db)).readings_hourly).toBeGreaterThan(hour);
    const refresh = [...running.embeddedJobs!.runs.values()].filter((r) => r.procName === 'policy_refresh_continuous_aggregate');
    expect(refresh.length).toBeGreaterThan(0);
    expect(refresh.every((r) => r.lastRunOk && r.totalRuns === 1)).toBe(true);
  } finally {
    await running.close();
  }
}, 120_000);
