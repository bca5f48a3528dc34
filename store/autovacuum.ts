/**
 * @module store/autovacuum
 * What PostgreSQL's autovacuum does, for the embedded database, which has none. PGlite runs
 * PostgreSQL as one process without background workers, so nothing ever vacuumed or analyzed a
 * table there:
 * - every UPDATE and DELETE left its dead rows for good (a table updated in place grows by its
 *   whole size at each round; the continuous aggregates' refreshes replace their buckets' rows);
 * - no table had statistics: the planner guessed, and picked a hypertable's (metric, bucket) index
 *   for 25 of 100 stations, reading every station's rows (a part of the hourly answer: 34 ms with
 *   no statistics, 20 ms analyzed);
 * - no table was ever frozen (transaction ID wraparound, in the long run).
 *
 * PGlite does count each table's inserted, updated and deleted rows, but never publishes them
 * (pgstat_report_stat is not called: pg_stat_user_tables reads 0), so they stay pending for the
 * life of the database worker, where pg_stat_get_xact_tuples_* read them. The flushed and the
 * pending counts added together are the rows changed since the worker started, in either case.
 *
 * A pass decides per table what autovacuum would (with the database's own autovacuum_* settings),
 * from the rows changed since this module last vacuumed or analyzed it:
 * - VACUUM when updated + deleted rows exceed autovacuum_vacuum_threshold +
 *   autovacuum_vacuum_scale_factor × rows, or when age(relfrozenxid) exceeds
 *   autovacuum_freeze_max_age;
 * - ANALYZE when inserted + updated + deleted rows exceed autovacuum_analyze_threshold +
 *   autovacuum_analyze_scale_factor × rows, or the table has pages but was never analyzed (a data
 *   directory opened again: its changes before this start are not counted);
 * - both as one `VACUUM (ANALYZE)`.
 * Left out: the vacuum autovacuum starts after inserts alone (autovacuum_vacuum_insert_*), which
 * only sets visibility bits on append-only tables and would read every big readings chunk whole
 * while ingest waits; per-table storage parameters (reloptions).
 *
 * Each statement runs alone in the background lane (store/db-gate.ts), so ingest commits go
 * between them (measured on 400,000-row readings chunks: ANALYZE 75–200 ms, VACUUM 10–70 ms).
 */
import type { Db } from './db.js';

/** A table's rows changed since the database worker started, and what the planner knows of it. */
export interface TableActivity {
  oid: number;
  /** schema-qualified, quoted */
  name: string;
  /** pg_class.reltuples: -1 never analyzed nor vacuumed */
  reltuples: number;
  /** the table has pages on disk */
  hasPages: boolean;
  inserted: number;
  updated: number;
  deleted: number;
  /** age(relfrozenxid) */
  frozenAge: number;
}

/** The database's autovacuum settings (pg_settings). */
export interface AutovacuumSettings {
  vacuumThreshold: number;
  vacuumScaleFactor: number;
  analyzeThreshold: number;
  analyzeScaleFactor: number;
  freezeMaxAge: number;
}

/** Per table, its counts when this module last vacuumed it (dead: updated + deleted) and analyzed it (changed: all three). */
export interface Baseline {
  dead: number;
  changed: number;
}

export type MaintenanceOp = 'vacuum' | 'analyze' | 'vacuum analyze';

export interface MaintenanceStep {
  oid: number;
  name: string;
  op: MaintenanceOp;
  /** why, for the log: the rows counted against the threshold, or `never analyzed`, `freeze age` */
  reason: string;
}

/**
 * What a pass does (pure: the counts and baselines in, the steps out, the most changed first).
 * A table's counts below its baseline mean the worker started again (its counts start from 0):
 * the baseline is taken as 0.
 */
/** A table holding rows that was never analyzed: the planner has no statistics for it. */
function isNeverAnalyzed(t: Pick<TableActivity, 'reltuples' | 'hasPages'>): boolean {
  return t.reltuples < 0 && t.hasPages;
}

