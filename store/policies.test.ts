/**
 * The policy jobs are set idempotently from config (store/policies.ts): a restart keeps the
 * same jobs (ids, history); a changed setting alters its job in place; a setting turned off
 * removes its job. On the real embedded TimescaleDB, over restarts of one data directory.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig, type ConfigInput } from '../config/index.js';
import { createLogger } from '../lib/logger.js';
import { tempDataDir } from '../test/helpers/app.js';
import { createStore } from './index.js';
import { listPolicyJobs, type PolicyJob } from './policies.js';

const dataDir = tempDataDir();
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Starts the store on the shared data directory with these settings and returns its policy jobs. */
async function startWith(store: ConfigInput['store'] = {}): Promise<PolicyJob[]> {
  const s = await createStore(resolveConfig({ dataDir, logLevel: 'silent', store }), createLogger('silent'));
  try {
    return await listPolicyJobs(s.db);
  } finally {
    await s.close();
  }
}

const ids = (jobs: PolicyJob[]) => Object.fromEntries(jobs.map((j) => [`${j.proc} ${j.target}`, j.jobId]));
const find = (jobs: PolicyJob[], key: string) => jobs.find((j) => `${j.proc} ${j.target}` === key)!;

describe('policies', () => {
  it('keeps the same jobs over restarts, alters a changed setting in place, removes a setting turned off', async () => {
    const first = await startWith({ retentionDays: 400 });
    expect(Object.keys(ids(first)).sort()).toEqual([
      'policy_compression readings',
      'policy_refresh_continuous_aggregate readings_daily',
      'policy_refresh_continuous_aggregate readings_hourly',
      'policy_refresh_continuous_aggregate readings_monthly',
      'policy_retention readings',
    ]);

    // a restart with the same settings: the same job ids, nothing re-created
    const second = await startWith({ retentionDays: 400 });
    expect(ids(second)).toEqual(ids(first));

    // changed settings: the same ids, the new values
    const third = await startWith({ retentionDays: 500, compressAfterDays: 3, aggregateRefreshDays: 10 });
    expect(ids(third)).toEqual(ids(first));
    expect(find(third, 'policy_retention readings').settings['drop_after']).toBe(500 * 86_400);
    expect(find(third, 'policy_compression readings').settings['compress_after']).toBe(3 * 86_400);
    expect(find(third, 'policy_refresh_continuous_aggregate readings_hourly').settings['start_offset']).toBe(10 * 86_400);
    expect(find(third, 'policy_refresh_continuous_aggregate readings_daily').settings['start_offset']).toBe(11 * 86_400);
    expect(find(third, 'policy_refresh_continuous_aggregate readings_daily').settings['end_offset']).toBe(7_200);
    // the job's own keys are kept
    expect(find(third, 'policy_retention readings').config['hypertable_id']).toBe(find(first, 'policy_retention readings').config['hypertable_id']);

    // retention turned off (RETENTION_DAYS=0): only that job goes
    const fourth = await startWith({ retentionDays: 0, compressAfterDays: 3, aggregateRefreshDays: 10 });
    const { ['policy_retention readings']: retention, ...others } = ids(first);
    expect(retention).toBeDefined();
    expect(ids(fourth)).toEqual(others);
  });
});
