/**
 * @module bench/notifications
 * Notifications (issue 19), measured in one process on a fresh embedded database:
 *  1. alert change → e-mail accepted by a local SMTP server (smtp-server), at 100 alerts a
 *     minute (each station's critical threshold alert fires, is sent, then clears): p50/p95/p99;
 *  2. ingest publish → PUBACK (= commit) p50/p99 with alerts firing to an SMS gateway that
 *     answers, then to one that never answers, side by side.
 * `npx tsx bench/notifications.ts [--seconds 60] [--rate 100]` (also run by `npm run bench -- --all`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import mqtt from 'mqtt';
import { SMTPServer } from 'smtp-server';
import { createApp } from '../app.js';
import { percentiles } from './lib.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const quick = args.includes('--quick');
const SECONDS = opt('seconds', quick ? 20 : 60);
const RATE_PER_MIN = opt('rate', 100);
const INGEST_SECONDS = opt('ingest-seconds', quick ? 10 : 20);
const PUBLISH_PER_S = opt('publish-rate', 50);
const STATIONS = 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const localIso = (ms: number) => new Date(ms + 7 * 3_600_000).toISOString().replace('Z', '+07:00');

// ---- a local SMTP server and a gateway that answers or hangs -------------------------------
const accepted = new Map<number, number>(); // alert id → performance.now() accepted
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, _session, cb) {
    let head = '';
    stream.on('data', (c: Buffer) => {
      if (head.length < 4000) head += c.toString('utf8');
    });
    stream.on('end', () => {
      const id = /X-Quantrac-Alerts: (\d+)/i.exec(head)?.[1];
      if (id) accepted.set(Number(id), performance.now());
      cb();
    });
  },
});
await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
const smtpPort = (smtp.server.address() as AddressInfo).port;

let gatewayMode: 'ok' | 'hang' = 'ok';
const hanging: ServerResponse[] = [];
let gatewayRequests = 0;
const gateway = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    gatewayRequests++;
    if (gatewayMode === 'hang') hanging.push(res);
    else res.end('{"ok":true}');
  });
});
await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', () => r()));
const gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/sms`;

// ---- the app -------------------------------------------------------------------------------
const dataDir = mkdtempSync(join(tmpdir(), 'quantrac-bench-notify-'));
const app = await createApp({
  dataDir,
  host: '127.0.0.1',
  mqtt: { port: 0 },
  http: { port: 0 },
  simulate: 0,
  logLevel: 'warn',
  adminPassword: 'bench-admin-pw',
  automation: { enabled: false },
  bulletins: { enabled: false },
});
const base = `http://127.0.0.1:${app.ports.http}`;
async function api<T>(method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const res = await fetch(base + path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}
const { token } = await api<{ token: string }>('POST', '/api/v1/auth/login', { username: 'admin', password: 'bench-admin-pw' });

const stations: Array<{ id: string; secret: string; client: mqtt.MqttClient }> = [];
for (let i = 0; i < STATIONS; i++) {
  const id = `BN-${String(i).padStart(2, '0')}`;
  const { secret } = await api<{ secret: string }>('POST', '/api/v1/stations', { id, name: `Trạm ${i}`, profile: 'air-quality', lat: 21, lon: 105.8, province: 'Hà Nội' }, token);
  await api(
    'POST',
    '/api/v1/rules',
    {
      id: `bench.${id.toLowerCase()}`,
      name: { en: 'PM2.5 > 100', vi: 'PM2,5 > 100' },
      kind: 'threshold',
      scope: { station: id },
      metric: 'pm25',
      severity: 'critical',
      op: 'above',
      raise: 100,
      clear: 90,
      over: 'raw',
      source: 'QCVN 05:2023/BTNMT',
    },
    token,
  );
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${app.ports.mqtt}`, { clientId: id, username: id, password: secret, protocolVersion: 4, reconnectPeriod: 0 });
  stations.push({ id, secret, client });
}
const mail = await api<{ id: number }>(
  'POST',
  '/api/v1/notifications/contact-points',
  { name: 'bench e-mail', kind: 'email', settings: { host: '127.0.0.1', port: smtpPort, from: 'bench@localhost', to: 'duty@localhost' } },
  token,
);
const sms = await api<{ id: number }>('POST', '/api/v1/notifications/contact-points', { name: 'bench SMS', kind: 'sms', settings: { url: gatewayUrl, to: '0900000000' } }, token);

const fired = new Map<number, number>(); // alert id → performance.now() of the firing change
app.bus.on('bench', 'alertChanged', ({ alert, transition }) => {
  if (transition === 'firing') fired.set(alert.id, performance.now());
});

let ts = Date.now() - 3 * 3_600_000; // reading times of the alerting stations, always moving forward
/** Fires and clears alerts at `ratePerMin`, round-robin over the stations, for `seconds`. */
async function alertLoad(seconds: number, ratePerMin: number, stop: { stopped: boolean }): Promise<number> {
  const every = 60_000 / ratePerMin;
  const start = performance.now();
  const end = start + seconds * 1000;
  let n = 0;
  while (performance.now() < end && !stop.stopped) {
    const s = stations[n % STATIONS]!;
    ts += 1000;
    await s.client.publishAsync(`stations/${s.id}/readings`, JSON.stringify({ ts: localIso(ts), values: { pm25: 150 } }), { qos: 1 });
    ts += 1000;
    await s.client.publishAsync(`stations/${s.id}/readings`, JSON.stringify({ ts: localIso(ts), values: { pm25: 20 } }), { qos: 1 });
    n++;
    await sleep(Math.max(0, start + n * every - performance.now()));
  }
  return n;
}

