/**
 * The ingest cost of the ingest-time checks (issue 18), A/B side by side on the same machine: the
 * same saturating load (bench/load.ts: real MQTT, QoS 1, PUBACK after the commit, 10 metrics per
 * message) against an app with `validation.ingestChecks` false, then true, alternating, each on a
 * fresh embedded database with the same stations; prints readings/s of both and their ratio (goal:
 * the checks cost ≤ 10 %). Also the evaluator alone (ingest/qc-evaluator.ts) in this thread: its
 * CPU cost per reading, which the end-to-end figure buries in noise on a busy machine.
 *
 *   npx tsx bench/qc-ab.ts [--quick]      (run by `npm run bench`, quick or not)
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createApp, type App } from '../app.js';
import { hashSecret } from '../lib/passwords.js';
import { QC_DEFAULTS } from '../domain/validation/config.js';
import { compileStationChecks, createQcEvaluator, type QcRow } from '../ingest/qc-evaluator.js';
import { tempDataDir } from '../test/helpers/app.js';
import { machine, percentiles, runLoad } from './lib.js';

const quick = process.argv.includes('--quick');
const P = quick ? { stations: 200, warmupMs: 1000, measureMs: 3000, window: 4, rounds: 1 } : { stations: 1000, warmupMs: 3000, measureMs: 15_000, window: 2, rounds: 2 };
const METRICS = ['pm25', 'pm10', 'so2', 'no2', 'co', 'o3', 'temp', 'rh', 'pressure', 'wind_speed'];
const SECRET = 'bench-shared-station-secret-0123456789';
const HOUR = 3_600_000;
const log = (msg: string) => console.log(`[qc-ab ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const ids = Array.from({ length: P.stations }, (_, i) => `QA-${String(i).padStart(5, '0')}`);

async function startApp(dataDir: string, ingestChecks: boolean): Promise<App> {
  return createApp({
    dataDir,
    host: '127.0.0.1',
    mqtt: { port: 0 },
    http: { port: 0 },
    simulate: 0,
    logLevel: 'warn',
    adminPassword: 'bench-admin-pw',
    databaseUrl: process.env['DATABASE_URL'] ?? '',
    automation: { enabled: false },
    security: { stationMaxMsgsPerSecond: 0 },
    validation: { ingestChecks },
  });
}

/** Stations straight into the database with one cheap shared hash, then into the running directory. */
async function register(app: App): Promise<void> {
  const hash = await hashSecret(SECRET, { N: 1 << 10, r: 8, p: 1 });
  await app.store.db.query(
    `INSERT INTO stations (id, name, profile_id, lat, lon, province, timezone, simulated, attributes)
     SELECT id, id, 'air-quality', 21.0, 105.8, 'Hà Nội', 'Asia/Ho_Chi_Minh', false, '{}'::jsonb FROM unnest($1::text[]) AS id ON CONFLICT (id) DO NOTHING`,
    [ids],
  );
  await app.store.db.query(`INSERT INTO station_credentials (station_id, secret_hash) SELECT id, $2 FROM unnest($1::text[]) AS id ON CONFLICT DO NOTHING`, [ids, hash]);
  for (const id of ids) await app.directory.refresh(id);
}

