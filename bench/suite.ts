/**
 * `npm run bench` — the performance suite (issue 8). Starts Quantrac (the embedded TimescaleDB
 * unless DATABASE_URL is set), drives it with real MQTT clients from a separate process
 * (bench/load.ts) over loopback, prints a table and writes the same figures as JSON:
 *
 *   npm run bench                 default set (about 5 minutes): bench/results/latest.json
 *   npm run bench -- --quick      smoke set (under a minute, CI): bench/results/quick.json
 *   npm run bench:table           the README's Markdown table from bench/results/latest.json
 *   npm run bench -- --only fleet  only the connected-stations phases: bench/results/fleet.json
 *   npm run bench -- --keep-data  keep the bench's data directory at the end (its path is printed),
 *                                 e.g. to start an app on what the connected-stations phases start on
 *   npm run bench -- --until latency  stop after the fixed-rate phase (start-up, throughput, fixed
 *                                 rate: a couple of minutes); prints its figures, writes nothing
 *   npm run bench -- --only fleet --data-dir DIR  the connected-stations phases on DIR (e.g. one
 *                                 --keep-data kept after the throughput phases) instead of a fresh
 *                                 one; DIR is kept
 *   npm run bench -- --fleet-from-source  the connected-stations phases' app as `node --import tsx
 *                                 main.ts` (the figures before 2026-12-05) instead of the compiled
 *                                 build as `npm start` runs it (`node dist/main.js`, built first)
 *
 * Measured, in one run against one app:
 *  1. start-up: fresh DATA_DIR, and restart with every bench station registered;
 *  2. sustained readings/s stored end to end (QoS 1, PUBACK only after commit) for messages of
 *     10 metrics and of 1 metric, with what saturates (CPU per thread and process, machine);
 *  3. at a fixed moderate rate: publish → commit (PUBACK), publish → socket.io client, and a
 *     threshold-crossing reading → `alertChanged` (published by a probe station in this process);
 *  4. each stage alone: the broker (bare Aedes, publish → subscriber), parsing and validation,
 *     the database batch insert;
 *  5. recovering a one-hour backlog from 1,000 stations (one array message each);
 *  6. 1,000 and 10,000 connected stations reporting once a minute: RSS, CPU, connect rate. Each
 *     against a fresh Quantrac in its own process (`node --import tsx main.ts` on the same data
 *     directory, test/helpers/child-app.ts), so the RSS is that of the process serving them, not of
 *     this one, which also holds what the earlier phases left (load at saturation, the stages run
 *     in-process) and the embedded database's WebAssembly memory at its high-water mark.
 *
 * Stations are registered by the bench with a shared secret hashed once with cheap scrypt
 * parameters (N=2^10) straight into the database: registering and first-connecting 11,000 stations
 * at the production cost (N=2^15, ~19 logins/s here) would take ten minutes of hashing and measure
 * nothing else. The broker verifies exactly as in production (parameters are read from the hash).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fork, type ChildProcess } from 'node:child_process';
import { createApp, type App } from '../app.js';
import { parseReadingsPayload } from '../ingest/parse.js';
import { insertReadings, countReadings } from '../store/readings.js';
import { tempDataDir } from '../test/helpers/app.js';
import { freePort, startChildApp } from '../test/helpers/child-app.js';
import {
  BENCH_ADMIN_PASSWORD,
  BENCH_STATION_SECRET,
  benchAppConfig,
  buildOnce,
  cpuSampler,
  machine,
  metricValue,
  percentiles,
  processCpuMs,
  registerBenchStations,
  rssMb,
  runLoad,
  threadCount,
  wasmResidentMb,
  within,
} from './lib.js';
import { measureCompiledStartup } from './startup-compiled.js';
import { fixedRate } from './fixed-rate.js';
import { limitHeapGrowth } from '../lib/heap.js';

// the app in this process runs with the heap growth main.ts sets (lib/heap.ts)
limitHeapGrowth();

const quick = process.argv.includes('--quick');
/** `--only fleet`: start-up, registration and the connected-stations phases, nothing else. */
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
if (only !== undefined && only !== 'fleet') throw new Error(`--only: unknown phase ${only} (known: fleet)`);
/** `--until latency`: stop after the fixed-rate phase (it runs after the throughput phases, as in the full suite). */
const until = process.argv.includes('--until') ? process.argv[process.argv.indexOf('--until') + 1] : undefined;
if (until !== undefined && until !== 'latency') throw new Error(`--until: unknown phase ${until} (known: latency)`);
/** `--data-dir DIR`: run on DIR (kept at the end) instead of a fresh temporary directory. */
const givenDataDir = process.argv.includes('--data-dir') ? process.argv[process.argv.indexOf('--data-dir') + 1] : undefined;
const keepData = process.argv.includes('--keep-data') || givenDataDir !== undefined;
/** The connected-stations phases' app from the TypeScript sources through tsx's loader, as before 2026-12-05. */
const fleetFromSource = process.argv.includes('--fleet-from-source');
const METRICS_10 = ['pm25', 'pm10', 'so2', 'no2', 'co', 'o3', 'temp', 'rh', 'pressure', 'wind_speed'];
/** Plausible values of a clean urban air station (as bench/load.ts sends), under every shipped threshold. */
const TYPICAL: Record<string, number> = { pm25: 22, pm10: 40, so2: 15, no2: 30, co: 900, o3: 50, temp: 28, rh: 75, pressure: 1008, wind_speed: 2.5 };
const ADMIN_PW = BENCH_ADMIN_PASSWORD;
const SECRET = BENCH_STATION_SECRET;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const P = quick
  ? { throughputStations: 200, throughputMs: 2000, warmupMs: 1000, window: 4, rate: 500, rateMs: 2000, probes: 5, stageMs: 1500, fleet: [500], fleetMs: 3000, backlogStations: 100 }
  : {
      throughputStations: 1000,
      throughputMs: 20_000,
      warmupMs: 3000,
      window: 2,
      rate: 500,
      rateMs: 20_000,
      probes: 50,
      stageMs: 8000,
      fleet: [1000, 10_000],
      fleetMs: 60_000,
      backlogStations: 1000,
    };
