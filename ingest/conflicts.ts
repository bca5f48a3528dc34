/**
 * @module ingest/conflicts
 * Duplicate readings: ON CONFLICT DO NOTHING keeps the first write. Only when an insert stored
 * fewer rows than it was given does one more query per batch record the skipped rows whose stored
 * twin has a different value or quality (store/conflicts.ts).
 */
import type { Db } from '../store/index.js';
import type { ReadingColumns } from '../store/readings.js';
import { recordConflicts } from '../store/conflicts.js';

export interface ConflictHooks {
  onConflicts?(count: number): void;
  onWriteError(err: unknown, attempt: number): void;
}

/**
 * Records conflicts when the insert skipped rows; never fails the (committed) batch.
 * `sources` is called only then: the source of each row, in column order.
 */
export async function recordSkipped(db: Db, cols: ReadingColumns, sources: () => string[], inserted: number, hooks: ConflictHooks): Promise<void> {
  if (inserted >= cols.stationIds.length) return;
  try {
    const n = await recordConflicts(db, cols, sources());
    if (n > 0) hooks.onConflicts?.(n);
  } catch (err) {
    hooks.onWriteError(err, 0);
  }
}
