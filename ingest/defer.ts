/**
 * @module ingest/defer
 * Deferral: a group commit that waits for the database's connection while a job statement, an
 * export page or a query holds it goes to the local spool instead (issue 20). The embedded
 * database serves one connection, and some statements cannot be cut: one `compress_chunk` of a
 * half-hour chunk at an agency's load holds it about 0.7 s, and every PUBACK would wait for it.
 * A batch spooled is fsync'd (about 1 ms here) and acknowledged, exactly as during an outage, and
 * replayed in order once the statement has ended (ingest/writer.ts): a station's PUBACK no longer
 * waits for the statement; the live stream, the alerts and the API see those readings when they
 * are replayed, as they would have seen them once committed.
 *
 * Deferral is a short buffer, not a second path: the deferred rows are bounded (half the spool,
 * SPOOL_MAX_DEFERRED_ROWS), because they are stored before anything newer. Unbounded, a saturated
 * app behind a stream of short reads deferred 274,240 rows in 5.6 s and then acknowledged nothing
 * for 9 s while they were caught up (bench/suite.ts, 2026-12-06).
 *
 * The watcher withdraws the insert from the gate's queue (store/db-gate.ts) once it has waited
 * `afterMs` and the connection is still held by another lane; an insert that got the connection
 * runs, so a batch is either committed or spooled, never both.
 */
import type { DbGate } from '../store/index.js';
import { createError } from '../lib/errors.js';

/** How often a waiting batch looks again at what holds the connection, once it waited `afterMs`. */
const RECHECK_MS = 10;

export interface DeferralWatch {
  /** Passed to the insert: aborted when the batch is to be spooled. */
  readonly signal: AbortSignal;
  /** Whether the insert was withdrawn to be spooled (then its rejection is this deferral, not a failure). */
  readonly fired: boolean;
  /** Stops watching (the insert settled). */
  stop(): void;
}

/** Whether another lane's statement holds the connection now, for at least `forMs`: what a waiting ingest batch is deferred behind. */
export function heldByOtherWork(gate: DbGate, forMs = 0): boolean {
  const h = gate.holder();
  return h !== undefined && h.lane !== 'ingest' && h.ms >= forMs;
}

/**
 * Watches one insert: after `afterMs`, while another lane's statement holds the connection and
 * `canSpool()` allows, the signal is aborted.
 * @example const watch = watchDeferral(db.gate, 100, () => spool.bytes < spool.maxBytes / 2)
 */
export function watchDeferral(gate: DbGate, afterMs: number, canSpool: () => boolean): DeferralWatch {
  const controller = new AbortController();
  let fired = false;
  let timer: NodeJS.Timeout | undefined;
  const check = (): void => {
    timer = undefined;
    if (heldByOtherWork(gate) && canSpool()) {
      fired = true;
      controller.abort(createError('QT_ERR_STORE_UNAVAILABLE', `the connection was held by ${gate.holder()?.label ?? 'another statement'}: batch deferred to the spool`));
      return;
    }
    timer = setTimeout(check, RECHECK_MS);
  };
  timer = setTimeout(check, afterMs);
  return {
    signal: controller.signal,
    get fired() {
      return fired;
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
