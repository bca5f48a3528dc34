/**
 * The connection gate (store/db-gate.ts) on the real embedded database: a freed connection goes
 * to the ingest lane before queued reads, to reads before background work, first come first served
 * within a lane; a background waiter is not starved by a stream of reads; with `prioritized` off
 * every lane is served in arrival order (pg.Pool's order, for A/B benchmarks).
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/index.js';
import { createLogger } from '../lib/logger.js';
import { tempDataDir } from '../test/helpers/app.js';
import { openDb, type Db, type Lane } from './db.js';

const dataDir = tempDataDir();
let db: Db;

beforeAll(async () => {
  db = await openDb(resolveConfig({ dataDir, logLevel: 'silent' }), createLogger('silent'), { agedMs: 200 });
});
afterAll(async () => {
  await db?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Queues a query in `lane`; its label goes into `done` when it is answered. */
function queued(done: string[], lane: Lane, label: string, sql = 'SELECT 1'): Promise<void> {
  return db
    .lane(lane)
    .query(sql)
    .then(() => {
      done.push(label);
    });
}

/** A query holding the connection until `release` is called (an advisory lock held by another session would need a second connection). */
function holdConnection(): { running: Promise<void>; release(): void } {
  let release = () => undefined as void;
  const gate = new Promise<void>((r) => (release = r));
  // a transaction keeps the one connection checked out until its callback returns
  const running = db.lane('background').transaction(async (client) => {
    await client.query('SELECT 1');
    await gate;
  });
  return { running, release };
}