const FLEET_MAX = Math.max(...P.fleet);

const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

async function startApp(dataDir: string): Promise<App> {
  return createApp(benchAppConfig(dataDir));
}

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}`);

const stationsOf = (list: string[]) => list.map((id) => ({ id, secret: SECRET }));
const mqttUrl = (app: App) => `mqtt://127.0.0.1:${app.ports.mqtt}`;
let startCursor = Date.now() - HOUR;
/** Each scenario gets its own slice of the past, so no two runs write the same (station, metric, ts). */
function nextStart(spanMs: number): number {
  const s = startCursor;
  startCursor -= spanMs;
  return s;
}

async function throughput(app: App, stationIds: string[], metrics: string[]) {
  const before = await countReadings(app.store.db);
  const run = runLoad({
    mode: 'saturate',
    url: mqttUrl(app),
    stations: stationsOf(stationIds),
    metrics,
    durationMs: P.throughputMs,
    warmupMs: P.warmupMs,
    window: P.window,
    startTs: nextStart(6 * HOUR),
  });
  await run.connected;
  const cpu = cpuSampler(run.child.pid);
  const gate = app.store.db.gate;
  const waits0 = new Map([...gate.waitsBehind('ingest')].map(([label, w]) => [label, { ...w }]));
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const r = await run.result;
  loopDelay.disable();
  const usage = cpu.stop();
  // what the ingest commits of the phase waited behind (the label of the statement holding the
  // connection when a commit asked), the longest waits first: a stall of the phase names its cause
  const ingestWaitedBehind = [...gate.waitsBehind('ingest')]
    .map(([label, w]) => {
      const w0 = waits0.get(label) ?? { count: 0, totalMs: 0, longestMs: 0, over50Ms: 0, over200Ms: 0 };
      return { label, waits: w.count - w0.count, waitMs: Math.round(w.totalMs - w0.totalMs), over200Ms: w.over200Ms - w0.over200Ms, longestMsSinceStart: Math.round(w.longestMs) };
    })
    .filter((w) => w.waits > 0)
    .sort((a, b) => b.waitMs - a.waitMs)
    .slice(0, 5);
  // the alert engine evaluates committed readings behind ingest: how far behind was it?
  const idle0 = performance.now();
  await app.alerts.idle();
  const alertEngineLagMs = Math.round(performance.now() - idle0);
  const stored = (await countReadings(app.store.db)) - before;
  const lat = percentiles(r.publishToAckMs);
  // acknowledgements per second of the measurement: where in it a stall sat, and how long
  const acksPerSecond: number[] = [];
  for (let b = r.measureFromBucket; b < r.measureToBucket; b += 10) acksPerSecond.push(r.ackTimeline.slice(b, Math.min(b + 10, r.measureToBucket)).reduce((a, n) => a + n, 0));
  log(
    `  ${metrics.length} metric(s): p95 publish→commit ${lat.p95} ms; main thread blocked at most ${Math.round(loopDelay.max / 1e6)} ms; ingest commits waited behind (waits, ms, > 200 ms): ${
      ingestWaitedBehind.map((w) => `${w.label} ${w.waits}, ${w.waitMs}, ${w.over200Ms}`).join('; ') || 'nothing'
    }; stations with a wait > 1 s / > 5 s: ${r.stationsSlowerThan['1s']} / ${r.stationsSlowerThan['5s']}; acknowledgements each second: ${acksPerSecond.join(' ')}`,
  );
  return {
    metricsPerMessage: metrics.length,
    stations: stationIds.length,
    inFlightPerStation: P.window,
    messagesPerSecond: Math.round(r.acked / (r.elapsedMs / 1000)),
    readingsPerSecondStored: Math.round(r.readings / (r.elapsedMs / 1000)),
    publishToCommitMs: lat,
    failedPublishes: r.failed,
    // the measurement is lengthened on a busy machine until whole rounds of the window are
    // acknowledged (bench/load.ts closedLoopWindow): how long it and the warm-up really lasted
    measuredSeconds: Math.round(r.elapsedMs / 100) / 10,
    warmupSeconds: Math.round(r.warmupElapsedMs / 100) / 10,
    ackedDuringWarmup: r.ackedWarmup,
    published: r.published,
    storedRowsIncludingWarmup: stored,
    alertEngineLagMs,
    ingestWaitedBehind,
    /** the longest the app's main thread (broker, ingest, PUBACKs) was blocked at a time during the phase */
    mainThreadLongestBlockMs: Math.round(loopDelay.max / 1e6),
    stationsSlowerThan: r.stationsSlowerThan,
    acksPerSecond,
    connectsPerSecond: Math.round(stationIds.length / (r.connectMs / 1000)),
    cpu: usage,
    saturates: verdict(usage),
  };
}

