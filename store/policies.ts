/**
 * @module store/policies
 * Retention, compression and continuous-aggregate refresh policies, kept in line with config at
 * every start, idempotently: a missing policy is added, one whose settings differ is altered in
 * place (`alter_job`, same job id), an equal one is left alone, and a policy is removed only when
 * its setting is turned off (RETENTION_DAYS=0, COMPRESS_AFTER_DAYS=0). Removing and re-adding at
 * every start changed the job ids, lost the jobs' history and raced the scheduler of a quick
 * restart ("job 1000 not found"; issue #17).
 *
 * A TimescaleDB server runs these jobs with its own scheduler; the embedded build has no
 * background workers, so store/job-runner.ts runs them there.
 */
import type { Config } from '../config/index.js';
import { createError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Db } from './db.js';

const DAY_S = 86_400;
const HOUR_S = 3_600;

/**
 * Days refreshed by the daily aggregate's policy: the hourly window plus the local day in
 * progress, and at least two whole buckets (TimescaleDB refuses a window of fewer).
 */
export function dailyRefreshDays(store: Readonly<Config['store']>): number {
  return Math.max(store.aggregateRefreshDays, 2) + 1;
}

/**
 * Days refreshed by the monthly aggregate's policy: the daily window plus the month it starts in
 * (at most 31 days earlier), and at least two whole months (TimescaleDB refuses a window of fewer
 * buckets). It reads readings_daily's materialized rows, never raw readings, so retention does not
 * bound it.
 */
export function monthlyRefreshDays(store: Readonly<Config['store']>): number {
  return Math.max(dailyRefreshDays(store) + 31, 62);
}

type ContinuousAggregateName = 'readings_hourly' | 'readings_daily' | 'readings_monthly';

type PolicyProc = 'policy_retention' | 'policy_compression' | 'policy_refresh_continuous_aggregate';

/** A policy as config wants it: interval settings in seconds, written to the job's config as `N days`/`N hours`. */
interface WantedPolicy {
  proc: PolicyProc;
  /** the hypertable or continuous aggregate it works on */
  target: 'readings' | ContinuousAggregateName;
  /** config keys compared and set, in seconds */
  config: Record<string, number>;
  scheduleS?: number;
  add: { sql: string; params: unknown[] };
  remove: string;
}

/** A policy job as the database has it (timescaledb_information.jobs). */
export interface PolicyJob {
  jobId: number;
  proc: string;
  target: string;
  scheduleS: number;
  /** the interval settings in seconds (null when absent or not an interval) */
  settings: Record<string, number | null>;
  config: Record<string, unknown>;
}

const SETTING_KEYS = ['drop_after', 'compress_after', 'start_offset', 'end_offset'] as const;

/** Seconds as the interval text written into a job's config. */
function intervalText(seconds: number): string {
  return seconds % DAY_S === 0 ? `${seconds / DAY_S} days` : seconds % HOUR_S === 0 ? `${seconds / HOUR_S} hours` : `${seconds} seconds`;
}

/** The policies config asks for; `null` entries are turned off (to remove when present). */
function wantedPolicies(store: Readonly<Config['store']>): Array<WantedPolicy | { proc: PolicyProc; target: 'readings'; off: true; remove: string }> {
  const refresh = (target: ContinuousAggregateName, startDays: number, scheduleS: number, endHours: number): WantedPolicy => ({
    proc: 'policy_refresh_continuous_aggregate',
    target,
    config: { start_offset: startDays * DAY_S, end_offset: endHours * HOUR_S },
    scheduleS,
    add: {
      sql: `SELECT add_continuous_aggregate_policy('${target}', start_offset => make_interval(days => $1::int), end_offset => make_interval(hours => $3::int), schedule_interval => make_interval(secs => $2::int), if_not_exists => TRUE)`,
      params: [startDays, scheduleS, endHours],
    },
    remove: `SELECT remove_continuous_aggregate_policy('${target}', if_exists => TRUE)`,
  });
  const retentionRemove = `SELECT remove_retention_policy('readings', if_exists => TRUE)`;
  const compressionRemove = `SELECT remove_compression_policy('readings', if_exists => TRUE)`;
  return [
    store.retentionDays > 0
      ? {
          proc: 'policy_retention',
          target: 'readings',
          config: { drop_after: store.retentionDays * DAY_S },
          add: { sql: `SELECT add_retention_policy('readings', make_interval(days => $1::int), if_not_exists => TRUE)`, params: [store.retentionDays] },
          remove: retentionRemove,
        }
      : { proc: 'policy_retention', target: 'readings', off: true, remove: retentionRemove },
    store.compressAfterDays > 0
      ? {
          proc: 'policy_compression',
          target: 'readings',
          config: { compress_after: store.compressAfterDays * DAY_S },
          add: { sql: `SELECT add_compression_policy('readings', make_interval(days => $1::int), if_not_exists => TRUE)`, params: [store.compressAfterDays] },
          remove: compressionRemove,
        }
      : { proc: 'policy_compression', target: 'readings', off: true, remove: compressionRemove },
    refresh('readings_hourly', store.aggregateRefreshDays, 15 * 60, 1),
    // readings_daily is built on readings_hourly and materializes from what the hourly refresh has
    // materialized: it stops an hour further back, so a finished day's last hour is there first
    refresh('readings_daily', dailyRefreshDays(store), HOUR_S, 2),
    // readings_monthly is built on readings_daily: it stops an hour further back again, so a
    // finished month is materialized after its last day is
    refresh('readings_monthly', monthlyRefreshDays(store), HOUR_S, 3),
  ];
}

