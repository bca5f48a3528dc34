/**
 * @module store/job-runner
 * Runs the TimescaleDB jobs of the embedded database on their schedule. The embedded build has no
 * background workers, so nothing else would run retention, compression or the aggregates'
 * refreshes; a timer checks every `tickMs` which job is due and runs it. A job runs as short
 * statements (store/job-slices.ts: an aggregate refresh one bucket at a time, compression one
 * chunk at a time) in the background lane (store/db-gate.ts), so ingest commits and reads go
 * between its slices instead of waiting for the whole job; a failed slice fails the run.
 *
 * After the policy jobs, each tick runs a pass of the runner's own job, the autovacuum
 * (store/autovacuum.ts: PGlite has no autovacuum either), recorded like a policy job under job id
 * AUTOVACUUM_JOB_ID. Its other own job sizes readings' new chunks to the rate readings arrive at
 * (store/chunk-plan.ts), at start, every CHUNK_SIZING_EARLY_EVERY_MS in its first hour and then
 * every CHUNK_SIZING_EVERY_MS, and splits the chunk readings arrive in when the rate outgrew it;
 * recorded under CHUNK_SIZING_JOB_ID.
 *
 * Running a job outside TimescaleDB's scheduler does not update timescaledb_information.job_stats,
 * so the runner keeps each job's outcome itself (one record per run, whatever its slices) (start, duration, error, failure counts): store/job-health.ts reads them.
 */
import type { Logger } from '../lib/logger.js';
import { createAutovacuum } from './autovacuum.js';
import type { Db } from './db.js';
import { narrowOpenChunk, sizeChunks } from './chunk-plan.js';
import { jobSlices, type PolicyJobRow } from './job-slices.js';

/** What the runner knows of a job's runs since it started. */
export interface JobRunRecord {
  jobId: number;
  procName: string;
  /** ms since the epoch */
  lastRunStartedAt: number;
  lastRunDurationMs: number;
  lastRunOk: boolean;
  /** the last failure's message (kept after a success, for context) */
  lastError: string | null;
  lastErrorAt: number | null;
  lastSuccessAt: number | null;
  totalRuns: number;
  totalFailures: number;
  consecutiveFailures: number;
}

/** The autovacuum's job id in the runner's records (TimescaleDB's job ids start at 1). */
export const AUTOVACUUM_JOB_ID = 0;
/** Its name in the records, the job health and /metrics. */
export const AUTOVACUUM_JOB_NAME = 'autovacuum';
/** The chunk sizing's job id in the runner's records. */
export const CHUNK_SIZING_JOB_ID = -1;
/** Its name in the records, the job health and /metrics. */
export const CHUNK_SIZING_JOB_NAME = 'chunk sizing';
/** How often readings' chunk interval is checked against the arrival rate, ms. */
export const CHUNK_SIZING_EVERY_MS = 3_600_000;
/**
 * How often it is checked during the runner's first CHUNK_SIZING_EARLY_MS, ms: a fresh install's
 * fleet connects in its first minutes, and the chunk it writes into is split while it holds
 * minutes of readings, not an hour of them (store/chunk-plan.ts narrowOpenChunk).
 */
export const CHUNK_SIZING_EARLY_EVERY_MS = 300_000;
export const CHUNK_SIZING_EARLY_MS = 3_600_000;
/** How long close() waits for a run under way, ms. */
const CLOSE_WAIT_MS = 5_000;

export interface JobRunner {
  /** Runs every policy job once now, then an autovacuum pass (used at shutdown-free points and in tests). */
  runAll(): Promise<void>;
  /** Runs an autovacuum pass now (benches: the statistics a running app has, before timing). */
  runAutovacuum(): Promise<void>;
  /** Sizes readings' new chunks to the arrival rate now (store/chunk-plan.ts). */
  sizeChunks(): Promise<void>;
  /** Each job's runs so far, by job id (the autovacuum's: AUTOVACUUM_JOB_ID). */
  readonly runs: ReadonlyMap<number, JobRunRecord>;
  /** How often the runner ticks, ms: the autovacuum's schedule. */
  readonly tickMs: number;
  /** When the runner started (ms): a job never run is late counted from here. */
  readonly startedAt: number;
  /** Stops the timer and waits for a run under way, which stops after its current statement. */
  close(): Promise<void>;
}