/**
 * The busy-machine check (issue 20): a throughput phase must never report 0 readings/s while the
 * load generator published. A busy machine slows the figure (the measurement is lengthened until
 * whole rounds of the window are acknowledged); 0 means nothing was acknowledged for a whole
 * measurement of up to a minute, a stall; so is a stretch of STALL_SECONDS inside it without an
 * acknowledgement (2026-12-06: 9 s of none while deferred rows were caught up, ingest/defer.ts).
 * Each offending phase gets a FAILED line (printed now, and again at the end); the suite then exits 1.
 */
function stalledPhases(phases: Array<Awaited<ReturnType<typeof throughput>>>): string[] {
  const out = phases.flatMap((t) => {
    if (t.readingsPerSecondStored === 0 && t.published > 0)
      return [
        `FAILED: the ${t.metricsPerMessage}-metric throughput phase measured 0 readings/s while the load generator published ${t.published} messages ` +
          `(${t.ackedDuringWarmup} acknowledged in a ${t.warmupSeconds} s warm-up, none in ${t.measuredSeconds} s of measurement; alert engine lag ${t.alertEngineLagMs} ms)`,
      ];
    const silent = longestSilence(t.acksPerSecond);
    return silent >= STALL_SECONDS
      ? [
          `FAILED: the ${t.metricsPerMessage}-metric throughput phase acknowledged nothing for ${silent} s in a row while every station had publishes in flight (acknowledgements each second: ${t.acksPerSecond.join(' ')})`,
        ]
      : [];
  });
  for (const line of out) console.error(line);
  return out;
}

/**
 * Whole seconds in a row without an acknowledgement that count as a stall: a closed loop of
 * 2 publishes per station acknowledges every commit cycle, which took at most 2.8 s on a third of
 * a core (bench/load.ts closedLoopWindow).
 */
const STALL_SECONDS = 5;

