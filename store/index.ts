/**
 * @module store
 * Opens the database (embedded or DATABASE_URL), applies migrations and policies, and exposes
 * the query functions. Nothing outside store/ writes SQL.
 */
import type { Config } from '../config/index.js';
import type { Logger } from '../lib/logger.js';
import { openDb, type Db } from './db.js';
import { migrate } from './migrate.js';
import type { EmbeddedJobRuns } from './job-health.js';
import { analyzeNeverAnalyzed } from './autovacuum.js';
import { startEmbeddedJobRunner, type JobRunner } from './job-runner.js';
import { applyPolicies } from './policies.js';

export type { Db, DbGate } from './db.js';
export * as readings from './readings.js';
export * as stations from './stations.js';
export * as quarantine from './quarantine.js';
export * as users from './users.js';

export interface Store {
  db: Db;
  /** Runs retention, compression and aggregate refresh now (embedded mode; no-op with a server). */
  runPolicyJobs(): Promise<void>;
  /** Runs the embedded database's autovacuum pass now (store/autovacuum.ts; no-op with a server, which has its own). */
  runMaintenance(): Promise<void>;
  /** Embedded mode: the job runner's record of each job's runs (store/job-monitor.ts reads it); undefined with a server. */
  embeddedJobs: EmbeddedJobRuns | undefined;
  close(): Promise<void>;
}

export async function createStore(config: Readonly<Config>, logger: Logger): Promise<Store> {
  const db = await openDb(config, logger);
  let jobs: JobRunner | undefined;
  try {
    const applied = await migrate(db);
    if (applied.length > 0) logger.info({ applied }, 'database migrations applied');
    await applyPolicies(db, config.store, logger);
    // the embedded database has no job scheduler (nor autovacuum): the app runs them, and on a server whose scheduler does not run when asked to
    if (db.mode === 'embedded' || config.store.appRunsJobs) {
      // statistics for tables filled since the last pass before the app's start-up queries plan on them (store/autovacuum.ts)
      const analyzed = await analyzeNeverAnalyzed(db);
      if (analyzed.length > 0) logger.info({ analyzed }, 'tables without statistics analyzed at start');
      jobs = startEmbeddedJobRunner(db, logger.child({ component: 'store-jobs' }));
    }
  } catch (err) {
    await db.close();
    throw err;
  }
  return {
    db,
    embeddedJobs: jobs,
    async runPolicyJobs() {
      await jobs?.runAll();
    },
    async runMaintenance() {
      await jobs?.runAutovacuum();
    },
    async close() {
      await jobs?.close();
      await db.close();
    },
  };
}
