/**
 * @module ingest/writer
 * Group commit: readings from many publishes are written by one INSERT, bounded by rows and by
 * time, and each publisher's promise settles only after its rows are committed (or made durable
 * in the local spool). That is what lets the broker hold a QoS 1 PUBACK until the reading is
 * safe.
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
 * Backpressure: once `maxPendingRows` rows wait in the queue, write() itself waits, so the
 * broker holds the publisher's callback and stops reading its socket (aedes reads a client's next
 * packets only when the previous ones are handled): memory stays bounded by the queue plus one
 * socket read per connection, whatever the stations send.
 *
 * Duplicates: ON CONFLICT DO NOTHING keeps the first write. Only when an insert stored fewer
 * rows than it was given does one more query per batch record the skipped rows whose stored
 * twin has a different value or quality (store/conflicts.ts).
 */
import pg from 'pg';
import type { Db } from '../store/index.js';
import { insertReadings, type ReadingColumns } from '../store/readings.js';
import { recordConflicts } from '../store/conflicts.js';
import { insertQuarantine, type QuarantineRecord } from '../store/quarantine.js';
import { createError } from '../lib/errors.js';
import { encodeSpoolRecord, type Spool, type SpoolRow } from './spool.js';

export interface WriteRow {
  stationId: string;
  metric: string;
  ts: number;
  value: number | null;
  quality: number;
}

export interface CommittedBatch {
  rows: readonly WriteRow[];
  inserted: number;
  ms: number;
  /** True when these rows come back from the spool. */
  replayed: boolean;
}

/** What operators need to know about where acknowledged readings are. */
export interface StorageState {
  /** The database is unreachable or acknowledged readings wait in the spool. */
  degraded: boolean;
  /** Why, in words (the last database error); null when not degraded. */
  reason: string | null;
  /** Since when (epoch ms); null when not degraded. */
  since: number | null;
  spoolBytes: number;
  spoolMaxBytes: number;
  spoolRows: number;
}

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
  onCommitted(batch: CommittedBatch): void;
  onWriteError(err: unknown, attempt: number): void;
  onSpooled?(rows: number, spoolBytes: number): void;
  onConflicts?(count: number): void;
  onStorageState?(state: StorageState): void;
  /** Backoff before retry attempt n (1-based), ms. */
  backoffMs?: (attempt: number) => number;
}

interface Pending {
  rows: WriteRow[];
  source: string;
  resolve(inserted: number): void;
  reject(err: unknown): void;
}

export interface BatchWriter {
  /** Resolves with the number of rows newly stored (or spooled) once they are durable. */
  write(rows: WriteRow[], source?: string): Promise<number>;
  /**
   * undefined while the queue has room; else a promise that resolves when it has. Ingest awaits it
   * before parsing, so a publish held by backpressure costs its raw bytes only.
   */
  room(): Promise<void> | undefined;
  /** Resolves when everything queued so far is committed, spooled or refused. */
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
/** Spool bytes read per replay step. */
const REPLAY_READ_BYTES = 4 * 2 ** 20;

/**
 * True for errors that mean "the database did not take it, try again later" rather than "this
 * statement is wrong": anything that is not an answer from the server, and the server's own
 * connection (08), resource (53), operator-intervention (57) and system (58) classes.
 */
export function isUnreachable(err: unknown): boolean {
  if (err instanceof pg.DatabaseError) return /^(08|53|57|58)/.test(err.code ?? '');
  return true;
}

function toColumns(rows: readonly WriteRow[]): ReadingColumns {
  const n = rows.length;
  const cols: ReadingColumns = {
    stationIds: new Array<string>(n),
    metrics: new Array<string>(n),
    ts: new Array<string>(n),
    values: new Array<number | null>(n),
    quality: new Array<number>(n),
  };
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    cols.stationIds[i] = r.stationId;
    cols.metrics[i] = r.metric;
    cols.ts[i] = new Date(r.ts).toISOString();
    cols.values[i] = r.value;
    cols.quality[i] = r.quality;
  }
  return cols;
}

