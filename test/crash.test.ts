/**
 * Crash: kill -9 of the Quantrac process while 100 stations publish with QoS 1 and persistent
 * sessions, then a restart on the same DATA_DIR (embedded TimescaleDB). Every reading that got a
 * PUBACK before the kill must be stored, nothing twice, with its value; the messages that were in
 * flight are redelivered by the stations' MQTT clients after they reconnect, and stored too.
 *
 * The process is the real one (`node --import tsx main.ts`) and the stations are real mqtt.js
 * clients with clean: false and fixed client ids (= station ids), reconnecting on their own.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedDatabase } from '../store/embedded/index.js';
import { localIso, tempDataDir } from './helpers/app.js';
import { freePort, login, registerStation, startChildApp, type ChildApp } from './helpers/child-app.js';

const STATIONS = 100;
const MESSAGES = 40;
const ADMIN_PASSWORD = 'crash-test-admin-pw';
const BASE = Date.UTC(2026, 10, 20, 0, 0, 0);

const dataDir = tempDataDir();
let child: ChildApp | undefined;
const clients: MqttClient[] = [];

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.endAsync(true)));
  if (child && child.proc.exitCode === null && child.proc.signalCode === null) await child.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const stationId = (i: number) => `CR-${String(i).padStart(3, '0')}`;
const valueOf = (i: number, k: number) => i * 1000 + k + 0.5;

describe('kill -9 during a QoS 1 stream', () => {
  it('keeps every acknowledged reading, stores nothing twice, and stores the redelivered rest', async () => {
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    // BULLETIN_ENABLED=false: the restart's bulletin catch-up (Chromium) would hold the stop below (known issue, see the README's known limits)
    const env = { DATA_DIR: dataDir, MQTT_PORT: String(mqttPort), HTTP_PORT: String(httpPort), ADMIN_PASSWORD, BULLETIN_ENABLED: 'false' };
    child = await startChildApp(env);
    const token = await login(child.httpUrl, 'admin', ADMIN_PASSWORD);
    const secrets: string[] = [];
    for (let i = 0; i < STATIONS; i++) secrets.push(await registerStation(child.httpUrl, token, stationId(i)));

    // 100 stations, persistent sessions, reconnecting every 300 ms on their own.
    for (let i = 0; i < STATIONS; i++) {
      const c = mqtt.connect(child.mqttUrl, {
        clientId: stationId(i),
        username: stationId(i),
        password: secrets[i]!,
        protocolVersion: 4,
        clean: false,
        reconnectPeriod: 300,
        connectTimeout: 10_000,
      });
      c.on('error', () => {
        // connection refused while the process is down: mqtt.js reconnects by itself
      });
      clients.push(c);
    }
    await Promise.all(clients.map((c) => (c.connected ? undefined : new Promise((r) => c.once('connect', r)))));

    // Each station publishes MESSAGES readings, one every 20 ms; acknowledgements are recorded.
    const acked = new Set<string>();
    const failed: string[] = [];
    const allAcked = new Promise<void>((resolve) => {
      let settled = 0;
      for (let i = 0; i < STATIONS; i++) {
        for (let k = 0; k < MESSAGES; k++) {
          setTimeout(() => {
            const payload = JSON.stringify({ ts: localIso(BASE + k * 60_000), values: { pm25: valueOf(i, k) } });
            clients[i]!.publish(`stations/${stationId(i)}/readings`, payload, { qos: 1 }, (err) => {
              if (err) failed.push(`${stationId(i)}/${k}: ${err.message}`);
              else acked.add(`${i}/${k}`);
              if (++settled === STATIONS * MESSAGES) resolve();
            });
          }, k * 20);
        }
      }
    });

    // kill -9 once a quarter of the stream is acknowledged, while the rest is in flight.
    while (acked.size < (STATIONS * MESSAGES) / 4) await new Promise((r) => setTimeout(r, 5));
    await child.kill9();
    const killedAt = new Set(acked);
    expect(killedAt.size).toBeLessThan(STATIONS * MESSAGES);

    const t0 = Date.now();
    child = await startChildApp(env);
    await allAcked;
    console.info(
      `crash: ${killedAt.size} of ${STATIONS * MESSAGES} readings acknowledged at kill -9; all ${acked.size} acknowledged ${Date.now() - t0} ms after the restart began`,
    );
    expect(failed).toEqual([]);
    expect(acked.size).toBe(STATIONS * MESSAGES);
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await child.stop();

    // Read what is stored, straight from the database directory.
    const db = await startEmbeddedDatabase(join(dataDir, 'pg'), (err) => {
      throw err;
    });
    const client = new pg.Client({ connectionString: db.connectionString });
    client.on('error', (err) => console.error('crash test: database connection error', err));
    try {
      await client.connect();
      await client.query("LOAD 'timescaledb'");
      const { rows } = await client.query<{ station_id: string; ts: Date; value: number; n: string }>(
        `SELECT station_id, ts, min(value) AS value, count(*) AS n FROM readings
          WHERE station_id LIKE 'CR-%' AND metric = 'pm25' GROUP BY station_id, ts`,
      );
      const stored = new Map<string, number>();
      for (const r of rows) {
        expect(Number(r.n)).toBe(1); // nothing stored twice
        const i = Number(r.station_id.slice(3));
        const k = Math.round((r.ts.getTime() - BASE) / 60_000);
        stored.set(`${i}/${k}`, r.value);
      }
      // every reading acknowledged before the kill survived it, with its value
      const lost = [...killedAt].filter((key) => !stored.has(key));
      expect(lost).toEqual([]);
      // and every reading, acknowledged before or after, is stored exactly with its value
      expect(stored.size).toBe(STATIONS * MESSAGES);
      for (const [key, value] of stored) {
        const [i, k] = key.split('/').map(Number) as [number, number];
        expect(value).toBe(valueOf(i, k));
      }
    } finally {
      await client.end();
      await db.close();
    }
  }, 300_000);
});
