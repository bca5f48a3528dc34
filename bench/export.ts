/**
 * Export benchmark (issue 20): `npx tsx bench/export.ts` (10 M rows), `--quick` (1 M rows) or
 * `--rows N`; `--format csv|ndjson` for one format only (default both); `--trace N`; `--compress`.
 * A fresh embedded app in this process, seeded with SQL `INSERT … SELECT … generate_series`
 * (10 stations × 10 metrics × N/100 minutes, values with two decimals), then
 * `GET /api/v1/export` over real HTTP for the whole range, as CSV and as NDJSON: rows, bytes,
 * rows/s, MB/s, the process's CPU seconds (both threads: a figure the other load of a shared
 * machine disturbs less than rows/s), its RSS before the export, at its peak (sampled every
 * 100 ms) and at the end, the main thread's V8 heap and array buffers at their peaks, and the
 * database worker's WebAssembly memory and V8 heap (+ external) at their peaks (asked every
 * 250 ms, answered between two page queries). `--trace N` prints a line every N rows: rows/s
 * since the last line and the memory figures, to see whether pages slow down or memory grows
 * along the export. The HTTP client reading the body runs in its own process (bench/http-client.ts,
 * counting newlines with Buffer.indexOf), as an analyst's does: the CPU and memory figures are
 * the app's (both its threads), the client's are not in them. Compression is off
 * (`compressAfterDays: 0`) so no policy job runs during the export; `--compress` compresses every
 * chunk after the seed (compress_chunk, as the policy would: segmented by station and metric), to
 * measure the export over compressed chunks (the pages then read the compressed batches
 * overlapping their time window, store/export.ts).
 */
import { rmSync } from 'node:fs';
import { createApp } from '../app.js';
import { tempDataDir } from '../test/helpers/app.js';
import { login, registerStation } from '../test/helpers/child-app.js';
import { limitHeapGrowth } from '../lib/heap.js';
import { httpClient } from './lib.js';

// the app in this process runs with the heap growth main.ts sets (lib/heap.ts)
limitHeapGrowth();

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const ROWS = Number(arg('--rows') ?? (args.includes('--quick') ? 1_000_000 : 10_000_000));
const FORMATS = (arg('--format') ? [arg('--format')!] : ['csv', 'ndjson']) as Array<'csv' | 'ndjson'>;
const METRICS = ['pm25', 'pm10', 'tsp', 'so2', 'no2', 'co', 'o3', 'temp', 'rh', 'pressure'];
const STATIONS = 10;
/** `--trace N`: a line every N rows (rows/s since the last line, main-thread and worker memory) */
const TRACE_EVERY = Number(arg('--trace') ?? 0);
const COMPRESS = args.includes('--compress');
const MINUTES = Math.max(1, Math.round(ROWS / (STATIONS * METRICS.length)));
const MIN = 60_000;
const START = Date.parse('2026-01-01T00:00:00Z');
const END = START + MINUTES * MIN;