describe('database connection gate', () => {
  it('serves a queued ingest commit right after the running statement, ahead of reads queued before it', async () => {
    const done: string[] = [];
    const held = holdConnection();
    const all = [
      queued(done, 'background', 'export slice'),
      ...[1, 2, 3, 4, 5].map((i) => queued(done, 'interactive', `read ${i}`)),
      queued(done, 'ingest', 'commit', 'SELECT 2'),
      db.transaction(async (client) => {
        await client.query('SELECT 3');
        done.push('read transaction');
      }),
    ];
    expect(db.gate.waiting('ingest')).toBe(1);
    expect(db.gate.waiting('interactive')).toBe(6);
    expect(db.gate.waiting('background')).toBe(1);
    expect(db.waitingCount).toBe(8);
    held.release();
    await held.running;
    await Promise.all(all);
    expect(done).toEqual(['commit', 'read 1', 'read 2', 'read 3', 'read 4', 'read 5', 'read transaction', 'export slice']);
    expect(db.waitingCount).toBe(0);
  });

  it('does not starve background work under a stream of reads', async () => {
    const done: string[] = [];
    const held = holdConnection();
    const background = queued(done, 'background', 'background');
    // two readers that queue their next read as soon as one is answered: a read always waits,
    // so only the aging rule lets the background query through; they stop once it is answered
    let stop = false;
    const reader = async (name: string) => {
      let n = 0;
      while (!stop) await queued(done, 'interactive', `${name}${n++}`);
    };
    const readers = [reader('a'), reader('b')];
    held.release();
    await held.running;
    await background;
    stop = true;
    await Promise.all(readers);
    const at = done.indexOf('background');
    expect(at).toBeGreaterThan(0);
    // reads were served after it too: it went in between them, not after the stream ended
    expect(done.length).toBeGreaterThan(at + 1);
  });

  it('serves every lane in arrival order when not prioritized (A/B)', async () => {
    db.gate.prioritized = false;
    try {
      const done: string[] = [];
      const held = holdConnection();
      const all = [queued(done, 'background', 'export slice'), queued(done, 'interactive', 'read'), queued(done, 'ingest', 'commit')];
      held.release();
      await held.running;
      await Promise.all(all);
      expect(done).toEqual(['export slice', 'read', 'commit']);
    } finally {
      db.gate.prioritized = true;
    }
  });

  it('says what an ingest commit waited behind, by the label of the work holding the connection', async () => {
    let release = () => undefined as void;
    const gate = new Promise<void>((r) => (release = r));
    let holding = () => undefined as void;
    const held = new Promise<void>((r) => (holding = r));
    const running = db.lane('background', 'test export page').transaction(async (client) => {
      await client.query('SELECT 1');
      holding();
      await gate;
    });
    // the export page holds the connection (it may have rested first: background work rests after a hold while ingest is active)
    await held;
    const waitsBefore = db.gate.waitsBehind('ingest').get('test export page')?.count ?? 0;
    const commit = db.lane('ingest').query('SELECT 2');
    const read = db.query('SELECT 3');
    release();
    await Promise.all([running, commit, read]);
    // the commit waited behind the export page; the read behind it too, but it is not an ingest wait
    expect(db.gate.waitsBehind('ingest').get('test export page')?.count).toBe(waitsBefore + 1);
    expect(db.gate.waitsBehind('interactive').get('test export page')?.count).toBeGreaterThanOrEqual(1);
    expect(db.gate.holdsByLabel().get('test export page')?.count).toBe(1);
    expect(db.gate.holds('background').count).toBeGreaterThanOrEqual(1);
  });

  it('rests background work for its share of the connection while stations write, and not when they do not', async () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    /** An ingest commit marks ingest active; a background slice holds the connection 200 ms; the next slice is queued behind it and a commit arrives 50 ms after it ends. */
    const run = async (share: number, ingestActive: boolean): Promise<string[]> => {
      db.gate.backgroundShare = share;
      const done: string[] = [];
      if (ingestActive) await db.lane('ingest').query('SELECT 1');
      else await sleep(1100); // ingest counts as active for 1 s after its last commit
      let release = () => undefined as void;
      const held = new Promise<void>((r) => (release = r));
      const slice = db.lane('background').transaction(async (client) => {
        await client.query('SELECT 1');
        await held;
      });
      const next = queued(done, 'background', 'next slice');
      await sleep(200);
      release();
      await slice;
      await sleep(50);
      await Promise.all([next, queued(done, 'ingest', 'commit')]);
      return done;
    };
    try {
      // share 0.5: the next slice rests as long as the last one held (200 ms): the commit goes first
      expect(await run(0.5, true)).toEqual(['commit', 'next slice']);
      // share 1: no rest, the next slice takes the connection as soon as it is free
      expect(await run(1, true)).toEqual(['next slice', 'commit']);
      // no ingest in the last second: background work runs back to back whatever its share
      expect(await run(0.5, false)).toEqual(['next slice', 'commit']);
    } finally {
      db.gate.backgroundShare = 0.5;
      // the last slice's rest (200 ms, ingest active again after its commit) must not reach into the next test
      await sleep(250);
    }
  });

  it('frees the connection after a failed statement and after a failed transaction', async () => {
    await expect(db.lane('ingest').query('SELECT 1/0')).rejects.toThrow(/division by zero/);
    await expect(
      db.lane('background').transaction(async (client) => {
        await client.query('SELECT nope');
      }),
    ).rejects.toThrow(/nope/);
    expect(db.gate.active).toBe(0);
    // every statement was counted in its lane's hold times
    expect(db.gate.holds('ingest').count).toBeGreaterThanOrEqual(2);
    expect(db.gate.holds('background').longestMs).toBeGreaterThan(0);
    expect((await db.lane('background').query<{ n: number }>('SELECT 7 AS n')).rows[0]!.n).toBe(7);
  });

  it('withdraws a waiting query whose signal is aborted, and runs one that already holds the connection to its end', async () => {
    const done: string[] = [];
    const held = holdConnection();
    await new Promise((r) => setTimeout(r, 20));
    expect(db.gate.holder()).toMatchObject({ lane: 'background', label: 'background' });
    expect(db.gate.holder()!.ms).toBeGreaterThanOrEqual(15);
    // overdue past a bound it has passed, not past one it has not, nor with no bound, nor when its lane is excepted
    expect(db.gate.overdue(10)).toMatchObject({ lane: 'background', label: 'background' });
    expect(db.gate.overdue(60_000)).toBeUndefined();
    expect(db.gate.overdue(0)).toBeUndefined();
    expect(db.gate.overdue(10, 'background')).toBeUndefined();
    expect(db.gate.overdue(10, 'ingest')).toMatchObject({ lane: 'background' });
    const withdrawn = new AbortController();
    const reason = new Error('deferred');
    const commit = db.lane('ingest').query('SELECT 2', [], { signal: withdrawn.signal });
    const read = queued(done, 'interactive', 'read');
    expect(db.gate.waiting('ingest')).toBe(1);
    withdrawn.abort(reason);
    await expect(commit).rejects.toBe(reason);
    expect(db.gate.waiting('ingest')).toBe(0);
    held.release();
    await held.running;
    await read;
    expect(done).toEqual(['read']);
    // granted before the abort: it runs and answers
    const late = new AbortController();
    const running = db.lane('ingest').query<{ n: number }>('SELECT 3 AS n', [], { signal: late.signal });
    late.abort(reason);
    expect((await running).rows[0]!.n).toBe(3);
    // already aborted: never queued
    await expect(db.lane('ingest').query('SELECT 4', [], { signal: late.signal })).rejects.toBe(reason);
    expect(db.gate.active).toBe(0);
    expect(db.gate.holder()).toBeUndefined();
  });
});
