/**
 * @module store/copy
 * `quantrac db copy --to postgres://…`: moves an embedded installation's data onto a TimescaleDB
 * server. Every Quantrac table (store/backup.ts `quantracTables`, in an order that satisfies the
 * foreign keys) is read in keyset pages (readings by time, the others by primary key) and written
 * with `INSERT … SELECT FROM json_populate_recordset(…) ON CONFLICT DO NOTHING`: one statement
 * per page whatever the column types (jsonb, bytea, arrays), and a copy that was interrupted can
 * simply be run again. Rows travel as the source's own JSON (`to_json`), so no value passes
 * through a JavaScript type on the way. Then the serial sequences are moved past the copied ids
 * and the row counts of both sides are compared.
 * The target must already be migrated (store/migrate.ts); the source must not be written meanwhile.
 */
import type { Db } from './db.js';
import { createError } from '../lib/errors.js';
import { ident, tableCounts } from './backup.js';

export interface CopyOptions {
  /** Rows per page (default 20,000). */
  batchRows?: number;
  /** Called after every page written. */
  onProgress?: (p: { table: string; rows: number }) => void;
}

export interface CopiedTable {
  table: string;
  source: number;
  target: number;
}

export interface CopyReport {
  tables: CopiedTable[];
  /** True when every table has as many rows on the target as on the source. */
  ok: boolean;
}

interface TableShape {
  columns: string[];
  /** Keyset columns with their SQL types, in paging order. */
  key: Array<{ name: string; type: string }>;
  /** Columns filled from a sequence (bigserial ids). */
  serials: string[];
}

async function shapeOf(db: Db, table: string): Promise<TableShape> {
  const { rows: columns } = await db.query<{ name: string; serial: boolean }>(
    `SELECT column_name AS name, coalesce(column_default LIKE 'nextval(%', false) AS serial
       FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  const { rows: key } = await db.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE i.indrelid = $1::regclass AND i.indisprimary
      ORDER BY array_position(i.indkey::int2[], a.attnum)`,
    [`public.${table}`],
  );
  if (key.length === 0) throw createError('QT_ERR_INTERNAL', `table ${table} has no primary key to page by`);
  // Readings (and any table keyed by time) are paged by time first: the hypertable's chunks are
  // time ranges, so each page reads one or two of them.
  key.sort((a, b) => Number(b.name === 'ts') - Number(a.name === 'ts'));
  return { columns: columns.map((c) => c.name), key, serials: columns.filter((c) => c.serial).map((c) => c.name) };
}

/** Copies one table page by page; returns the rows read. */
async function copyTable(source: Db, target: Db, table: string, batchRows: number, onProgress: CopyOptions['onProgress']): Promise<number> {
  const shape = await shapeOf(source, table);
  const t = ident(table);
  const cols = shape.columns.map(ident).join(', ');
  const keyCols = shape.key.map((k) => ident(k.name));
  const keyList = keyCols.join(', ');
  const keyText = keyCols.map((c, i) => `${c}::text AS k${i}`).join(', ');
  // the first condition is implied by the second; it is there so that the planner can use an index on the first key column alone
  const after = `${keyCols[0]} >= $1::${shape.key[0]!.type} AND (${keyList}) > (${shape.key.map((k, i) => `$${i + 1}::${k.type}`).join(', ')})`;
  const insert = `INSERT INTO ${t} (${cols}) SELECT ${cols} FROM json_populate_recordset(NULL::${t}, $1::json) ON CONFLICT DO NOTHING`;
  let last: string[] | undefined;
  let copied = 0;
  for (;;) {
    const { rows } = await source.query<Record<string, string>>(
      `SELECT to_json(x)::text AS row, ${keyText} FROM ${t} x ${last ? `WHERE ${after}` : ''} ORDER BY ${keyList} LIMIT ${batchRows}`,
      last ?? [],
    );
    if (rows.length === 0) break;
    await target.query(insert, [`[${rows.map((r) => r['row']).join(',')}]`]);
    copied += rows.length;
    onProgress?.({ table, rows: copied });
    const end = rows[rows.length - 1]!;
    last = shape.key.map((_, i) => end[`k${i}`]!);
    if (rows.length < batchRows) break;
  }
  // the copied ids were set explicitly: the target's sequences must start after them
  for (const column of shape.serials) {
    await target.query(
      `SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max(${ident(column)}) FROM ${t}), 1), (SELECT max(${ident(column)}) FROM ${t}) IS NOT NULL)`,
      [`public.${table}`, column],
    );
  }
  return copied;
}

/**
 * Copies every Quantrac table present on the source to the (migrated) target, then compares
 * the row counts. Rows the target already had with the same key are kept, not overwritten.
 */
export async function copyDatabase(source: Db, target: Db, options: CopyOptions = {}): Promise<CopyReport> {
  const batchRows = options.batchRows ?? 20_000;
  const tables = [...(await tableCounts(source)).keys()];
  for (const table of tables) await copyTable(source, target, table, batchRows, options.onProgress);
  const [sourceCounts, targetCounts] = [await tableCounts(source, tables), await tableCounts(target, tables)];
  const report = tables.map((table) => ({ table, source: sourceCounts.get(table) ?? 0, target: targetCounts.get(table) ?? 0 }));
  return { tables: report, ok: report.every((r) => r.source === r.target) };
}
