/**
 * Soak test (not in CI): Quantrac as its own process (`node --import tsx main.ts`) against an
 * external database (a standalone embedded TimescaleDB behind a TCP proxy this script cuts to
 * play outages), a simulated fleet with faults injected (gaps → backlogs, malformed payloads,
 * calibration, device faults, spikes), and "auditor" stations whose every acknowledged reading
 * is remembered, which also drop their connections, resend duplicates, send garbage and clocks
 * far ahead. Every minute: the Quantrac process's RSS (and its parts: bench/rss-parts.ts), the
 * spool and the fleet's counters. At the end: every reading an auditor got a PUBACK for must be
 * stored, once, with its value.
 *
 *   npx tsx bench/soak.ts                     30 minutes (default)
 *   npx tsx bench/soak.ts --minutes 10 --stations 50 --auditors 20 --outage-every 4 --outage-seconds 20
 *   (--ack-timeout-ms: a fleet publish without PUBACK this long counts as failed; default 60000)
 *   (--history-minutes: history seeded for the fleet before the soak, the app restarted on it so
 *   the alert engine's windows start with it, as at an agency whose system has been running: 120
 *   fills the raw parts, the hourly sums of the 24 h means need 1440, the anomaly's week of hour
 *   sketches 10080; the auditors always start empty and fill their hour in about 31 min; default
 *   120, 0 for none)
 *   (--sample-seconds: between samples, default 60; --app-log FILE: the app logs at debug level into FILE)
 *   Heap snapshots of the app (what grows): run with NODE_OPTIONS="--heapsnapshot-signal=SIGUSR2
 *   --diagnostic-dir=/some/dir" (the child inherits it) and `kill -USR2 <pid of main.ts>` twice.
 *   A snapshot leaves malloc's main arena at its high mark (295 MB after one at minute 5 on
 *   2026-12-07): in a run meant for the RSS, take them only after the last sample.
 *
 * Writes bench/results/soak.json (`--out FILE` elsewhere, so two soaks can run side by side, e.g.
 * one with glibc's default arenas: MALLOC_ARENA_MAX=16 on two cores, which the app keeps instead of
 * its own 2). Exit code 1 if anything acknowledged was lost.
 */
import { appendFileSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { linearRegression, standardDeviation } from 'simple-statistics';
import { loadProfiles } from '../device-profiles/index.js';
import { createFleet, type Fault, MALFORMED_MODES } from '../simulators/index.js';
import { createValueModel } from '../simulators/models.js';
import type { DeviceProfile } from '../device-profiles/index.js';
import { startEmbeddedDatabase } from '../store/embedded/index.js';
import { localIso, tempDataDir } from '../test/helpers/app.js';
import { freePort, login, registerStation, startChildApp } from '../test/helpers/child-app.js';
import { startTcpProxy } from '../test/helpers/tcp-proxy.js';
import { environValue } from '../test/helpers/proc-environ.js';
import { metricValue, within } from './lib.js';
import { rssParts } from './rss-parts.js';

/** The word after `--name` on the command line, if given. */
function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
function arg(name: string, def: number): number {
  const v = argValue(name);
  return v === undefined ? def : Number(v);
}
const MINUTES = arg('minutes', 30);
const FLEET = arg('stations', 50);
const AUDITORS = arg('auditors', 20);
const FLEET_INTERVAL_MS = arg('interval-ms', 5000);
const AUDITOR_INTERVAL_MS = arg('auditor-interval-ms', 500);
const OUTAGE_EVERY_MIN = arg('outage-every', 5);
const OUTAGE_SECONDS = arg('outage-seconds', 20);
/** A fleet publish without PUBACK for this long counts as failed (and is logged with its station). */
const ACK_TIMEOUT_MS = arg('ack-timeout-ms', 60_000);
/** Minutes of history seeded for the fleet before the soak (the app restarted on it): windows start with it (see the header). */
const HISTORY_MINUTES = arg('history-minutes', 120);
/** Where the result goes (`--out FILE`); relative to the working directory. */
const OUT_FILE = argValue('out');
/** `--app-log FILE`: the app logs at debug level, appended to FILE at every sample (what ran when memory moved). */
const APP_LOG = argValue('app-log');
/** Seconds between samples (default 60). */
const SAMPLE_MS = arg('sample-seconds', 60) * 1000;
const ADMIN_PASSWORD = 'soak-admin-password';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssMb(pid: number): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return NaN; // the process is gone (reported below)
  }
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/** The fleet's readings over the last `minutes`, one every `intervalMs`, from the simulator's value model; returns the rows. */
async function seedHistory(url: string, stations: ReadonlyArray<{ id: string; profile: DeviceProfile }>, minutes: number, intervalMs: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const step = Math.max(intervalMs, 1000);
  const end = Math.floor(Date.now() / step) * step;
  let rows = 0;
  try {
    for (const [i, s] of stations.entries()) {
      const model = createValueModel(s.profile, { seed: i + 1 });
      const cols = { ids: [] as string[], metrics: [] as string[], ts: [] as string[], values: [] as number[] };
      for (let t = end - minutes * 60_000; t < end; t += step) {
        for (const [metric, value] of Object.entries(model.sample(t))) {
          if (typeof value !== 'number') continue;
          cols.ids.push(s.id);
          cols.metrics.push(metric);
          cols.ts.push(new Date(t).toISOString());
          cols.values.push(value);
        }
      }
      const r = await client.query(
        `INSERT INTO readings (station_id, metric, ts, value, quality) SELECT *, 0 FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::float8[]) ON CONFLICT DO NOTHING`,
        [cols.ids, cols.metrics, cols.ts, cols.values],
      );
      rows += r.rowCount ?? 0;
    }
  } finally {
    await client.end();
  }
  return rows;
}