/** The longest run of zeros. */
function longestSilence(perSecond: readonly number[]): number {
  let longest = 0;
  let run = 0;
  for (const n of perSecond) {
    run = n === 0 ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}

/** Names what ran out first, from the CPU figures (2 cores shared with the load generator). */
function verdict(u: ReturnType<ReturnType<typeof cpuSampler>['stop']>): string {
  const parts = [
    [`Quantrac main thread (broker, ingest, alerts, socket.io) ${u.appMainThreadCpuPct}%`, u.appMainThreadCpuPct],
    [`${process.env['DATABASE_URL'] ? 'Quantrac other threads (GC, libuv)' : 'the embedded database worker (+GC, libuv)'} ${u.appOtherThreadsCpuPct}%`, u.appOtherThreadsCpuPct],
    [`the load generator ${u.loadGeneratorCpuPct}%`, u.loadGeneratorCpuPct ?? 0],
  ] as Array<[string, number]>;
  parts.sort((a, b) => b[1] - a[1]);
  const machineFull = u.machineBusyPct >= 90;
  const mainFull = u.appMainThreadCpuPct >= 85 || u.mainEventLoopUtilization >= 0.9;
  const dbFull = !process.env['DATABASE_URL'] && u.appBusiestOtherThreadCpuPct >= 85;
  const head = dbFull
    ? `the embedded database's worker thread is saturated (${u.appBusiestOtherThreadCpuPct}% of one core: PGlite is single-threaded)`
    : mainFull
      ? `the main thread is saturated (${u.appMainThreadCpuPct}% of one core, event loop ${Math.round(u.mainEventLoopUtilization * 100)}% busy)`
      : machineFull
        ? `the machine's CPU is saturated (${u.machineBusyPct}% busy, shared with the load generator)`
        : `no CPU is saturated (machine ${u.machineBusyPct}% busy): the per-station in-flight window and the commit latency bound it`;
  return `${head}; by CPU: ${parts.map((p) => p[0]).join(', ')}`;
}

/** Parsing and validation alone (ingest/parse.ts): the same 10-metric payloads, in this thread. */
function validationStage() {
  const profile = app.profiles.get('air-quality')!;
  const limits = { maxPayloadBytes: app.config.ingest.maxPayloadBytes, maxReadingsPerMessage: app.config.ingest.maxReadingsPerMessage, maxFutureSkewMs: 600_000 };
  const base = Date.now() - DAY;
  const payloads = Array.from({ length: 1000 }, (_, i) => {
    const values: Record<string, number> = {};
    for (const m of METRICS_10) values[m] = Math.round(Math.random() * 1000) / 10;
    return Buffer.from(JSON.stringify({ ts: new Date(base + i * 1000).toISOString().replace('Z', '+00:00'), values }));
  });
  let messages = 0;
  let rows = 0;
  const now = Date.now();
  const t0 = performance.now();
  const end = t0 + P.stageMs / 2;
  while (performance.now() < end) {
    for (const p of payloads) {
      rows += parseReadingsPayload(p, profile, limits, now).rows.length;
      messages++;
    }
  }
  const s = (performance.now() - t0) / 1000;
  return { messagesPerSecond: Math.round(messages / s), readingsPerSecond: Math.round(rows / s) };
}

/** The group-commit statement alone (store/readings.ts insertReadings), batches of 5,000 rows. */
async function databaseStage() {
  const batch = 5000;
  const stationIds = ids('STG', 100);
  let ts = nextStart(DAY);
  let rows = 0;
  const t0 = performance.now();
  const end = t0 + P.stageMs;
  while (performance.now() < end) {
    const cols = { stationIds: [] as string[], metrics: [] as string[], ts: [] as string[], values: [] as number[], quality: [] as number[] };
    for (let i = 0; i < batch / METRICS_10.length; i++) {
      const t = new Date((ts -= 1000)).toISOString();
      const sid = stationIds[i % stationIds.length]!;
      for (const m of METRICS_10) {
        cols.stationIds.push(sid);
        cols.metrics.push(m);
        cols.ts.push(t);
        cols.values.push(Math.random() * 100);
        cols.quality.push(0);
      }
    }
    rows += await insertReadings(app.store.db, cols);
  }
  return { rowsPerBatch: batch, readingsPerSecond: Math.round(rows / ((performance.now() - t0) / 1000)) };
}

/**
 * Rule evaluation alone with the shipped packs: committed batches of readings for the throughput
 * stations handed to the alert engine (as ingest does) and timed until it is idle; later rounds in
 * the same hour measure the rules (the first also recomputes each station's hourly AQI).
 */
async function rulesStage(stationIds: string[]) {
  // the current hour: newer than anything the load wrote, so round 0 recomputes each station's
  // hourly AQI once and later rounds are throttled like live data (AQI_THROTTLE_MS)
  const hourStart = Math.floor(Date.now() / HOUR) * HOUR;
  const rounds = quick ? 6 : 30;
  let total = 0;
  let ms = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    let count = 0;
    for (let b = 0; b < stationIds.length; b += 100) {
      const readings = stationIds
        .slice(b, b + 100)
        .flatMap((stationId) =>
          METRICS_10.map((metric) => ({ stationId, metric, ts: hourStart + r * 1000, value: (TYPICAL[metric] ?? 10) * (0.9 + 0.2 * Math.random()), quality: 'valid' as const })),
        );
      count += readings.length;
      app.bus.emit('readingsAccepted', { readings });
    }
    await app.alerts.idle();
    if (r === 0) continue; // warm-up: index recomputation for the new hour
    total += count;
    ms += performance.now() - t0;
  }
  const rules = app.alerts.listRules().filter((v) => 'profile' in v.rule.scope && v.rule.scope.profile === 'air-quality' && v.rule.enabled).length;
  return { stations: stationIds.length, shippedAirRules: rules, readingsPerSecond: Math.round(total / (ms / 1000)) };
}

