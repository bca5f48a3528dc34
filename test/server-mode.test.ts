/**
 * DATABASE_URL: the same code against a database reached as an external server. No TimescaleDB
 * server can be installed here (it is not in Debian's packages), so the "server" is the embedded
 * TimescaleDB started on its own, outside the app, and reached only through its URL: the app runs
 * in server mode (its own pool, no embedded worker, policies left to the server's scheduler).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../store/embedded/index.js';
import { localIso, startTestApp, tempDataDir, type TestApp } from './helpers/app.js';

const dbDir = tempDataDir();
let server: EmbeddedDatabase;
let t: TestApp;

beforeAll(async () => {
  server = await startEmbeddedDatabase(join(dbDir, 'external'), (err) => {
    throw err;
  });
  // pglite-socket serves one client at a time: a pool of one
  t = await startTestApp({ databaseUrl: server.connectionString, store: { poolSize: 1 } });
});
afterAll(async () => {
  await t?.close(true);
  await server?.close();
  rmSync(dbDir, { recursive: true, force: true });
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
    const { existsSync } = await import('node:fs');
    expect(existsSync(join(t.dataDir, 'pg'))).toBe(false);
  });
});
