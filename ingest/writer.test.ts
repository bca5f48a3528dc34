/**
 * The group commit on the real embedded database: a batch is taken when the connection is the
 * writer's, so the readings that arrived while it waited for the connection (behind an export
 * page, a job slice, a read) go in the same INSERT instead of waiting for another hand-over
 * (issue 20); each publisher's promise still settles only once its rows are committed.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/index.js';
import { createLogger } from '../lib/logger.js';
import { openDb, type Db } from '../store/db.js';
import { migrate } from '../store/migrate.js';
import { tempDataDir } from '../test/helpers/app.js';
import { createBatchWriter } from './writer.js';
import type { CommittedBatch, WriteRow } from './write-types.js';

const dataDir = tempDataDir();
let db: Db;

beforeAll(async () => {
  db = await openDb(resolveConfig({ dataDir, logLevel: 'silent' }), createLogger('silent'));
  await migrate(db);
});
afterAll(async () => {
  await db?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const row = (stationId: string, minute: number): WriteRow => ({ stationId, metric: 'pm25', ts: Date.parse('2026-11-01T00:00:00Z') + minute * 60_000, value: minute, quality: 0 });

describe('group commit', () => {
  it('takes the readings that arrived while it waited for the connection into the same INSERT', async () => {
    const committed: CommittedBatch[] = [];
    const errors: unknown[] = [];
    const writer = createBatchWriter(db, {
      maxRows: 1000,
      maxWaitMs: 0,
      retries: 1,
      onCommitted: (b) => committed.push(b),
      onWriteError: (err) => errors.push(err),
    });
    // an export page holds the one connection
    let release = () => undefined as void;
    const page = db.lane('background', 'export').transaction(async (client) => {
      await client.query('SELECT 1');
      await new Promise<void>((r) => (release = r));
    });
    await new Promise((r) => setTimeout(r, 20));
    // the first publish starts a commit, which waits for the connection; three more arrive meanwhile
    const first = writer.write([row('W-1', 0)]);
    await new Promise((r) => setTimeout(r, 20));
    const more = [1, 2, 3].map((m) => writer.write([row('W-1', m), row('W-2', m)]));
    let settled = 0;
    void Promise.all([first, ...more]).then(() => settled++);
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(0); // nothing acknowledged before its commit
    release();
    await page;
    expect(await first).toBe(1);
    expect(await Promise.all(more)).toEqual([2, 2, 2]);
    // one statement for the four publishes, not one for the first and another for the rest
    expect(committed.map((b) => b.rows.length)).toEqual([7]);
    expect(errors).toEqual([]);
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM readings WHERE station_id IN ('W-1', 'W-2')`);
    expect(rows[0]!.n).toBe(7);
    await writer.drain();
    writer.close();
  });
});
