/**
 * `npm run bench` — starts Quantrac (embedded TimescaleDB unless DATABASE_URL is set), drives it
 * with real MQTT clients in a separate process, and prints the figures; the same figures go to
 * bench/results/latest.json.
 *
 *   npm run bench              default set (~2 min)
 *   npm run bench -- --quick   smoke set (~30 s)
 *
 * Measured: start-up time (fresh DATA_DIR and restart), sustained readings per second stored
 * with QoS 1 and commit-before-acknowledge, for messages of 10 metrics and of 1 metric, and the
 * publish → PUBACK (= commit) latency percentiles. appProcessCpuPercent is the Quantrac process's
 * CPU (main thread + database worker) as a percentage of one core.
 */
import { fork } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createApp, type App } from '../app.js';
import { countReadings } from '../store/readings.js';
import { updateStationIndices } from '../alerts/aqi.js';
import { tempDataDir } from '../test/helpers/app.js';

const quick = process.argv.includes('--quick');
const AIR_METRICS_10 = ['pm25', 'pm10', 'so2', 'no2', 'co', 'o3', 'temp', 'rh', 'pressure', 'wind_speed'];

interface LoadResult {
  acked: number;
  readings: number;
  failed: number;
  latenciesMs: number[];
  elapsedMs: number;
  connectMs: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function startApp(dataDir: string): Promise<App> {
  return createApp({ dataDir, host: '127.0.0.1', mqtt: { port: 0 }, http: { port: 0 }, simulate: 0, logLevel: 'warn', adminPassword: 'bench-admin-pw', databaseUrl: process.env['DATABASE_URL'] ?? '', automation: { enabled: false } });
}

function runLoad(spec: object): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./load.ts', import.meta.url)), [JSON.stringify(spec)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load generator exited with ${code}`))));
  });
}

async function scenario(app: App, name: string, stationCount: number, metrics: string[], durationMs: number, window: number) {
  const stations: Array<{ id: string; secret: string }> = [];
  for (let i = 0; i < stationCount; i++) {
    const id = `BENCH-${name}-${i}`;
    const created = await app.directory.register({ id, name: id, profileId: 'air-quality', lat: 21, lon: 105.8 });
    if (!created) throw new Error(`station ${id} exists`);
    stations.push({ id, secret: created.secret });
  }
  const before = await countReadings(app.store.db);
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const result = await runLoad({ url: `mqtt://127.0.0.1:${app.ports.mqtt}`, stations, metrics, durationMs, warmupMs: quick ? 1000 : 3000, window });
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - wall0;
  const stored = (await countReadings(app.store.db)) - before;
  const sorted = result.latenciesMs.sort((a, b) => a - b);
  return {
    scenario: name,
    stations: stationCount,
    metricsPerMessage: metrics.length,
    inFlightPerStation: window,
    messagesPerSecond: Math.round(result.acked / (result.elapsedMs / 1000)),
    readingsPerSecondStored: Math.round(result.readings / (result.elapsedMs / 1000)),
    p50PublishToCommitMs: +percentile(sorted, 50).toFixed(1),
    p95PublishToCommitMs: +percentile(sorted, 95).toFixed(1),
    p99PublishToCommitMs: +percentile(sorted, 99).toFixed(1),
    failedPublishes: result.failed,
    connectsPerSecond: Math.round(stationCount / (result.connectMs / 1000)),
    storedRowsIncludingWarmup: stored,
    appProcessCpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 100),
  };
}

/**
 * Rule evaluation throughput with the shipped packs: readings for `stationCount` air stations are
 * handed to the alert engine as committed batches (as ingest does) and timed until the engine is
 * idle. The first round opens a new hour, so every station also recomputes and stores its hourly
 * and daily VN_AQI and US AQI (database work); later rounds in the same hour measure the rules alone.
 */