/**
 * The policy jobs on readings and its aggregates. A continuous aggregate's job names the view in
 * recent TimescaleDB releases and its materialization hypertable in older ones: both are mapped
 * to the view.
 */
export async function listPolicyJobs(db: Db): Promise<PolicyJob[]> {
  const settings = SETTING_KEYS.map((k) => `CASE WHEN jsonb_typeof(j.config->'${k}') = 'string' THEN extract(epoch FROM (j.config->>'${k}')::interval)::float8 END AS ${k}`).join(
    ', ',
  );
  const { rows } = await db.query<
    { job_id: number; proc_name: string; target: string; schedule_s: number; config: Record<string, unknown> | null } & Record<(typeof SETTING_KEYS)[number], number | null>
  >(
    `SELECT j.job_id, j.proc_name, coalesce(c.view_name, j.hypertable_name) AS target,
            extract(epoch FROM j.schedule_interval)::float8 AS schedule_s, j.config, ${settings}
       FROM timescaledb_information.jobs j
       LEFT JOIN timescaledb_information.continuous_aggregates c
         ON c.materialization_hypertable_schema = j.hypertable_schema AND c.materialization_hypertable_name = j.hypertable_name
      WHERE j.proc_name IN ('policy_retention', 'policy_compression', 'policy_refresh_continuous_aggregate')
        AND coalesce(c.view_name, j.hypertable_name) IN ('readings', 'readings_hourly', 'readings_daily', 'readings_monthly')
        AND coalesce(c.view_schema, j.hypertable_schema) = current_schema()
      ORDER BY j.job_id`,
  );
  return rows.map((r) => ({
    jobId: r.job_id,
    proc: r.proc_name,
    target: r.target,
    scheduleS: r.schedule_s,
    settings: Object.fromEntries(SETTING_KEYS.map((k) => [k, r[k]])),
    config: r.config ?? {},
  }));
}

export async function applyPolicies(db: Db, store: Readonly<Config['store']>, logger?: Logger): Promise<void> {
  if (store.retentionDays > 0 && store.retentionDays <= dailyRefreshDays(store)) {
    // A refresh over a range whose raw data was dropped would erase that aggregate history.
    throw createError(
      'QT_ERR_CONFIG_INVALID',
      `RETENTION_DAYS (${store.retentionDays}) must be longer than the aggregates' refresh window (${dailyRefreshDays(store)} days: AGGREGATE_REFRESH_DAYS (${store.aggregateRefreshDays}), at least 2, plus the local day in progress)`,
    );
  }
  const existing = await listPolicyJobs(db);
  for (const wanted of wantedPolicies(store)) {
    const job = existing.find((j) => j.proc === wanted.proc && j.target === wanted.target);
    if ('off' in wanted) {
      if (job) {
        await db.query(wanted.remove);
        logger?.info({ job: job.jobId, policy: wanted.proc, target: wanted.target }, 'policy turned off: job removed');
      }
      continue;
    }
    if (!job) {
      await db.query(wanted.add.sql, wanted.add.params);
      logger?.info({ policy: wanted.proc, target: wanted.target }, 'policy added');
      continue;
    }
    const changed = Object.entries(wanted.config).filter(([k, s]) => job.settings[k] !== s);
    if (changed.length > 0) {
      // Keep the job's other keys (hypertable_id, mat_hypertable_id, options set by hand).
      const config = { ...job.config, ...Object.fromEntries(Object.entries(wanted.config).map(([k, s]) => [k, intervalText(s)])) };
      await db.query(`SELECT alter_job($1, config => $2::jsonb)`, [job.jobId, JSON.stringify(config)]);
    }
    const reschedule = wanted.scheduleS !== undefined && job.scheduleS !== wanted.scheduleS;
    if (reschedule) await db.query(`SELECT alter_job($1, schedule_interval => make_interval(secs => $2::int))`, [job.jobId, wanted.scheduleS]);
    if (changed.length > 0 || reschedule) {
      logger?.info(
        { job: job.jobId, policy: wanted.proc, target: wanted.target, changed: changed.map(([k]) => k).concat(reschedule ? ['schedule_interval'] : []) },
        'policy altered in place',
      );
    }
  }
}
