/**
 * Compression on the embedded database at an agency's load (issue 20): `npx tsx bench/compression-slices.ts [--hours 6]`.
 * The embedded database has one connection and compress_chunk cannot be cut, so the longest
 * statement of the compression job is how long an ingest commit may wait behind it. A fresh
 * embedded database, `--hours` of an agency's fleet (1,000 stations × 10 metrics a minute, 600,000
 * rows an hour), 10 days back:
 *   1. in chunks sized as store/chunk-plan.ts sizes them for that rate; the compression job's
 *      statements (store/job-slices.ts) run one by one, three runs (compress; merge; clear the
 *      merge's mark), each statement timed;
 *   2. the same hours in one chunk (what migration 001's 7-day chunks hold for them), compressed
 *      by one compress_chunk;
 *   0. first, a fresh install: the chunk sizing of an empty database (a day), the fleet's first
 *      `--fresh-minutes` (5) of readings written at now, then the sizing as the job runner runs it
 *      in its first hour: how long the split of the chunk they went into took, and where it ends.
 * Prints per kind of statement the count, the longest and the total, and the one chunk's time.
 */
import { rmSync } from 'node:fs';
import { resolveConfig } from '../config/index.js';
import { createLogger } from '../lib/logger.js';
import { chunkIntervalFor, narrowOpenChunk, openChunk, sizeChunks } from '../store/chunk-plan.js';
import { createStore } from '../store/index.js';
import { jobSlices, type PolicyJobRow } from '../store/job-slices.js';
import { tempDataDir } from '../test/helpers/app.js';
import { machine } from './lib.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const HOURS = arg('--hours', 6);
const FRESH_MINUTES = arg('--fresh-minutes', 5);
const STATIONS = 1000;
const METRICS = 10;
const ROWS_PER_HOUR = STATIONS * METRICS * 60;

const dataDir = tempDataDir();
const store = await createStore(resolveConfig({ dataDir, logLevel: 'silent' }), createLogger('silent'));
const db = store.db;

/** `HOURS` of the fleet starting `daysBack` days ago at a whole day, in chunks of `intervalMs`. */
async function seed(daysBack: number, intervalMs: number): Promise<number> {
  await db.query(`SELECT set_chunk_time_interval('readings', make_interval(secs => $1::float8))`, [intervalMs / 1000]);
  const r = await db.query(
    `INSERT INTO readings (station_id, metric, ts, value, quality)
     SELECT 'S-' || s, 'm' || m, t, (extract(epoch FROM t)::int8 / 60 + s) % 97 + random(), 0
       FROM generate_series(date_trunc('day', now()) - make_interval(days => $1::int), date_trunc('day', now()) - make_interval(days => $1::int) + make_interval(hours => $2::int) - interval '1 minute', interval '1 minute') t,
            generate_series(1, $3::int) s, generate_series(1, $4::int) m`,
    [daysBack, HOURS, STATIONS, METRICS],
  );
  return r.rowCount ?? 0;
}

/** 0. A fresh install (see the header). */
async function freshInstall(): Promise<void> {
  const empty = await sizeChunks(db);
  const r = await db.query(
    `INSERT INTO readings (station_id, metric, ts, value, quality)
     SELECT 'S-' || s, 'm' || m, t, random(), 0
       FROM generate_series(date_trunc('minute', now()) - make_interval(mins => $1::int - 1), date_trunc('minute', now()), interval '1 minute') t,
            generate_series(1, $2::int) s, generate_series(1, $3::int) m`,
    [FRESH_MINUTES, STATIONS, METRICS],
  );
  const before = await openChunk(db);
  const sized = await sizeChunks(db);
  const narrowed = await narrowOpenChunk(db, sized.after);
  const after = await openChunk(db);
  const hours = (ms: number) => `${((ms - Date.now()) / 3_600_000).toFixed(1)} h`;
  const minutes = (ms: number) => `${Math.round((ms - Date.now()) / 60_000)} min`;
  console.log(
    `\nfresh install: first chunk ${empty.after / 3_600_000} h; after ${FRESH_MINUTES} min of the fleet (${(r.rowCount ?? 0).toLocaleString('en')} rows) the sizing set ${sized.after / 60_000} min and ` +
      (narrowed
        ? `split the chunk in ${Math.round(narrowed.splitMs)} ms: it ended ${hours(before!.end)} from now, now ${minutes(after!.end)}${narrowed.dropped ? '' : ' (the part past the split kept: not empty)'}`
        : `did not split it (it ends ${hours(before!.end)} from now)`),
  );
  await db.query(`DELETE FROM readings`);
  await db.query(`SELECT drop_chunks('readings', older_than => now() + interval '30 days')`);
}

try {
  await freshInstall();
  const interval = chunkIntervalFor(ROWS_PER_HOUR);
  let t0 = performance.now();
  const rows = await seed(10, interval);
  console.log(
    `\nQuantrac compression bench: ${rows.toLocaleString('en')} rows (${HOURS} h of ${STATIONS} stations × ${METRICS} metrics a minute) seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s, chunks of ${interval / 60_000} min`,
  );
  const { rows: jobs } = await db.query<PolicyJobRow>(
    `SELECT job_id, proc_name, (extract(epoch FROM schedule_interval) * 1000)::float8 AS schedule_interval_ms, hypertable_schema, hypertable_name, config
       FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression'`,
  );
  const stats = new Map<string, { n: number; max: number; total: number }>();
  for (let run = 0; run < 3; run++) {
    for (const slice of await jobSlices(db, jobs[0]!)) {
      t0 = performance.now();
      await db.query(slice.text, slice.params);
      const ms = performance.now() - t0;
      const s = stats.get(slice.kind) ?? { n: 0, max: 0, total: 0 };
      s.n++;
      s.max = Math.max(s.max, ms);
      s.total += ms;
      stats.set(slice.kind, s);
    }
  }
  const { rows: left } = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM timescaledb_information.chunks WHERE hypertable_name = 'readings' AND range_end < now() - interval '9 days'`,
  );
  console.log(`| Statement | Count | Longest ms | Total ms |\n|---|---|---|---|`);
  for (const [kind, s] of stats) console.log(`| ${kind} | ${s.n} | ${Math.round(s.max)} | ${Math.round(s.total)} |`);
  console.log(`chunks left for those hours: ${left[0]!.n}`);

  const one = await seed(20, 7 * 86_400_000);
  const { rows: ch } = await db.query<{ c: string }>(
    `SELECT format('%I.%I', chunk_schema, chunk_name) AS c FROM timescaledb_information.chunks WHERE hypertable_name = 'readings' AND range_start <= date_trunc('day', now()) - interval '20 days' AND range_end > date_trunc('day', now()) - interval '20 days'`,
  );
  t0 = performance.now();
  await db.query(`SELECT compress_chunk($1::regclass)`, [ch[0]!.c]);
  console.log(`the same ${one.toLocaleString('en')} rows in one chunk: compress_chunk ${Math.round(performance.now() - t0)} ms`);
  console.log(machine());
} finally {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
}
