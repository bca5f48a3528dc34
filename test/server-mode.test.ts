/**
 * DATABASE_URL: the same code against a database reached as an external server.
 *
 * With TEST_DATABASE_URL set (a TimescaleDB server; README "Testing against a database server"),
 * the app runs against a fresh database on that server, created for this file and dropped after.
 * Without it, as in CI: no TimescaleDB server can be installed here (it is not in Debian's
 * packages), so the "server" is the embedded TimescaleDB started on its own, outside the app,
 * and reached only through its URL. Either way the app runs in server mode (its own pool, no
 * embedded worker, policies left to the server's scheduler).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPolicies } from '../store/policies.js';
import { localIso, startTestApp, testServerDatabase, type TestApp, type TestServerDatabase } from './helpers/app.js';

let server: TestServerDatabase;
let t: TestApp;

beforeAll(async () => {
  server = await testServerDatabase(import.meta.url);
  t = await startTestApp({ databaseUrl: server.databaseUrl, store: { poolSize: server.poolSize } });
});
afterAll(async () => {
  await t?.close(true);
  await server?.close();
});

describe('DATABASE_URL', () => {
  it('runs ingest and the API against the external database', async () => {
    const health = await t.api('GET', '/healthz', undefined, null);
    expect(health.body).toMatchObject({ status: 'ok', mode: 'server' });
    const s = await t.createStation({ id: 'EXT-01' });
    const client = await t.connectStation(s.id, s.secret);
    await client.publishAsync(`stations/${s.id}/readings`, JSON.stringify({ ts: localIso(Date.now() - 60_000), values: { pm25: 33.3 } }), { qos: 1 });
    const res = await t.api<{ data: Array<{ value: number }> }>('GET', `/api/v1/stations/${s.id}/readings`);
    expect(res.body.data.map((r) => r.value)).toEqual([33.3]);
    // nothing was written to the app's own DATA_DIR database
    expect(existsSync(join(t.dataDir, 'pg'))).toBe(false);
  });

  it("reports the server scheduler's jobs in /healthz and keeps the policy jobs when the policies are applied again", async () => {
    const health = await t.api<{ jobs: { degraded: boolean; failing: unknown[] } }>('GET', '/healthz', undefined, null);
    expect(health.body.jobs).toMatchObject({ degraded: false, failing: [] });
    const db = t.app.store.db;
    const jobIds = async () =>
      (await db.query<{ job_id: number }>(`SELECT job_id FROM timescaledb_information.jobs WHERE proc_name LIKE 'policy_%' ORDER BY job_id`)).rows.map((r) => r.job_id);
    const before = await jobIds();
    // what the next start does (a restart on pglite-socket races its one connection's close)
    await applyPolicies(db, t.app.config.store);
    expect(await jobIds()).toEqual(before);
  });
});