async function ruleEvaluation(app: App, stationCount: number, metrics: string[], rounds: number) {
  const ids = Array.from({ length: stationCount }, (_, i) => `BENCH-m10-${i}`);
  const hourStart = Math.floor(Date.now() / 3_600_000) * 3_600_000; // the hour the load has just filled
  const round = async (r: number) => {
    const t0 = performance.now();
    let count = 0;
    for (let b = 0; b < ids.length; b += 100) {
      const readings = ids.slice(b, b + 100).flatMap((stationId) =>
        metrics.map((metric) => ({ stationId, metric, ts: hourStart + r * 1000, value: 20 + Math.random() * 30, quality: 'valid' as const })),
      );
      count += readings.length;
      app.bus.emit('readingsAccepted', { readings });
    }
    await app.alerts.idle();
    return { readings: count, ms: performance.now() - t0 };
  };
  await round(0); // warm-up (may also recompute indices whose throttle has expired)
  let total = 0;
  let ms = 0;
  for (let r = 1; r < rounds; r++) {
    const x = await round(r);
    total += x.readings;
    ms += x.ms;
  }
  const rules = app.alerts.listRules().filter((r) => 'profile' in r.rule.scope && r.rule.scope.profile === 'air-quality' && r.rule.enabled).length;
  return {
    stations: stationCount,
    shippedAirRules: rules,
    readingsPerSecondRulesOnly: Math.round(total / (ms / 1000)),
    indexUpdatesPerSecond: await indexUpdates(app, ids.slice(0, Math.min(200, ids.length)), hourStart + 3_600_000),
  };
}

/** Hourly + daily VN_AQI and US AQI recomputed and stored per second (database-bound). */
async function indexUpdates(app: App, ids: string[], hourEnd: number): Promise<number> {
  const t0 = performance.now();
  for (const id of ids) await updateStationIndices(app.store.db, id, hourEnd);
  return Math.round(ids.length / ((performance.now() - t0) / 1000));
}

const dataDir = tempDataDir();
const results: Record<string, unknown> = {
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version },
  database: process.env['DATABASE_URL'] ? 'server (DATABASE_URL)' : 'embedded TimescaleDB (PGlite worker)',
  when: new Date().toISOString(),
  set: quick ? 'quick' : 'default',
};
try {
  let t = performance.now();
  let app = await startApp(dataDir);
  results['startupMsFresh'] = Math.round(performance.now() - t);
  await app.close();
  t = performance.now();
  app = await startApp(dataDir);
  results['startupMsRestart'] = Math.round(performance.now() - t);

  const duration = quick ? 5000 : 20_000;
  const ten = await scenario(app, 'm10', quick ? 100 : 1000, AIR_METRICS_10, duration, quick ? 4 : 2);
  const one = await scenario(app, 'm1', quick ? 100 : 1000, ['pm25'], duration, quick ? 4 : 2);
  results['readingsPerSecondStored'] = ten.readingsPerSecondStored;
  results['readingsPerSecondStored1Metric'] = one.readingsPerSecondStored;
  results['p99PublishToCommitMs'] = ten.p99PublishToCommitMs;
  results['scenarios'] = [ten, one];
  results['ruleEvaluation'] = await ruleEvaluation(app, ten.stations, AIR_METRICS_10, quick ? 20 : 60);
  await app.close();
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}

mkdirSync(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true });
writeFileSync(fileURLToPath(new URL('./results/latest.json', import.meta.url)), JSON.stringify(results, null, 2) + '\n');
console.log(`\nQuantrac benchmark (${results['set']} set) on ${JSON.stringify(results['machine'])}, ${results['database']}`);
console.log(`start-up: fresh DATA_DIR ${results['startupMsFresh']} ms, restart ${results['startupMsRestart']} ms`);
console.table(results['scenarios']);
console.log('rule evaluation (shipped packs):');
console.table([results['ruleEvaluation']]);
console.log('written to bench/results/latest.json');
