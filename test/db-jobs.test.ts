/**
 * Database job health (issue #17): a failing TimescaleDB job shows in /healthz (degraded, still
 * 200, with the job and its last error) and /metrics, is raised once on the bus, and recovers
 * when the job succeeds. Embedded mode: the job runner (store/job-runner.ts) records the runs;
 * the compression job is made to fail for real with a config its procedure cannot read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventMap } from '../domain/events.js';
import { assessJobs, readJobHealth, type JobHealth } from '../store/job-health.js';
import { startTestApp, type TestApp } from './helpers/app.js';

let t: TestApp;
const events: Array<EventMap['databaseJobFailing']> = [];

beforeAll(async () => {
  t = await startTestApp();
  t.app.bus.on('test', 'databaseJobFailing', (e) => {
    events.push(e);
  });
});
afterAll(async () => {
  await t?.close(true);
});

async function compressionJob(): Promise<{ id: number; config: Record<string, unknown> }> {
  const { rows } = await t.app.store.db.query<{ job_id: number; config: Record<string, unknown> }>(
    `SELECT job_id, config FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression' AND hypertable_name = 'readings'`,
  );
  return { id: rows[0]!.job_id, config: rows[0]!.config };
}

type Health = { status: string; jobs: { degraded: boolean; failing: Array<{ job: number; name: string; lastError: string; since: string }>; late: unknown[] } };

describe('database job health', () => {
  it('is ok while the jobs succeed', async () => {
    await t.app.store.runPolicyJobs();
    await t.app.jobs.poll();
    const health = await t.inject<Health>('GET', '/healthz', undefined, null);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', jobs: { degraded: false, failing: [], late: [] } });
    const metrics = (await t.inject<string>('GET', '/metrics', undefined, null)).body;
    expect(metrics).toMatch(/quantrac_db_job_failing\{job="policy_compression readings"\} 0/);
    expect(metrics).toMatch(/quantrac_db_job_last_success_timestamp_seconds\{job="policy_compression readings"\} \d+/);
    // the runner's own job, the embedded database's autovacuum, is watched the same way
    expect(metrics).toMatch(/quantrac_db_job_failing\{job="autovacuum"\} 0/);
    expect(metrics).toMatch(/quantrac_db_job_last_success_timestamp_seconds\{job="autovacuum"\} \d+/);
  });

  it('shows a failing job in /healthz and /metrics, raises it once, and recovers', async () => {
    const job = await compressionJob();
    await t.app.store.db.query(`SELECT alter_job($1, config => $2::jsonb)`, [job.id, JSON.stringify({ ...job.config, maxchunks_to_compress: 'x' })]);
    try {
      await t.app.store.runPolicyJobs();
      await t.app.jobs.poll();
      await t.app.store.runPolicyJobs();
      await t.app.jobs.poll();

      const health = await t.inject<Health>('GET', '/healthz', undefined, null);
      expect(health.status).toBe(200);
      expect(health.body.status).toBe('degraded');
      expect(health.body.jobs.degraded).toBe(true);
      expect(health.body.jobs.failing).toEqual([
        {
          job: job.id,
          name: 'policy_compression readings',
          lastError: expect.stringMatching(/invalid input syntax for type integer/),
          since: expect.any(String),
          consecutiveFailures: 2,
        },
      ]);
      const metrics = (await t.inject<string>('GET', '/metrics', undefined, null)).body;
      expect(metrics).toMatch(/quantrac_db_job_failing\{job="policy_compression readings"\} 1/);
      expect(metrics).toMatch(/quantrac_db_job_failures_total\{job="policy_compression readings"\} 2/);
      // one episode, one event
      expect(events.filter((e) => e.status === 'failing')).toEqual([
        expect.objectContaining({ jobId: job.id, name: 'policy_compression readings', lastError: expect.stringMatching(/invalid input syntax/) }),
      ]);
    } finally {
      await t.app.store.db.query(`SELECT alter_job($1, config => $2::jsonb)`, [job.id, JSON.stringify(job.config)]);
    }

    await t.app.store.runPolicyJobs();
    await t.app.jobs.poll();
    const health = await t.inject<Health>('GET', '/healthz', undefined, null);
    expect(health.body).toMatchObject({ status: 'ok', jobs: { degraded: false, failing: [] } });
    expect(events.map((e) => e.status)).toEqual(['failing', 'recovered']);
    const metrics = (await t.inject<string>('GET', '/metrics', undefined, null)).body;
    expect(metrics).toMatch(/quantrac_db_job_failing\{job="policy_compression readings"\} 0/);
  });

  it('reads the server statistics too (job_stats, job_errors guarded), and counts a job not run for two intervals as late', async () => {
    // the embedded database answers the server's views; its jobs never ran under a scheduler
    const server = await readJobHealth(t.app.store.db);
    expect(server.map((j) => j.name)).toContain('policy_refresh_continuous_aggregate readings_daily');
    expect(assessJobs(server, Date.now()).failing).toEqual([]);

    const job: JobHealth = {
      jobId: 1,
      name: 'x',
      scheduleIntervalMs: 60_000,
      lastRunStatus: 'success',
      lastRunStartedAt: 0,
      lastSuccessAt: 0,
      totalRuns: 1,
      totalFailures: 0,
      consecutiveFailures: 0,
      lastError: null,
      lateAfter: 1000,
    };
    expect(assessJobs([job], 1000).late).toEqual([]);
    expect(assessJobs([job], 1001).late).toEqual([job]);
    expect(assessJobs([{ ...job, lateAfter: null }], 1e12).late).toEqual([]);
  });
});
