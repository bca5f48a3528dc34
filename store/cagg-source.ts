/**
 * @module store/cagg-source
 * Where a continuous aggregate's rows are read from: its materialized hypertable for the buckets
 * before the watermark, the view itself (real-time aggregation over the raw rows) from it.
 *
 * The view is that same union already, but read through it every row passes a subquery scan and a
 * projection more, and every statement plans the view's real-time part over all the raw chunks:
 * 24,000 hourly rows packed into one answer (store/aggregates.ts) took 88 ms through the view
 * against 68 ms from the materialized hypertable (embedded database, p50 of 20). A range wholly
 * before the watermark (an analyst's past days) reads the materialized hypertable only, one wholly
 * after it the view only, one across it both, split at the watermark.
 *
 * The watermark only moves forward (a refresh materializes more), so a range judged before it stays
 * materialized; a range judged after it is read through the view, which is right wherever the
 * watermark has moved meanwhile. The names are looked up once per database; a database whose
 * aggregates are not finalized (created before TimescaleDB 2.7), or whose catalog cannot be read,
 * gets the views, as before.
 */
import { createError } from '../lib/errors.js';
import type { Db } from './db.js';

export type ContinuousAggregate = 'readings_hourly' | 'readings_daily' | 'readings_monthly';

/** The columns every one of the continuous aggregates has (migration 012), in their order. */
export const CAGG_COLUMNS = [
  'station_id',
  'metric',
  'bucket',
  'avg',
  'min',
  'max',
  'sum',
  'sum_sq',
  'n_valid',
  'n_calibrating',
  'n_fault',
  'n_out_of_range',
  'n_maintenance',
  'n_flagged',
  'n_invalidated',
  'n_total',
  'sketch',
  'packed',
] as const;

const VIEWS: readonly ContinuousAggregate[] = ['readings_hourly', 'readings_daily', 'readings_monthly'];

/** A continuous aggregate's materialized hypertable, when it can be read in the view's place. */
interface Materialized {
  id: number;
  /** schema-qualified, quoted */
  table: string;
}

interface Catalog {
  /** where TimescaleDB keeps cagg_watermark ('' when it has none) */
  functions: string;
  /** each aggregate's materialized hypertable id (for its watermark) */
  ids: Partial<Record<ContinuousAggregate, number>>;
  /** the materialized hypertables that can be read in their view's place */
  materialized: Partial<Record<ContinuousAggregate, Materialized>>;
}

interface CatalogRow {
  view: ContinuousAggregate;
  id: number;
  /** null where the catalog has no such column (every aggregate is finalized there) */
  finalized: boolean | null;
  mat_schema: string;
  mat_table: string;
  columns: string[];
}

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Whether a catalog row's materialized hypertable can stand for the view below the watermark. */
export function readableMaterialized(row: CatalogRow | undefined): Materialized | undefined {
  if (!row || row.finalized === false || !CAGG_COLUMNS.every((c) => row.columns.includes(c))) return undefined;
  return { id: Number(row.id), table: `${quoteIdent(row.mat_schema)}.${quoteIdent(row.mat_table)}` };
}

async function lookUp(db: Db): Promise<Catalog> {
  const { rows } = await db.query<CatalogRow>(
    `SELECT c.user_view_name AS view, c.mat_hypertable_id AS id, (to_jsonb(c) ->> 'finalized')::boolean AS finalized,
            h.schema_name AS mat_schema, h.table_name AS mat_table,
            array(SELECT a.attname::text FROM pg_attribute a
                   WHERE a.attrelid = format('%I.%I', h.schema_name, h.table_name)::regclass AND a.attnum > 0 AND NOT a.attisdropped) AS columns
       FROM _timescaledb_catalog.continuous_agg c JOIN _timescaledb_catalog.hypertable h ON h.id = c.mat_hypertable_id
      WHERE c.user_view_schema = current_schema() AND c.user_view_name = ANY($1::text[])`,
    [VIEWS],
  );
  // TimescaleDB 2.12 moved its functions from _timescaledb_internal to _timescaledb_functions
  const { rows: fns } = await db.query<{ schema: string }>(
    `SELECT n.nspname AS schema FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE p.proname = 'cagg_watermark' AND n.nspname IN ('_timescaledb_functions', '_timescaledb_internal')
      ORDER BY n.nspname = '_timescaledb_functions' DESC LIMIT 1`,
  );
  const functions = fns[0]?.schema ?? '';
  const ids: Catalog['ids'] = {};
  const materialized: Catalog['materialized'] = {};
  for (const view of VIEWS) {
    const row = rows.find((r) => r.view === view);
    if (row) ids[view] = Number(row.id);
    const m = functions === '' ? undefined : readableMaterialized(row);
    if (m) materialized[view] = m;
  }
  return { functions, ids, materialized };
}

const catalogs = new WeakMap<object, Promise<Catalog>>();

/** The catalog of this database, looked up once (its lanes share it); a failed lookup rejects and is tried again next time. */
function catalogOf(db: Db): Promise<Catalog> {
  const key = db.gate;
  let c = catalogs.get(key);
  if (!c) {
    c = lookUp(db);
    const looked = c;
    looked.catch(() => catalogs.get(key) === looked && catalogs.delete(key));
    catalogs.set(key, c);
  }
  return c;
}

