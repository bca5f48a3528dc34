/**
 * @module ingest/insert
 * One group-commit INSERT: rows turned into the column arrays store/readings.ts takes, and the
 * statement raced against `writeTimeoutMs` so that a database that does not answer counts as
 * unreachable (and the writer spools) instead of holding every PUBACK forever.
 */
import type { Db } from '../store/index.js';
import { insertReadings, type ReadingColumns } from '../store/readings.js';
import { createError } from '../lib/errors.js';
import type { WriteRow } from './write-types.js';

/** Rows as column arrays (ts as ISO strings), the shape of one multi-row INSERT. */
export function toColumns(rows: readonly WriteRow[]): ReadingColumns {
  const n = rows.length;
  const cols: ReadingColumns = {
    stationIds: new Array<string>(n),
    metrics: new Array<string>(n),
    ts: new Array<string>(n),
    values: new Array<number | null>(n),
    quality: new Array<number>(n),
    qc: new Array<number>(n),
  };
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    cols.stationIds[i] = r.stationId;
    cols.metrics[i] = r.metric;
    cols.ts[i] = new Date(r.ts).toISOString();
    cols.values[i] = r.value;
    cols.quality[i] = r.quality;
    cols.qc![i] = r.qc ?? 0;
  }
  return cols;
}

/**
 * Inserts the rows and resolves with the number newly stored. With `writeTimeoutMs` > 0, rejects
 * with QT_ERR_STORE_UNAVAILABLE when the database has not answered in that time; the statement's
 * own late outcome then goes to `onLateError`, never left unhandled. `signal` withdraws the insert
 * while it still waits for the connection (ingest/defer.ts).
 */
export async function insertWithin(db: Db, cols: ReadingColumns, writeTimeoutMs: number, onLateError: (err: unknown) => void, signal?: AbortSignal): Promise<number> {
  if (cols.stationIds.length === 0) return 0;
  if (writeTimeoutMs <= 0) return insertReadings(db, cols, signal);
  // The statement may still commit after the timeout; its rows are then also spooled, and the
  // replay finds them stored (ON CONFLICT DO NOTHING): no duplicate, no conflict record.
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(createError('QT_ERR_STORE_UNAVAILABLE', `no answer to an insert within ${writeTimeoutMs} ms`)), writeTimeoutMs);
  });
  const statement = insertReadings(db, cols, signal);
  // After a timeout the statement's own outcome arrives later: route it, never leave it unhandled
  // (a withdrawal for a deferral is no failure: the caller has it from the race).
  statement.catch((err: unknown) => {
    if (signal === undefined || err !== signal.reason) onLateError(err);
  });
  try {
    return await Promise.race([statement, timeout]);
  } finally {
    clearTimeout(t);
  }
}
