/**
 * The store on the real embedded TimescaleDB: migrations, the hypertable, the hourly continuous
 * aggregate and the policy jobs.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/index.js';
import { createLogger } from '../lib/logger.js';
import { tempDataDir } from '../test/helpers/app.js';
import { createStore, type Store } from './index.js';
import { listMigrations, migrate, splitStatements } from './migrate.js';
import { insertReadings } from './readings.js';

const dataDir = tempDataDir();
let store: Store;

beforeAll(async () => {
  store = await createStore(resolveConfig({ dataDir, logLevel: 'silent' }), createLogger('silent'));
});
afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('store', () => {
  it('applies migrations once and records them', async () => {
    expect(await migrate(store.db)).toEqual([]);
    const { rows } = await store.db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(listMigrations().map((m) => m.version));
    expect(rows.length).toBeGreaterThanOrEqual(2);
    const { rows: ht } = await store.db.query<{ hypertable_name: string }>(`SELECT hypertable_name FROM timescaledb_information.hypertables WHERE hypertable_schema = 'public'`);
    expect(ht.map((r) => r.hypertable_name)).toContain('readings');
  });

  it('keeps the one embedded connection usable after a query fails (the next query is not hit by it)', async () => {
    await expect(store.db.query('SELECT 1/0')).rejects.toThrow(/division by zero/);
    await expect(store.db.query('SELECT * FROM no_such_table')).rejects.toThrow(/does not exist/);
    const { rows } = await store.db.query<{ x: number }>('SELECT 41 + 1 AS x');
    expect(rows).toEqual([{ x: 42 }]);
  });

  it('splits migration files into statements, dropping comment lines', () => {
    expect(splitStatements('-- a\nCREATE TABLE a (x int);\n\n-- b\nSELECT 1;\n')).toEqual(['CREATE TABLE a (x int)', 'SELECT 1']);
  });

  it('sets the policies from config: compression on, no retention by default, hourly aggregate refresh', async () => {
    const { rows } = await store.db.query<{ proc_name: string; target: string }>(
      `SELECT proc_name, coalesce(c.view_name, j.hypertable_name) AS target FROM timescaledb_information.jobs j
         LEFT JOIN timescaledb_information.continuous_aggregates c ON c.materialization_hypertable_name = j.hypertable_name
        WHERE proc_name IN ('policy_compression', 'policy_retention', 'policy_refresh_continuous_aggregate')`,
    );
    const policies = rows.map((r) => `${r.proc_name} ${r.target}`);
    expect(policies).toContain('policy_compression readings');
    expect(policies).toContain('policy_refresh_continuous_aggregate readings_hourly');
    expect(policies.filter((p) => p.startsWith('policy_retention'))).toEqual([]);
  });

  it('aggregates valid readings per hour and counts the rest for completeness', async () => {
    const hour = Date.parse('2026-03-01T05:00:00Z');
    const n = 60;
    await insertReadings(store.db, {
      stationIds: Array(n).fill('AGG-1'),
      metrics: Array(n).fill('pm25'),
      ts: Array.from({ length: n }, (_, i) => new Date(hour + i * 60_000).toISOString()),
      values: Array.from({ length: n }, (_, i) => (i < 50 ? 10 : 1000)),
      quality: Array.from({ length: n }, (_, i) => (i < 50 ? 0 : i < 55 ? 1 : 2)),
    });
    const read = async () =>
      (
        await store.db.query<{ avg: number; n_valid: number; n_calibrating: number; n_fault: number; n_total: number }>(
          `SELECT avg, n_valid, n_calibrating, n_fault, n_total FROM readings_hourly WHERE station_id = 'AGG-1' AND metric = 'pm25'`,
        )
      ).rows;
    // real-time aggregation: visible before any refresh
    expect(await read()).toEqual([{ avg: 10, n_valid: 50, n_calibrating: 5, n_fault: 5, n_total: 60 }]);
    await store.db.query(`CALL refresh_continuous_aggregate('readings_hourly', NULL, NULL)`);
    expect(await read()).toEqual([{ avg: 10, n_valid: 50, n_calibrating: 5, n_fault: 5, n_total: 60 }]);
  });

  it('runs the policy jobs itself in embedded mode', async () => {
    await store.runPolicyJobs();
    // one threshold per hypertable under a continuous aggregate: readings (under readings_hourly),
    // readings_hourly's own (under readings_daily, built on it) and readings_daily's (under readings_monthly)
    const { rows } = await store.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM _timescaledb_catalog.continuous_aggs_invalidation_threshold`);
    expect(rows[0]!.n).toBe(3);
  });
});
