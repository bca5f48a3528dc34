/**
 * The embedded job runner runs each policy job as short statements (store/job-slices.ts) and must
 * leave the database as `CALL run_job(id)` would: on the real embedded TimescaleDB, the aggregates
 * after a sliced refresh equal the ones TimescaleDB's own job materializes for the same readings,
 * and the sliced compression compresses the chunks the policy compresses (the limit honoured,
 * a partially compressed chunk compressed again). A failing slice fails the run, recorded once.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/index.js';
import { createLogger } from '../lib/logger.js';
import { tempDataDir } from '../test/helpers/app.js';
import { createStore, type Store } from './index.js';
import { startEmbeddedJobRunner, type JobRunner } from './job-runner.js';
import { jobSlices, type PolicyJobRow } from './job-slices.js';

const dataDir = tempDataDir();
let store: Store;
let runner: JobRunner;
const HOUR = 3_600_000;

beforeAll(async () => {
  store = await createStore(resolveConfig({ dataDir, logLevel: 'silent' }), createLogger('silent'));
  runner = startEmbeddedJobRunner(store.db, createLogger('silent'), 3_600_000);
  // its chunk sizing at start done before any reading is written (chunks of a day: store/chunk-plan.ts)
  await runner.sizeChunks();
});
afterAll(async () => {
  await runner?.close();
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function policyJobs(): Promise<PolicyJobRow[]> {
  const { rows } = await store.db.query<PolicyJobRow>(
    `SELECT job_id, proc_name, (extract(epoch FROM schedule_interval) * 1000)::float8 AS schedule_interval_ms, hypertable_schema, hypertable_name, config
       FROM timescaledb_information.jobs WHERE proc_name LIKE 'policy_%' AND scheduled ORDER BY job_id`,
  );
  return rows;
}

/** Two metrics every 10 minutes over the last 10 days, values varying by time. */
async function seed(stationId: string): Promise<void> {
  await store.db.query(
    `INSERT INTO readings (station_id, metric, ts, value, quality)
     SELECT $1, m, g, (extract(epoch FROM g) / 600)::bigint % 97 + length(m), CASE WHEN (extract(epoch FROM g) / 600)::bigint % 13 = 0 THEN 1 ELSE 0 END
       FROM generate_series(date_trunc('minute', now()) - interval '10 days', now(), interval '10 minutes') AS g, unnest(ARRAY['pm25', 'no2']) AS m`,
    [stationId],
  );
}

/** The compress_chunk slices of a compression job (its merges left out). */
async function compressSlices(job: PolicyJobRow) {
  return (await jobSlices(store.db, job)).filter((s) => s.kind === 'compress');
}

/** The materialized rows of an aggregate for one station (the materialization table: not the real-time part). */
async function materialized(view: string, stationId: string, between: readonly [number, number] = [0, 8.64e15]): Promise<string[]> {
  const { rows: mat } = await store.db.query<{ t: string }>(
    `SELECT format('%I.%I', materialization_hypertable_schema, materialization_hypertable_name) AS t FROM timescaledb_information.continuous_aggregates WHERE view_name = $1`,
    [view],
  );
  const { rows } = await store.db.query<{ r: string }>(
    `SELECT (to_jsonb(m) - 'station_id')::text AS r FROM ${mat[0]!.t} m WHERE station_id = $1 AND bucket BETWEEN $2 AND $3 ORDER BY bucket, metric`,
    [stationId, new Date(between[0]), new Date(between[1])],
  );
  return rows.map((r) => r.r);
}

async function compressedChunks(): Promise<string[]> {
  const { rows } = await store.db.query<{ c: string }>(
    `SELECT chunk_name AS c FROM timescaledb_information.chunks WHERE hypertable_name = 'readings' AND is_compressed ORDER BY range_start`,
  );
  return rows.map((r) => r.c);
}

