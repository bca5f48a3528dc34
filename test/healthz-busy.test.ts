/**
 * /healthz while a legitimate statement holds the embedded database's one connection longer than
 * the probe's 3 s (store/health-probe.ts): the database is busy, not unreachable. An operator's
 * monitor must not read a long refresh or an analyst's query as an outage (503, a restart), and
 * must learn what holds the connection; the probe that waited is withdrawn, not run afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, until } from './helpers/app.js';

interface Health {
  status: string;
  database: string;
  databaseHeldBy?: { lane: string; label: string; seconds: number };
}

describe('/healthz while a long statement holds the connection', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  }, 120_000);
  afterAll(async () => {
    await t?.close(true);
  });

  it('says busy (200, degraded) and names the statement, then ok once it ended', async () => {
    const gate = t.app.store.db.gate;
    await until(() => gate.holder() === undefined, 'the connection to be free');
    const probesBefore = gate.holdsByLabel().get('health probe')?.count ?? 0;
    const hold = t.app.store.db.lane('background', 'test refresh').query('SELECT pg_sleep(4.5)');
    await until(() => gate.holder()?.label === 'test refresh', 'the statement to hold the connection');

    const busy = await t.api<Health>('GET', '/healthz', undefined, null);
    expect(busy.status).toBe(200);
    expect(busy.body).toMatchObject({ status: 'degraded', database: 'busy', databaseHeldBy: { lane: 'background', label: 'test refresh' } });
    expect(busy.body.databaseHeldBy!.seconds).toBeGreaterThanOrEqual(2.5);
    expect(busy.body.databaseHeldBy!.seconds).toBeLessThan(4.5);

    await hold;
    const ok = await t.api<Health>('GET', '/healthz', undefined, null);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'ok', database: 'ok' });
    expect(ok.body.databaseHeldBy).toBeUndefined();
    // the probe that waited was withdrawn: only the second probe ran
    expect(gate.holdsByLabel().get('health probe')?.count).toBe(probesBefore + 1);
  }, 60_000);
});
