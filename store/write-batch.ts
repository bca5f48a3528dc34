/**
 * @module store/write-batch
 * Many small writes committed together. The alert engine's start-up pass stored each change in
 * a transaction of its own (BEGIN, the statements, COMMIT: round trips and, on the embedded
 * database, a WAL sync at each commit, store/embedded/worker.mjs): 2,001 new offline alerts on the
 * bench's data directory took 16 s of a restart, 7.2 s in groups; with each change one statement
 * besides (alerts/lifecycle.ts) the whole restart went from 17.6–18.4 s to 9.0–13.3 s. A batch
 * opens a transaction at its first write and hands out a `Db` on that connection; `checkpoint()`
 * commits it once it holds `maxWrites` writes or has been open `maxOpenMs`, so the one connection
 * is never held long from ingest, and `end()` commits the rest. Inside the batch a
 * `db.transaction(fn)` is a savepoint: an error in it rolls back to the savepoint and leaves the
 * batch usable (a caller may handle it and go on).
 */
import type pg from 'pg';
import { createError } from '../lib/errors.js';
import { viewOf, type Db } from './db.js';

export interface WriteBatchOptions {
  /** Writes per transaction at most (default 200). */
  maxWrites?: number;
  /** A transaction open this long is committed at the next checkpoint (default 50 ms). */
  maxOpenMs?: number;
  /** Called after each commit (the caller announces what the transaction stored). */
  onCommit?: () => void;
}

export interface WriteBatch {
  /** The database for the next write: the batch's transaction (opened if none is). Counts one write. */
  db(): Promise<Db>;
  /** Commits the transaction if it holds maxWrites writes or has been open maxOpenMs. */
  checkpoint(): Promise<void>;
  /** Commits what is open. */
  end(): Promise<void>;
  /** Rolls back what is open (its writes are lost; earlier commits stay). */
  abort(err: unknown): Promise<void>;
}

interface Open {
  db: Db;
  openedAt: number;
  writes: number;
  finish(err?: unknown): Promise<void>;
}

/** A Db on one connection inside a transaction: queries run on it, a transaction is a savepoint. */
function onClient(base: Db, client: pg.PoolClient): Db {
  let savepoints = 0;
  const db: Db = viewOf(base, {
    query: (text, params) => client.query(text, params as unknown[]),
    async transaction(fn) {
      const name = `batch_${++savepoints}`;
      await client.query(`SAVEPOINT ${name}`);
      try {
        const result = await fn(client);
        await client.query(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (err) {
        await client.query(`ROLLBACK TO SAVEPOINT ${name}`);
        throw err;
      }
    },
    // the connection is held: every lane is this one
    lane: () => db,
    close: () => Promise.reject(createError('QT_ERR_INTERNAL', 'a write batch does not close the database')),
  });
  return db;
}

/** Opens a transaction on `base` and keeps it open until `finish` (the error: roll back). */
function open(base: Db): Promise<Open> {
  return new Promise<Open>((opened, failed) => {
    let finished: (err?: unknown) => void = () => {};
    const done = base.transaction(async (client) => {
      const ended = new Promise<void>((resolve, reject) => {
        finished = (err) => (err === undefined ? resolve() : reject(err as Error));
      });
      opened({
        db: onClient(base, client),
        openedAt: performance.now(),
        writes: 0,
        finish(err) {
          finished(err);
          return done;
        },
      });
      await ended;
    });
    done.catch((err: unknown) => failed(err));
  });
}

export function createWriteBatch(base: Db, options: WriteBatchOptions = {}): WriteBatch {
  const { maxWrites = 200, maxOpenMs = 50, onCommit } = options;
  let current: Open | undefined;

  async function commit(): Promise<void> {
    const tx = current;
    if (!tx) return;
    current = undefined;
    await tx.finish();
    onCommit?.();
  }

  return {
    async db() {
      current ??= await open(base);
      current.writes++;
      return current.db;
    },
    async checkpoint() {
      if (current && (current.writes >= maxWrites || performance.now() - current.openedAt >= maxOpenMs)) await commit();
    },
    end: commit,
    async abort(err) {
      const tx = current;
      current = undefined;
      if (!tx) return;
      const cause = err ?? createError('QT_ERR_INTERNAL', 'write batch aborted');
      // a rollback ends in the error given (transaction() rethrows it); anything else is news
      await tx.finish(cause).catch((e: unknown) => {
        if (e !== cause) throw e;
      });
    },
  };
}
