/**
 * @module store/job-monitor
 * Watches the database's background jobs (store/job-health.ts) every minute so a failing or late
 * job is seen: `status()` feeds /healthz (degraded, with each job and its last error), gauges and
 * a counter feed /metrics, and each episode is raised once to admins, as the bus event
 * `databaseJobFailing` and an error-level log line; its recovery (the job succeeds, or runs
 * again) is announced the same way with `status: 'recovered'`.
 */
import type { EventBus } from '../domain/events.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { Db } from './db.js';
import { assessJobs, readJobHealth, type EmbeddedJobRuns, type JobHealth } from './job-health.js';

export interface JobMonitorStatus {
  degraded: boolean;
  /** ISO time of the last successful check (null before the first) */
  checkedAt: string | null;
  failing: Array<{ job: number; name: string; lastError: string | null; since: string; consecutiveFailures: number | null }>;
  late: Array<{ job: number; name: string; lastRunAt: string | null; since: string }>;
}

export interface JobMonitor {
  /** Reads the jobs' health now (also run every `intervalMs`). */
  poll(): Promise<void>;
  status(): JobMonitorStatus;
  close(): Promise<void>;
}

export interface JobMonitorDeps {
  db: Db;
  /** embedded mode: the job runner's records (store/job-runner.ts) */
  embedded?: EmbeddedJobRuns | undefined;
  bus: EventBus;
  logger: Logger;
  metrics?: Pick<Metrics, 'dbJobFailing' | 'dbJobLastSuccess' | 'dbJobFailures'> | undefined;
  /** 60 s by default; 0 = only when poll() is called */
  intervalMs?: number;
  now?: () => number;
}

type Episode = { state: 'failing' | 'late'; since: number };

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function createJobMonitor(deps: JobMonitorDeps): JobMonitor {
  const { db, embedded, bus, logger, metrics, intervalMs = 60_000, now = Date.now } = deps;
  const episodes = new Map<number, Episode>();
  /** failures already counted into the counter, per job */
  const counted = new Map<number, number>();
  let current: JobMonitorStatus = { degraded: false, checkedAt: null, failing: [], late: [] };
  let running: Promise<void> | undefined;

  function updateMetrics(jobs: readonly JobHealth[], failing: ReadonlySet<number>): void {
    if (!metrics) return;
    for (const j of jobs) {
      metrics.dbJobFailing.set({ job: j.name }, failing.has(j.jobId) ? 1 : 0);
      if (j.lastSuccessAt !== null) metrics.dbJobLastSuccess.set({ job: j.name }, j.lastSuccessAt / 1000);
      // The server's total can drop when a job is re-created: count only what is new.
      const before = counted.get(j.jobId) ?? 0;
      if (j.totalFailures > before) metrics.dbJobFailures.inc({ job: j.name }, j.totalFailures - before);
      counted.set(j.jobId, j.totalFailures);
    }
  }

  function track(jobs: readonly JobHealth[], failing: readonly JobHealth[], late: readonly JobHealth[], at: number): void {
    const state = new Map<number, { job: JobHealth; state: Episode['state']; since: number }>();
    for (const j of late) state.set(j.jobId, { job: j, state: 'late', since: j.lateAfter ?? at });
    for (const j of failing) state.set(j.jobId, { job: j, state: 'failing', since: j.lastRunStartedAt ?? at });
    for (const [jobId, s] of state) {
      const episode = episodes.get(jobId);
      if (episode) {
        episode.state = s.state;
        continue;
      }
      episodes.set(jobId, { state: s.state, since: s.since });
      const lastError = s.job.lastError;
      logger.error({ job: jobId, name: s.job.name, status: s.state, lastError, since: iso(s.since) }, s.state === 'failing' ? 'database job failing' : 'database job late');
      bus.emit('databaseJobFailing', { jobId, name: s.job.name, status: s.state, lastError, since: s.since, at });
    }
    for (const [jobId, episode] of episodes) {
      if (state.has(jobId)) continue;
      episodes.delete(jobId);
      const job = jobs.find((j) => j.jobId === jobId);
      const name = job?.name ?? `job ${jobId}`;
      logger.info({ job: jobId, name, was: episode.state }, job ? 'database job recovered' : 'database job removed while failing');
      bus.emit('databaseJobFailing', { jobId, name, status: 'recovered', lastError: null, since: episode.since, at });
    }
  }

  async function check(): Promise<void> {
    const jobs = await readJobHealth(db, embedded);
    const at = now();
    const { failing, late } = assessJobs(jobs, at);
    track(jobs, failing, late, at);
    const failingIds = new Set(failing.map((j) => j.jobId));
    updateMetrics(jobs, failingIds);
    current = {
      degraded: failing.length > 0 || late.length > 0,
      checkedAt: iso(at),
      failing: failing.map((j) => ({
        job: j.jobId,
        name: j.name,
        lastError: j.lastError,
        since: iso(episodes.get(j.jobId)?.since ?? at)!,
        consecutiveFailures: j.consecutiveFailures,
      })),
      late: late.filter((j) => !failingIds.has(j.jobId)).map((j) => ({ job: j.jobId, name: j.name, lastRunAt: iso(j.lastRunStartedAt), since: iso(j.lateAfter ?? at)! })),
    };
  }

  async function poll(): Promise<void> {
    if (running) return running;
    running = check().finally(() => {
      running = undefined;
    });
    return running;
  }

  const timer =
    intervalMs > 0
      ? setInterval(() => {
          // An unreachable database is /healthz's own check; keep the last known job status.
          poll().catch((err: unknown) => logger.warn({ err }, 'reading the database jobs failed'));
        }, intervalMs)
      : undefined;
  timer?.unref();

  return {
    poll,
    status: () => current,
    async close() {
      if (timer) clearInterval(timer);
      // wait for a poll under way; its failure was already logged by poll() itself
      if (running) await Promise.allSettled([running]);
    },
  };
}
