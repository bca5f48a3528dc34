/**
 * The embedded database's wire-protocol server takes one client at a time. A client that goes
 * away abruptly (a reset connection, as when a proxy or the kernel drops it) must free that one
 * place: otherwise every later connection is turned away and the app loses its database for good.
 * A worker that dies is started again on the same port, with everything that was committed.
 * PostgreSQL's buffer pool is 32 MB, not PGlite's 128 MB (it is resident for good in the worker's
 * WebAssembly memory), also after a restart; `sharedBuffersMb: 0` keeps PGlite's own. What the
 * worker has answered does not stay in its heap, and an aggregate over many chunks does not grow
 * its WebAssembly memory by a hash table per chunk.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  ])(
    'accepts a new client after the previous one was reset %s',
    async (_what, inTransaction) => {
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
    },
    60_000,
  );
});

async function sharedBuffers(connectionString: string): Promise<string> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return (await client.query<{ shared_buffers: string }>('SHOW shared_buffers')).rows[0]!.shared_buffers;
  } finally {
    await client.end();
  }
}

describe('memory', () => {
  it('runs PostgreSQL with a 32 MB buffer pool, and reports the worker memory', async () => {
    expect(await sharedBuffers(db.connectionString)).toBe('32MB');
    const m = await db.memory();
    // the pool lives in the WebAssembly memory: about 55 MB with 32 MB of pool, 174 MB with PGlite's own 128 MB
    expect(m.wasmBytes).toBeGreaterThan(32 * 2 ** 20);
    expect(m.wasmBytes).toBeLessThan(128 * 2 ** 20);
    expect(m.heapUsedBytes).toBeGreaterThan(0);
    expect(m.heapTotalBytes).toBeGreaterThanOrEqual(m.heapUsedBytes);
  });

  it('keeps its memory when an aggregate reads many chunks: a refresh over 151 daily chunks grows it by less than 48 MB', async () => {
    // TimescaleDB's chunk-wise aggregation holds a hash table per chunk until the statement ends,
    // and a WebAssembly memory never shrinks (measured here: 73 MB with it, 30 MB without)
    const client = new pg.Client({ connectionString: db.connectionString });
    await client.connect();
    try {
      await client.query(`CREATE TABLE many_chunks (ts timestamptz NOT NULL, s text NOT NULL, v float8)`);
      await client.query(`SELECT create_hypertable('many_chunks', 'ts', chunk_time_interval => interval '1 day')`);
      await client.query(
        `INSERT INTO many_chunks SELECT g, 'S' || i, random() FROM generate_series('2025-01-01'::timestamptz, '2025-05-31', interval '30 min') g, generate_series(1, 50) i`,
      );
      const before = (await db.memory()).wasmBytes;
      await client.query(
        `CREATE MATERIALIZED VIEW many_chunks_hourly WITH (timescaledb.continuous) AS
           SELECT s, time_bucket('1 hour', ts) AS bucket, avg(v), min(v), max(v), count(*) FROM many_chunks GROUP BY 1, 2 WITH NO DATA`,
      );
      await client.query(`CALL refresh_continuous_aggregate('many_chunks_hourly', '2024-12-31', '2025-06-01')`);
      const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM many_chunks_hourly`);
      expect(Number(rows[0]!.n)).toBe(50 * (150 * 24 + 1));
      expect((await db.memory()).wasmBytes - before).toBeLessThan(48 * 2 ** 20);
    } finally {
      await client.query('DROP MATERIALIZED VIEW IF EXISTS many_chunks_hourly');
      await client.query('DROP TABLE IF EXISTS many_chunks');
      await client.end();
    }
  }, 60_000);

  it('does not keep what it has sent: 400 MB of answers leave the worker heap where it was', async () => {
    // PGlite 0.3 kept every message answered through execProtocolRaw (what pglite-socket calls)
    // in a list only execProtocol clears: a long-running app (and a 10 M-row export) grew by every row sent
    const client = new pg.Client({ connectionString: db.connectionString });
    await client.connect();
    try {
      await client.query('SELECT 1');
      const before = (await db.memory()).heapUsedBytes;
      for (let i = 0; i < 40; i++) {
        const r = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT repeat('x', 1000) FROM generate_series(1, 10000)) s`);
        expect(r.rows[0]!.n).toBe(10000);
        await client.query(`SELECT repeat('x', 1000) AS line FROM generate_series(1, 10000)`); // 10 MB sent
      }
      const grown = (await db.memory()).heapUsedBytes - before;
      expect(grown).toBeLessThan(150 * 2 ** 20);
    } finally {
      await client.end();
    }
  }, 120_000);

  it('keeps the 128 MB buffer pool of PGlite when asked to (sharedBuffersMb: 0)', async () => {
    const stock = await startEmbeddedDatabase(
      null,
      (err) => {
        throw err;
      },
      { sharedBuffersMb: 0 },
    );
    try {
      expect(await sharedBuffers(stock.connectionString)).toBe('128MB');
      expect((await stock.memory()).wasmBytes).toBeGreaterThan(128 * 2 ** 20);
    } finally {
      await stock.close();
    }
  }, 60_000);
});

describe('a worker that dies', () => {
  it('is started again on the same port and data directory, with every committed row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quantrac-embedded-'));
    const deaths: Error[] = [];
    const restarted: Array<{ restarts: number; downMs: number }> = [];
    const persisted = await startEmbeddedDatabase(join(dir, 'pg'), (err) => deaths.push(err), { onRestarted: (info) => restarted.push(info) });
    try {
      const pool = new pg.Pool({ connectionString: persisted.connectionString, max: 1 });
      pool.on('error', () => {
        // the connection dies with the worker: that is the drill
      });
      await pool.query('CREATE TABLE kept (n int)');
      await pool.query('INSERT INTO kept SELECT generate_series(1, 100)');
      for (let round = 1; round <= 2; round++) {
        await persisted.kill();
        // the same address answers again, without anyone reconnecting by hand but the pool
        const until = Date.now() + 30_000;
        let count: number | undefined;
        while (count === undefined) {
          try {
            count = (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM kept')).rows[0]!.n;
          } catch (err) {
            if (Date.now() > until) throw err;
            await new Promise((r) => setTimeout(r, 50));
          }
        }
        expect(count).toBe(100 * round);
        expect((await pool.query<{ shared_buffers: string }>('SHOW shared_buffers')).rows[0]!.shared_buffers).toBe('32MB');
        await pool.query('INSERT INTO kept SELECT generate_series(1, 100)');
        expect(persisted.restarts).toBe(round);
      }
      expect(deaths).toHaveLength(2);
      expect(restarted.map((r) => r.restarts)).toEqual([1, 2]);
      expect(persisted.connectionString).toBe(`postgres://postgres@127.0.0.1:${persisted.port}/postgres`);
      await pool.end();
    } finally {
      await persisted.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
