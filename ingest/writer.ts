/**
 * @module ingest/writer
 * Group commit: readings from many publishes are written by one INSERT, bounded by rows and by
 * time, and each publisher's promise settles only after its rows are committed. That is what
 * lets the broker hold a QoS 1 PUBACK until the reading is in the database.
 *
 * While one batch is being written the next one fills, so the batch size adapts to the load:
 * one row per statement when idle, thousands under load. A publish is never split across two
 * batches. A failing batch is retried with backoff, then its publishers are refused (for MQTT
 * the connection closes and the station redelivers its unacknowledged messages).
 */
import type { Db } from '../store/index.js';
import { insertReadings } from '../store/readings.js';

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
}

export interface BatchWriterOptions {
  maxRows: number;
  maxWaitMs: number;
  retries: number;
  onCommitted(batch: CommittedBatch): void;
  onWriteError(err: unknown, attempt: number): void;
  /** Backoff before retry attempt n (1-based), ms. */
  backoffMs?: (attempt: number) => number;
}

interface Pending {
  rows: WriteRow[];
  resolve(inserted: number): void;
  reject(err: unknown): void;
}

export interface BatchWriter {
  /** Resolves with the number of rows newly stored once they are committed. */
  write(rows: WriteRow[]): Promise<number>;
  /** Resolves when everything queued so far is committed or refused. */
  drain(): Promise<void>;
  readonly queuedRows: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createBatchWriter(db: Db, opts: BatchWriterOptions): BatchWriter {
  const backoff = opts.backoffMs ?? ((n: number) => Math.min(2000, 100 * 2 ** (n - 1)));
  let queue: Pending[] = [];
  let queuedRows = 0;
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;

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
    return batch;
  }

  function flush(): void {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (flushing || queue.length === 0) return;
    const batch = take();
    flushing = commit(batch).finally(() => {
      flushing = undefined;
      // Whatever arrived during the commit has waited long enough: write it now.
      if (queue.length > 0) flush();
    });
  }

  async function commit(batch: Pending[]): Promise<void> {
    const rows = batch.length === 1 ? batch[0]!.rows : batch.flatMap((p) => p.rows);
    const n = rows.length;
    const cols = {
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
    for (let attempt = 1; ; attempt++) {
      const t0 = performance.now();
      let inserted: number;
      try {
        inserted = n === 0 ? 0 : await insertReadings(db, cols);
      } catch (err) {
        opts.onWriteError(err, attempt);
        if (attempt >= opts.retries) {
          for (const p of batch) p.reject(err);
          return;
        }
        await sleep(backoff(attempt));
        continue;
      }
      // Committed: from here on nothing may send the batch back for a retry.
      opts.onCommitted({ rows, inserted, ms: performance.now() - t0 });
      // A shared statement does not tell which publish a duplicate belonged to: a publish alone
      // in its batch gets its exact count, others the number of rows they brought.
      for (const p of batch) p.resolve(batch.length === 1 ? inserted : p.rows.length);
      return;
    }
  }

  return {
    write(rows) {
      return new Promise<number>((resolve, reject) => {
        queue.push({ rows, resolve, reject });
        queuedRows += rows.length;
        schedule();
      });
    },
    async drain() {
      while (flushing || queue.length > 0) {
        if (!flushing) flush();
        await flushing;
      }
    },
    get queuedRows() {
      return queuedRows;
    },
  };
}