/** A bare Aedes broker (bench/broker-alone.ts, its own process): publish → PUBACK and → subscriber. */
async function brokerStage(stationIds: string[]) {
  const child = fork(fileURLToPath(new URL('./broker-alone.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  // a broker that died (2026-12-07: upstream Aedes overflowed its stack under this load) fails the
  // stage, not the run: the IPC write that tells it to stop then fails with EPIPE, an 'error' event
  child.on('error', (err) => log(`bare broker: ${err.message}`));
  try {
    const port = await Promise.race([
      new Promise<number>((resolve) => child.once('message', (m: { type: string; port: number }) => resolve(m.port))),
      exited.then((code) => Promise.reject(new Error(`bare broker exited with ${code}`))),
    ]);
    const run = runLoad({
      mode: 'broker',
      url: `mqtt://127.0.0.1:${port}`,
      stations: stationsOf(stationIds),
      metrics: METRICS_10,
      durationMs: P.stageMs / 2,
      warmupMs: 1000,
      window: P.window,
      startTs: Date.now(),
    });
    await run.connected;
    const cpu = cpuSampler(run.child.pid);
    const brokerCpu0 = processCpuMs(child.pid!);
    const t0 = performance.now();
    const r = await run.result;
    const brokerCpuPct = Math.round(((processCpuMs(child.pid!) - brokerCpu0) / (performance.now() - t0)) * 100);
    return {
      stations: stationIds.length,
      messagesPerSecond: Math.round(r.acked / (r.elapsedMs / 1000)),
      readingsPerSecond: Math.round(r.readings / (r.elapsedMs / 1000)),
      publishToAckMs: percentiles(r.publishToAckMs),
      publishToSubscriberMs: percentiles(r.publishToSubscriberMs),
      brokerProcessCpuPct: brokerCpuPct,
      cpu: cpu.stop(),
    };
  } catch (err) {
    // a bare broker is not the system under test: report its failure, keep the run going
    return { stations: stationIds.length, error: String(err) };
  } finally {
    if (child.connected) child.send({ type: 'stop' });
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null) child.kill();
  }
}

/**
 * The connected-stations phase: a fresh Quantrac in its own process on the bench's data directory
 * (the in-process app closed first: one process at a time holds it), as `npm start` runs it (the
 * compiled build, brought up to date first; `--fleet-from-source`: main.ts through tsx), `stationIds` connected and
 * reporting once a minute; that process's RSS (before they connect, at the end, the highest seen),
 * the resident part of its embedded database's WebAssembly memory, and its CPU.
 */
async function fleet(dataDir: string, stationIds: string[]) {
  const [mqttPort, httpPort] = [await freePort(), await freePort()];
  if (!fleetFromSource) buildOnce();
  const child = await startChildApp(
    {
      DATA_DIR: dataDir,
      DATABASE_URL: process.env['DATABASE_URL'] ?? '',
      MQTT_PORT: String(mqttPort),
      HTTP_PORT: String(httpPort),
      ADMIN_PASSWORD: ADMIN_PW,
      // as benchAppConfig(): the alert engine's own tick (child-app turns it off for tests), no rate limit
      ALERTS_TICK_MS: '5000',
      STATION_MAX_MSGS_PER_S: '0',
    },
    undefined,
    { compiled: !fleetFromSource },
  );
  const pid = child.proc.pid!;
  let loadChild: ChildProcess | undefined;
  try {
    const rss0 = rssMb(pid);
    const wasm0 = wasmResidentMb(pid);
    const run = runLoad({
      mode: 'fleet',
      url: `mqtt://127.0.0.1:${mqttPort}`,
      stations: stationsOf(stationIds),
      metrics: METRICS_10,
      periodMs: 60_000,
      startTs: nextStart(2 * DAY),
      connectConcurrency: 100,
    });
    loadChild = run.child;
    let rssMax = rss0;
    const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssMb(pid) || 0)), 500);
    const connectLimitMs = 300_000;
    const { connectMs } = await within(run.connected, connectLimitMs, `${stationIds.length} stations not connected within ${connectLimitMs} ms`);
    const cpu = cpuSampler(run.child.pid, pid);
    await new Promise((r) => setTimeout(r, P.fleetMs));
    const usage = cpu.stop();
    clearInterval(sampler);
    const rss = rssMb(pid);
    const wasm = wasmResidentMb(pid);
    const appThreads = threadCount(pid);
    const heap = await heapFigures(child.httpUrl);
    run.stop();
    const r = await run.result;
    return {
      stations: stationIds.length,
      connectsPerSecond: Math.round(stationIds.length / (connectMs / 1000)),
      connectSeconds: Math.round(connectMs / 100) / 10,
      measuredSeconds: P.fleetMs / 1000,
      messagesAcked: r.acked,
      failedPublishes: r.failed,
      rssOf: fleetFromSource
        ? 'a fresh Quantrac process serving only these stations (main.ts through tsx, with the embedded database)'
        : 'a fresh Quantrac process serving only these stations (node dist/main.js as npm start runs it, with the embedded database)',
      rssMbBefore: rss0,
      rssMb: rss,
      rssMbMax: Math.max(rssMax, rss),
      // of that RSS, the embedded database's WebAssembly memory (PGlite: buffer pool, catalog caches…)
      wasmResidentMbBefore: wasm0,
      wasmResidentMb: wasm,
      ...heap,
      appThreads,
      cpu: usage,
      publishToCommitMs: percentiles(r.publishToAckMs),
    };
  } finally {
    if (loadChild && loadChild.exitCode === null) loadChild.kill();
    await child.stop();
  }
}

