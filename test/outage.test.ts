/**
 * Database outage (DATABASE_URL mode): the external database is reached through a TCP proxy the
 * test cuts and restores. While it is cut, readings go to the durable local spool and are
 * acknowledged; operators see storage degraded on /healthz and as a `storageStateChanged` bus
 * event; when it returns the spool is replayed in order (first write wins) and every reading is
 * stored once. With the spool full, PUBACKs stop and nothing is dropped: the stations keep their
 * messages and deliver them after the database returns.
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventMap } from '../domain/events.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../store/embedded/index.js';
import { localIso, startTestApp, tempDataDir, type TestApp, until } from './helpers/app.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';

const SPOOL_MAX_BYTES = 3000;
const dbDir = tempDataDir();
let server: EmbeddedDatabase;
let proxy: TcpProxy;
let t: TestApp;
const storageEvents: Array<EventMap['storageStateChanged']> = [];
const extraClients: MqttClient[] = [];

beforeAll(async () => {
  server = await startEmbeddedDatabase(join(dbDir, 'external'), (err) => {
    throw err;
  });
  proxy = await startTcpProxy(server.port);
  t = await startTestApp({
    databaseUrl: `postgres://postgres@127.0.0.1:${proxy.port}/postgres`,
    // pglite-socket serves one client at a time: a pool of one
    store: { poolSize: 1, connectTimeoutMs: 1000, writeTimeoutMs: 1500 },
    spool: { maxBytes: SPOOL_MAX_BYTES, replayIntervalMs: 200 },
    // mqtt.js resends a reconnected session's messages one PUBACK at a time: keep each round short
    ingest: { batchMaxWaitMs: 2 },
    logLevel: (process.env.OUTAGE_LOG as 'warn' | undefined) ?? 'silent',
  });
  t.app.bus.on('outage-test', 'storageStateChanged', (e) => {
    storageEvents.push(e);
  });
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(extraClients.map((c) => c.endAsync(true)));
  await proxy?.restore();
  await t?.close(true);
  await proxy?.close();
  await server?.close();
  rmSync(dbDir, { recursive: true, force: true });
});

const spoolFile = () => join(t.dataDir, 'spool', 'readings.spool');

async function storedRows(stationId: string): Promise<Array<{ ts: Date; value: number }>> {
  const { rows } = await t.app.store.db.query<{ ts: Date; value: number }>(`SELECT ts, value FROM readings WHERE station_id = $1 AND metric = 'pm25' ORDER BY ts`, [stationId]);
  return rows;
}

const T0 = Date.UTC(2026, 10, 21, 0, 0, 0);

describe('an external database that stops', () => {
  it('spools and acknowledges, reports degraded storage, then replays in order and stores each reading once', async () => {
    const s = await t.createStation({ id: 'OUT-01' });
    const client = await t.connectStation(s.id, s.secret);
    const topic = `stations/${s.id}/readings`;
    await client.publishAsync(topic, JSON.stringify({ ts: localIso(T0), values: { pm25: 1 } }), { qos: 1 });
    expect(t.app.ingest.storage.degraded).toBe(false);

    await proxy.cut('refuse');
    // Every one of these gets its PUBACK while the database is down.
    for (let k = 1; k <= 20; k++) await client.publishAsync(topic, JSON.stringify({ ts: localIso(T0 + k * 60_000), values: { pm25: k + 1 } }), { qos: 1 });
    // Two readings for one time with different values: the first acknowledged must win.
    await client.publishAsync(topic, JSON.stringify({ ts: localIso(T0 + 99 * 60_000), values: { pm25: 500 } }), { qos: 1 });
    await client.publishAsync(topic, JSON.stringify({ ts: localIso(T0 + 99 * 60_000), values: { pm25: 999 } }), { qos: 1 });
    // A refused payload is kept in the spool too, then in quarantine.
    await client.publishAsync(topic, 'not json during the outage', { qos: 1 });

    expect(t.app.ingest.storage).toMatchObject({ degraded: true, spoolRows: 23 });
    expect(statSync(spoolFile()).size).toBe(t.app.ingest.storage.spoolBytes);
    const health = await t.api<{ status: string; database: string; storage: { degraded: boolean; spoolRows: number; reason: string } }>('GET', '/healthz', undefined, null);
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'degraded', database: 'unreachable', storage: { degraded: true, spoolRows: 23 } });
    expect(storageEvents.at(-1)).toMatchObject({ degraded: true });

    await proxy.restore();
    await until(() => !t.app.ingest.storage.degraded, 'storage to recover');
    expect(storageEvents.at(-1)).toMatchObject({ degraded: false, spoolBytes: 0 });
    expect(statSync(spoolFile()).size).toBe(0);

    const rows = await storedRows(s.id);
    expect(rows.map((r) => r.value)).toEqual([...Array.from({ length: 21 }, (_, i) => i + 1), 500]);
    const conflicts = await t.app.store.db.query(`SELECT stored_value, value, source FROM reading_conflicts WHERE station_id = $1`, [s.id]);
    expect(conflicts.rows).toEqual([{ stored_value: 500, value: 999, source: 'mqtt' }]);
    const q = await t.api<{ data: Array<{ payload: string; reasonCode: string; source: string }> }>('GET', `/api/v1/quarantine?station=${s.id}`);
    expect(q.body.data.map((e) => [e.payload, e.reasonCode, e.source])).toEqual([['not json during the outage', 'invalid_json', 'mqtt']]);
    const health2 = await t.api<{ status: string }>('GET', '/healthz', undefined, null);
    expect(health2.body.status).toBe('ok');
  }, 120_000);

  it('treats a database that stops answering (blackhole) like one that is down', async () => {
    const s = await t.createStation({ id: 'OUT-02' });
    const client = await t.connectStation(s.id, s.secret);
    await proxy.cut('blackhole');
    for (let k = 0; k < 5; k++) await client.publishAsync(`stations/${s.id}/readings`, JSON.stringify({ ts: localIso(T0 + k * 60_000), values: { pm25: k } }), { qos: 1 });
    // an insert not answered within writeTimeoutMs, or (when another statement held the connection as
    // the network dropped) rows deferred behind it for that long: degraded either way
    await until(() => t.app.ingest.storage.degraded, 'storage to turn degraded');
    expect(t.app.ingest.storage).toMatchObject({ degraded: true, spoolRows: 5 });
    // the health probe gets no answer either: unreachable (503), not merely busy
    const health = await t.api<{ status: string; database: string }>('GET', '/healthz', undefined, null);
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'degraded', database: 'unreachable' });
    await proxy.restore();
    await until(() => !t.app.ingest.storage.degraded, 'storage to recover');
    expect((await storedRows(s.id)).map((r) => r.value)).toEqual([0, 1, 2, 3, 4]);
  }, 120_000);

  it('turns degraded when a statement holding the connection is stuck on a dropped network, though rows were deferred behind it', async () => {
    const s = await t.createStation({ id: 'OUT-04' });
    const client = await t.connectStation(s.id, s.secret);
    const gate = t.app.store.db.gate;
    await until(() => gate.holder() === undefined, 'the connection to be free');
    await proxy.cut('blackhole');
    // a background statement takes the connection and never gets an answer
    const stuck = t.app.store.db
      .lane('background', 'test statement')
      .query('SELECT 1')
      .then(
        () => 'answered',
        () => 'failed',
      );
    await until(() => gate.holder()?.label === 'test statement', 'the statement to hold the connection');
    const t0 = Date.now();
    for (let k = 0; k < 5; k++) await client.publishAsync(`stations/${s.id}/readings`, JSON.stringify({ ts: localIso(T0 + k * 60_000), values: { pm25: k } }), { qos: 1 });
    // acknowledged at once from the spool (deferred behind the statement)...
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(t.app.ingest.storage).toMatchObject({ spoolRows: 5 });
    // ...and once the statement has held the connection for writeTimeoutMs, that is an outage
    await until(() => t.app.ingest.storage.degraded, 'storage to turn degraded');
    expect(t.app.ingest.storage.reason).toMatch(/test statement has held the connection/);
    expect(storageEvents.at(-1)).toMatchObject({ degraded: true });
    // /healthz's probe waited behind it: held past writeTimeoutMs, that is unreachable, and named
    const health = await t.api<{ database: string; databaseHeldBy: { lane: string; label: string; seconds: number } }>('GET', '/healthz', undefined, null);
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ database: 'unreachable', databaseHeldBy: { lane: 'background', label: 'test statement' } });
    expect(health.body.databaseHeldBy.seconds).toBeGreaterThanOrEqual(1.5);
    await proxy.restore();
    expect(await stuck).toBe('failed');
    await until(() => !t.app.ingest.storage.degraded, 'storage to recover');
    expect((await storedRows(s.id)).map((r) => r.value)).toEqual([0, 1, 2, 3, 4]);
  }, 120_000);

  it('stops acknowledging when the spool is full, drops nothing, and stores the backlog once the database returns', async () => {
    const s = await t.createStation({ id: 'OUT-03' });
    // a field station: persistent session, reconnects by itself when the broker closes it
    const client = mqtt.connect(t.mqttUrl, { clientId: s.id, username: s.id, password: s.secret, protocolVersion: 4, clean: false, reconnectPeriod: 200 });
    client.on('error', () => {
      // the broker closes the connection while nothing can be acknowledged
    });
    extraClients.push(client);
    await new Promise((r) => client.once('connect', r));
    let closes = 0;
    client.on('close', () => closes++);

    await proxy.cut('refuse');
    const N = 100;
    const acked = new Set<number>();
    const failed: string[] = [];
    const all = Promise.all(
      Array.from(
        { length: N },
        (_, k) =>
          new Promise<void>((resolve) =>
            client.publish(`stations/${s.id}/readings`, JSON.stringify({ ts: localIso(T0 + k * 60_000), values: { pm25: k } }), { qos: 1 }, (err) => {
              if (err) failed.push(err.message);
              else acked.add(k);
              resolve();
            }),
          ),
      ),
    );
    // The spool fills, the writer refuses the next batch, the broker closes the connection.
    await until(() => closes >= 2, 'the broker to stop acknowledging');
    const ackedWhileFull = acked.size;
    expect(ackedWhileFull).toBeLessThan(N);
    expect(t.app.ingest.storage.spoolBytes).toBeLessThanOrEqual(SPOOL_MAX_BYTES);
    expect(existsSync(spoolFile())).toBe(true);
    expect(statSync(spoolFile()).size).toBeLessThanOrEqual(SPOOL_MAX_BYTES);

    await proxy.restore();
    await all;
    expect(failed).toEqual([]);
    expect(acked.size).toBe(N);
    await until(() => !t.app.ingest.storage.degraded, 'storage to recover');
    const rows = await storedRows(s.id);
    expect(rows.map((r) => r.value)).toEqual(Array.from({ length: N }, (_, k) => k));
  }, 180_000);
});
