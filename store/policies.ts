/**
 * @module store/policies
 * Retention, compression and continuous-aggregate refresh policies, set from config at every
 * start. A TimescaleDB server runs these jobs with its own scheduler; the embedded build has no
 * background workers, so in embedded mode `startEmbeddedJobRunner` runs them on a timer with
 * `CALL run_job(id)`.
 */
import type { Config } from '../config/index.js';
import { createError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Db } from './db.js';

/**
 * Days refreshed by the daily aggregate's policy: the hourly window plus the local day in
 * progress, and at least two whole buckets (TimescaleDB refuses a window of fewer).
 */
export function dailyRefreshDays(store: Readonly<Config['store']>): number {
  return Math.max(store.aggregateRefreshDays, 2) + 1;
}

export async function applyPolicies(db: Db, store: Readonly<Config['store']>): Promise<void> {
  if (store.retentionDays > 0 && store.retentionDays <= dailyRefreshDays(store)) {
    // A refresh over a range whose raw data was dropped would erase that aggregate history.
    throw createError(
      'QT_ERR_CONFIG_INVALID',
      `RETENTION_DAYS (${store.retentionDays}) must be longer than the aggregates' refresh window (${dailyRefreshDays(store)} days: AGGREGATE_REFRESH_DAYS (${store.aggregateRefreshDays}), at least 2, plus the local day in progress)`,
    );
  }
  await db.query(`SELECT remove_retention_policy('readings', if_exists => TRUE)`);
  if (store.retentionDays > 0) {
    await db.query(`SELECT add_retention_policy('readings', make_interval(days => $1::int))`, [store.retentionDays]);
  }
  await db.query(`SELECT remove_compression_policy('readings', if_exists => TRUE)`);
  if (store.compressAfterDays > 0) {
    await db.query(`SELECT add_compression_policy('readings', make_interval(days => $1::int))`, [store.compressAfterDays]);
  }
  await db.query(`SELECT remove_continuous_aggregate_policy('readings_hourly', if_exists => TRUE)`);
  await db.query(
    `SELECT add_continuous_aggregate_policy('readings_hourly',
       start_offset => make_interval(days => $1::int), end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '15 minutes')`,
    [store.aggregateRefreshDays],
  );
  await db.query(`SELECT remove_continuous_aggregate_policy('readings_daily', if_exists => TRUE)`);
  await db.query(
    `SELECT add_continuous_aggregate_policy('readings_daily',
       start_offset => make_interval(days => $1::int), end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '1 hour')`,
    [dailyRefreshDays(store)],
  );
}

export interface JobRunner {
  /** Runs every policy job once now (used at shutdown-free points and in tests). */
  runAll(): Promise<void>;
  close(): void;
}

interface JobRow {
  job_id: number;
  proc_name: string;
  schedule_interval_ms: number;
}

/** Runs the policy jobs of the embedded database on their schedule (checked every tickMs). */
export function startEmbeddedJobRunner(db: Db, logger: Logger, tickMs = 60_000): JobRunner {
  const lastRun = new Map<number, number>();
  const started = Date.now();
  let running: Promise<void> | undefined;

  async function jobs(): Promise<JobRow[]> {
    const { rows } = await db.query<JobRow>(
      `SELECT job_id, proc_name, (extract(epoch FROM schedule_interval) * 1000)::float8 AS schedule_interval_ms
         FROM timescaledb_information.jobs WHERE proc_name LIKE 'policy_%' ORDER BY job_id`,
    );
    return rows;
  }

  async function run(job: JobRow): Promise<void> {
    const t0 = Date.now();
    try {
      await db.query(`CALL run_job($1)`, [job.job_id]);
      logger.debug({ job: job.proc_name, ms: Date.now() - t0 }, 'policy job ran');
    } catch (err) {
      logger.error({ err, job: job.proc_name }, 'policy job failed');
    }
    lastRun.set(job.job_id, Date.now());
  }

  async function tick(): Promise<void> {
    for (const job of await jobs()) {
      const last = lastRun.get(job.job_id) ?? started;
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
    close() {
      clearInterval(timer);
    },
  };
}