const dataDir = tempDataDir();
const app = await createApp({
  dataDir,
  host: '127.0.0.1',
  mqtt: { port: 0 },
  http: { port: 0 },
  simulate: 0,
  logLevel: 'warn',
  adminPassword: 'bench-admin-password',
  alerts: { tickMs: 0, indexThrottleMs: 0 },
  analytics: { rateLimitPerMinute: 1_000_000, maxExportDays: 36_600 },
  store: { compressAfterDays: 0 },
});
const base = `http://127.0.0.1:${app.ports.http}`;
// the export is read by a client in its own process, as an analyst's is (bench/http-client.ts)
const client = await httpClient();
try {
  const token = await login(base, 'admin', 'bench-admin-password');
  const auth = { authorization: `Bearer ${token}` };
  const ids = Array.from({ length: STATIONS }, (_, i) => `X-${String(i).padStart(2, '0')}`);
  for (const id of ids) await registerStation(base, token, id);

  // seed: one statement per station and 10,000 minutes (100,000 rows), values with two decimals
  const db = app.store.db;
  let t0 = performance.now();
  const SLICE = 10_000;
  for (const id of ids) {
    for (let m = 0; m < MINUTES; m += SLICE) {
      await db.query(
        `INSERT INTO readings (station_id, metric, ts, value, quality)
         SELECT $1, mt.m, $2::timestamptz + make_interval(mins => i), ((i * 7919 + mt.k * 131) % 100000) / 100.0, 0
           FROM generate_series($3::int, $4::int) AS i, unnest($5::text[]) WITH ORDINALITY AS mt(m, k)`,
        [id, new Date(START), m, Math.min(MINUTES, m + SLICE) - 1, METRICS],
      );
    }
  }
  let compressed = '';
  if (COMPRESS) {
    const c0 = performance.now();
    const { rows: chunks } = await db.query<{ c: string }>(`SELECT show_chunks('readings')::text AS c`);
    for (const c of chunks) await db.query(`SELECT compress_chunk($1::regclass, if_not_compressed => true)`, [c.c]);
    compressed = `, ${chunks.length} chunks compressed in ${((performance.now() - c0) / 1000).toFixed(1)} s`;
  }
  // the statistics a running app has: its autovacuum pass (store/autovacuum.ts; the embedded database has none of its own)
  await app.store.runMaintenance();
  const seedS = (performance.now() - t0) / 1000;
  const expected = STATIONS * METRICS.length * MINUTES;
  console.log(
    `\nQuantrac export bench: ${expected.toLocaleString('en')} rows (${STATIONS} stations × ${METRICS.length} metrics × ${MINUTES.toLocaleString('en')} minutes) seeded in ${seedS.toFixed(1)} s${compressed}`,
  );
  console.log("(the HTTP client runs in its own process; CPU and RSS are the app's, its embedded database worker included)\n");
  console.log(
    '| Format | Rows | MB | Seconds | Rows/s | MB/s | CPU s | RSS before MB | RSS peak MB | RSS end MB | JS heap peak MB | buffers peak MB | DB WASM peak MB | DB worker heap peak MB |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');

  for (const format of FORMATS) {
    global.gc?.();
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    // the main thread's V8 heap and buffers at their peaks (the database worker's WebAssembly heap is in RSS only)
    let heapPeak = 0;
    let buffersPeak = 0;
    const sample = () => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.rss);
      heapPeak = Math.max(heapPeak, m.heapUsed);
      buffersPeak = Math.max(buffersPeak, m.arrayBuffers);
    };
    const sampler = setInterval(sample, 100);
    // the database worker: its WebAssembly memory and V8 heap, asked between two page queries
    const embedded = app.store.db.embedded;
    let wasmPeak = 0;
    let workerHeapPeak = 0;
    let workerAsked = false;
    const sampleWorker = () => {
      if (!embedded || workerAsked) return;
      workerAsked = true;
      void embedded.memory().then(
        (w) => {
          workerAsked = false;
          wasmPeak = Math.max(wasmPeak, w.wasmBytes);
          workerHeapPeak = Math.max(workerHeapPeak, w.heapUsedBytes + w.externalBytes);
        },
        () => (workerAsked = false),
      );
    };
    const workerSampler = setInterval(sampleWorker, 250);
    const mb = (n: number) => Math.round(n / 1e6);
    let traceT = performance.now();
    let traceLines = 0;
    const trace = (lines: number) => {
      const now = performance.now();
      const m = process.memoryUsage();
      console.log(
        `  ${format} ${lines.toLocaleString('en')} rows, ${((now - t0) / 1000).toFixed(1)} s: ${Math.round(((lines - traceLines) / (now - traceT)) * 1000).toLocaleString('en')} rows/s since last, rss ${mb(m.rss)} heap ${mb(m.heapUsed)} external ${mb(m.external)} buffers ${mb(m.arrayBuffers)}, worker wasm ${mb(wasmPeak)} heap+ext ${mb(workerHeapPeak)} MB`,
      );
      traceT = now;
      traceLines = lines;
    };
    const cpu0 = process.cpuUsage();
    t0 = performance.now();
    const exp = await client.stream(
      `${base}/api/v1/export?stations=${ids.join(',')}&from=${new Date(START).toISOString()}&to=${new Date(END).toISOString()}&format=${format}`,
      auth,
      { progressEvery: TRACE_EVERY, onProgress: trace },
    );
    const { lines, bytes } = exp;
    const s = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    clearInterval(sampler);
    clearInterval(workerSampler);
    sample();
    global.gc?.();
    const rssEnd = process.memoryUsage().rss;
    const rows = format === 'csv' ? lines - 1 : lines;
    if (rows !== expected) throw new Error(`${format}: ${rows} rows, expected ${expected}`);
    console.log(
      `| ${format} | ${rows.toLocaleString('en')} | ${(bytes / 1e6).toFixed(0)} | ${s.toFixed(1)} | ${Math.round(rows / s).toLocaleString('en')} | ${(bytes / 1e6 / s).toFixed(1)} | ${((cpu.user + cpu.system) / 1e6).toFixed(1)} | ${mb(rss0)} | ${mb(peak)} | ${mb(rssEnd)} | ${mb(heapPeak)} | ${mb(buffersPeak)} | ${mb(wasmPeak)} | ${mb(workerHeapPeak)} |`,
    );
  }
} finally {
  client.close();
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
}
