/**
 * @module ingest/write-types
 * The shapes that travel through the group-commit writer (ingest/writer.ts): one reading row, one
 * publish waiting for its rows to be durable, and the report of a committed batch. Kept apart so
 * the writer's parts (batcher, insert, spooling, replay) share them without importing each other.
 */
import type { QcOutcome } from './qc-evaluator.js';

export type { QcOutcome };

/** One reading as the writer stores it. */
export interface WriteRow {
  stationId: string;
  metric: string;
  ts: number;
  value: number | null;
  quality: number;
  /** bitmask of the ingest-time checks that flagged it (ingest/qc-evaluator.ts); undefined = not checked yet */
  qc?: number | undefined;
}

export interface CommittedBatch {
  rows: readonly WriteRow[];
  inserted: number;
  ms: number;
  /** True when these rows come back from the spool. */
  replayed: boolean;
}

/** One publish's rows, waiting in the queue; settled once they are committed, spooled or refused. */
export interface PendingWrite {
  rows: WriteRow[];
  source: string;
  /** the check flags of these rows, recorded once they are committed */
  qc?: QcOutcome | undefined;
  resolve(inserted: number): void;
  reject(err: unknown): void;
}