/**
 * The app's main-thread heap from its /metrics: what V8 holds (heapTotalMb) and what was live
 * after its last full collection (heapLiveMb: lib/heap-live.ts); {} when unreadable.
 */
async function heapFigures(httpUrl: string): Promise<{ heapTotalMb?: number; heapLiveMb?: number }> {
  try {
    const text = await (await fetch(`${httpUrl}/metrics`)).text();
    const [heapTotalMb, heapLiveMb] = [metricValue(text, 'nodejs_heap_size_total_bytes'), metricValue(text, 'quantrac_heap_live_bytes')].map((b) => Math.round(b / 2 ** 20));
    return { ...(Number.isNaN(heapTotalMb) ? {} : { heapTotalMb }), ...(Number.isNaN(heapLiveMb) ? {} : { heapLiveMb }) };
  } catch {
    return {};
  }
}

async function backlog(app: App, stationIds: string[]) {
  const before = await countReadings(app.store.db);
  const run = runLoad({
    mode: 'backlog',
    url: mqttUrl(app),
    stations: stationsOf(stationIds),
    metrics: METRICS_10,
    backlogReadings: 60,
    startTs: nextStart(2 * HOUR),
    connectConcurrency: 100,
  });
  const { connectMs } = await run.connected;
  const cpu = cpuSampler(run.child.pid);
  const r = await run.result;
  const stored = (await countReadings(app.store.db)) - before;
  return {
    stations: stationIds.length,
    readingsPerStation: 60 * METRICS_10.length,
    reconnectSeconds: Math.round(connectMs / 100) / 10,
    recoverSeconds: Math.round(r.elapsedMs / 100) / 10,
    readingsPerSecondStored: Math.round(r.readings / (r.elapsedMs / 1000)),
    readingsStored: stored,
    readingsExpected: stationIds.length * 60 * METRICS_10.length,
    failedPublishes: r.failed,
    publishToCommitMs: percentiles(r.publishToAckMs),
    cpu: cpu.stop(),
  };
}