export function createBatchWriter(db: Db, opts: BatchWriterOptions): BatchWriter {
  const backoff = opts.backoffMs ?? ((n: number) => Math.min(2000, 100 * 2 ** (n - 1)));
  const maxPending = opts.maxPendingRows ?? Infinity;
  const replayIntervalMs = opts.replayIntervalMs ?? 1000;
  const writeTimeoutMs = opts.writeTimeoutMs ?? 0;
  const spool = opts.spool;
  let queue: Pending[] = [];
  let queuedRows = 0;
  const blocked: Array<() => void> = [];
  let timer: NodeJS.Timeout | undefined;
  let replayTimer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  let nextReplayAt = 0;
  let closed = false;
  /** The last write or replay failed because the database was unreachable. */
  let unreachable: { reason: string; since: number } | undefined;
  let lastDegraded = false;
  let degradedSince = 0;

  function state(): StorageState {
    const spoolBytes = spool?.bytes ?? 0;
    const degraded = unreachable !== undefined || spoolBytes > 0;
    return {
      degraded,
      reason: degraded ? (unreachable?.reason ?? 'acknowledged readings wait in the spool') : null,
      since: degraded ? (lastDegraded ? degradedSince : (unreachable?.since ?? Date.now())) : null,
      spoolBytes,
      spoolMaxBytes: spool?.maxBytes ?? 0,
      spoolRows: spool?.rows ?? 0,
    };
  }

  function report(): void {
    const s = state();
    if (s.degraded !== lastDegraded) {
      lastDegraded = s.degraded;
      degradedSince = s.since ?? 0;
      opts.onStorageState?.(s);
    }
  }

  function markUnreachable(err: unknown): void {
    if (!unreachable) unreachable = { reason: err instanceof Error ? err.message : String(err), since: Date.now() };
    report();
  }

  function markReachable(): void {
    unreachable = undefined;
    report();
  }

  function schedule(): void {
    if (flushing || queue.length === 0) return;
    if (queuedRows >= opts.maxRows || opts.maxWaitMs === 0) {
      flush();
    } else if (!timer) {
      timer = setTimeout(flush, opts.maxWaitMs);
    }
  }

  function take(): Pending[] {
    let n = 0;
    let i = 0;
    while (i < queue.length && (i === 0 || n + queue[i]!.rows.length <= opts.maxRows)) {
      n += queue[i]!.rows.length;
      i++;
    }
    const batch = queue.slice(0, i);
    queue = queue.slice(i);
    queuedRows -= n;
    // Room in the queue: let the waiting publishes re-check (each re-blocks if still full).
    for (const wake of blocked.splice(0)) wake();
    return batch;
  }

  function spoolWaiting(): boolean {
    return spool !== undefined && spool.bytes > 0;
  }

  function flush(): void {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (flushing) return;
    if (queue.length === 0 && !(spoolWaiting() && Date.now() >= nextReplayAt)) return;
    flushing = cycle()
      .catch((err: unknown) => opts.onWriteError(err, 0))
      .finally(() => {
        flushing = undefined;
        // Whatever arrived during the commit has waited long enough: write it now.
        if (queue.length > 0) flush();
        else armReplay();
      });
  }

  /** While spooled rows wait and nothing else happens, try the database every replayIntervalMs. */
  function armReplay(): void {
    if (closed || replayTimer || !spoolWaiting()) return;
    replayTimer = setTimeout(() => {
      replayTimer = undefined;
      flush();
      armReplay();
    }, Math.max(0, nextReplayAt - Date.now()) + 1);
    replayTimer.unref();
  }

  async function insert(cols: ReadingColumns): Promise<number> {
    if (cols.stationIds.length === 0) return 0;
    if (writeTimeoutMs <= 0) return insertReadings(db, cols);
    // The statement may still commit after the timeout; its rows are then also spooled, and the
    // replay finds them stored (ON CONFLICT DO NOTHING): no duplicate, no conflict record.
    let t: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(createError('QT_ERR_STORE_UNAVAILABLE', `no answer to an insert within ${writeTimeoutMs} ms`)), writeTimeoutMs);
    });
    const statement = insertReadings(db, cols);
    // After a timeout the statement's own outcome arrives later: route it, never leave it unhandled.
    statement.catch((err: unknown) => opts.onWriteError(err, 0));
    try {
      return await Promise.race([statement, timeout]);
    } finally {
      clearTimeout(t);
    }
  }

  /** Records conflicts when the insert skipped rows; never fails the (committed) batch. */
  async function conflicts(cols: ReadingColumns, sources: () => string[], inserted: number): Promise<void> {
    if (inserted >= cols.stationIds.length) return;
    try {
      const n = await recordConflicts(db, cols, sources());
      if (n > 0) opts.onConflicts?.(n);
    } catch (err) {
      opts.onWriteError(err, 0);
    }
  }

  async function cycle(): Promise<void> {
    if (spoolWaiting() && Date.now() >= nextReplayAt) await replay();
    if (queue.length === 0) return;
    const batch = take();
    // Behind spooled rows, new ones queue in the spool too: replay keeps acknowledgement order.
    if (spoolWaiting()) return toSpool(batch);
    await commit(batch);
  }

  async function replay(): Promise<void> {
    if (!spool) return;
    let offset = 0;
    try {
      for (;;) {
        if (offset >= spool.bytes) {
          // Every spooled row is committed: only now may the file be emptied (unless an append
          // came in meanwhile: then go on reading).
          if (await spool.clearIf(offset)) break;
          continue;
        }
        const records = await spool.read(offset, REPLAY_READ_BYTES);
        const rows: SpoolRow[] = records.flatMap((r) => r.rows);
        for (let i = 0; i < rows.length; i += opts.maxRows) {
          const slice = rows.slice(i, i + opts.maxRows);
          const writeRows: WriteRow[] = slice.map(([stationId, metric, ts, value, quality]) => ({ stationId, metric, ts, value, quality }));
          const cols = toColumns(writeRows);
          const t0 = performance.now();
          const inserted = await insert(cols);
          await conflicts(cols, () => slice.map((r) => r[5]), inserted);
          opts.onCommitted({ rows: writeRows, inserted, ms: performance.now() - t0, replayed: true });
        }
        const quarantined = records.flatMap((r) => r.quarantine);
        if (quarantined.length > 0) await insertQuarantine(db, quarantined.map((q) => ({ ...q, payload: Buffer.from(q.payload, 'base64') })));
        offset = records[records.length - 1]!.next;
      }
      markReachable();
    } catch (err) {
      opts.onWriteError(err, 0);
      nextReplayAt = Date.now() + replayIntervalMs;
      if (isUnreachable(err)) markUnreachable(err);
    }
  }

  async function toSpool(batch: Pending[], cause?: unknown): Promise<void> {
    if (!spool) {
      for (const p of batch) p.reject(cause);
      return;
    }
    const perPublish: SpoolRow[][] = batch.map((p) => p.rows.map((r): SpoolRow => [r.stationId, r.metric, r.ts, r.value, r.quality, p.source]));
    // Nearly full: spool the longest run of whole publishes that fits (in order) and refuse the
    // rest, rather than refusing a whole group-commit batch that no longer fits as one record.
    let take = batch.length;
    const free = spool.maxBytes - spool.bytes;
    if (encodeSpoolRecord(perPublish.flat()).length > free) {
      let size = encodeSpoolRecord([]).length;
      take = 0;
      while (take < batch.length) {
        const add = perPublish[take]!.reduce((n, r) => n + Buffer.byteLength(JSON.stringify(r)) + 1, 0);
        if (size + add > free) break;
        size += add;
        take++;
      }
    }
    const rows = perPublish.slice(0, take).flat();
    try {
      if (take === 0) throw createError('QT_ERR_SPOOL_FULL', `the spool is full (${spool.bytes} of ${spool.maxBytes} bytes)`);
      await spool.append(rows);
    } catch (err) {
      // Full (or the disk failed): acknowledge nothing; the stations keep their messages.
      for (const p of batch) p.reject(err);
      report();
      return;
    }
    opts.onSpooled?.(rows.length, spool.bytes);
    report();
    batch.forEach((p, i) => (i < take ? p.resolve(p.rows.length) : p.reject(createError('QT_ERR_SPOOL_FULL', `the spool is full (${spool.bytes} of ${spool.maxBytes} bytes)`))));
  }

  async function commit(batch: Pending[]): Promise<void> {
    const rows = batch.length === 1 ? batch[0]!.rows : batch.flatMap((p) => p.rows);
    const cols = toColumns(rows);
    for (let attempt = 1; ; attempt++) {
      const t0 = performance.now();
      let inserted: number;
      try {
        inserted = await insert(cols);
      } catch (err) {
        opts.onWriteError(err, attempt);
        if (isUnreachable(err)) {
          markUnreachable(err);
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
      }
      // Committed: from here on nothing may send the batch back for a retry.
      if (unreachable) markReachable();
      await conflicts(cols, () => batch.flatMap((p) => p.rows.map(() => p.source)), inserted);
      opts.onCommitted({ rows, inserted, ms: performance.now() - t0, replayed: false });
      // A shared statement does not tell which publish a duplicate belonged to: a publish alone
      // in its batch gets its exact count, others the number of rows they brought.
      for (const p of batch) p.resolve(batch.length === 1 ? inserted : p.rows.length);
      return;
    }
  }

  // A spool left by the previous run is replayed as soon as the writer starts.
  if (spoolWaiting()) {
    report();
    queueMicrotask(flush);
  }

  return {
    room() {
      if (queuedRows < maxPending) return undefined;
      return (async () => {
        while (queuedRows >= maxPending) await new Promise<void>((resolve) => blocked.push(resolve));
      })();
    },
    async write(rows, source = 'mqtt') {
      while (queuedRows >= maxPending) await new Promise<void>((resolve) => blocked.push(resolve));
      return new Promise<number>((resolve, reject) => {
        queue.push({ rows, source, resolve, reject });
        queuedRows += rows.length;
        schedule();
      });
    },
    async drain() {
      while (flushing || queue.length > 0 || blocked.length > 0) {
        if (!flushing) flush();
        if (flushing) await flushing;
        else await sleep(1);
      }
    },
    get queuedRows() {
      return queuedRows;
    },
    get blockedWrites() {
      return blocked.length;
    },
    get storage() {
      return state();
    },
    async spoolQuarantine(records, cause) {
      if (!spool || !isUnreachable(cause)) throw cause;
      markUnreachable(cause);
      nextReplayAt = Date.now() + replayIntervalMs;
      await spool.append(
        [],
        records.map((r) => ({ source: r.source, stationId: r.stationId, topic: r.topic, reasonCode: r.reasonCode, reason: r.reason, details: r.details, payload: r.payload.toString('base64') })),
      );
      report();
      armReplay();
    },
    close() {
      closed = true;
      if (replayTimer) clearTimeout(replayTimer);
      replayTimer = undefined;
    },
  };
}
