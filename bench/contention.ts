/**
 * Ingest under contention (issue 20): `npx tsx bench/contention.ts [--seconds 60] [--rate 500] [--fifo | --ab] [--no-slice-cost] [--late]`.
 * The embedded database has one connection: does an ingest commit wait behind long reads and the
 * policy jobs? A fresh app (embedded TimescaleDB), seeded with a year of one station (10 metrics
 * every 5 minutes, about 1 M rows) and a day of 100 stations (10 metrics every 5 minutes), its
 * aggregates refreshed. Then, each phase `--seconds` long at a fixed 5,000 readings/s (500
 * stations × 10 metrics, one message a second each, QoS 1: PUBACK after commit, bench/load.ts):
 *   1. ingest alone;
 *   2. ingest while (a) the year of the one station is exported as CSV over HTTP in a loop, (b)
 *      the hourly aggregate of 1 day × 100 stations × 10 metrics is asked every second, (c) every
 *      policy job runs every 10 s (the compressed chunks are decompressed before the phase, so
 *      compression has its work to do in each).
 * `--shares 1,0.5` runs phase 2 once per background share of the gate (store/db-gate.ts).
 * `--fifo` runs phase 2 with the connection gate's priorities off (one queue in arrival order, as
 * before store/db-gate.ts); `--ab` runs phase 2 both ways, gate on then off, in the same app.
 * Before the phases (unless `--no-slice-cost`): how long one job slice takes at an agency's load,
 * the hourly refresh of an hour of 1,000 stations × 10 metrics at one reading a minute (600,000
 * rows) and compress_chunk of the chunk holding it.
 * Prints publish → PUBACK p50/p95/p99 per phase (a PUBACK follows the commit, or the spool's fsync
 * for a batch deferred behind a long statement: ingest/defer.ts; the readings deferred and how long
 * they waited in the spool until stored are printed beside it), export rows/s, aggregate p50/p95 and the job
 * runs, and per phase what held the connection by kind of work (the label each caller gives its
 * lane: `job refresh`, `job compress`, `job plan`, `export`, `backfill refresh`, or the lane's
 * name) and which of those the ingest commits that had to wait waited behind (the statement
 * running when the commit asked: store/db-gate.ts waitsBehind); writes
 * bench/results/contention.json. Exits 1 if a publish failed.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createApp, type App } from '../app.js';
import { LANES } from '../store/db-gate.js';
import { tempDataDir } from '../test/helpers/app.js';
import { BENCH_STATION_SECRET, cpuSampler, httpClient, machine, percentiles, registerBenchStations, runLoad } from './lib.js';
import { limitHeapGrowth } from '../lib/heap.js';

// the app in this process runs with the heap growth main.ts sets (lib/heap.ts)
limitHeapGrowth();

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const SECONDS = arg('--seconds', 60);
const AB = process.argv.includes('--ab');
const FIFO = process.argv.includes('--fifo');
const SLICE_COST = !process.argv.includes('--no-slice-cost');
const LATE = process.argv.includes('--late');
const METRICS = ['pm25', 'pm10', 'so2', 'no2', 'co', 'o3', 'temp', 'rh', 'pressure', 'wind_speed'];
const ADMIN_PW = 'bench-admin-pw';
const SECRET = BENCH_STATION_SECRET;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const INGEST_STATIONS = 500;
/** Messages per second in all (`--rate`; 10 readings each): 500 = 5,000 readings/s. */
const MESSAGES_PER_SECOND = arg('--rate', 500);
const JOB_EVERY_MS = 10_000;
/** `--shares 1,0.5,0.3`: phase 2 with the gate's background share at each (store/db-gate.ts); the app's own by default. */
const SHARES = (() => {
  const i = process.argv.indexOf('--shares');
  return i >= 0 ? process.argv[i + 1]!.split(',').map(Number) : undefined;
})();