/** The views of a failed catalog lookup: every FROM item is the view (correct, at the views' speed). */
const NO_CATALOG: Catalog = { functions: '', ids: {}, materialized: {} };

/** The FROM items of the continuous aggregates at one moment (their watermarks read once). */
export interface CaggReader {
  /** A FROM item (aliased as the view) with the view's rows whose bucket is in [from, to). */
  fromItem(view: ContinuousAggregate, from: Date, to: Date): string;
  /** The materialized hypertable (schema-qualified, quoted) when every bucket of [from, to) is read from it alone; undefined otherwise. */
  materializedTable(view: ContinuousAggregate, from: Date, to: Date): string | undefined;
}

/** The materialized hypertable when every bucket of [from, to) lies before the watermark (ms), read from it alone. */
function wholly(m: Materialized | undefined, watermarkMs: number | undefined, to: Date): string | undefined {
  return m && watermarkMs !== undefined && to.getTime() <= watermarkMs ? m.table : undefined;
}

/** The FROM item of `view` for [from, to) given its watermark (ms; -Infinity when nothing is materialized). */
export function caggFromItem(view: ContinuousAggregate, m: Materialized | undefined, watermarkMs: number | undefined, from: Date, to: Date): string {
  if (!m || watermarkMs === undefined || from.getTime() >= watermarkMs) return view;
  const table = wholly(m, watermarkMs, to);
  if (table) return `${table} ${view}`;
  const cols = CAGG_COLUMNS.join(', ');
  const w = `'${new Date(watermarkMs).toISOString()}'::timestamptz`;
  return `(SELECT ${cols} FROM ${m.table} WHERE bucket < ${w} UNION ALL SELECT ${cols} FROM ${view} WHERE bucket >= ${w}) ${view}`;
}

/**
 * How long the watermarks read for one answer serve the next ones (ms). A watermark only moves
 * forward, so one read earlier sends more of a range through the view, never less: still the
 * view's answer. Under ingest load each statement waits its turn for the embedded database's one
 * connection, and this spares most answers that wait.
 */
export const WATERMARK_REUSE_MS = 5_000;

type Watermarks = Map<ContinuousAggregate, number>;
const watermarkReads = new WeakMap<object, { at: number; read: Promise<Watermarks> }>();

async function readWatermarks(db: Db, { functions, ids }: Catalog, views: readonly ContinuousAggregate[]): Promise<Watermarks> {
  const watermarks: Watermarks = new Map();
  if (views.length === 0) return watermarks;
  const fn = quoteIdent(functions);
  const { rows } = await db.query<Record<string, number | string | null>>(`SELECT ${views.map((v, i) => `${fn}.cagg_watermark(${ids[v]!}) AS w${i}`).join(', ')}`);
  // microseconds since the epoch; the smallest int8 (or thereabouts) when nothing is materialized yet
  views.forEach((v, i) => {
    const w = Number(rows[0]?.[`w${i}`]);
    if (Number.isFinite(w)) watermarks.set(v, w <= -2e17 ? -Infinity : Math.floor(w / 1000));
  });
  return watermarks;
}

/**
 * The continuous aggregates as they stand: their watermarks read by one statement, or the ones read
 * less than WATERMARK_REUSE_MS ago (every FROM item is the view when no materialized hypertable can
 * be read).
 */
export async function caggReader(db: Db, now = Date.now()): Promise<CaggReader> {
  const catalog = await catalogOf(db).catch(() => NO_CATALOG);
  const key = db.gate;
  let last = watermarkReads.get(key);
  if (!last || now - last.at >= WATERMARK_REUSE_MS || now < last.at) {
    const read = readWatermarks(
      db,
      catalog,
      VIEWS.filter((v) => catalog.materialized[v]),
    );
    last = { at: now, read };
    watermarkReads.set(key, last);
    // a failed read is not reused: the next answer reads again
    read.catch(() => watermarkReads.get(key)?.read === read && watermarkReads.delete(key));
  }
  const watermarks = await last.read;
  return {
    fromItem: (view, from, to) => caggFromItem(view, catalog.materialized[view], watermarks.get(view), from, to),
    // (from < to ≤ watermark: the range is past its start too)
    materializedTable: (view, _from, to) => wholly(catalog.materialized[view], watermarks.get(view), to),
  };
}

/**
 * The watermark (ms) of each continuous aggregate, read now: buckets before it are materialized (a
 * change to their readings needs a refresh), buckets after it are computed from the raw rows at
 * query time. -Infinity when nothing was materialized yet (or the aggregate does not exist).
 * Rejects when TimescaleDB's catalog cannot be read.
 */
export async function caggWatermarks(db: Db): Promise<Record<ContinuousAggregate, number>> {
  const catalog = await catalogOf(db);
  if (catalog.functions === '') throw createError('QT_ERR_INTERNAL', 'cagg_watermark: not found in _timescaledb_functions nor _timescaledb_internal');
  const read = await readWatermarks(
    db,
    catalog,
    VIEWS.filter((v) => catalog.ids[v] !== undefined),
  );
  return {
    readings_hourly: read.get('readings_hourly') ?? -Infinity,
    readings_daily: read.get('readings_daily') ?? -Infinity,
    readings_monthly: read.get('readings_monthly') ?? -Infinity,
  };
}
