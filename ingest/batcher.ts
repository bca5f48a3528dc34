/**
 * @module ingest/batcher
 * The queue of the group commit: publishes wait here until the writer takes them as one batch,
 * bounded by rows (`maxRows`) and by time (`maxWaitMs`). A publish is never split across two
 * batches.
 *
 * Backpressure: once `maxPendingRows` rows wait, callers wait for room (`wakeup()`, `room()`), so
 * the broker holds the publisher's callback and stops reading its socket.
 */
import type { PendingWrite } from './write-types.js';

export interface BatcherOptions {
  maxRows: number;
  maxWaitMs: number;
  /** Rows queued before callers must wait for room; default: no limit. */
  maxPendingRows?: number;
  /** Called when a batch is due (full, or maxWaitMs after the first publish queued). */
  flush(): void;
}

export interface Batcher {
  /** Publishes queued. */
  readonly length: number;
  /** Rows queued. */
  readonly rows: number;
  /** Callers waiting for room. */
  readonly blocked: number;
  /** True while the queue holds maxPendingRows rows or more. */
  readonly full: boolean;
  /** Resolves at the next take(); the caller re-checks `full` (each re-blocks if still full). */
  wakeup(): Promise<void>;
  /** undefined while the queue has room; else a promise that resolves when it has. */
  room(): Promise<void> | undefined;
  push(pending: PendingWrite): void;
  /** Flushes now if a batch is full (or maxWaitMs is 0), else arms the maxWaitMs timer; not while `busy`. */
  schedule(busy: boolean): void;
  /** Disarms the maxWaitMs timer. */
  clearTimer(): void;
  /** Takes the publishes of the next batch: at least one, then as many whole ones as fit in maxRows. */
  take(): PendingWrite[];
}

export function createBatcher(opts: BatcherOptions): Batcher {
  const maxPending = opts.maxPendingRows ?? Infinity;
  let queue: PendingWrite[] = [];
  let queuedRows = 0;
  const blocked: Array<() => void> = [];
  let timer: NodeJS.Timeout | undefined;

  const wakeup = () => new Promise<void>((resolve) => blocked.push(resolve));

  return {
    get length() {
      return queue.length;
    },
    get rows() {
      return queuedRows;
    },
    get blocked() {
      return blocked.length;
    },
    get full() {
      return queuedRows >= maxPending;
    },
    wakeup,
    room() {
      if (queuedRows < maxPending) return undefined;
      return (async () => {
        while (queuedRows >= maxPending) await wakeup();
      })();
    },
    push(pending) {
      queue.push(pending);
      queuedRows += pending.rows.length;
    },
    schedule(busy) {
      if (busy || queue.length === 0) return;
      if (queuedRows >= opts.maxRows || opts.maxWaitMs === 0) {
        opts.flush();
      } else if (!timer) {
        timer = setTimeout(opts.flush, opts.maxWaitMs);
      }
    },
    clearTimer() {
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
    },
    take() {
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
    },
  };
}