const dataDir = tempDataDir();
const external = await startEmbeddedDatabase(join(dataDir, 'external-db'), (err) => {
  throw err;
});
const proxy = await startTcpProxy(external.port);
const [mqttPort, httpPort] = [await freePort(), await freePort()];
const appEnv = {
  DATA_DIR: join(dataDir, 'app'),
  DATABASE_URL: `postgres://postgres@127.0.0.1:${proxy.port}/postgres`,
  DB_POOL_SIZE: '1',
  MQTT_PORT: String(mqttPort),
  HTTP_PORT: String(httpPort),
  ADMIN_PASSWORD,
  SPOOL_REPLAY_INTERVAL_MS: '1000',
  // a TimescaleDB server runs its policy jobs (aggregate refreshes, compression); the standalone embedded
  // database has no job scheduler: the app runs them, as it does embedded (without, every aggregate
  // read is computed from the raw readings since the start)
  DB_APP_RUNS_JOBS: 'true',
  LOG_LEVEL: APP_LOG ? 'debug' : 'fatal',
};
let child = await startChildApp(appEnv);
let pid = child.proc.pid!;
// read while it runs (startChildApp waits for its banner: after main.ts started again in place with the cap)
const mallocArenaMax = environValue(pid, 'MALLOC_ARENA_MAX');
let stopping = false;
let restarting = false;
const watchExit = (app: typeof child) =>
  void app.exited.then((code) => {
    if (!stopping && !restarting) {
      console.error(`Quantrac exited unexpectedly (${code}):\n${app.output().slice(-6000)}`);
      process.exit(2);
    }
  });
watchExit(child);
const token = await login(child.httpUrl, 'admin', ADMIN_PASSWORD);
const profiles = loadProfiles();
const air = profiles.get('air-quality')!.profile;

// The fleet (faults injected) and the auditors (every acknowledged reading remembered).
const fleetStations: Array<{ id: string; secret: string; profile: typeof air }> = [];
for (let i = 0; i < FLEET; i++) {
  const id = `SOAK-F${String(i).padStart(3, '0')}`;
  fleetStations.push({ id, secret: await registerStation(child.httpUrl, token, id), profile: air });
}
/**
 * The fleet's log, tallied: each distinct message (with its error's message) is counted, with the
 * minute it was first and last seen, so a run says why publishes failed, not only how many.
 */
