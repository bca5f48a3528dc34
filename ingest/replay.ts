/**
 * @module ingest/replay
 * Replays the local spool into the database after an outage: its rows in file order (=
 * acknowledgement order) in INSERTs of at most `maxRows`, its refused payloads into the quarantine
 * table, and only when every spooled row is committed is the file emptied. Rows keep the check bits
 * they were given before they were spooled, and the flags' details are recorded once they are
 * committed; rows of a spool written before the checks existed are checked now (`check`).
 */
import type { ReadingColumns } from '../store/readings.js';
import { toColumns } from './insert.js';
import type { Spool, SpoolQuarantine, SpoolRow } from './spool.js';
import { mergeQc } from './qc-evaluator.js';
import type { CommittedBatch, QcOutcome, WriteRow } from './write-types.js';

/** Spool bytes read per replay step. */
export const REPLAY_READ_BYTES = 4 * 2 ** 20;

export interface ReplaySink {
  maxRows: number;
  /** `first`: the replay's first INSERT (nothing of this replay is committed yet: it may still be withdrawn, ingest/defer.ts). */
  insert(cols: ReadingColumns, first: boolean): Promise<number>;
  /** Records the conflicts of an insert that skipped rows (`sources` per row, in column order). */
  conflicts(cols: ReadingColumns, sources: () => string[], inserted: number): Promise<void>;
  onCommitted(batch: CommittedBatch): void;
  quarantine(records: readonly SpoolQuarantine[]): Promise<void>;
  /** Checks rows that carry no check bits (sets their `qc`), returning the flags to record. */
  check?(rows: WriteRow[]): QcOutcome | undefined;
  /** Records check flags of rows now committed (never throws: failures are the sink's to log). */
  recordQc?(qc: QcOutcome): void;
  /** A record's rows are committed: how long they waited in the spool (ms) and how many. */
  onReplayed?(waitedMs: number, rows: number): void;
}

/**
 * Replays the whole spool and empties it. Throws the first failure: the spool is then kept whole
 * (rows already committed are found stored on the next replay: ON CONFLICT DO NOTHING).
 */
export async function replaySpool(spool: Spool, sink: ReplaySink): Promise<void> {
  let offset = 0;
  let first = true;
  for (;;) {
    if (offset >= spool.bytes) {
      // Every spooled row is committed: only now may the file be emptied (unless an append
      // came in meanwhile: then go on reading).
      if (await spool.clearIf(offset)) break;
      continue;
    }
    const records = await spool.read(offset, REPLAY_READ_BYTES);
    const rows: SpoolRow[] = records.flatMap((r) => r.rows);
    for (let i = 0; i < rows.length; i += sink.maxRows) {
      const slice = rows.slice(i, i + sink.maxRows);
      const writeRows: WriteRow[] = slice.map(([stationId, metric, ts, value, quality, , qc]) => ({ stationId, metric, ts, value, quality, qc }));
      const unchecked = writeRows.filter((r) => r.qc === undefined);
      const late = unchecked.length > 0 ? sink.check?.(unchecked) : undefined;
      const cols = toColumns(writeRows);
      const t0 = performance.now();
      const inserted = await sink.insert(cols, first);
      first = false;
      await sink.conflicts(cols, () => slice.map((r) => r[5]), inserted);
      sink.onCommitted({ rows: writeRows, inserted, ms: performance.now() - t0, replayed: true });
      if (late) sink.recordQc?.(late);
    }
    const spooledQc = mergeQc(records.map((r) => r.qc));
    if (spooledQc) sink.recordQc?.(spooledQc);
    await sink.quarantine(records.flatMap((r) => r.quarantine));
    const now = Date.now();
    for (const r of records) sink.onReplayed?.(now - r.at, r.rows.length);
    offset = records[records.length - 1]!.next;
  }
}
