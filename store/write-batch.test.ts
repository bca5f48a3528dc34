/**
 * store/write-batch.ts on the real embedded TimescaleDB: writes are committed in groups, what a
 * failed batch had not committed is rolled back, and an error inside `db.transaction` (a savepoint)
 * leaves the batch usable, as the alert lifecycle's one-open-alert insert needs.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/index.js';
import { createLogger } from '../lib/logger.js';
import { tempDataDir } from '../test/helpers/app.js';
import { createStore, type Store } from './index.js';
import { createWriteBatch } from './write-batch.js';

const dataDir = tempDataDir();
let store: Store;

beforeAll(async () => {
  store = await createStore(resolveConfig({ dataDir, logLevel: 'silent' }), createLogger('silent'));
  await store.db.query('CREATE TABLE batch_test (k text PRIMARY KEY, n int)');
});
afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const insert = async (batch: ReturnType<typeof createWriteBatch>, k: string) => (await batch.db()).query('INSERT INTO batch_test (k, n) VALUES ($1, 1)', [k]);
const keys = async (prefix: string) => (await store.db.query<{ k: string }>('SELECT k FROM batch_test WHERE k LIKE $1 ORDER BY k', [`${prefix}%`])).rows.map((r) => r.k);

describe('createWriteBatch', () => {
  it('commits every maxWrites writes at a checkpoint; a failure rolls back only what was not committed', async () => {
    let commits = 0;
    const batch = createWriteBatch(store.db, { maxWrites: 2, maxOpenMs: 60_000, onCommit: () => commits++ });
    for (const k of ['a1', 'a2', 'a3']) {
      await insert(batch, k);
      await batch.checkpoint();
    }
    expect(commits).toBe(1);
    await batch.abort(new Error('the pass failed'));
    expect(commits).toBe(1);
    expect(await keys('a')).toEqual(['a1', 'a2']);
  });

  it('end() commits the rest; nothing written, nothing opened', async () => {
    let commits = 0;
    const empty = createWriteBatch(store.db, { onCommit: () => commits++ });
    await empty.checkpoint();
    await empty.end();
    expect(commits).toBe(0);
    const batch = createWriteBatch(store.db, { onCommit: () => commits++ });
    await insert(batch, 'b1');
    await insert(batch, 'b2');
    await batch.end();
    expect(commits).toBe(1);
    expect(await keys('b')).toEqual(['b1', 'b2']);
  });

  it('an error inside db.transaction rolls back to its savepoint and the batch goes on', async () => {
    const batch = createWriteBatch(store.db);
    await insert(batch, 'c1');
    const db = await batch.db();
    const duplicate = db.transaction(async (client) => {
      await client.query("INSERT INTO batch_test (k, n) VALUES ('c2', 1)");
      await client.query("INSERT INTO batch_test (k, n) VALUES ('c1', 2)");
    });
    await expect(duplicate).rejects.toMatchObject({ code: '23505' });
    await insert(batch, 'c3');
    await batch.end();
    // c2 went with its savepoint; c1 and c3 are stored
    expect(await keys('c')).toEqual(['c1', 'c3']);
  });

  it('commits a transaction open maxOpenMs at the next checkpoint, so the connection is not held long', async () => {
    let commits = 0;
    const batch = createWriteBatch(store.db, { maxWrites: 1_000, maxOpenMs: 20, onCommit: () => commits++ });
    await insert(batch, 'd1');
    await batch.checkpoint();
    expect(commits).toBe(0);
    await new Promise((r) => setTimeout(r, 30));
    await batch.checkpoint();
    expect(commits).toBe(1);
    expect(await keys('d')).toEqual(['d1']);
  });
});