async function round(ingestChecks: boolean, startTs: number) {
  const dataDir = tempDataDir();
  const app = await startApp(dataDir, ingestChecks);
  try {
    await register(app);
    const run = runLoad({
      mode: 'saturate',
      url: `mqtt://127.0.0.1:${app.ports.mqtt}`,
      stations: ids.map((id) => ({ id, secret: SECRET })),
      metrics: METRICS,
      durationMs: P.measureMs,
      warmupMs: P.warmupMs,
      window: P.window,
      startTs,
    });
    const r = await run.result;
    await app.ingest.drain();
    const { rows } = await app.store.db.query<{ flagged: number }>(`SELECT count(*) FILTER (WHERE qc <> 0)::int AS flagged FROM readings`);
    return {
      ingestChecks,
      readingsPerSecond: Math.round(r.readings / (r.elapsedMs / 1000)),
      publishToCommitMs: percentiles(r.publishToAckMs),
      failedPublishes: r.failed,
      flaggedReadings: rows[0]?.flagged ?? 0,
    };
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The evaluator alone: the default checks over plausible 10-metric readings of 1,000 stations. */
function evaluatorAlone() {
  const ranges = Object.fromEntries(METRICS.map((m) => [m, { min: 0, max: 2000 }]));
  const ev = createQcEvaluator(() => compileStationChecks(QC_DEFAULTS, ranges, []));
  const typical: Record<string, number> = { pm25: 22, pm10: 40, so2: 15, no2: 30, co: 900, o3: 50, temp: 28, rh: 75, pressure: 1008, wind_speed: 2.5 };
  const readings = quick ? 100 : 500;
  const stations = Array.from({ length: 1000 }, (_, s) => `S${s}`);
  let rowsDone = 0;
  let ms = 0;
  for (let k = 0; k < readings; k++) {
    // the rows are made outside the timed part: only the evaluation is measured
    const payloads: QcRow[][] = stations.map(() =>
      METRICS.map((metric) => ({ metric, ts: k * 60_000, value: Math.round(typical[metric]! * (0.9 + 0.2 * Math.random()) * 10) / 10, quality: 0 })),
    );
    const t0 = performance.now();
    for (let s = 0; s < stations.length; s++) ev.evaluate(stations[s]!, payloads[s]!);
    ms += performance.now() - t0;
    rowsDone += stations.length * METRICS.length;
  }
  return { rows: rowsDone, nsPerReading: Math.round((ms * 1e6) / rowsDone), series: ev.series, heapMb: Math.round(process.memoryUsage().heapUsed / 2 ** 20) };
}

const runs: Array<Awaited<ReturnType<typeof round>>> = [];
let start = Date.now() - HOUR;
for (let i = 0; i < P.rounds; i++) {
  // alternate which goes first, so a machine growing busier or quieter does not favour one side
  for (const checks of i % 2 === 0 ? [false, true] : [true, false]) {
    log(`${checks ? 'checks ON ' : 'checks OFF'}: ${P.stations} stations × ${METRICS.length} metrics, ${P.window} in flight each, ${P.measureMs / 1000} s`);
    const r = await round(checks, start);
    start -= 24 * HOUR;
    log(`  ${r.readingsPerSecond} readings/s stored, p99 publish→commit ${r.publishToCommitMs.p99} ms, ${r.failedPublishes} failed, ${r.flaggedReadings} flagged`);
    runs.push(r);
  }
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const off = Math.round(mean(runs.filter((r) => !r.ingestChecks).map((r) => r.readingsPerSecond)));
const on = Math.round(mean(runs.filter((r) => r.ingestChecks).map((r) => r.readingsPerSecond)));
const alone = evaluatorAlone();
const summary = {
  readingsPerSecondChecksOff: off,
  readingsPerSecondChecksOn: on,
  ratio: Math.round((on / off) * 1000) / 1000,
  costPct: Math.round((1 - on / off) * 1000) / 10,
  goalCostPct: 10,
};
log(`checks OFF ${off} readings/s, ON ${on} readings/s: ratio ${summary.ratio} (cost ${summary.costPct} %, goal ≤ 10 %)`);
log(`evaluator alone: ${alone.nsPerReading} ns per reading over ${alone.rows} readings of ${alone.series} series`);
const results = {
  set: quick ? 'quick' : 'default',
  when: new Date().toISOString(),
  machine: machine(),
  command: `npx tsx bench/qc-ab.ts${quick ? ' --quick' : ''}`,
  ...summary,
  evaluatorAlone: alone,
  runs,
};
const file = fileURLToPath(new URL(`./results/qc-ab${quick ? '-quick' : ''}.json`, import.meta.url));
mkdirSync(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true });
writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
process.exit(runs.every((r) => r.failedPublishes === 0) ? 0 : 1);
