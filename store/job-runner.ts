/**
 * @module store/job-runner
 * Runs the TimescaleDB jobs of the embedded database on their schedule. The embedded build has no
 * background workers, so nothing else would run retention, compression or the aggregates'
 * refreshes; a timer checks every `tickMs` which job is due and runs it. A job runs as short
 * statements (store/job-slices.ts: an aggregate refresh one bucket at a time, compression one
 * chunk at a time) in the background lane (store/db-gate.ts), so ingest commits and reads go
 * between its slices instead of waiting for the whole job; a failed slice fails the run.
 *
 * Running a job outside TimescaleDB's scheduler does not update timescaledb_information.job_stats,
 * so the runner keeps each job's outcome itself (one record per run, whatever its slices) (start, duration, error, failure counts): store/job-health.ts reads them.
 */
import type { Logger } from '../lib/logger.js';
import type { Db } from './db.js';
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

export interface JobRunner {
  /** Runs every policy job once now (used at shutdown-free points and in tests). */
  runAll(): Promise<void>;
  /** Each job's runs so far, by job id. */
  readonly runs: ReadonlyMap<number, JobRunRecord>;
  /** When the runner started (ms): a job never run is late counted from here. */
  readonly startedAt: number;
  close(): void;
}

/** Runs the policy jobs of the embedded database on their schedule (checked every tickMs). */
export function startEmbeddedJobRunner(database: Db, logger: Logger, tickMs = 60_000): JobRunner {
  // the listing and planning queries, and each kind of slice, under their own label in the gate's statistics
  const db = database.lane('background', 'job plan');
  const runs = new Map<number, JobRunRecord>();
  const started = Date.now();
  let running: Promise<void> | undefined;

  async function jobs(): Promise<PolicyJobRow[]> {
    const { rows } = await db.query<PolicyJobRow>(
      `SELECT job_id, proc_name, (extract(epoch FROM schedule_interval) * 1000)::float8 AS schedule_interval_ms, hypertable_schema, hypertable_name, config
         FROM timescaledb_information.jobs WHERE proc_name LIKE 'policy_%' AND scheduled ORDER BY job_id`,
    );
    return rows;
  }

  async function run(job: PolicyJobRow): Promise<void> {
    const t0 = Date.now();
    const prev = runs.get(job.job_id);
    const record: JobRunRecord = prev ?? {
      jobId: job.job_id,
      procName: job.proc_name,
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
    record.lastRunStartedAt = t0;
    record.totalRuns++;
    try {
      const slices = await jobSlices(db, job);
      for (const slice of slices) await database.lane('background', `job ${slice.kind}`).query(slice.text, slice.params);
      record.lastRunOk = true;
      record.lastSuccessAt = Date.now();
      record.consecutiveFailures = 0;
      logger.debug({ job: job.proc_name, ms: Date.now() - t0, slices: slices.length }, 'policy job ran');
    } catch (err) {
      record.lastRunOk = false;
      record.lastError = err instanceof Error ? err.message : String(err);
      record.lastErrorAt = Date.now();
      record.totalFailures++;
      record.consecutiveFailures++;
      // A warning per run; store/job-monitor.ts logs the episode at error level once and raises it.
      logger.warn({ err, job: job.proc_name }, 'policy job failed');
    }
    record.lastRunDurationMs = Date.now() - t0;
    runs.set(job.job_id, record);
  }

  async function tick(): Promise<void> {
    for (const job of await jobs()) {
      const rec = runs.get(job.job_id);
      const last = rec ? rec.lastRunStartedAt + rec.lastRunDurationMs : started;
      if (Date.now() - last >= job.schedule_interval_ms) await run(job);
    }
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

  return {
    async runAll() {
      for (const job of await jobs()) await run(job);
    },
    runs,
    startedAt: started,
    close() {
      clearInterval(timer);
    },
  };
}