export function planMaintenance(tables: readonly TableActivity[], baselines: ReadonlyMap<number, Baseline>, s: AutovacuumSettings): MaintenanceStep[] {
  const steps: Array<MaintenanceStep & { weight: number }> = [];
  for (const t of tables) {
    const dead = t.updated + t.deleted;
    const changed = t.inserted + dead;
    const base = baselines.get(t.oid);
    const deadSince = base && dead >= base.dead ? dead - base.dead : dead;
    const changedSince = base && changed >= base.changed ? changed - base.changed : changed;
    const rows = Math.max(0, t.reltuples);
    const freeze = t.frozenAge > s.freezeMaxAge;
    const vacuum = freeze || deadSince > s.vacuumThreshold + s.vacuumScaleFactor * rows;
    const neverAnalyzed = isNeverAnalyzed(t);
    const analyze = neverAnalyzed || changedSince > s.analyzeThreshold + s.analyzeScaleFactor * rows;
    if (!vacuum && !analyze) continue;
    const op: MaintenanceOp = vacuum && analyze ? 'vacuum analyze' : vacuum ? 'vacuum' : 'analyze';
    const reason = [
      freeze ? `freeze age ${t.frozenAge}` : '',
      vacuum && !freeze ? `${deadSince} rows dead of ${rows}` : '',
      analyze ? (neverAnalyzed && changedSince <= s.analyzeThreshold ? 'never analyzed' : `${changedSince} rows changed of ${rows}`) : '',
    ]
      .filter((r) => r !== '')
      .join(', ');
    steps.push({ oid: t.oid, name: t.name, op, reason, weight: Math.max(deadSince, changedSince) });
  }
  steps.sort((a, b) => b.weight - a.weight);
  return steps.map(({ oid, name, op, reason }) => ({ oid, name, op, reason }));
}

/** The statement of a step (the name comes quoted from format('%I.%I')). */
export function maintenanceSql(step: Pick<MaintenanceStep, 'op' | 'name'>): string {
  return step.op === 'analyze' ? `ANALYZE ${step.name}` : step.op === 'vacuum' ? `VACUUM ${step.name}` : `VACUUM (ANALYZE) ${step.name}`;
}

/** Every ordinary table and materialized view of the database, system catalogs included (autovacuum keeps those too). */
export async function readTableActivity(db: Db): Promise<{ tables: TableActivity[]; settings: AutovacuumSettings }> {
  const { rows } = await db.query<{
    oid: number;
    name: string;
    reltuples: number;
    has_pages: boolean;
    ins: number;
    upd: number;
    del: number;
    frozen_age: number;
  }>(
    `SELECT c.oid::int8 AS oid, format('%I.%I', n.nspname, c.relname) AS name, c.reltuples::float8 AS reltuples,
            (c.relpages > 0 OR pg_relation_size(c.oid) > 0) AS has_pages,
            (pg_stat_get_tuples_inserted(c.oid) + pg_stat_get_xact_tuples_inserted(c.oid))::int8 AS ins,
            (pg_stat_get_tuples_updated(c.oid) + pg_stat_get_xact_tuples_updated(c.oid))::int8 AS upd,
            (pg_stat_get_tuples_deleted(c.oid) + pg_stat_get_xact_tuples_deleted(c.oid))::int8 AS del,
            age(c.relfrozenxid)::int8 AS frozen_age
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'm') AND c.relpersistence <> 't' AND n.nspname <> 'information_schema'`,
  );
  const { rows: settings } = await db.query<{ vt: number; vs: number; at: number; as: number; fm: number }>(
    `SELECT current_setting('autovacuum_vacuum_threshold')::float8 AS vt, current_setting('autovacuum_vacuum_scale_factor')::float8 AS vs,
            current_setting('autovacuum_analyze_threshold')::float8 AS at, current_setting('autovacuum_analyze_scale_factor')::float8 AS as,
            current_setting('autovacuum_freeze_max_age')::float8 AS fm`,
  );
  const s = settings[0]!;
  return {
    tables: rows.map((r) => ({
      oid: Number(r.oid),
      name: r.name,
      reltuples: r.reltuples,
      hasPages: r.has_pages,
      inserted: r.ins,
      updated: r.upd,
      deleted: r.del,
      frozenAge: r.frozen_age,
    })),
    settings: { vacuumThreshold: s.vt, vacuumScaleFactor: s.vs, analyzeThreshold: s.at, analyzeScaleFactor: s.as, freezeMaxAge: s.fm },
  };
}