const log = (msg: string) => console.log(`[contention ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);

/** Registers stations straight into the database (bench/lib.ts registerBenchStations), then into the running app's directory (a station it does not know has its readings quarantined). */
async function registerStations(app: App, stationIds: string[]): Promise<void> {
  await registerBenchStations(app.store.db, stationIds);
  for (const id of stationIds) await app.directory.refresh(id);
}

/** 10 metrics every `stepMin` minutes for `stations` over [from, to), one statement per `sliceMs` of time. */
async function seed(app: App, stations: string[], from: number, to: number, stepMin: number, sliceMs: number): Promise<void> {
  for (let t = from; t < to; t += sliceMs) {
    await app.store.db.query(
      `INSERT INTO readings (station_id, metric, ts, value, quality)
       SELECT s, m, g, 20 + 10 * sin(extract(epoch FROM g) / 5000.0) + length(m), 0
         FROM unnest($1::text[]) AS s, unnest($2::text[]) AS m,
              generate_series($3::timestamptz, $4::timestamptz - interval '1 microsecond', make_interval(mins => $5::int)) AS g
       ON CONFLICT DO NOTHING`,
      [stations, METRICS, new Date(t), new Date(Math.min(to, t + sliceMs)), stepMin],
    );
  }
}

async function refreshAll(app: App, from: number, to: number): Promise<void> {
  const { rows } = await app.store.db.query<{ v: string }>(`SELECT view_name AS v FROM timescaledb_information.continuous_aggregates`);
  // built on one another: hourly first
  const order = ['readings_hourly', 'readings_daily', 'readings_monthly'];
  for (const v of rows.map((r) => r.v).sort((a, b) => order.indexOf(a) - order.indexOf(b))) {
    await app.store.db.query(`CALL refresh_continuous_aggregate($1::regclass, $2::timestamptz, $3::timestamptz)`, [v, new Date(from), new Date(to)]);
  }
}

async function decompressAll(app: App): Promise<number> {
  const { rows } = await app.store.db.query<{ c: string }>(
    `SELECT format('%I.%I', chunk_schema, chunk_name) AS c FROM timescaledb_information.chunks WHERE hypertable_name = 'readings' AND is_compressed`,
  );
  for (const r of rows) await app.store.db.query(`SELECT decompress_chunk($1::regclass)`, [r.c]);
  return rows.length;
}

/** One slice of each sliced job at an agency's load (see the header). */
async function sliceCost(app: App) {
  const stations = ids('AG', 1000);
  await registerStations(app, stations);
  // an hour 20 days back (a chunk that nothing else writes to), a reading a minute
  const hour0 = Math.floor((Date.now() - 20 * DAY) / HOUR) * HOUR;
  let t0 = performance.now();
  await seed(app, stations, hour0, hour0 + HOUR, 1, 5 * 60_000);
  const seedMs = performance.now() - t0;
  const { rows: n } = await app.store.db.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM readings WHERE ts >= $1 AND ts < $2`, [new Date(hour0), new Date(hour0 + HOUR)]);
  t0 = performance.now();
  await app.store.db.query(`CALL refresh_continuous_aggregate('readings_hourly', $1::timestamptz, $2::timestamptz)`, [new Date(hour0), new Date(hour0 + HOUR)]);
  const refreshHourMs = performance.now() - t0;
  const { rows: chunk } = await app.store.db.query<{ c: string; n: number }>(
    `SELECT format('%I.%I', chunk_schema, chunk_name) AS c FROM timescaledb_information.chunks WHERE hypertable_name = 'readings' AND range_start <= $1 AND range_end > $1`,
    [new Date(hour0)],
  );
  const { rows: inChunk } = await app.store.db.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM ${chunk[0]!.c}`);
  t0 = performance.now();
  await app.store.db.query(`SELECT compress_chunk($1::regclass)`, [chunk[0]!.c]);
  const compressMs = performance.now() - t0;
  await app.store.db.query(`SELECT decompress_chunk($1::regclass)`, [chunk[0]!.c]);
  await app.store.db.query(`DELETE FROM readings WHERE ts >= $1 AND ts < $2 AND station_id LIKE 'AG-%'`, [new Date(hour0), new Date(hour0 + HOUR)]);
  await app.store.db.query(`CALL refresh_continuous_aggregate('readings_hourly', $1::timestamptz, $2::timestamptz)`, [new Date(hour0), new Date(hour0 + HOUR)]);
  const rowsPerS = (inChunk[0]!.n / compressMs) * 1000;
  return {
    hourRows: n[0]!.n,
    seedMs: Math.round(seedMs),
    refreshOneHourMs: Math.round(refreshHourMs),
    compressChunkRows: inChunk[0]!.n,
    compressChunkMs: Math.round(compressMs),
    compressRowsPerSecond: Math.round(rowsPerS),
    // a day of that load is 14.4 M rows; readings' chunks are 7 days (100.8 M rows at that load)
    compressDayOfAgencyLoadEstimateMs: Math.round((14_400_000 / rowsPerS) * 1000),
  };
}

/** The deferral's figures from /metrics (ingest/defer.ts): rows deferred, and the spool-wait histogram's cumulative buckets. */
async function deferralMetrics(base: string, auth: Record<string, string>): Promise<{ rows: number; buckets: Map<string, number> }> {
  const text = await (await fetch(`${base}/metrics`, { headers: auth })).text();
  let rows = 0;
  const buckets = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('quantrac_ingest_deferred_rows_total ')) rows = Number(line.split(' ')[1]);
    const m = /^quantrac_spool_wait_seconds_bucket\{le="([^"]+)"\} (\S+)/.exec(line);
    if (m) buckets.set(m[1]!, Number(m[2]));
  }
  return { rows, buckets };
}

/** Between two readings of deferralMetrics: rows deferred, spool records replayed, and the bucket bounds holding their p50 and p99 (s). */
function deferralDelta(a: Awaited<ReturnType<typeof deferralMetrics>>, b: Awaited<ReturnType<typeof deferralMetrics>>) {
  const les = [...b.buckets.keys()];
  const counts = les.map((le) => (b.buckets.get(le) ?? 0) - (a.buckets.get(le) ?? 0));
  const total = counts.at(-1) ?? 0;
  const bound = (q: number) => (total === 0 ? null : (les[counts.findIndex((c) => c >= q * total)] ?? null));
  return { rowsDeferred: b.rows - a.rows, recordsReplayed: total, spoolWaitP50AtMostS: bound(0.5), spoolWaitP99AtMostS: bound(0.99) };
}

/** A copy of the gate's statistics (they are updated in place). */
function snapshot<T extends object>(m: ReadonlyMap<string, T>): Map<string, T> {
  return new Map([...m].map(([k, v]) => [k, { ...v }]));
}

/** The export and the aggregate are asked by a client in its own process, as an analyst's are (bench/http-client.ts). */
const client = await httpClient();

/**
 * Each phase writes its own slice of time (the load generator walks each station's clock back a
 * second a message): live readings by default, the newest at the phase's start, as stations report
 * (newer than the refresh policies' end offset: the hour being written is answered in real time and
 * not materialized yet). With `--late` the slices start 2 hours back, as before 2026-12-03: every
 * reading is then late data in already materialized hours, which the refresh policy and the
 * backfill refresher re-materialize while it is being written (a station's backlog at 5,000
 * readings/s for the whole phase).
 */
let lastStart = Number.POSITIVE_INFINITY;
function nextStart(): number {
  const s = Math.min(LATE ? Date.now() - 2 * HOUR : Date.now(), lastStart - (SECONDS + 30) * 1000);
  lastStart = s;
  return s;
}

async function phase(app: App, name: string, contention: boolean, base: string, auth: Record<string, string>, yearFrom: number, yearTo: number, dayFrom: number) {
  const decompressed = contention ? await decompressAll(app) : 0;
  const run = runLoad({
    mode: 'rate',
    url: `mqtt://127.0.0.1:${app.ports.mqtt}`,
    stations: ids('IN', INGEST_STATIONS).map((id) => ({ id, secret: SECRET })),
    metrics: METRICS,
    messagesPerSecond: MESSAGES_PER_SECOND,
    durationMs: SECONDS * 1000,
    warmupMs: 3000,
    startTs: nextStart(),
  });
  await run.connected;
  let stop = false;
  const stopExport = new AbortController();
  const exportRows = { rows: 0, ms: 0, loops: 0 };
  const aggregateMs: number[] = [];
  const jobRuns: number[] = [];
  const loops: Array<Promise<void>> = [];
  if (contention) {
    const exportUrl = `${base}/api/v1/export?stations=Y-0000&from=${encodeURIComponent(new Date(yearFrom).toISOString())}&to=${encodeURIComponent(new Date(yearTo).toISOString())}&format=csv`;
    loops.push(
      (async () => {
        while (!stop) {
          const exp = await client.stream(exportUrl, auth, { signal: stopExport.signal });
          exportRows.rows += exp.lines;
          exportRows.ms += exp.ms;
          exportRows.loops++;
        }
      })(),
    );
    const hourlyUrl = `${base}/api/v1/readings?stations=${ids('D', 100).join(',')}&metric=${METRICS.join(',')}&bucket=1h&agg=avg,min,max,count&from=${encodeURIComponent(new Date(dayFrom).toISOString())}&to=${encodeURIComponent(new Date(dayFrom + DAY).toISOString())}`;
    loops.push(
      (async () => {
        while (!stop) {
          const next = performance.now() + 1000;
          aggregateMs.push(...(await client.time(hourlyUrl, auth, 1)).ms);
          await sleep(Math.max(0, next - performance.now()));
        }
      })(),
    );
    loops.push(
      (async () => {
        while (!stop) {
          const next = performance.now() + JOB_EVERY_MS;
          const t0 = performance.now();
          await app.store.runPolicyJobs();
          jobRuns.push(performance.now() - t0);
          while (!stop && performance.now() < next) await sleep(100);
        }
      })(),
    );
  }
  const holds0 = Object.fromEntries(LANES.map((l) => [l, { ...app.store.db.gate.holds(l) }]));
  const labels0 = snapshot(app.store.db.gate.holdsByLabel());
  const waits0 = snapshot(app.store.db.gate.waitsBehind('ingest'));
  const deferral0 = await deferralMetrics(base, auth);
  const cpu = cpuSampler(run.child.pid);
  // how long the app's main thread (broker, ingest, PUBACKs, answers) was blocked at a time
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const r = await run.result;
  loopDelay.disable();
  // what held the connection during the phase, per lane: an ingest commit waits behind the longest
  const holds = Object.fromEntries(
    LANES.map((l) => {
      const h = app.store.db.gate.holds(l);
      const h0 = holds0[l]!;
      return [
        l,
        { statements: h.count - h0.count, busyMs: Math.round(h.totalMs - h0.totalMs), over200Ms: h.over200Ms - h0.over200Ms, longestMsSinceStart: Math.round(h.longestMs) },
      ];
    }),
  );
  // per kind of work: what held the connection, and what the ingest commits that had to wait waited behind
  const byLabel = Object.fromEntries(
    [...app.store.db.gate.holdsByLabel()].map(([label, h]) => {
      const h0 = labels0.get(label) ?? { count: 0, totalMs: 0, longestMs: 0, over200Ms: 0 };
      return [label, { statements: h.count - h0.count, busyMs: Math.round(h.totalMs - h0.totalMs), over200Ms: h.over200Ms - h0.over200Ms }];
    }),
  );
  const ingestWaits = Object.fromEntries(
    [...app.store.db.gate.waitsBehind('ingest')].map(([label, w]) => {
      const w0 = waits0.get(label) ?? { count: 0, totalMs: 0, longestMs: 0, over50Ms: 0, over200Ms: 0 };
      return [label, { waits: w.count - w0.count, waitMs: Math.round(w.totalMs - w0.totalMs), over50Ms: w.over50Ms - w0.over50Ms, over200Ms: w.over200Ms - w0.over200Ms }];
    }),
  );
  const usage = cpu.stop();
  const deferral = deferralDelta(deferral0, await deferralMetrics(base, auth));
  stop = true;
  stopExport.abort();
  await Promise.all(loops);
  const { rows: quarantined } = await app.store.db.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM quarantine`);
  if (quarantined[0]!.n > 0) throw new Error(`${quarantined[0]!.n} payloads were quarantined: the bench's stations or readings are wrong`);
  const failedJobs = [...(app.store.embeddedJobs?.runs.values() ?? [])].filter((j) => !j.lastRunOk).map((j) => `${j.procName}: ${j.lastError}`);
  const out = {
    name,
    gatePrioritized: app.store.db.gate.prioritized,
    readingsPerSecondOffered: MESSAGES_PER_SECOND * METRICS.length,
    readingsPerSecondStored: Math.round(r.readings / (r.elapsedMs / 1000)),
    /** publish → PUBACK: committed, or spooled when deferred behind a long statement (`deferral`) */
    publishToCommitMs: percentiles(r.publishToAckMs),
    deferral,
    /** the main thread's event-loop delay (perf_hooks.monitorEventLoopDelay, 10 ms resolution), ms */
    eventLoopDelayMs: { p50: Math.round(loopDelay.percentile(50) / 1e6), p99: Math.round(loopDelay.percentile(99) / 1e6), max: Math.round(loopDelay.max / 1e6) },
    failedPublishes: r.failed,
    connectionHolds: holds,
    holdsByLabel: byLabel,
    ingestWaitsBehind: ingestWaits,
    commits: holds['ingest']!.statements,
    ...(contention
      ? {
          exportRowsPerSecond: exportRows.ms > 0 ? Math.round(exportRows.rows / (exportRows.ms / 1000)) : 0,
          exportRows: exportRows.rows,
          exportLoopsCompleted: exportRows.loops,
          aggregateMs: percentiles(aggregateMs),
          policyJobRunsMs: jobRuns.map(Math.round),
          chunksDecompressedBefore: decompressed,
          failedJobs,
        }
      : {}),
    cpu: usage,
  };
  log(
    `${name}: publish→PUBACK p50 ${out.publishToCommitMs.p50} p95 ${out.publishToCommitMs.p95} p99 ${out.publishToCommitMs.p99} ms, ${out.readingsPerSecondStored} readings/s, ${r.failed} failed; main thread event-loop delay p99 ${out.eventLoopDelayMs.p99} max ${out.eventLoopDelayMs.max} ms`,
  );
  log(
    `  deferred to the spool behind a long statement: ${deferral.rowsDeferred} readings in ${deferral.recordsReplayed} records, their wait there until stored p50 ≤ ${deferral.spoolWaitP50AtMostS ?? '–'} s, p99 ≤ ${deferral.spoolWaitP99AtMostS ?? '–'} s`,
  );
  log(`  connection held (statements, busy ms, holds > 200 ms): ${LANES.map((l) => `${l} ${holds[l]!.statements}, ${holds[l]!.busyMs}, ${holds[l]!.over200Ms}`).join('; ')}`);
  log(
    `  held by kind (statements, busy ms, mean ms, > 200 ms): ${Object.entries(byLabel)
      .filter(([, h]) => h.statements > 0)
      .map(([l, h]) => `${l} ${h.statements}, ${h.busyMs}, ${Math.round(h.busyMs / h.statements)}, ${h.over200Ms}`)
      .join('; ')}`,
  );
  log(
    `  ingest commits that waited, by what was running (waits, wait ms, > 50 ms, > 200 ms): ${Object.entries(ingestWaits)
      .filter(([, w]) => w.waits > 0)
      .sort(([, a], [, b]) => b.waitMs - a.waitMs)
      .map(([l, w]) => `${l} ${w.waits}, ${w.waitMs}, ${w.over50Ms}, ${w.over200Ms}`)
      .join('; ')}`,
  );
  return out;
}

