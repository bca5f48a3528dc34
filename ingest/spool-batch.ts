/**
 * @module ingest/spool-batch
 * Puts one group-commit batch in the local spool while the database is unreachable, and settles
 * its publishes: resolved once their rows are fsync'd there, refused when the spool is full (or
 * there is none), so that nothing only in memory is ever acknowledged.
 */
import { createError } from '../lib/errors.js';
import { encodeSpoolRecord, type Spool, type SpoolRow } from './spool.js';
import { mergeQc } from './qc-evaluator.js';
import type { PendingWrite } from './write-types.js';

export interface SpoolBatchHooks {
  onSpooled?(rows: number, spoolBytes: number): void;
  /** The spool's size changed (or an append failed): re-check the storage state. */
  report(): void;
  /**
   * A deferral (ingest/defer.ts): when the spool cannot take the whole batch, settle nothing and
   * resolve false, so that the batch waits for the database instead of being refused.
   */
  wholeOrNothing?: boolean;
}

/**
 * Spools the batch and settles its publishes; resolves whether it was spooled. Without a spool every publish is refused with
 * `cause`. Nearly full: the longest run of whole publishes that fits (in order) is spooled and the
 * rest refused, rather than refusing a whole batch that no longer fits as one record.
 */
export async function spoolBatch(spool: Spool | undefined, batch: PendingWrite[], cause: unknown, hooks: SpoolBatchHooks): Promise<boolean> {
  if (!spool) {
    if (hooks.wholeOrNothing) return false;
    for (const p of batch) p.reject(cause);
    return false;
  }
  const perPublish: SpoolRow[][] = batch.map((p) => p.rows.map((r): SpoolRow => [r.stationId, r.metric, r.ts, r.value, r.quality, p.source, r.qc ?? 0]));
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
  if (hooks.wholeOrNothing && take < batch.length) return false;
  const rows = perPublish.slice(0, take).flat();
  try {
    if (take === 0) throw createError('QT_ERR_SPOOL_FULL', `the spool is full (${spool.bytes} of ${spool.maxBytes} bytes)`);
    await spool.append(rows, undefined, mergeQc(batch.slice(0, take).map((p) => p.qc)));
  } catch (err) {
    hooks.report();
    if (hooks.wholeOrNothing) return false;
    // Full (or the disk failed): acknowledge nothing; the stations keep their messages.
    for (const p of batch) p.reject(err);
    return false;
  }
  hooks.onSpooled?.(rows.length, spool.bytes);
  hooks.report();
  batch.forEach((p, i) => (i < take ? p.resolve(p.rows.length) : p.reject(createError('QT_ERR_SPOOL_FULL', `the spool is full (${spool.bytes} of ${spool.maxBytes} bytes)`))));
  return true;
}
