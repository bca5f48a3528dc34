/**
 * @module store/backup
 * Backups of the embedded database (`quantrac db backup` / `db restore`, POST /api/v1/admin/backup):
 * a snapshot is the gzip'ed tarball of the data directory that the embedded worker takes while
 * it serves (store/embedded `dump()`: consistent, WAL included); a restore fills a new directory
 * from it, opens it once as the app would (crash recovery runs, the extension loads), counts
 * its rows, and only then puts it in place of the old directory, which is kept beside it.
 * Also the list of Quantrac's tables (read from the migrations) and their row counts, which
 * restore and `db copy` (store/copy.ts) report. A database server is backed up with its own
 * tools (pg_dump), which `serverBackupCommands` spells out.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { resolveConfig } from '../config/index.js';
import { createError } from '../lib/errors.js';
import { createLogger } from '../lib/logger.js';
import { openDb, type Db } from './db.js';
import { embeddedLockHolder, startEmbeddedDatabase } from './embedded/index.js';
import { listMigrations } from './migrate.js';

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** Checks an SQL identifier we interpolate (a table, column or role name) and quotes it. */
export function ident(name: string): string {
  if (!IDENTIFIER.test(name)) throw createError('QT_ERR_BAD_REQUEST', `not a plain SQL identifier: ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/**
 * Quantrac's tables in creation order (a table is created after those it references, so this is
 * also an order that satisfies the foreign keys), read from the migrations. Continuous aggregates
 * (readings_hourly, readings_daily) are views over `readings`, not tables: they are recomputed.
 */
export function quantracTables(): string[] {
  const tables: string[] = [];
  for (const m of listMigrations()) {
    for (const statement of m.statements) {
      const match = /^CREATE TABLE IF NOT EXISTS ([a-z_][a-z0-9_]*)/i.exec(statement);
      if (match && !tables.includes(match[1]!)) tables.push(match[1]!);
    }
  }
  return tables;
}

/** Rows per table, for the tables that exist (a table of a later migration may be missing). */
export async function tableCounts(db: Db, tables: readonly string[] = quantracTables()): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const { rows } = await db.query<{ name: string }>(`SELECT t AS name FROM unnest($1::text[]) AS t WHERE to_regclass('public.' || t) IS NOT NULL`, [tables]);
  const present = new Set(rows.map((r) => r.name));
  for (const table of tables) {
    if (!present.has(table)) continue;
    const { rows: n } = await db.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM ${ident(table)}`);
    counts.set(table, n[0]!.n);
  }
  return counts;
}

/** A consistent snapshot of the running embedded database (gzip'ed tar). */
export async function snapshot(db: Db): Promise<Buffer> {
  if (!db.embedded) throw createError('QT_ERR_CONFLICT', 'snapshots are for the embedded database; back up a database server with pg_dump (quantrac db backup --help)');
  return db.embedded.dump();
}

/** A snapshot of a stopped embedded database: opens its directory, dumps it, closes it. */
export async function snapshotDataDir(pgDir: string): Promise<Buffer> {
  if (!existsSync(pgDir)) throw createError('QT_ERR_NOT_FOUND', `no embedded database in ${pgDir}`);
  const embedded = await startEmbeddedDatabase(pgDir, () => undefined, { restart: false });
  try {
    return await embedded.dump();
  } finally {
    await embedded.close();
  }
}

/** Opens a database by its URL with a pool of one, quietly (the CLI, restore checks, db copy). */
export async function openUrl(url: string): Promise<Db> {
  return openDb(resolveConfig({ databaseUrl: url, store: { poolSize: 1 } }), createLogger('silent'));
}

export interface RestoreResult {
  /** Rows per table in the restored database. */
  counts: Map<string, number>;
  /** Where the directory that was replaced now is (undefined when there was none). */
  movedAside: string | undefined;
}

/**
 * Restores a snapshot file into `pgDir` (DATA_DIR/pg). Refuses while a process holds `pgDir`.
 * The snapshot is loaded into `<pgDir>.restoring` and opened once: only a snapshot that opens and
 * answers replaces the old directory, which is renamed `<pgDir>.before-restore-<time>`.
 */
export async function restoreSnapshot(file: string, pgDir: string, now = new Date()): Promise<RestoreResult> {
  const holder = embeddedLockHolder(pgDir);
  if (holder) throw createError('QT_ERR_CONFLICT', `Quantrac is running on ${pgDir} (process ${holder.pid}): stop it before restoring`);
  if (!existsSync(file)) throw createError('QT_ERR_NOT_FOUND', `no such snapshot file: ${file}`);
  const staging = `${pgDir}.restoring`;
  rmSync(staging, { recursive: true, force: true });
  let counts: Map<string, number>;
  try {
    const embedded = await startEmbeddedDatabase(staging, () => undefined, { restart: false, loadFrom: file });
    try {
      const db = await openUrl(embedded.connectionString);
      try {
        counts = await tableCounts(db);
      } finally {
        await db.close();
      }
    } finally {
      await embedded.close();
    }
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw createError('QT_ERR_BAD_REQUEST', `the snapshot ${file} could not be opened, nothing was changed: ${(err as Error).message}`, { cause: err });
  }
  let movedAside: string | undefined;
  if (existsSync(pgDir)) {
    movedAside = `${pgDir}.before-restore-${now.toISOString().replace(/[:.]/g, '-')}`;
    renameSync(pgDir, movedAside);
  }
  renameSync(staging, pgDir);
  return { counts, movedAside };
}

/** How a database server is backed up and restored: its own tools, not wrapped by Quantrac. */
export function serverBackupCommands(databaseUrl: string): string[] {
  const shown = databaseUrl.replace(/(\/\/[^:/@]+):[^@]*@/, '$1:***@');
  return [
    `pg_dump --format=custom --file=quantrac.dump "${shown}"`,
    `pg_restore --clean --if-exists --no-owner --dbname="${shown}" quantrac.dump`,
    'TimescaleDB: run SELECT timescaledb_pre_restore(); before pg_restore and SELECT timescaledb_post_restore(); after it (https://docs.timescale.com/self-hosted/latest/backup-and-restore/).',
  ];
}
