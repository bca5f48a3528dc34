/**
 * @module store/job-health
 * The health of the database's background jobs (retention, compression, aggregate refreshes).
 * A TimescaleDB server runs them with its own scheduler and records the outcome in
 * timescaledb_information.job_stats and job_errors (TimescaleDB 2.9 and later); a job that keeps
 * failing there is only visible in those views (issue #17: every policy job Failed on
 * PostgreSQL 15.20, the scheduler backing off, and nothing said so). The embedded database has
 * no scheduler: store/job-runner.ts runs its jobs and keeps their outcomes in memory.
 *
 * `readJobHealth` gives one shape for both; `assessJobs` says which jobs are failing (their last
 * run failed) and which are late (not run for two schedule intervals past their due time).
 */
import type { Db } from './db.js';
import { AUTOVACUUM_JOB_ID, AUTOVACUUM_JOB_NAME, CHUNK_SIZING_EVERY_MS, CHUNK_SIZING_JOB_ID, CHUNK_SIZING_JOB_NAME, type JobRunRecord } from './job-runner.js';

export interface JobHealth {
  jobId: number;
  /** `<proc> <target>`, e.g. `policy_refresh_continuous_aggregate readings_daily` */
  name: string;
  scheduleIntervalMs: number;
  lastRunStatus: 'success' | 'failed' | null;
  /** ms since the epoch, or null when never run */
  lastRunStartedAt: number | null;
  lastSuccessAt: number | null;
  totalRuns: number;
  totalFailures: number;
  /** failures in a row (null where the server does not say) */
  consecutiveFailures: number | null;
  lastError: string | null;
  /** the job is late once this instant has passed (null: cannot be late, e.g. paused) */
  lateAfter: number | null;
}

/** The embedded job runner's records (store/job-runner.ts). */
export interface EmbeddedJobRuns {
  readonly runs: ReadonlyMap<number, JobRunRecord>;
  readonly startedAt: number;
  /** the runner's tick: the schedule of its own job, the autovacuum (store/autovacuum.ts) */
  readonly tickMs: number;
}

/** How many schedule intervals a job may be overdue before it counts as late. */
export const LATE_INTERVALS = 2;

interface JobListRow {
  job_id: number;
  name: string;
  schedule_ms: number;
  scheduled: boolean;
}

async function listJobs(db: Db): Promise<JobListRow[]> {
  const { rows } = await db.query<JobListRow>(
    `SELECT j.job_id, j.proc_name || coalesce(' ' || coalesce(c.view_name, j.hypertable_name), '') AS name,
            (extract(epoch FROM j.schedule_interval) * 1000)::float8 AS schedule_ms, j.scheduled
       FROM timescaledb_information.jobs j
       LEFT JOIN timescaledb_information.continuous_aggregates c
         ON c.materialization_hypertable_schema = j.hypertable_schema AND c.materialization_hypertable_name = j.hypertable_name
      WHERE j.proc_name LIKE 'policy_%' ORDER BY j.job_id`,
  );
  return rows;
}

/** The jobs' health from the embedded runner's records: the policy jobs, then the runner's autovacuum and chunk sizing. */
function embeddedHealth(policies: JobListRow[], embedded: EmbeddedJobRuns): JobHealth[] {
  const jobs: JobListRow[] = [
    ...policies,
    { job_id: AUTOVACUUM_JOB_ID, name: AUTOVACUUM_JOB_NAME, schedule_ms: embedded.tickMs, scheduled: true },
    { job_id: CHUNK_SIZING_JOB_ID, name: CHUNK_SIZING_JOB_NAME, schedule_ms: Math.max(embedded.tickMs, CHUNK_SIZING_EVERY_MS), scheduled: true },
  ];
  return jobs.map((j) => {
    const r = embedded.runs.get(j.job_id);
    const lastRun = r ? r.lastRunStartedAt + r.lastRunDurationMs : embedded.startedAt;
    return {
      jobId: j.job_id,
      name: j.name,
      scheduleIntervalMs: j.schedule_ms,
      lastRunStatus: r ? (r.lastRunOk ? 'success' : 'failed') : null,
      lastRunStartedAt: r?.lastRunStartedAt ?? null,
      lastSuccessAt: r?.lastSuccessAt ?? null,
      totalRuns: r?.totalRuns ?? 0,
      totalFailures: r?.totalFailures ?? 0,
      consecutiveFailures: r?.consecutiveFailures ?? 0,
      lastError: r && !r.lastRunOk ? r.lastError : null,
      // the runner has not run it for LATE_INTERVALS schedule intervals
      lateAfter: j.scheduled ? lastRun + LATE_INTERVALS * j.schedule_ms : null,
    };
  });
}