const dataDir = tempDataDir();
const app = await createApp({
  dataDir,
  host: '127.0.0.1',
  mqtt: { port: 0 },
  http: { port: 0 },
  simulate: 0,
  logLevel: 'warn',
  adminPassword: ADMIN_PW,
  automation: { enabled: false },
  security: { stationMaxMsgsPerSecond: 0 },
  analytics: { rateLimitPerMinute: 1_000_000 },
});
try {
  const base = `http://127.0.0.1:${app.ports.http}`;
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PW }),
  });
  const auth = { authorization: `Bearer ${((await login.json()) as { token: string }).token}` };
  await registerStations(app, [...ids('IN', INGEST_STATIONS), 'Y-0000', ...ids('D', 100)]);

  const slices = SLICE_COST ? await sliceCost(app) : undefined;
  if (slices)
    log(`one slice: hourly refresh of ${slices.hourRows} rows ${slices.refreshOneHourMs} ms; compress_chunk of ${slices.compressChunkRows} rows ${slices.compressChunkMs} ms`);

  // a year of one station ending 3 days ago, and a day of 100 stations 40 days ago: 10 metrics every 5 minutes
  const yearTo = Math.floor((Date.now() - 3 * DAY) / DAY) * DAY;
  const yearFrom = yearTo - 365 * DAY;
  const dayFrom = yearTo - 40 * DAY;
  let t0 = performance.now();
  await seed(app, ['Y-0000'], yearFrom, yearTo, 5, 30 * DAY);
  await seed(app, ids('D', 100), dayFrom, dayFrom + DAY, 5, 6 * HOUR);
  const seedS = (performance.now() - t0) / 1000;
  t0 = performance.now();
  await refreshAll(app, yearFrom - DAY, yearTo + DAY);
  // the statistics a running app has: its autovacuum pass (store/autovacuum.ts; the embedded database has none of its own)
  await app.store.runMaintenance();
  const refreshS = (performance.now() - t0) / 1000;
  const { rows: seeded } = await app.store.db.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM readings`);
  log(`seeded ${seeded[0]!.n} rows in ${seedS.toFixed(1)} s, aggregates refreshed in ${refreshS.toFixed(1)} s`);

  const phases = [];
  phases.push(await phase(app, 'ingest alone', false, base, auth, yearFrom, yearTo, dayFrom));
  const modes = AB ? [true, false] : [!FIFO];
  const defaultShare = app.store.db.gate.backgroundShare;
  for (const prioritized of modes) {
    app.store.db.gate.prioritized = prioritized;
    for (const share of prioritized ? (SHARES ?? [defaultShare]) : [defaultShare]) {
      app.store.db.gate.backgroundShare = share;
      const mode = prioritized ? `lanes, background share ${share}` : 'FIFO';
      phases.push(await phase(app, `ingest + export + aggregate + jobs (${mode})`, true, base, auth, yearFrom, yearTo, dayFrom));
    }
  }
  app.store.db.gate.prioritized = true;
  app.store.db.gate.backgroundShare = defaultShare;
  const failed = phases.reduce((n, p) => n + p.failedPublishes, 0);
  process.exitCode = failed > 0 ? 1 : 0;

  console.log(
    `\nIngest at ${MESSAGES_PER_SECOND * METRICS.length} readings/s (${INGEST_STATIONS} stations × ${METRICS.length} metrics, a message every ${INGEST_STATIONS / MESSAGES_PER_SECOND} s each), ${LATE ? 'late readings (2 hours back, in materialized hours)' : 'live readings'}, ${SECONDS} s a phase (machine shared: figures are noisy)\n`,
  );
  console.log(
    '| Phase | publish→PUBACK p50 / p95 / p99 ms | readings deferred (spool wait p99 ≤ s) | stored readings/s | export rows/s | aggregate p50 / p95 ms | policy job runs (ms) |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const p of phases) {
    const c = p.publishToCommitMs;
    console.log(
      `| ${p.name} | ${c.p50} / ${c.p95} / ${c.p99} | ${p.deferral.rowsDeferred} (${p.deferral.spoolWaitP99AtMostS ?? '–'}) | ${p.readingsPerSecondStored} | ${p.exportRowsPerSecond ?? '–'} | ${p.aggregateMs ? `${p.aggregateMs.p50} / ${p.aggregateMs.p95}` : '–'} | ${p.policyJobRunsMs?.join(', ') ?? '–'} |`,
    );
  }
  for (const p of phases) if (p.failedJobs?.length) console.log(`failed policy jobs in "${p.name}": ${p.failedJobs.join('; ')}`);
  if (slices) {
    console.log(
      `\nOne job slice: hourly refresh of one hour of 1,000 stations × 10 metrics (${slices.hourRows.toLocaleString('en')} rows) ${slices.refreshOneHourMs} ms; ` +
        `compress_chunk of a chunk of ${slices.compressChunkRows.toLocaleString('en')} rows ${slices.compressChunkMs} ms (${slices.compressRowsPerSecond.toLocaleString('en')} rows/s: a day at that load, 14.4 M rows, about ${Math.round(slices.compressDayOfAgencyLoadEstimateMs / 1000)} s)`,
    );
  }
  const out = {
    when: new Date().toISOString(),
    machine: machine(),
    seconds: SECONDS,
    readings: LATE ? 'late' : 'live',
    seeded: { rows: seeded[0]!.n, seedS, refreshS },
    sliceCost: slices,
    phases,
  };
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}contention.json`, `${JSON.stringify(out, null, 2)}\n`);
  if (failed > 0) console.error(`FAILED: ${failed} publishes were refused`);
} finally {
  client.close();
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
}
// the app's timers are closed, but do not wait for stragglers (the load generator's IPC): exit with the code set above
process.exit();