// ---- 1. alert → SMTP accepted ------------------------------------------------------------------
const policy1 = await api<{ id: number }>(
  'POST',
  '/api/v1/notifications/policies',
  { name: 'bench e-mail', matchers: { severities: ['critical'] }, contactPointIds: [mail.id], sendResolved: false },
  token,
);
console.log(`alert → e-mail: ${RATE_PER_MIN} alerts/min for ${SECONDS} s over ${STATIONS} stations, SMTP on 127.0.0.1:${smtpPort}`);
const sent = await alertLoad(SECONDS, RATE_PER_MIN, { stopped: false });
await app.notifier.idle();
const latencies = [...fired].filter(([id]) => accepted.has(id)).map(([id, at]) => accepted.get(id)! - at);
const emailStats = percentiles(latencies);
console.log(`  alerts fired ${fired.size} (cycles ${sent}), e-mails accepted ${accepted.size}`);
console.log(`  alert change → SMTP accepted ms: p50 ${emailStats.p50}  p95 ${emailStats.p95}  p99 ${emailStats.p99}  (n ${emailStats.n})  target p99 < 2000`);
await api('DELETE', `/api/v1/notifications/policies/${policy1.id}`, undefined, token);

// ---- 2. ingest p99 with a healthy vs a hanging SMS gateway -----------------------------------
await api('POST', '/api/v1/notifications/policies', { name: 'bench SMS', matchers: { severities: ['critical'] }, contactPointIds: [sms.id], sendResolved: true }, token);
const { secret: loadSecret } = await api<{ secret: string }>('POST', '/api/v1/stations', { id: 'BN-LOAD', name: 'Load', profile: 'air-quality', lat: 21, lon: 105.8 }, token);
const loadClient = await mqtt.connectAsync(`mqtt://127.0.0.1:${app.ports.mqtt}`, {
  clientId: 'BN-LOAD',
  username: 'BN-LOAD',
  password: loadSecret,
  protocolVersion: 4,
  reconnectPeriod: 0,
});
let loadTs = Date.now() - 6 * 3_600_000;

async function ingestPhase(mode: 'ok' | 'hang'): Promise<{ p50: number; p99: number; n: number; alerts: number }> {
  gatewayMode = mode;
  const stop = { stopped: false };
  const firedBefore = fired.size;
  const alerts = alertLoad(INGEST_SECONDS, RATE_PER_MIN, stop);
  const samples: number[] = [];
  const end = performance.now() + INGEST_SECONDS * 1000;
  const pending: Array<Promise<void>> = [];
  while (performance.now() < end) {
    loadTs += 1000;
    const t0 = performance.now();
    pending.push(
      loadClient
        .publishAsync('stations/BN-LOAD/readings', JSON.stringify({ ts: localIso(loadTs), values: { pm25: 30, pm10: 40 } }), { qos: 1 })
        .then(() => void samples.push(performance.now() - t0)),
    );
    await sleep(1000 / PUBLISH_PER_S);
  }
  await Promise.all(pending);
  stop.stopped = true;
  await alerts;
  const s = percentiles(samples);
  return { p50: s.p50, p99: s.p99, n: s.n, alerts: fired.size - firedBefore };
}

console.log(`ingest publish → PUBACK (commit), ${PUBLISH_PER_S} msg/s for ${INGEST_SECONDS} s per phase, alerts firing to the SMS gateway at ${RATE_PER_MIN}/min:`);
const healthy = await ingestPhase('ok');
const requestsBeforeHang = gatewayRequests;
const hung = await ingestPhase('hang');
console.log(`  gateway answering : p50 ${healthy.p50} ms  p99 ${healthy.p99} ms  (n ${healthy.n}, alerts fired ${healthy.alerts})`);
console.log(
  `  gateway hanging   : p50 ${hung.p50} ms  p99 ${hung.p99} ms  (n ${hung.n}, alerts fired ${hung.alerts}, requests left hanging ${gatewayRequests - requestsBeforeHang})`,
);
console.log(`  health while hanging: ${JSON.stringify(app.notifier.health())}`);

for (const res of hanging) res.destroy();
gateway.closeAllConnections();
await Promise.all([...stations.map((s) => s.client.endAsync(true)), loadClient.endAsync(true)]);
await app.close();
await new Promise<void>((r) => smtp.close(() => r()));
await new Promise<void>((r) => gateway.close(() => r()));
rmSync(dataDir, { recursive: true, force: true });
console.log(JSON.stringify({ bench: 'notifications', email: emailStats, ingest: { healthy, hanging: hung } }));