/** Runs the policy jobs of the embedded database on their schedule (checked every tickMs). */
export function startEmbeddedJobRunner(database: Db, logger: Logger, tickMs = 60_000): JobRunner {
  // the listing and planning queries, and each kind of slice, under their own label in the gate's statistics
  const db = database.lane('background', 'job plan');
  const runs = new Map<number, JobRunRecord>();
  const started = Date.now();
  let running: Promise<void> | undefined;
  let closed = false;
  const autovacuum = createAutovacuum(database);
  // open chunks found too large to split: warned about once, not counted again
  const tooLarge = new Set<string>();

  async function jobs(): Promise<PolicyJobRow[]> {
    const { rows } = await db.query<PolicyJobRow>(
      `SELECT job_id, proc_name, (extract(epoch FROM schedule_interval) * 1000)::float8 AS schedule_interval_ms, hypertable_schema, hypertable_name, config
         FROM timescaledb_information.jobs WHERE proc_name LIKE 'policy_%' AND scheduled ORDER BY job_id`,
    );
    return rows;
  }

  /** Runs `work` as one run of job `jobId`, recording its outcome (a failure is logged, never thrown). */
  async function record(jobId: number, procName: string, work: () => Promise<unknown>): Promise<void> {
    const t0 = Date.now();
    const prev = runs.get(jobId);
    const rec: JobRunRecord = prev ?? {
      jobId,
      procName,
      lastRunStartedAt: t0,
      lastRunDurationMs: 0,
      lastRunOk: true,
      lastError: null,
      lastErrorAt: null,
      lastSuccessAt: null,
      totalRuns: 0,
      totalFailures: 0,
      consecutiveFailures: 0,
    };
    rec.lastRunStartedAt = t0;
    rec.totalRuns++;
    try {
      const detail = await work();
      rec.lastRunOk = true;
      rec.lastSuccessAt = Date.now();
      rec.consecutiveFailures = 0;
      logger.debug({ job: procName, ms: Date.now() - t0, ...(detail as object) }, 'database job ran');
    } catch (err) {
      rec.lastRunOk = false;
      rec.lastError = err instanceof Error ? err.message : String(err);
      rec.lastErrorAt = Date.now();
      rec.totalFailures++;
      rec.consecutiveFailures++;
      // A warning per run; store/job-monitor.ts logs the episode at error level once and raises it.
      logger.warn({ err, job: procName }, 'database job failed');
    }
    rec.lastRunDurationMs = Date.now() - t0;
    runs.set(jobId, rec);
  }

  function run(job: PolicyJobRow): Promise<void> {
    return record(job.job_id, job.proc_name, async () => {
      const slices = await jobSlices(db, job);
      for (const slice of slices) {
        if (closed) break;
        await database.lane('background', `job ${slice.kind}`).query(slice.text, slice.params);
      }
      return { slices: slices.length };
    });
  }

  function vacuum(): Promise<void> {
    return record(AUTOVACUUM_JOB_ID, AUTOVACUUM_JOB_NAME, async () => {
      const report = await autovacuum.run({ stopped: () => closed });
      if (report.steps.length > 0) logger.debug({ steps: report.steps.map((s) => `${s.op} ${s.name} (${s.reason}) ${Math.round(s.ms)} ms`) }, 'autovacuum');
      return { steps: report.steps.length, skipped: report.skipped };
    });
  }

  function sizing(): Promise<void> {
    return record(CHUNK_SIZING_JOB_ID, CHUNK_SIZING_JOB_NAME, async () => {
      const r = await sizeChunks(db);
      if (r.before !== r.after)
        logger.info(
          { rowsPerHour: Math.round(r.rowsPerHour), historyRowsPerHour: Math.round(r.historyRowsPerHour), beforeMinutes: r.before / 60_000, afterMinutes: r.after / 60_000 },
          'readings chunk interval changed',
        );
      const narrowed = r.rowsPerHour > 0 ? await narrowOpenChunk(db, r.after, { tooLarge }) : undefined;
      if (narrowed?.tooLarge) {
        tooLarge.add(narrowed.chunk);
        logger.warn(
          { chunk: narrowed.chunk, rows: narrowed.rows, end: new Date(narrowed.end).toISOString() },
          'readings chunk too large to split: its compression will hold the embedded database for a long statement',
        );
      } else if (narrowed)
        logger.info(
          {
            chunk: narrowed.chunk,
            rows: narrowed.rows,
            splitAt: new Date(narrowed.at).toISOString(),
            endWas: new Date(narrowed.end).toISOString(),
            dropped: narrowed.dropped,
            splitMs: Math.round(narrowed.splitMs),
          },
          'readings chunk split: the rate outgrew it',
        );
      return { rowsPerHour: Math.round(r.rowsPerHour), intervalMinutes: r.after / 60_000, ...(narrowed && !narrowed.tooLarge ? { splitMs: Math.round(narrowed.splitMs) } : {}) };
    });
  }

  async function tick(): Promise<void> {
    const sized = runs.get(CHUNK_SIZING_JOB_ID);
    const sizingEvery = Date.now() - started < CHUNK_SIZING_EARLY_MS ? CHUNK_SIZING_EARLY_EVERY_MS : CHUNK_SIZING_EVERY_MS;
    if (!sized || Date.now() - sized.lastRunStartedAt >= sizingEvery) await sizing();
    for (const job of await jobs()) {
      if (closed) return;
      const rec = runs.get(job.job_id);
      const last = rec ? rec.lastRunStartedAt + rec.lastRunDurationMs : started;
      if (Date.now() - last >= job.schedule_interval_ms) await run(job);
    }
    if (!closed) await vacuum();
  }

  const timer = setInterval(() => {
    if (running) return;
    running = tick()
      .catch((err: unknown) => logger.error({ err }, 'policy job runner failed'))
      .finally(() => {
        running = undefined;
      });
  }, tickMs);
  timer.unref();
  // sized at once: a fresh database's first chunk is not given migration 001's 7 days
  running = sizing().finally(() => {
    running = undefined;
  });

  return {
    async runAll() {
      for (const job of await jobs()) await run(job);
      await vacuum();
    },
    runAutovacuum: vacuum,
    sizeChunks: sizing,
    runs,
    tickMs,
    startedAt: started,
    async close() {
      closed = true;
      clearInterval(timer);
      // its failure was logged by the timer's catch; a statement that never answers (the database
      // gone) does not hold the close past CLOSE_WAIT_MS
      if (running) {
        let bound: NodeJS.Timeout | undefined;
        await Promise.race([Promise.allSettled([running]), new Promise((resolve) => (bound = setTimeout(resolve, CLOSE_WAIT_MS)))]);
        clearTimeout(bound);
      }
    },
  };
}
