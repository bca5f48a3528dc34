/**
 * The embedded database's autovacuum (store/autovacuum.ts), on the real embedded TimescaleDB:
 * PGlite vacuums and analyzes nothing by itself, so a table updated in place grows by its whole
 * size each round and the planner never gets statistics; a pass keeps the table's size bounded
 * and gives the planner its row counts, at PostgreSQL's own thresholds.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/index.js';
import { createLogger } from '../lib/logger.js';
import { tempDataDir } from '../test/helpers/app.js';
import { createAutovacuum, planMaintenance, type AutovacuumSettings, type TableActivity } from './autovacuum.js';
import { createStore, type Store } from './index.js';

const dataDir = tempDataDir();
let store: Store;

beforeAll(async () => {
  store = await createStore(resolveConfig({ dataDir, logLevel: 'silent' }), createLogger('silent'));
});
afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const size = async (table: string) => Number((await store.db.query<{ s: string }>(`SELECT pg_relation_size($1::regclass) AS s`, [table])).rows[0]!.s);
const reltuples = async (table: string) => (await store.db.query<{ n: number }>(`SELECT reltuples::float8 AS n FROM pg_class WHERE oid = $1::regclass`, [table])).rows[0]!.n;

describe('autovacuum (embedded database)', () => {
  it('keeps a table updated in place from growing, where the engine alone lets it grow by its size each round', async () => {
    for (const table of ['av_alone', 'av_kept']) {
      await store.db.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v int, pad text)`);
      await store.db.query(`INSERT INTO ${table} SELECT g, 0, repeat('x', 60) FROM generate_series(1, 10000) g`);
    }
    const start = await size('av_alone');
    for (let round = 0; round < 5; round++) await store.db.query(`UPDATE av_alone SET v = v + 1`);
    // no pass: every round's old rows stay
    expect(await size('av_alone')).toBeGreaterThan(5 * start);

    const autovacuum = createAutovacuum(store.db);
    const first = await autovacuum.run();
    // the listing covers every table: the one left to grow is vacuumed now too
    expect(first.steps.map((s) => `${s.op} ${s.name}`)).toContain('vacuum analyze public.av_alone');
    const ops: string[] = [];
    for (let round = 0; round < 5; round++) {
      await store.db.query(`UPDATE av_kept SET v = v + 1`);
      const report = await autovacuum.run();
      ops.push(...report.steps.filter((s) => s.name === 'public.av_kept').map((s) => `${s.op}: ${s.reason}`));
    }
    // each round's 10,000 dead rows are over 50 + 20 % of the table: vacuumed every round, its space used again
    expect(ops).toHaveLength(5);
    expect(ops[4]).toMatch(/^vacuum analyze: 10000 rows dead of 10000/);
    expect(await size('av_kept')).toBeLessThanOrEqual(2.2 * start);
    // a pass with nothing changed does nothing
    expect((await autovacuum.run()).steps.filter((s) => s.name.startsWith('public.av_'))).toEqual([]);
  });

  it('analyzes a table once its changes pass 50 rows + 10 % of it, as PostgreSQL would', async () => {
    const autovacuum = createAutovacuum(store.db);
    await store.db.query(`CREATE TABLE av_grow (id int PRIMARY KEY, v int)`);
    await store.db.query(`INSERT INTO av_grow SELECT g, g FROM generate_series(1, 5000) g`);
    expect(await reltuples('public.av_grow')).toBe(-1);
    await autovacuum.run();
    expect(await reltuples('public.av_grow')).toBe(5000);

    // 540 more rows: below 50 + 500
    await store.db.query(`INSERT INTO av_grow SELECT g, g FROM generate_series(5001, 5540) g`);
    expect((await autovacuum.run()).steps.map((s) => s.name)).not.toContain('public.av_grow');
    expect(await reltuples('public.av_grow')).toBe(5000);
    // 20 more: 560 rows changed since the last ANALYZE, past the threshold
    await store.db.query(`INSERT INTO av_grow SELECT g, g FROM generate_series(5541, 5560) g`);
    const report = await autovacuum.run();
    expect(report.steps.filter((s) => s.name === 'public.av_grow').map((s) => `${s.op}: ${s.reason}`)).toEqual(['analyze: 560 rows changed of 5000']);
    expect(await reltuples('public.av_grow')).toBe(5560);
  });

  it('gives the continuous aggregates statistics after a refresh', async () => {
    const { rows } = await store.db.query<{ m: string }>(
      `SELECT format('%I.%I', materialization_hypertable_schema, materialization_hypertable_name) AS m FROM timescaledb_information.continuous_aggregates WHERE view_name = 'readings_hourly'`,
    );
    await store.db.query(
      `INSERT INTO readings (station_id, metric, ts, value, quality)
       SELECT 'AV-' || s, 'pm25', timestamptz '2026-10-01 00:00+07' + make_interval(mins => m), m, 0 FROM generate_series(1, 20) s, generate_series(0, 1439) m`,
    );
    await store.db.query(`CALL refresh_continuous_aggregate('readings_hourly', timestamptz '2026-09-30 00:00+07', timestamptz '2026-10-03 00:00+07')`);
    await createAutovacuum(store.db).run();
    // its chunk's row count: 20 stations × 24 hours
    const { rows: chunks } = await store.db.query<{ n: number }>(`SELECT sum(c.reltuples)::float8 AS n FROM show_chunks($1::regclass) AS s(oid) JOIN pg_class c ON c.oid = s.oid`, [
      rows[0]!.m,
    ]);
    expect(chunks[0]!.n).toBe(480);
  });
});

describe('planMaintenance', () => {
  const settings: AutovacuumSettings = { vacuumThreshold: 50, vacuumScaleFactor: 0.2, analyzeThreshold: 50, analyzeScaleFactor: 0.1, freezeMaxAge: 200_000_000 };
  const table = (over: Partial<TableActivity>): TableActivity => ({
    oid: 1,
    name: 'public.t',
    reltuples: 1000,
    hasPages: true,
    inserted: 0,
    updated: 0,
    deleted: 0,
    frozenAge: 10,
    ...over,
  });

  it('counts from the baseline, and from 0 when the counts fell below it (the database worker started again)', () => {
    const baselines = new Map([[1, { dead: 1000, changed: 1000 }]]);
    expect(planMaintenance([table({ updated: 1100 })], baselines, settings)).toEqual([]);
    expect(planMaintenance([table({ updated: 1300 })], baselines, settings).map((s) => s.op)).toEqual(['vacuum analyze']);
    // after a restart the counts start again: 300 updates since are 300, not negative
    expect(planMaintenance([table({ updated: 300 })], baselines, settings)).toEqual([
      expect.objectContaining({ op: 'vacuum analyze', reason: '300 rows dead of 1000, 300 rows changed of 1000' }),
    ]);
  });

  it('vacuums a table past the freeze age, analyzes one never analyzed, and orders the most changed first', () => {
    const steps = planMaintenance(
      [
        table({ oid: 1, name: 'a', frozenAge: 200_000_001 }),
        table({ oid: 2, name: 'b', reltuples: -1 }),
        table({ oid: 3, name: 'c', reltuples: -1, hasPages: false }),
        table({ oid: 4, name: 'd', inserted: 5000 }),
      ],
      new Map(),
      settings,
    );
    expect(steps).toEqual([
      { oid: 4, name: 'd', op: 'analyze', reason: '5000 rows changed of 1000' },
      { oid: 1, name: 'a', op: 'vacuum', reason: 'freeze age 200000001' },
      { oid: 2, name: 'b', op: 'analyze', reason: 'never analyzed' },
    ]);
  });
});
