/**
 * The embedded database's wire-protocol server takes one client at a time. A client that goes
 * away abruptly (a reset connection, as when a proxy or the kernel drops it) must free that one
 * place: otherwise every later connection is turned away and the app loses its database for good.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Socket } from 'node:net';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './index.js';

let db: EmbeddedDatabase;
beforeAll(async () => {
  db = await startEmbeddedDatabase(null, (err) => {
    throw err;
  });
}, 60_000);
afterAll(async () => {
  await db?.close();
});

function socketOf(client: pg.Client): Socket {
  return (client as unknown as { connection: { stream: Socket } }).connection.stream;
}

/** Connects anew and reports whether the table a reset client created exists. */
async function connectAndLook(table: string): Promise<{ answer: number; tableExists: boolean }> {
  const client = new pg.Client({ connectionString: db.connectionString, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number; t: string | null }>('SELECT 41 + 1 AS n, to_regclass($1)::text AS t', [table]);
    return { answer: rows[0]!.n, tableExists: rows[0]!.t !== null };
  } finally {
    await client.end();
  }
}

describe('embedded database server', () => {
  it.each([
    ['between statements', false],
    ['inside an open transaction', true],
  ])('accepts a new client after the previous one was reset %s', async (_what, inTransaction) => {
    for (let round = 0; round < 5; round++) {
      const client = new pg.Client({ connectionString: db.connectionString });
      client.on('error', () => {
        // the reset below is the point of the test
      });
      await client.connect();
      const table = `reset_probe_${inTransaction ? 'tx' : 'auto'}_${round}`;
      if (inTransaction) await client.query('BEGIN');
      await client.query(`CREATE TABLE ${table} (x int)`);
      const closed = new Promise((r) => socketOf(client).once('close', r));
      socketOf(client).resetAndDestroy();
      await closed;
      // the place is free again, and an unfinished transaction was rolled back, never committed
      expect(await connectAndLook(table)).toEqual({ answer: 42, tableExists: !inTransaction });
    }
  }, 60_000);
});