describe('embedded job runner, sliced', () => {
  it('refreshes the aggregates to what run_job materializes, one bucket per statement', async () => {
    const jobs = await policyJobs();
    const refreshes = jobs.filter((j) => j.proc_name === 'policy_refresh_continuous_aggregate');
    // readings_hourly, readings_daily and any other aggregate with a refresh policy
    const views = refreshes.map((j) => j.hypertable_name!);
    expect(views).toEqual(expect.arrayContaining(['readings_hourly', 'readings_daily']));
    const hourly = await jobSlices(
      store.db,
      refreshes.find((j) => j.hypertable_name === 'readings_hourly')!,
    );
    // the whole hours from 7 days back to an hour back: 166 slices of one hour each
    expect(hourly).toHaveLength(166);
    for (const s of hourly) expect(Date.parse(String(s.params[2])) - Date.parse(String(s.params[1]))).toBe(HOUR);

    await seed('SLICED');
    const hour0 = Math.floor(Date.now() / HOUR);
    for (const job of refreshes) await runSliced(job);
    const all = async (stationId: string) => Object.fromEntries(await Promise.all(views.map(async (v) => [v, await materialized(v, stationId)] as const)));
    const sliced = await all('SLICED');
    expect(sliced['readings_hourly']!.length).toBeGreaterThan(2 * 160);
    // readings_daily rolls up readings_hourly's materialized hours, which reach 7 days back: the
    // oldest day of its window has none of them when that is under an hour of the day (from 23:00
    // local time), so 6 or 7 whole days (found failing at 23:56 Asia/Ho_Chi_Minh)
    expect(sliced['readings_daily']!.length).toBeGreaterThanOrEqual(2 * 6);

    // the same readings for another station, materialized by TimescaleDB's own job
    await seed('RUN_JOB');
    for (const job of refreshes) await store.db.query('CALL run_job($1)', [job.job_id]);
    const byJob = await all('RUN_JOB');
    if (Math.floor(Date.now() / HOUR) === hour0) {
      expect(byJob).toEqual(sliced);
    } else {
      // an hour began between the two runs: their windows differ at each end; compare the days between
      const inner = [Date.now() - 6 * 24 * HOUR, Date.now() - 24 * HOUR] as const;
      for (const view of views) expect(await materialized(view, 'RUN_JOB', inner)).toEqual(await materialized(view, 'SLICED', inner));
    }
    // run_job refreshed the first station's buckets again (its readings were invalidated with the second's): unchanged
    expect(await all('SLICED')).toEqual(sliced);
  });

  it('issues no refresh for buckets nothing invalidated; a late reading has its buckets refreshed', async () => {
    const refreshes = (await policyJobs()).filter((j) => j.proc_name === 'policy_refresh_continuous_aggregate');
    const view = (j: PolicyJobRow) => j.hypertable_name!;
    const inOrder = ['readings_hourly', 'readings_daily'].map((v) => refreshes.find((j) => view(j) === v)!);
    for (const job of inOrder) await runSliced(job);
    // up to date: no statement at all (but for a bucket that an hour beginning since has brought into the window)
    const idle = await jobSlices(store.db, inOrder[0]!);
    for (const s of idle) expect(Date.parse(String(s.params[1]))).toBeGreaterThan(Date.now() - 3 * HOUR);

    // a station's late reading, three days back, in a bucket materialized already
    const at = Math.floor((Date.now() - 3 * 24 * HOUR) / HOUR) * HOUR + 10 * 60_000;
    await store.db.query(`INSERT INTO readings (station_id, metric, ts, value) VALUES ('LATE', 'pm25', $1, 42)`, [new Date(at)]);
    const late = (await jobSlices(store.db, inOrder[0]!)).filter((s) => Date.parse(String(s.params[1])) < Date.now() - 3 * HOUR);
    expect(late.map((s) => [Date.parse(String(s.params[1])), Date.parse(String(s.params[2]))])).toEqual([[at - 10 * 60_000, at + 50 * 60_000]]);
    for (const job of inOrder) await runSliced(job);
    // materialized in the hourly aggregate, and from it in the daily one (an aggregate on an aggregate)
    expect(await materialized('readings_hourly', 'LATE')).toHaveLength(1);
    expect(await materialized('readings_daily', 'LATE')).toHaveLength(1);
    expect((await jobSlices(store.db, inOrder[1]!)).filter((s) => Date.parse(String(s.params[2])) < Date.now() - 2 * 24 * HOUR)).toEqual([]);
  });

  it('compresses the chunks the policy compresses, one per statement, within its limit', async () => {
    const [compression] = (await policyJobs()).filter((j) => j.proc_name === 'policy_compression');
    // readings 30 days back: several chunks older than compress_after
    await store.db.query(
      `INSERT INTO readings (station_id, metric, ts, value) SELECT 'OLD', 'pm25', g, 1 FROM generate_series(now() - interval '30 days', now(), interval '30 minutes') AS g`,
    );
    await store.db.query('CALL run_job($1)', [compression!.job_id]);
    const byJob = await compressedChunks();
    expect(byJob.length).toBeGreaterThanOrEqual(3);
    for (const c of byJob)
      await store.db.query(`SELECT decompress_chunk(format('%I.%I', chunk_schema, chunk_name)::regclass) FROM timescaledb_information.chunks WHERE chunk_name = $1`, [c]);
    expect(await compressedChunks()).toEqual([]);

    // a limit of one chunk a run, as the policy's config says
    await store.db.query(`SELECT alter_job($1, config => $2::jsonb)`, [compression!.job_id, JSON.stringify({ ...compression!.config, maxchunks_to_compress: 1 })]);
    const [limited] = (await policyJobs()).filter((j) => j.proc_name === 'policy_compression');
    expect(await compressSlices(limited!)).toHaveLength(1);
    await store.db.query(`SELECT alter_job($1, config => $2::jsonb)`, [compression!.job_id, JSON.stringify(compression!.config)]);

    const slices = await jobSlices(store.db, compression!);
    // nothing compressed yet: nothing to merge (store/chunk-plan.ts)
    expect(slices.map((s) => s.kind)).toEqual(byJob.map(() => 'compress'));
    await runSliced(compression!);
    expect(await compressedChunks()).toEqual(byJob);

    // a reading written into a compressed chunk leaves it partially compressed: the next run compresses it again
    await store.db.query(`INSERT INTO readings (station_id, metric, ts, value) VALUES ('OLD', 'no2', now() - interval '29 days', 2)`);
    expect(await compressSlices(compression!)).toHaveLength(1);
    // each run also merges the chunks compressed before it; a merged chunk is marked partially
    // compressed, compressed again (nothing in it to compress) by the next run and merged with its
    // neighbours by the one after, so the groups the partial chunk split come together over a few
    // runs (how many depends on where the date puts the 7-day windows), then nothing is left to do
    for (let run = 0; run < 10 && (await jobSlices(store.db, compression!)).length > 0; run++) await runSliced(compression!);
    expect(await jobSlices(store.db, compression!)).toHaveLength(0);
    expect(await compressSlices(compression!)).toHaveLength(0);
  });

  it('records one run per job; a failing slice fails the run with its message', async () => {
    const [compression] = (await policyJobs()).filter((j) => j.proc_name === 'policy_compression');
    await store.db.query(`SELECT alter_job($1, config => $2::jsonb)`, [compression!.job_id, JSON.stringify({ ...compression!.config, maxchunks_to_compress: 'x' })]);
    try {
      await runner.runAll();
    } finally {
      await store.db.query(`SELECT alter_job($1, config => $2::jsonb)`, [compression!.job_id, JSON.stringify(compression!.config)]);
    }
    const failed = runner.runs.get(compression!.job_id)!;
    expect(failed).toMatchObject({ totalRuns: 1, totalFailures: 1, lastRunOk: false, lastError: expect.stringMatching(/invalid input syntax/) });
    await runner.runAll();
    expect(runner.runs.get(compression!.job_id)).toMatchObject({ totalRuns: 2, totalFailures: 1, consecutiveFailures: 0, lastRunOk: true });
    for (const job of await policyJobs()) expect(runner.runs.get(job.job_id)?.totalRuns).toBe(2);
  });
});

async function runSliced(job: PolicyJobRow): Promise<void> {
  for (const s of await jobSlices(store.db.lane('background'), job)) await store.db.lane('background').query(s.text, s.params);
}
