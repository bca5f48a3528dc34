/**
 * @module ingest/writer
 * Group commit: readings from many publishes are written by one INSERT, bounded by rows and by
 * time, and each publisher's promise settles only after its rows are committed (or made durable
 * in the local spool). That is what lets the broker hold a QoS 1 PUBACK until the reading is
 * safe. This module is the factory and the flush cycle; its parts:
 * - ingest/batcher.ts: the queue, batch bounds and backpressure;
 * - ingest/insert.ts: the INSERT (with its timeout); ingest/conflicts.ts: duplicate recording;
 * - ingest/spool-batch.ts, ingest/replay.ts, ingest/quarantine-spool.ts: the spool interplay;
 * - ingest/storage-state.ts: degraded / recovered.
 *
 * While one batch is being written the next one fills, so the batch size adapts to the load:
 * one row per statement when idle, thousands under load. A publish is never split across two
 * batches.
 *
 * Failures:
 * - the database is unreachable (no answer, connection refused or cut, a timeout, SQLSTATE class
 *   08/53/57/58): the batch is appended to the spool (fsync'd) and its publishers are resolved;
 *   from then on every batch goes to the spool, behind the ones already there, until the spool
 *   has been replayed, in order, into the database. Then the spool is emptied and batches go
 *   straight to the database again. A full spool (or none) refuses the batch: nothing is
 *   acknowledged and the stations keep their backlog.
 * - any other error: retried with backoff, then the publishers are refused (for MQTT the
 *   connection closes and the station redelivers its unacknowledged messages).
 *
 * Deferral (ingest/defer.ts): a batch that has waited `deferAfterMs` for the connection while a
 * job statement, an export page or a query holds it is withdrawn from the gate's queue and spooled
 * like a batch of an outage (not an outage: the storage state stays healthy), and the batches after
 * it follow it into the spool. The spool is replayed as soon as that statement has ended (looked
 * at every DEFER_POLL_MS); the replay's first INSERT is deferred in turn if it waits behind another
 * long statement. Deferred rows never fill more than half the spool nor number more than
 * `maxDeferredRows`: past that, batches and the replay wait for the connection (unbounded, a
 * saturated app deferred rows faster than the database stores them, then acknowledged nothing
 * while they were caught up). With an external server, rows deferred behind a statement that
 * has held the connection for `writeTimeoutMs` are an outage (the network may have dropped the
 * server under it): the storage state turns degraded, as for an insert not answered in that long.
 *
 * Backpressure: once `maxPendingRows` rows wait in the queue, write() itself waits, so the
 * broker holds the publisher's callback and stops reading its socket (aedes reads a client's next
 * packets only when the previous ones are handled): memory stays bounded by the queue plus one
 * socket read per connection, whatever the stations send.
 *
 * Duplicates: ON CONFLICT DO NOTHING keeps the first write (see ingest/conflicts.ts).
 *
 * Check flags (issue 18): rows arrive with their `qc` bits (ingest/qc-evaluator.ts) and are
 * inserted with them; the flags' details travel with their publish and go to `onQc` once the batch
 * is committed and its publishers are resolved, so recording them never holds a PUBACK. Spooled,
 * they wait in the spool record and go to `onQc` when it is replayed.
 */
import type { Db } from '../store/index.js';
import type { ReadingColumns } from '../store/readings.js';
import type { QuarantineRecord } from '../store/quarantine.js';
import { createBatcher } from './batcher.js';
import { recordSkipped } from './conflicts.js';
import { insertWithin, toColumns } from './insert.js';
import { replayQuarantine, toSpoolQuarantine } from './quarantine-spool.js';
import { replaySpool } from './replay.js';
import { spoolBatch } from './spool-batch.js';
import type { Spool } from './spool.js';
import { createStorageStateTracker, isUnreachable, type StorageState } from './storage-state.js';
import { heldByOtherWork, watchDeferral } from './defer.js';
import { createError } from '../lib/errors.js';
import { mergeQc } from './qc-evaluator.js';
import type { CommittedBatch, PendingWrite, QcOutcome, WriteRow } from './write-types.js';

export { isUnreachable };
export type { CommittedBatch, QcOutcome, StorageState, WriteRow };