async function exists(db: Db, relation: string): Promise<boolean> {
  const { rows } = await db.query<{ r: string | null }>(`SELECT to_regclass($1)::text AS r`, [relation]);
  return rows[0]?.r != null;
}

/** The jobs' health from the server's scheduler (job_stats, job_errors, bgw_job_stat when present). */
async function serverHealth(db: Db, jobs: JobListRow[]): Promise<JobHealth[]> {
  const { rows: stats } = await db.query<{
    job_id: number;
    last_run_status: string | null;
    last_run_started_at: Date | null;
    last_successful_finish: Date | null;
    next_start: Date | null;
    total_runs: number | null;
    total_failures: number | null;
  }>(
    `SELECT job_id, last_run_status,
            CASE WHEN isfinite(last_run_started_at) THEN last_run_started_at END AS last_run_started_at,
            CASE WHEN isfinite(last_successful_finish) THEN last_successful_finish END AS last_successful_finish,
            CASE WHEN isfinite(next_start) THEN next_start END AS next_start, total_runs, total_failures
       FROM timescaledb_information.job_stats WHERE job_id = ANY($1::int[])`,
    [jobs.map((j) => j.job_id)],
  );
  const byId = new Map(stats.map((s) => [s.job_id, s]));
  const failed = stats.filter((s) => s.last_run_status === 'Failed').map((s) => s.job_id);

  // Failures in a row: an internal catalog table (columns stable since 2.0); optional.
  const consecutive = new Map<number, number>();
  if (await exists(db, '_timescaledb_internal.bgw_job_stat')) {
    const { rows } = await db.query<{ job_id: number; consecutive_failures: number }>(
      `SELECT job_id, consecutive_failures FROM _timescaledb_internal.bgw_job_stat WHERE job_id = ANY($1::int[])`,
      [jobs.map((j) => j.job_id)],
    );
    for (const r of rows) consecutive.set(r.job_id, r.consecutive_failures);
  }
  // The latest error of each failing job: job_errors exists in TimescaleDB 2.9 and later.
  const errors = new Map<number, string>();
  if (failed.length > 0 && (await exists(db, 'timescaledb_information.job_errors'))) {
    const { rows } = await db.query<{ job_id: number; err_message: string | null; sqlerrcode: string | null }>(
      `SELECT DISTINCT ON (job_id) job_id, err_message, sqlerrcode FROM timescaledb_information.job_errors
        WHERE job_id = ANY($1::int[]) ORDER BY job_id, finish_time DESC NULLS LAST`,
      [failed],
    );
    for (const r of rows) errors.set(r.job_id, r.err_message ?? (r.sqlerrcode ? `SQLSTATE ${r.sqlerrcode}` : 'failed (no message)'));
  }

  return jobs.map((j) => {
    const s = byId.get(j.job_id);
    const status = s?.last_run_status === 'Failed' ? 'failed' : s?.last_run_status === 'Success' ? 'success' : null;
    return {
      jobId: j.job_id,
      name: j.name,
      scheduleIntervalMs: j.schedule_ms,
      lastRunStatus: status,
      lastRunStartedAt: s?.last_run_started_at?.getTime() ?? null,
      lastSuccessAt: s?.last_successful_finish?.getTime() ?? null,
      totalRuns: s?.total_runs ?? 0,
      totalFailures: s?.total_failures ?? 0,
      consecutiveFailures: consecutive.get(j.job_id) ?? null,
      lastError: status === 'failed' ? (errors.get(j.job_id) ?? 'failed (see timescaledb_information.job_errors)') : null,
      // next_start more than LATE_INTERVALS schedule intervals in the past
      lateAfter: j.scheduled && s?.next_start ? s.next_start.getTime() + LATE_INTERVALS * j.schedule_ms : null,
    };
  });
}

/**
 * Every policy job with its last outcome: from the embedded runner's records when given
 * (embedded mode), else from the server's job statistics.
 */
export async function readJobHealth(db: Db, embedded?: EmbeddedJobRuns): Promise<JobHealth[]> {
  const jobs = await listJobs(db);
  return embedded ? embeddedHealth(jobs, embedded) : serverHealth(db, jobs);
}

/** Failing jobs (last run failed) and late ones (past `lateAfter`). */
export function assessJobs(jobs: readonly JobHealth[], now: number): { failing: JobHealth[]; late: JobHealth[] } {
  return {
    failing: jobs.filter((j) => j.lastRunStatus === 'failed'),
    late: jobs.filter((j) => j.lateAfter !== null && now > j.lateAfter),
  };
}