const soakStarted = Date.now();
const fleetLog = new Map<string, { level: string; count: number; firstMinute: number; lastMinute: number; stations: Set<string> }>();
/** Fleet errors logged since the last sample, and this process's own event-loop delay (the fleet's clients share it). */
let fleetErrorsSinceSample = 0;
const soakLoop = monitorEventLoopDelay({ resolution: 20 });
soakLoop.enable();
const minuteNow = () => Math.round((Date.now() - soakStarted) / 6000) / 10;
function tally(level: string, obj: unknown, msg?: string): void {
  const { err, stationId } = (obj ?? {}) as { err?: { message?: string; code?: string }; stationId?: string };
  const key = `${level}: ${msg ?? ''}${err ? ` (${err.code ? `${err.code}: ` : ''}${err.message ?? String(err)})` : ''}`.replace(/SOAK-F\d+/g, 'SOAK-F…');
  const m = minuteNow();
  if (level === 'error') fleetErrorsSinceSample++;
  const e = fleetLog.get(key);
  if (e) {
    e.count++;
    e.lastMinute = m;
    if (stationId) e.stations.add(stationId);
  } else fleetLog.set(key, { level, count: 1, firstMinute: m, lastMinute: m, stations: new Set(stationId ? [stationId] : []) });
}
const fleetLogger = {
  info() {},
  warn: (obj: unknown, msg?: string) => tally('warn', obj, msg),
  error: (obj: unknown, msg?: string) => tally('error', obj, msg),
};
// An agency's system has been running: its stations have history, and the alert engine starts with
// its windows full (refilled from the database at start-up). Seeded straight into the database,
// then the app restarted; without it every window fills during the soak and memory rises for the
// first hour by design (the longest raw window: a 60-minute mean).
if (HISTORY_MINUTES > 0) {
  const t0 = performance.now();
  // the standalone embedded database serves one connection: the app's, until it stops
  restarting = true;
  await child.stop();
  const seeded = await seedHistory(`postgres://postgres@127.0.0.1:${external.port}/postgres`, fleetStations, HISTORY_MINUTES, FLEET_INTERVAL_MS);
  child = await startChildApp(appEnv);
  pid = child.proc.pid!;
  restarting = false;
  watchExit(child);
  console.log(`history: ${seeded} readings (${HISTORY_MINUTES} min of ${FLEET} stations) seeded and the app restarted in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

const fleet = createFleet({
  url: child.mqttUrl,
  stations: fleetStations,
  intervalMs: FLEET_INTERVAL_MS,
  onStartFailure: 'continue',
  logger: fleetLogger,
  stationDefaults: { reconnectPeriodMs: 500, ackTimeoutMs: ACK_TIMEOUT_MS },
});
await fleet.start();

interface Auditor {
  id: string;
  client: MqttClient;
  seq: number;
}
const T0 = Date.now() - 2 * 86_400_000; // auditor readings are a backlog two days old: one per second of "station time"
const acked = new Map<string, number>(); // `${id}/${k}` → value
let inFlight = 0;
const counters = { auditorPublishes: 0, garbage: 0, future: 0, duplicates: 0, backlogs: 0, drops: 0, failedCallbacks: 0 };
const auditors: Auditor[] = [];
for (let i = 0; i < AUDITORS; i++) {
  const id = `SOAK-A${String(i).padStart(3, '0')}`;
  const secret = await registerStation(child.httpUrl, token, id);
  const client = mqtt.connect(child.mqttUrl, { clientId: id, username: id, password: secret, protocolVersion: 4, clean: false, reconnectPeriod: 500 });
  client.on('error', () => {});
  await new Promise((r) => client.once('connect', r));
  auditors.push({ id, client, seq: 0 });
}
const valueOf = (a: number, k: number) => Math.round((a * 7 + k * 0.37) * 100) / 100;

function publish(a: Auditor, payload: string, onAck?: () => void): void {
  inFlight++;
  counters.auditorPublishes++;
  a.client.publish(`stations/${a.id}/readings`, payload, { qos: 1 }, (err) => {
    inFlight--;
    if (err) counters.failedCallbacks++;
    else onAck?.();
  });
}

const auditorLoop = (async () => {
  while (!stopping) {
    auditors.forEach((a, ai) => {
      const r = Math.random();
      if (r < 0.03) {
        counters.garbage++;
        publish(a, Math.random() < 0.5 ? '{"ts": broken' : JSON.stringify({ ts: 42, values: 'x' }));
      } else if (r < 0.05) {
        counters.future++;
        publish(a, JSON.stringify({ ts: localIso(Date.now() + 86_400_000), values: { pm25: 1 } }));
      } else if (r < 0.1 && a.seq > 0) {
        counters.duplicates++;
        const k = Math.floor(Math.random() * a.seq);
        publish(a, JSON.stringify({ ts: localIso(T0 + k * 1000), values: { pm25: valueOf(ai, k) } }));
      } else if (r < 0.15) {
        counters.backlogs++;
        const ks = [a.seq + 2, a.seq, a.seq + 1]; // out of order
        a.seq += 3;
        publish(a, JSON.stringify(ks.map((k) => ({ ts: localIso(T0 + k * 1000), values: { pm25: valueOf(ai, k) } }))), () =>
          ks.forEach((k) => acked.set(`${a.id}/${k}`, valueOf(ai, k))),
        );
      } else {
        const k = a.seq++;
        publish(a, JSON.stringify({ ts: localIso(T0 + k * 1000), values: { pm25: valueOf(ai, k) } }), () => acked.set(`${a.id}/${k}`, valueOf(ai, k)));
      }
    });
    await sleep(AUDITOR_INTERVAL_MS);
  }
})();

// Faults: every 5 s a random fleet station gets a random fault; every 30 s an auditor's connection drops.
const faultTimer = setInterval(() => {
  const id = fleetStations[Math.floor(Math.random() * fleetStations.length)]!.id;
  const kinds: Fault[] = [
    { kind: 'gap', durationMs: 30_000 },
    { kind: 'malformed', mode: MALFORMED_MODES[Math.floor(Math.random() * MALFORMED_MODES.length)]! },
    { kind: 'calibration', metrics: ['pm25'], durationMs: 20_000 },
    { kind: 'fault', metrics: ['pm10'], durationMs: 20_000, value: 'null' },
    { kind: 'spike', metric: 'pm25', factor: 8 },
  ];
  try {
    fleet.inject(id, kinds[Math.floor(Math.random() * kinds.length)]!);
  } catch {
    // a fault that does not fit this station: skip it
  }
}, 5000);
const dropTimer = setInterval(() => {
  const a = auditors[Math.floor(Math.random() * auditors.length)]!;
  counters.drops++;
  a.client.stream?.destroy();
}, 30_000);

// Outages of the database.
const outages: Array<{ atMin: number; seconds: number }> = [];
const started = Date.now();
const outageLoop = (async () => {
  if (OUTAGE_EVERY_MIN <= 0) return;
  while (!stopping) {
    // an outage due after the last minute is not waited for: the wind-down awaits this loop
    if (Date.now() - started + OUTAGE_EVERY_MIN * 60_000 > (MINUTES - 1) * 60_000) break;
    await sleep(OUTAGE_EVERY_MIN * 60_000);
    if (stopping) break;
    outages.push({ atMin: Math.round((Date.now() - started) / 6000) / 10, seconds: OUTAGE_SECONDS });
    await proxy.cut('refuse');
    await sleep(OUTAGE_SECONDS * 1000);
    await proxy.restore();
  }
})();

interface Sample {
  minute: number;
  /** The wall clock (UTC), to line a sample up with the app's log and its hourly work. */
  at: string;
  rssMb: number;
  /** Where the RSS is (bench/rss-parts.ts): malloc's main arena (brk), its thread arenas, other anonymous memory (V8's pages among it), files. */
  rssBrkMb: number;
  rssArenasMb: number;
  rssAnonMb: number;
  rssFileMb: number;
  /** V8 heap in use and memory outside it (Buffers, ArrayBuffers), from the app's /metrics. */
  heapUsedMb: number;
  externalMb: number;
  /** V8 heap the main thread holds (used or not): what a rise of RSS with a flat heap in use may be. */
  heapTotalMb: number;
  /** The main thread's heap just after its last full collection (quantrac_heap_live_bytes): what it keeps live; heapUsedMb counts garbage not collected yet too. */
  liveHeapMb: number;
  /** What heapTotalMb is made of: V8's young generation (new), old space, large objects, code. */
  newSpaceMb: number;
  oldSpaceMb: number;
  largeObjectMb: number;
  codeSpaceMb: number;
  /** How far the heap may grow past what is live now (quantrac_heap_growing_percent: 20 limited, 100 not) and whether the app counts as quiet (quantrac_heap_quiet), lib/heap.ts. */
  heapGrowingPercent: number;
  heapQuiet: number;
  /** The database's worker (it runs in this process, not the app's: its memory is not in rssMb): PGlite's WebAssembly memory, the thread's V8 heap in use. */
  dbWasmMb: number;
  dbHeapUsedMb: number;
  acked: number;
  inFlight: number;
  /** Auditor clients not connected at the sample, and publishes waiting in their offline queues. */
  auditorsOffline: number;
  auditorQueued: number;
  fleetAcknowledged: number;
  fleetFailed: number;
  /** Errors the fleet's clients logged since the previous sample (keepalive and connack timeouts, resets…). */
  fleetErrors: number;
  /** Longest event-loop delay since the previous sample: of this process (the fleet's and auditors' clients, the proxy) and of the app (its /metrics), ms. */
  soakLoopMaxMs: number;
  appLoopMaxMs: number;
  spoolBytes: number;
  degraded: boolean;
  /** What held the app's database connection at the sample (label, s), from /metrics (store/gate-metrics.ts); null when it was free. */
  dbHeldBy: string | null;
  dbHeldS: number;
  /** Reads of this sample that got no answer within SAMPLE_READ_TIMEOUT_MS (healthz, metrics, database memory). */
  unanswered: string[];
}
const samples: Sample[] = [];
/** A sample's read (the app's /healthz, its /metrics, the database worker's memory) not answered in this long is given up (and named in the sample). */
const SAMPLE_READ_TIMEOUT_MS = 10_000;
/**
 * Publishes an mqtt.js client holds back (none of it in its typings): its offline queue, and the
 * publishes waiting while it resends its stored in-flight messages after a reconnect (one at a
 * time, each waiting for its PUBACK; it emits 'connect' only once they are all acknowledged).
 */
interface ClientInternals {
  queue?: unknown[];
  _storeProcessingQueue?: unknown[];
  _storeProcessing?: boolean;
}
const internals = (c: MqttClient) => c as unknown as ClientInternals;
const queuedOf = (c: MqttClient) => (internals(c).queue ?? []).length + (internals(c)._storeProcessingQueue ?? []).length;
const auditorStates = () =>
  auditors.map((a) => ({
    id: a.id,
    connected: a.client.connected,
    reconnecting: a.client.reconnecting,
    outgoing: Object.keys((a.client as unknown as { outgoing?: object }).outgoing ?? {}).length,
    queued: queuedOf(a.client),
    resendingStored: internals(a.client)._storeProcessing === true,
  }));
/** How much of the app's output is in APP_LOG already. */
let appLogWritten = 0;
async function sample(): Promise<void> {
  let storage = { spoolBytes: -1, degraded: false };
  const unanswered: string[] = [];
  try {
    const res = await fetch(`${child.httpUrl}/healthz`, { signal: AbortSignal.timeout(SAMPLE_READ_TIMEOUT_MS) });
    storage = ((await res.json()) as { storage: typeof storage }).storage;
  } catch {
    unanswered.push('healthz');
  }
  const memory = {
    heapUsedMb: NaN,
    externalMb: NaN,
    heapTotalMb: NaN,
    liveHeapMb: NaN,
    newSpaceMb: NaN,
    oldSpaceMb: NaN,
    largeObjectMb: NaN,
    codeSpaceMb: NaN,
    heapGrowingPercent: NaN,
    heapQuiet: NaN,
    dbWasmMb: NaN,
    dbHeapUsedMb: NaN,
  };
  let appLoopMaxMs = NaN;
  let dbHeldBy: string | null = null;
  let dbHeldS = 0;
  try {
    const text = await (await fetch(`${child.httpUrl}/metrics`, { signal: AbortSignal.timeout(SAMPLE_READ_TIMEOUT_MS) })).text();
    const held = /^quantrac_db_connection_held_seconds\{lane="([^"]*)",label="([^"]*)"\} (\S+)$/m.exec(text);
    if (held) {
      dbHeldBy = `${held[1]}: ${held[2]}`;
      dbHeldS = Math.round(Number(held[3]) * 10) / 10;
    }
    const mb = (name: string) => Math.round(metricValue(text, name) / 1048576);
    memory.heapUsedMb = mb('nodejs_heap_size_used_bytes');
    memory.externalMb = mb('nodejs_external_memory_bytes');
    memory.heapTotalMb = mb('nodejs_heap_size_total_bytes');
    memory.liveHeapMb = mb('quantrac_heap_live_bytes');
    memory.newSpaceMb = mb('nodejs_heap_space_size_total_bytes{space="new"}');
    memory.oldSpaceMb = mb('nodejs_heap_space_size_total_bytes{space="old"}');
    memory.largeObjectMb = mb('nodejs_heap_space_size_total_bytes{space="large_object"}');
    memory.codeSpaceMb = mb('nodejs_heap_space_size_total_bytes{space="code"}');
    memory.heapGrowingPercent = metricValue(text, 'quantrac_heap_growing_percent');
    memory.heapQuiet = metricValue(text, 'quantrac_heap_quiet');
    appLoopMaxMs = Math.round(metricValue(text, 'nodejs_eventloop_lag_max_seconds') * 1000);
  } catch {
    unanswered.push('metrics');
  }
  try {
    const db = await within(external.memory(), SAMPLE_READ_TIMEOUT_MS);
    memory.dbWasmMb = Math.round(db.wasmBytes / 1048576);
    memory.dbHeapUsedMb = Math.round(db.heapUsedBytes / 1048576);
  } catch (err) {
    // the sample keeps NaN for it
    unanswered.push('database memory');
    console.error(`database memory not read: ${(err as Error).message}`);
  }
  const f = fleet.stats();
  const s: Sample = {
    minute: Math.round((Date.now() - started) / 6000) / 10,
    at: new Date().toISOString().slice(11, 19),
    rssMb: rssMb(pid),
    ...(({ brkMb, arenasMb, anonMb, fileMb }) => ({ rssBrkMb: brkMb, rssArenasMb: arenasMb, rssAnonMb: anonMb, rssFileMb: fileMb }))(rssParts(pid)),
    ...memory,
    acked: acked.size,
    inFlight,
    auditorsOffline: auditors.filter((a) => !a.client.connected).length,
    auditorQueued: auditors.reduce((n, a) => n + queuedOf(a.client), 0),
    fleetAcknowledged: f.acknowledged,
    fleetFailed: f.failed,
    fleetErrors: fleetErrorsSinceSample,
    soakLoopMaxMs: Math.round(soakLoop.max / 1e6),
    appLoopMaxMs,
    spoolBytes: storage.spoolBytes,
    degraded: storage.degraded,
    dbHeldBy,
    dbHeldS,
    unanswered,
  };
  fleetErrorsSinceSample = 0;
  soakLoop.reset();
  samples.push(s);
  console.log(JSON.stringify(s));
  if (APP_LOG) {
    const out = child.output();
    appendFileSync(APP_LOG, out.slice(appLogWritten));
    appLogWritten = out.length;
  }
}
await sample();
while (Date.now() - started < MINUTES * 60_000) {
  await sleep(Math.min(SAMPLE_MS, MINUTES * 60_000 - (Date.now() - started)));
  await sample();
}

// Wind down: stop publishing, wait for every in-flight publish and for the spool to drain.
stopping = true;
clearInterval(faultTimer);
clearInterval(dropTimer);
await auditorLoop;
await outageLoop;
await proxy.restore();
const windDown = Date.now();
while (inFlight > 0 && Date.now() - windDown < 300_000) await sleep(200);
const fleetStats = fleet.stats();
await fleet.close();
for (;;) {
  const res = await fetch(`${child.httpUrl}/healthz`);
  const body = (await res.json()) as { storage: { degraded: boolean } };
  if (!body.storage.degraded || Date.now() - windDown > 300_000) break;
  await sleep(500);
}
// Publishes still without their callback are reported with each client's state, then the clients
// are closed by force (mqtt.js's normal end waits for every in-flight message, for ever).
const stuck = inFlight > 0 ? auditorStates().filter((s) => s.outgoing > 0 || s.queued > 0 || !s.connected) : [];
if (stuck.length > 0) console.log(JSON.stringify({ auditorPublishesWithoutCallback: inFlight, stuck }));
await Promise.all(auditors.map((a) => a.client.endAsync(inFlight > 0)));
await sample();
await child.stop();
await proxy.close();

// Check: every acknowledged auditor reading is stored once with its value.
// The database serves one connection at a time: wait until the app's last one is gone.
let client!: pg.Client;
for (let attempt = 1; ; attempt++) {
  client = new pg.Client({ connectionString: external.connectionString });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    break;
  } catch (err) {
    await client.end().catch((endErr: unknown) => console.warn(`closing a failed check connection: ${(endErr as Error).message}`));
    if (attempt >= 60) throw err;
    await sleep(500);
  }
}
await client.query("LOAD 'timescaledb'");
const { rows } = await client.query<{ station_id: string; ts: Date; value: number; n: string }>(
  `SELECT station_id, ts, min(value) AS value, count(*) AS n FROM readings WHERE station_id LIKE 'SOAK-A%' AND metric = 'pm25' GROUP BY station_id, ts`,
);
const stored = new Map<string, number>();
let twice = 0;
for (const r of rows) {
  if (Number(r.n) > 1) twice++;
  stored.set(`${r.station_id}/${Math.round((r.ts.getTime() - T0) / 1000)}`, r.value);
}
let lost = 0;
let wrong = 0;
for (const [key, value] of acked) {
  if (!stored.has(key)) lost++;
  else if (stored.get(key) !== value) wrong++;
}
const fleetRows = Number((await client.query(`SELECT count(*) AS n FROM readings WHERE station_id LIKE 'SOAK-F%'`)).rows[0].n);
const quarantined = Number((await client.query(`SELECT count(*) AS n FROM quarantine WHERE station_id LIKE 'SOAK-%'`)).rows[0].n);
const conflicts = Number((await client.query(`SELECT count(*) AS n FROM reading_conflicts WHERE station_id LIKE 'SOAK-%'`)).rows[0].n);
await client.end();
await external.close();

const rss = samples.map((s) => s.rssMb);
/**
 * Flatness after the warm-up (issue 20: "RSS and heap flat after the first 10 minutes"): the
 * least-squares slope of the samples from WARMUP_MIN to the end of the load (the wind-down's
 * sample is reported apart, as `afterLoad`), in MB per hour, beside the samples' own noise
 * (standard deviation of the residuals), so a reader sees whether a slope is within it.
 */
const WARMUP_MIN = arg('warmup-minutes', 10);
function trend(pick: (s: (typeof samples)[number]) => number) {
  const pts = samples.filter((x) => x.minute >= WARMUP_MIN && x.minute <= MINUTES && Number.isFinite(pick(x))).map((x) => [x.minute / 60, pick(x)] as [number, number]);
  if (pts.length < 3) return { fromMinute: WARMUP_MIN, samples: pts.length, slopeMbPerHour: null, residualSdMb: null, rangeMb: null };
  const { m, b } = linearRegression(pts);
  const residuals = pts.map(([h, y]) => y - (m * h + b));
  const ys = pts.map(([, y]) => y);
  return {
    fromMinute: WARMUP_MIN,
    samples: pts.length,
    slopeMbPerHour: Math.round(m * 10) / 10,
    residualSdMb: Math.round(standardDeviation(residuals) * 10) / 10,
    rangeMb: [Math.min(...ys), Math.max(...ys)],
  };
}
/**
 * The same trend of each window's lowest sample (WINDOW_MIN minutes): the heap and RSS between two
 * collections follow the collector's saw-tooth, and where a sample falls in it moves the fitted
 * slope; the lowest sample of a window is nearer what stays in use, but the heap in use still
 * carries garbage not collected yet (2026-12-03: +10 MB/hour by these minima, none by heap
 * snapshots); the live heap's minima (quantrac_heap_live_bytes) are what a leak would move.
 */
const WINDOW_MIN = 5;
function floorTrend(pick: (s: (typeof samples)[number]) => number) {
  const windows = new Map<number, number>();
  for (const x of samples) {
    const v = pick(x);
    if (x.minute < WARMUP_MIN || x.minute > MINUTES || !Number.isFinite(v)) continue;
    const w = Math.floor(x.minute / WINDOW_MIN);
    windows.set(w, Math.min(windows.get(w) ?? Infinity, v));
  }
  const pts = [...windows].map(([w, y]) => [((w + 0.5) * WINDOW_MIN) / 60, y] as [number, number]);
  if (pts.length < 3) return { fromMinute: WARMUP_MIN, windowMinutes: WINDOW_MIN, windows: pts.length, slopeMbPerHour: null, residualSdMb: null, floorsMb: pts.map(([, y]) => y) };
  const { m, b } = linearRegression(pts);
  return {
    fromMinute: WARMUP_MIN,
    windowMinutes: WINDOW_MIN,
    windows: pts.length,
    slopeMbPerHour: Math.round(m * 10) / 10,
    residualSdMb: Math.round(standardDeviation(pts.map(([h, y]) => y - (m * h + b))) * 10) / 10,
    floorsMb: pts.map(([, y]) => y),
  };
}
const half = Math.floor(rss.length / 2);
const avg = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length));
const result = {
  when: new Date().toISOString(),
  minutes: MINUTES,
  fleetStations: FLEET,
  fleetIntervalMs: FLEET_INTERVAL_MS,
  auditors: AUDITORS,
  auditorIntervalMs: AUDITOR_INTERVAL_MS,
  /** glibc's arena cap the app ran with, read from its process (main.ts sets 2 unless the environment set one: lib/malloc-arenas.ts). */
  mallocArenaMax,
  outages,
  counters,
  auditorReadingsAcknowledged: acked.size,
  auditorReadingsLost: lost,
  auditorReadingsWrongValue: wrong,
  keysStoredTwice: twice,
  auditorCallbacksStillPending: inFlight,
  stuckAuditors: stuck,
  fleet: { published: fleetStats.published, acknowledged: fleetStats.acknowledged, failed: fleetStats.failed, readings: fleetStats.readings, rowsStored: fleetRows },
  fleetLog: [...fleetLog].map(([message, e]) => ({ message, ...e, stations: [...e.stations].sort() })).sort((a, b) => b.count - a.count),
  quarantined,
  conflicts,
  rssMb: { first: rss[0], min: Math.min(...rss), max: Math.max(...rss), last: rss[rss.length - 1], firstHalfAvg: avg(rss.slice(1, half)), secondHalfAvg: avg(rss.slice(half)) },
  heapUsedMb: {
    first: samples[0]?.heapUsedMb,
    last: samples.at(-1)?.heapUsedMb,
    firstHalfAvg: avg(samples.slice(1, half).map((x) => x.heapUsedMb)),
    secondHalfAvg: avg(samples.slice(half).map((x) => x.heapUsedMb)),
  },
  afterWarmup: {
    rss: trend((x) => x.rssMb),
    rssBrk: trend((x) => x.rssBrkMb),
    rssArenas: trend((x) => x.rssArenasMb),
    rssAnon: trend((x) => x.rssAnonMb),
    rssFile: trend((x) => x.rssFileMb),
    heapUsed: trend((x) => x.heapUsedMb),
    heapTotal: trend((x) => x.heapTotalMb),
    liveHeap: trend((x) => x.liveHeapMb),
    newSpace: trend((x) => x.newSpaceMb),
    oldSpace: trend((x) => x.oldSpaceMb),
    largeObject: trend((x) => x.largeObjectMb),
    codeSpace: trend((x) => x.codeSpaceMb),
    dbWasm: trend((x) => x.dbWasmMb),
    dbHeapUsed: trend((x) => x.dbHeapUsedMb),
  },
  windowFloorsAfterWarmup: {
    rss: floorTrend((x) => x.rssMb),
    rssBrk: floorTrend((x) => x.rssBrkMb),
    rssArenas: floorTrend((x) => x.rssArenasMb),
    rssAnon: floorTrend((x) => x.rssAnonMb),
    heapUsed: floorTrend((x) => x.heapUsedMb),
    liveHeap: floorTrend((x) => x.liveHeapMb),
  },
  /** The last sample, taken once the fleet and the auditors stopped: what the app holds when the load is gone. */
  afterLoad: (({ minute, rssMb, heapUsedMb, heapTotalMb, liveHeapMb }) => ({ minute, rssMb, heapUsedMb, heapTotalMb, liveHeapMb }))(samples.at(-1)!),
  samples,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(OUT_FILE ?? new URL('./results/soak.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify({ ...result, samples: undefined }, null, 2));
rmSync(dataDir, { recursive: true, force: true });
process.exit(lost === 0 && wrong === 0 && twice === 0 ? 0 : 1);