export interface BatchWriterOptions {
  maxRows: number;
  maxWaitMs: number;
  retries: number;
  /** write() waits while this many rows are queued (backpressure); default: no limit. */
  maxPendingRows?: number;
  /** Where batches go while the database is unreachable; none = refuse them. */
  spool?: Spool | undefined;
  /** Wait between attempts to replay the spool into the database, ms. */
  replayIntervalMs?: number;
  /** An INSERT not answered in this long counts as "unreachable" (0 = wait forever), ms. */
  writeTimeoutMs?: number;
  /** A batch that waited this long for the connection while other work holds it is spooled (ingest/defer.ts; 0 = never), ms. */
  deferAfterMs?: number;
  /**
   * Deferred rows the spool may hold (default: no bound but half the spool); past that, batches
   * wait for the connection. What is acknowledged ahead of the database must be caught up before
   * anything newer is stored, so this bounds that catch-up (ingest/defer.ts).
   */
  maxDeferredRows?: number;
  /** Rows deferred to the spool (acknowledged; replayed once the connection is free). */
  onDeferred?(rows: number): void;
  /** A spool record's rows are committed by the replay: how long they waited there (ms) and how many. */
  onReplayed?(waitedMs: number, rows: number): void;
  onCommitted(batch: CommittedBatch): void;
  onWriteError(err: unknown, attempt: number): void;
  onSpooled?(rows: number, spoolBytes: number): void;
  onConflicts?(count: number): void;
  onStorageState?(state: StorageState): void;
  /** Check flags of committed rows, to record (after the publishers are resolved). */
  onQc?(qc: QcOutcome): void;
  /** Checks replayed rows that carry no check bits (a spool written before the checks existed). */
  check?(rows: WriteRow[]): QcOutcome | undefined;
  /** Backoff before retry attempt n (1-based), ms. */
  backoffMs?: (attempt: number) => number;
}

