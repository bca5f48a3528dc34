/**
 * Backpressure with a slow database: Quantrac runs as its own process against an external
 * database (a standalone embedded TimescaleDB) reached through a TCP proxy that holds every
 * answer for --delay-ms, so commits are far slower than what the stations send. Stations publish
 * QoS 1 as fast as they can with no limit on messages in flight. Measured: the Quantrac process's
 * peak RSS (sampled every 100 ms from /proc), the rows stored per second, and whether everything
 * was acknowledged and stored.
 *
 *   npx tsx bench/backpressure.ts                                   defaults below
 *   npx tsx bench/backpressure.ts --stations 100 --messages 2000 --delay-ms 50 --max-pending-rows 100000
 *
 * Not part of bench/all.ts (about a minute or two); the figures go to bench/results/backpressure.json.
 */
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { startEmbeddedDatabase } from '../store/embedded/index.js';
import { localIso, tempDataDir } from '../test/helpers/app.js';
import { freePort, login, registerStation, startChildApp } from '../test/helpers/child-app.js';
import { startTcpProxy } from '../test/helpers/tcp-proxy.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const STATIONS = arg('stations', 100);
const MESSAGES = arg('messages', 2000);
const DELAY_MS = arg('delay-ms', 50);
const MAX_PENDING = arg('max-pending-rows', 100_000);
const BATCH_ROWS = arg('batch-rows', 500);
const ADMIN_PASSWORD = 'backpressure-admin-pw';

const rssMb = (pid: number) => Math.round(Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024);

const dataDir = tempDataDir();
const external = await startEmbeddedDatabase(join(dataDir, 'external-db'), (err) => {
  throw err;
});
const proxy = await startTcpProxy(external.port);
const child = await startChildApp({
  DATA_DIR: join(dataDir, 'app'),
  DATABASE_URL: `postgres://postgres@127.0.0.1:${proxy.port}/postgres`,
  DB_POOL_SIZE: '1',
  MQTT_PORT: String(await freePort()),
  HTTP_PORT: String(await freePort()),
  ADMIN_PASSWORD,
  INGEST_MAX_PENDING_ROWS: String(MAX_PENDING),
  INGEST_BATCH_MAX_ROWS: String(BATCH_ROWS),
  DB_WRITE_TIMEOUT_MS: '0',
  LOG_LEVEL: 'error',
});
const pid = child.proc.pid!;
const token = await login(child.httpUrl, 'admin', ADMIN_PASSWORD);
const clients: MqttClient[] = [];
let reconnects = 0;
for (let i = 0; i < STATIONS; i++) {
  const id = `BP-${String(i).padStart(3, '0')}`;
  const secret = await registerStation(child.httpUrl, token, id);
  // Field stations: persistent session, reconnect and redeliver. A broker that stops reading a
  // socket (backpressure) for 1.5 × keepalive drops the connection; the station then reconnects.
  const c = await mqtt.connectAsync(child.mqttUrl, { clientId: id, username: id, password: secret, protocolVersion: 4, clean: false, reconnectPeriod: 1000 });
  c.on('error', () => {});
  c.on('offline', () => reconnects++);
  clients.push(c);
}
const idleRss = rssMb(pid);
proxy.delayMs = DELAY_MS;

let peak = idleRss;
const rssTimer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);
const t0 = performance.now();
const base = Date.now() - 3 * 86_400_000;
let acked = 0;
let offeredBytes = 0;
let failed = 0;
// Every station hands all its messages to its client at once: no limit on messages in flight.
await Promise.all(
  clients.map(
    (c, i) =>
      new Promise<void>((resolve) => {
        let left = MESSAGES;
        for (let k = 0; k < MESSAGES; k++) {
          const payload = JSON.stringify({ ts: localIso(base + k * 1000), values: { pm25: i + k / 1000, pm10: 10, no2: 20, so2: 5, co: 400, o3: 30, temp: 28, rh: 70 } });
          offeredBytes += payload.length;
          c.publish(`stations/BP-${String(i).padStart(3, '0')}/readings`, payload, { qos: 1 }, (err) => {
            if (err) failed++;
            else acked++;
            if (--left === 0) resolve();
          });
        }
      }),
  ),
);
const seconds = (performance.now() - t0) / 1000;
clearInterval(rssTimer);
const stored = await (await fetch(`${child.httpUrl}/metrics`)).text();
const accepted = Number(/^quantrac_readings_accepted_total (\d+)/m.exec(stored)?.[1] ?? NaN);
await Promise.all(clients.map((c) => c.endAsync()));
await child.stop();
await proxy.close();
await external.close();
rmSync(dataDir, { recursive: true, force: true });

const result = {
  when: new Date().toISOString(),
  stations: STATIONS,
  messagesPerStation: MESSAGES,
  metricsPerMessage: 8,
  proxyDelayMsPerAnswer: DELAY_MS,
  batchMaxRows: BATCH_ROWS,
  maxPendingRows: MAX_PENDING,
  acknowledged: acked,
  failed,
  readingsStored: accepted,
  seconds: Math.round(seconds * 10) / 10,
  readingsPerSecondStored: Math.round(accepted / seconds),
  rssMbIdle: idleRss,
  rssMbPeak: peak,
  connectionsDroppedAndResumed: reconnects,
  payloadMbOffered: Math.round(offeredBytes / 2 ** 20),
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/backpressure.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
process.exit(failed === 0 && acked === STATIONS * MESSAGES ? 0 : 1);
