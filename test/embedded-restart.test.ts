/**
 * The embedded database's worker dies while stations publish (as a WebAssembly abort would end
 * it): readings keep being acknowledged (spooled), operators see storage degraded, the worker is
 * started again on its data directory, the spool is replayed, and every acknowledged reading is
 * stored once; the app goes on without a restart of the process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventMap } from '../domain/events.js';
import { localIso, startTestApp, type TestApp, until } from './helpers/app.js';

let t: TestApp;
const storageEvents: Array<EventMap['storageStateChanged']> = [];

beforeAll(async () => {
  t = await startTestApp({ spool: { replayIntervalMs: 200 }, logLevel: 'silent' });
  t.app.bus.on('restart-test', 'storageStateChanged', (e) => {
    storageEvents.push(e);
  });
}, 120_000);

afterAll(async () => {
  await t?.close(true);
});

const T0 = Date.UTC(2026, 10, 22, 0, 0, 0);

describe('the embedded database worker dies', () => {
  it('keeps acknowledging, restarts the worker, replays the spool and stores every reading once', async () => {
    const embedded = t.app.store.db.embedded;
    expect(embedded).toBeDefined();
    const s = await t.createStation({ id: 'CRASH-DB-1' });
    const client = await t.connectStation(s.id, s.secret);
    const topic = `stations/${s.id}/readings`;
    const publish = (k: number) => client.publishAsync(topic, JSON.stringify({ ts: localIso(T0 + k * 60_000), values: { pm25: k } }), { qos: 1 });
    for (let k = 0; k < 5; k++) await publish(k);

    await embedded!.kill();
    // each of these is acknowledged while the worker is dead or starting again
    for (let k = 5; k < 25; k++) await publish(k);
    await until(() => embedded!.restarts === 1, 'the worker to be started again');
    await until(() => !t.app.ingest.storage.degraded, 'storage to recover');
    expect(storageEvents.map((e) => e.degraded)).toEqual([true, false]);

    const { rows } = await t.app.store.db.query<{ value: number }>(`SELECT value FROM readings WHERE station_id = $1 AND metric = 'pm25' ORDER BY ts`, [s.id]);
    expect(rows.map((r) => r.value)).toEqual(Array.from({ length: 25 }, (_, k) => k));
    // the rest of the app uses the database again
    expect((await t.api<{ status: string }>('GET', '/healthz', undefined, null)).body.status).toBe('ok');
    expect((await t.createStation({ id: 'CRASH-DB-2' })).id).toBe('CRASH-DB-2');
    await client.endAsync();
  }, 120_000);
});