export interface BatchWriter {
  /** Resolves with the number of rows newly stored (or spooled) once they are durable; `qc`: their check flags. */
  write(rows: WriteRow[], source?: string, qc?: QcOutcome): Promise<number>;
  /**
   * undefined while the queue has room; else a promise that resolves when it has. Ingest awaits it
   * before parsing, so a publish held by backpressure costs its raw bytes only.
   */
  room(): Promise<void> | undefined;
  /** Resolves when everything queued so far is committed, spooled (an outage) or refused; rows deferred to the spool are stored first. */
  drain(): Promise<void>;
  readonly queuedRows: number;
  /** Publishes waiting for room in the queue (backpressure). */
  readonly blockedWrites: number;
  readonly storage: StorageState;
  /**
   * Keeps refused payloads in the spool when the quarantine table is unreachable (replayed into it
   * with the readings). Throws when there is no spool or it is full.
   */
  spoolQuarantine(records: readonly QuarantineRecord[], cause: unknown): Promise<void>;
  /** Stops the replay timer (after drain()). */
  close(): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** While deferred rows wait, how often the writer looks whether the statement holding the connection has ended, ms. */
export const DEFER_POLL_MS = 10;

export function createBatchWriter(database: Db, opts: BatchWriterOptions): BatchWriter {
  // Commits and the spool's replay go ahead of queued reads and jobs (store/db-gate.ts): a PUBACK waits on them.
  const db = database.lane('ingest');
  const backoff = opts.backoffMs ?? ((n: number) => Math.min(2000, 100 * 2 ** (n - 1)));
  const replayIntervalMs = opts.replayIntervalMs ?? 1000;
  const writeTimeoutMs = opts.writeTimeoutMs ?? 0;
  const deferAfterMs = opts.deferAfterMs ?? 0;
  const maxDeferredRows = opts.maxDeferredRows ?? Infinity;
  const spool = opts.spool;
  const batcher = createBatcher({ maxRows: opts.maxRows, maxWaitMs: opts.maxWaitMs, maxPendingRows: opts.maxPendingRows, flush });
  const storage = createStorageStateTracker(spool, (state) => opts.onStorageState?.(state));
  let replayTimer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  let nextReplayAt = 0;
  let closed = false;

  const insert = (cols: ReadingColumns, signal?: AbortSignal) => insertWithin(db, cols, writeTimeoutMs, (err) => opts.onWriteError(err, 0), signal);
  const conflicts = (cols: ReadingColumns, sources: () => string[], inserted: number) => recordSkipped(db, cols, sources, inserted, opts);
  const toSpool = async (batch: PendingWrite[], cause?: unknown): Promise<void> => {
    await spoolBatch(spool, batch, cause, { onSpooled: (rows, bytes) => opts.onSpooled?.(rows, bytes), report: storage.report });
  };

  function spoolWaiting(): boolean {
    return spool !== undefined && spool.bytes > 0;
  }

  /** Whether the spool has room for a deferral: deferred rows never take more than half of it, nor more than maxDeferredRows. */
  function roomToDefer(): boolean {
    return spool !== undefined && spool.bytes < spool.maxBytes / 2 && spool.rows < maxDeferredRows && !storage.unreachable;
  }

  /** Whether the replay of deferred rows should not even queue: another lane's statement has held the connection for deferAfterMs already. */
  function replayWaits(): boolean {
    return storage.deferredOnly && roomToDefer() && heldByOtherWork(database.gate, deferAfterMs);
  }

  /** Spools a batch deferred behind a long statement; false when the spool could not take it whole (nothing settled). */
  async function defer(batch: PendingWrite[], cause: unknown): Promise<boolean> {
    if (!roomToDefer()) return false;
    storage.markDeferred();
    const spooled = await spoolBatch(spool, batch, cause, { report: storage.report, wholeOrNothing: true });
    if (spooled) opts.onDeferred?.(batch.reduce((n, p) => n + p.rows.length, 0));
    return spooled;
  }

  function flush(): void {
    batcher.clearTimer();
    if (flushing) return;
    if (batcher.length === 0 && !(spoolWaiting() && Date.now() >= nextReplayAt)) return;
    flushing = cycle()
      .catch((err: unknown) => opts.onWriteError(err, 0))
      .finally(() => {
        flushing = undefined;
        // Whatever arrived during the commit has waited long enough: write it now.
        if (batcher.length > 0) flush();
        else armReplay();
      });
  }

  /** While spooled rows wait and nothing else happens, try the database every replayIntervalMs. */
  function armReplay(): void {
    if (closed || replayTimer || !spoolWaiting()) return;
    replayTimer = setTimeout(
      () => {
        replayTimer = undefined;
        flush();
        armReplay();
      },
      Math.max(0, nextReplayAt - Date.now()) + 1,
    );
    replayTimer.unref();
  }

  /**
   * Deferred rows behind a statement held past writeTimeoutMs: an outage from now on (server mode).
   * An insert not answered in that long counts as unreachable, and so does a deferral that long: a
   * statement stuck on a dropped network holds the connection, without an answer or an error, for
   * as long as the network stays down.
   */
  function markOverdueDeferral(): void {
    const h = storage.deferredOnly ? database.gate.overdue(writeTimeoutMs, 'ingest') : undefined;
    if (h === undefined) return;
    storage.markUnreachable(
      createError(
        'QT_ERR_STORE_UNAVAILABLE',
        `no answer from the database within ${writeTimeoutMs} ms: ${h.label} has held the connection for ${Math.round(h.ms)} ms while acknowledged readings wait in the spool`,
      ),
    );
  }

  async function cycle(): Promise<void> {
    if (spoolWaiting() && Date.now() >= nextReplayAt) {
      markOverdueDeferral();
      if (replayWaits()) nextReplayAt = Date.now() + DEFER_POLL_MS;
      else await replay();
    }
    if (batcher.length === 0) return;
    const batch = batcher.take();
    // Behind spooled rows, new ones queue in the spool too: replay keeps acknowledgement order.
    if (spoolWaiting()) {
      if (!storage.deferredOnly) return toSpool(batch);
      if (await defer(batch, undefined)) return;
      // the spool could not take it: replay what waits there (waiting for the connection), then commit behind it
      await replay(false);
      if (spoolWaiting()) return toSpool(batch);
    }
    await commit(batch);
  }

  /** Replays the spool; `deferrable`: deferred rows' replay is withdrawn in turn if its first INSERT waits behind a long statement. */
  async function replay(deferrable = true): Promise<void> {
    if (!spool) return;
    const watch = deferrable && storage.deferredOnly && deferAfterMs > 0 ? watchDeferral(database.gate, deferAfterMs, roomToDefer) : undefined;
    try {
      await replaySpool(spool, {
        maxRows: opts.maxRows,
        insert: (cols, first) => insert(cols, first ? watch?.signal : undefined),
        conflicts,
        onCommitted: (batch) => opts.onCommitted(batch),
        quarantine: (records) => replayQuarantine(db, records),
        ...(opts.check ? { check: opts.check } : {}),
        recordQc: (qc) => opts.onQc?.(qc),
        onReplayed: (waitedMs, rows) => opts.onReplayed?.(waitedMs, rows),
      });
      storage.markReachable();
    } catch (err) {
      if (watch?.fired) {
        nextReplayAt = Date.now() + DEFER_POLL_MS;
        return;
      }
      opts.onWriteError(err, 0);
      nextReplayAt = Date.now() + replayIntervalMs;
      if (isUnreachable(err)) storage.markUnreachable(err);
    } finally {
      watch?.stop();
    }
  }

  async function commit(batch: PendingWrite[]): Promise<void> {
    const rows = batch.length === 1 ? batch[0]!.rows : batch.flatMap((p) => p.rows);
    const cols = toColumns(rows);
    let mayDefer = deferAfterMs > 0;
    for (let attempt = 1; ; attempt++) {
      const t0 = performance.now();
      let inserted: number;
      const watch = mayDefer ? watchDeferral(database.gate, deferAfterMs, roomToDefer) : undefined;
      try {
        inserted = await insert(cols, watch?.signal);
      } catch (err) {
        // withdrawn from the gate's queue before it ran: spooled, or (the spool could not take it) sent again to wait
        if (watch?.fired) {
          if (await defer(batch, err)) {
            nextReplayAt = Date.now() + DEFER_POLL_MS;
            return;
          }
          mayDefer = false;
          attempt--;
          continue;
        }
        opts.onWriteError(err, attempt);
        if (isUnreachable(err)) {
          storage.markUnreachable(err);
          if (spool) {
            nextReplayAt = Date.now() + replayIntervalMs;
            return toSpool(batch, err);
          }
        }
        if (attempt >= opts.retries) {
          for (const p of batch) p.reject(err);
          return;
        }
        await sleep(backoff(attempt));
        continue;
      } finally {
        watch?.stop();
      }
      // Committed: from here on nothing may send the batch back for a retry.
      if (storage.unreachable) storage.markReachable();
      await conflicts(cols, () => batch.flatMap((p) => p.rows.map(() => p.source)), inserted);
      opts.onCommitted({ rows, inserted, ms: performance.now() - t0, replayed: false });
      // A shared statement does not tell which publish a duplicate belonged to: a publish alone
      // in its batch gets its exact count, others the number of rows they brought.
      for (const p of batch) p.resolve(batch.length === 1 ? inserted : p.rows.length);
      if (opts.onQc) {
        const qc = mergeQc(batch.map((p) => p.qc));
        if (qc) opts.onQc(qc);
      }
      return;
    }
  }

  // A spool left by the previous run is replayed as soon as the writer starts.
  if (spoolWaiting()) {
    storage.report();
    queueMicrotask(flush);
  }

  return {
    room: () => batcher.room(),
    async write(rows, source = 'mqtt', qc) {
      while (batcher.full) await batcher.wakeup();
      return new Promise<number>((resolve, reject) => {
        batcher.push({ rows, source, qc, resolve, reject });
        batcher.schedule(flushing !== undefined);
      });
    },
    async drain() {
      for (;;) {
        while (flushing || batcher.length > 0 || batcher.blocked > 0) {
          if (!flushing) flush();
          if (flushing) await flushing;
          else await sleep(1);
        }
        // Deferred rows are stored before drain resolves (a clean stop, the start-up's backfill): they
        // wait for the connection now. An outage's rows stay in the spool for the next replay.
        if (!(spoolWaiting() && storage.deferredOnly)) return;
        flushing = replay(false).finally(() => {
          flushing = undefined;
        });
        await flushing;
      }
    },
    get queuedRows() {
      return batcher.rows;
    },
    get blockedWrites() {
      return batcher.blocked;
    },
    get storage() {
      return storage.state();
    },
    async spoolQuarantine(records, cause) {
      if (!spool || !isUnreachable(cause)) throw cause;
      storage.markUnreachable(cause);
      nextReplayAt = Date.now() + replayIntervalMs;
      await spool.append([], toSpoolQuarantine(records));
      storage.report();
      armReplay();
    },
    close() {
      closed = true;
      if (replayTimer) clearTimeout(replayTimer);
      replayTimer = undefined;
    },
  };
}