export interface MaintenanceReport {
  steps: Array<MaintenanceStep & { ms: number }>;
  /** tables gone between the listing and their statement (a chunk dropped by retention) */
  skipped: number;
}

export interface Autovacuum {
  /**
   * One pass: lists the tables, then vacuums and analyzes those due, one statement each. Rejects
   * with the first failing statement's error (the steps before it stay done). `stopped` is asked
   * before each statement: true ends the pass there (the store closing).
   */
  run(options?: { stopped?: () => boolean }): Promise<MaintenanceReport>;
}

/**
 * Analyzes the tables that hold rows but were never analyzed (a chunk created and filled since the
 * last pass, then the app stopped), before anything else queries them: the planner gives such a
 * table no statistics, and a start-up query planned on them (store/alert-windows.ts
 * stationsWithReadingsSince) took an index on ts alone with a filter on the station, scanning the
 * whole new chunk once per station without readings: the bench's fresh process after its backlog
 * phase (600,000 rows in a new chunk, 8,000 such stations) had not started after 120 s. The
 * counters the pass decides on otherwise start again with the process, so it would not see them.
 * Returns the tables analyzed.
 */
export async function analyzeNeverAnalyzed(database: Db): Promise<string[]> {
  const db = database.lane('background', 'job autovacuum');
  const { tables } = await readTableActivity(db);
  const done: string[] = [];
  for (const t of tables.filter(isNeverAnalyzed)) {
    try {
      await db.query(maintenanceSql({ op: 'analyze', name: t.name }));
      done.push(t.name);
    } catch (err) {
      if ((err as { code?: string }).code !== UNDEFINED_TABLE) throw err;
    }
  }
  return done;
}

/** The undefined_table SQLSTATE: the table was dropped after the listing. */
const UNDEFINED_TABLE = '42P01';

/** An autovacuum over `db` (the embedded database; a server runs its own). Its listing and statements go through the background lane. */
export function createAutovacuum(database: Db): Autovacuum {
  const db = database.lane('background', 'job autovacuum');
  const baselines = new Map<number, Baseline>();
  return {
    async run({ stopped } = {}) {
      const { tables, settings } = await readTableActivity(db);
      const byOid = new Map(tables.map((t) => [t.oid, t]));
      // tables dropped since the last pass
      for (const oid of baselines.keys()) if (!byOid.has(oid)) baselines.delete(oid);
      const report: MaintenanceReport = { steps: [], skipped: 0 };
      for (const step of planMaintenance(tables, baselines, settings)) {
        if (stopped?.()) break;
        const t0 = performance.now();
        try {
          await db.query(maintenanceSql(step));
        } catch (err) {
          if ((err as { code?: string }).code === UNDEFINED_TABLE) {
            report.skipped++;
            continue;
          }
          throw err;
        }
        report.steps.push({ ...step, ms: performance.now() - t0 });
        const t = byOid.get(step.oid)!;
        const prev = baselines.get(step.oid);
        const dead = t.updated + t.deleted;
        baselines.set(step.oid, {
          dead: step.op === 'analyze' ? (prev?.dead ?? 0) : dead,
          changed: step.op === 'vacuum' ? (prev?.changed ?? 0) : dead + t.inserted,
        });
      }
      return report;
    },
  };
}