// ---------------------------------------------------------------------------------------------

const started = performance.now();
const dataDir = givenDataDir ?? tempDataDir();
/** Removes the bench's data directory, unless --keep-data. */
function removeDataDir(): void {
  if (keepData) console.log(`data directory kept: ${dataDir}`);
  else rmSync(dataDir, { recursive: true, force: true });
}
const results: Record<string, unknown> = {
  set: quick ? 'quick' : 'default',
  when: new Date().toISOString(),
  machine: machine(),
  database: process.env['DATABASE_URL'] ? 'server (DATABASE_URL)' : 'embedded TimescaleDB (PGlite worker thread)',
  command: quick ? 'npm run bench -- --quick' : 'npm run bench',
};
let app!: App;
const allStations = ids('BF', FLEET_MAX);
const m10 = allStations.slice(0, P.throughputStations);
const m1 = allStations.slice(P.throughputStations, 2 * P.throughputStations);
const backlogIds = allStations.slice(0, P.backlogStations);
const probeId = 'BENCH-PROBE';
let ok: boolean;
let appProcessCpuMs: number;
/** Every connected-stations phase (P.fleet), each against a fresh app in its own process. */
async function fleetPhases() {
  const out = [];
  for (const n of P.fleet) {
    log(`${n} connected stations reporting once a minute, ${P.fleetMs / 1000} s, against a fresh Quantrac process`);
    out.push(await fleet(dataDir, allStations.slice(0, n)));
    const f = out[out.length - 1]!;
    log(`${n} stations: RSS ${f.rssMb} MB (before they connected ${f.rssMbBefore} MB); main-thread heap ${f.heapTotalMb ?? '?'} MB, ${f.heapLiveMb ?? '?'} MB live`);
  }
  return out;
}
try {
  log(`start (fresh DATA_DIR, ${results['database']})`);
  let t = performance.now();
  app = await startApp(dataDir);
  const startupMsFresh = Math.round(performance.now() - t);
  await registerBenchStations(app.store.db, [...allStations, probeId]);
  await app.close();
  t = performance.now();
  app = await startApp(dataDir);
  const restartMs = Math.round(performance.now() - t);
  // The compiled build as `npm start` runs it (a separate process; needs `npm run build`).
  const compiled = only !== undefined || until !== undefined ? undefined : await measureCompiledStartup();
  results['startup'] = { freshMs: startupMsFresh, restartMs, registeredStations: allStations.length + 1, ...(compiled ? { compiled } : {}) };
  if (compiled) log(`compiled build (node dist/main.js): banner after ${compiled.wallMs} ms, banner says ${compiled.bannerMs} ms`);
  log(`started: fresh ${startupMsFresh} ms, restart with ${allStations.length + 1} stations ${(results['startup'] as { restartMs: number }).restartMs} ms`);

  if (only === 'fleet') {
    await app.close();
    app = undefined as unknown as App;
    results['fleet'] = await fleetPhases();
    const file = fileURLToPath(new URL('./results/fleet.json', import.meta.url));
    mkdirSync(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true });
    writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
    console.log(JSON.stringify(results['fleet'], null, 2));
    console.log(`\nwritten to ${file.slice(file.indexOf('bench/'))}`);
    removeDataDir();
    process.exit(0);
  }

  const m1First = process.argv.includes('--m1-first');
  log(`throughput, 10 metrics/message, ${m10.length} stations`);
  const t1early = m1First ? await throughput(app, m1, ['pm25']) : undefined;
  if (t1early) log(`m1 first: ${JSON.stringify(t1early)}`);
  const t10 = await throughput(app, m10, METRICS_10);
  log(`throughput, 1 metric/message, ${m1.length} stations`);
  const t1 = t1early ?? (await throughput(app, m1, ['pm25']));
  results['throughput'] = [t10, t1];
  const stalled = stalledPhases([t10, t1]);

  const behind = app.alerts.backlog();
  log(
    `fixed rate ${P.rate * 10} readings/s with a socket.io client and ${P.probes} alert probes ` +
      `(alert engine at the start: ${behind.steps} steps queued, oldest ${behind.oldestMs} ms, ${behind.lateHoursWaiting} late hours to re-read)`,
  );
  results['latency'] = await fixedRate(app, {
    stationIds: m10,
    probeId,
    secret: SECRET,
    adminPassword: ADMIN_PW,
    metrics: METRICS_10,
    messagesPerSecond: P.rate,
    durationMs: P.rateMs,
    warmupMs: P.warmupMs,
    probes: P.probes,
    startTs: nextStart(DAY),
    probeStartTs: nextStart(DAY),
  });
  const fixed = results['latency'] as Awaited<ReturnType<typeof fixedRate>>;
  log(`threshold → alert ${JSON.stringify(fixed.thresholdToAlertMs)} ms; alert engine ${JSON.stringify(fixed.alertEngine)}`);
  if (until === 'latency') {
    console.log(JSON.stringify({ throughput: results['throughput'], latency: results['latency'] }, null, 2));
    await app.close();
    app = undefined as unknown as App;
    removeDataDir();
    process.exit(stalled.length === 0 ? 0 : 1);
  }

  log('stages alone: parsing + validation, database insert, rule evaluation, bare broker');
  const validation = validationStage();
  const database = await databaseStage();
  const rules = await rulesStage(m10);
  const broker = await brokerStage(m10);
  results['stages'] = { broker, validation, databaseInsert: database, rules };

  log(`backlog: ${backlogIds.length} stations × one hour (60 readings × 10 metrics) as arrays`);
  results['backlog'] = await backlog(app, backlogIds);

  // the connected-stations phases run against a fresh app in its own process (see fleet())
  appProcessCpuMs = processCpuMs(process.pid);
  await app.close();
  app = undefined as unknown as App;
  const fleets = await fleetPhases();
  results['fleet'] = fleets;

  const f1k = fleets.find((f) => f.stations === 1000);
  const f10k = fleets.find((f) => f.stations === 10_000);
  const lat = results['latency'] as Awaited<ReturnType<typeof fixedRate>>;
  Object.assign(results, {
    readingsPerSecondStored: t10.readingsPerSecondStored,
    readingsPerSecondStored1Metric: t1.readingsPerSecondStored,
    p99PublishToCommitMs: lat.publishToCommitMs.p99,
    p99PublishToClientMs: lat.publishToClientMs.p99,
    p99ThresholdToAlertMs: lat.thresholdToAlertMs.p99,
    rssMbAt1kStations: f1k?.rssMb ?? null,
    rssMbAt10kStations: f10k?.rssMb ?? null,
    guarantees: {
      qos: 1,
      commitBeforeAcknowledge: true,
      failedPublishes:
        t10.failedPublishes +
        t1.failedPublishes +
        lat.failedPublishes +
        fleets.reduce((a, f) => a + f.failedPublishes, 0) +
        (results['backlog'] as { failedPublishes: number }).failedPublishes,
      throughputNeverZeroWhilePublishing: stalled.length === 0,
      backlogStoredExactly:
        (results['backlog'] as { readingsStored: number; readingsExpected: number }).readingsStored === (results['backlog'] as { readingsExpected: number }).readingsExpected,
    },
    // this process's CPU until the app in it closed (the connected-stations phases run in another)
    appProcessCpuMsTotal: Math.round(appProcessCpuMs),
    durationSeconds: Math.round((performance.now() - started) / 1000),
  });
  const g = results['guarantees'] as { failedPublishes: number; backlogStoredExactly: boolean };
  ok = g.failedPublishes === 0 && g.backlogStoredExactly && stalled.length === 0;
  if (!(g.failedPublishes === 0 && g.backlogStoredExactly)) console.error('a guarantee did not hold: failed publishes or a backlog stored other than exactly once');
  // repeated at the end, where a CI log is read (first printed when the phase ended)
  for (const line of stalled) console.error(line);
} finally {
  await app?.close().catch((err: unknown) => console.error('closing the app failed', err));
  removeDataDir();
}

const file = fileURLToPath(new URL(`./results/${quick ? 'quick' : 'latest'}.json`, import.meta.url));
mkdirSync(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true });
writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
const { renderTable } = await import('./table.js');
console.log('\n' + renderTable(results));
console.log(`\nwritten to ${file.slice(file.indexOf('bench/'))}`);
process.exit(ok ? 0 : 1);
