/**
 * Test helper: the database a "server mode" test (DATABASE_URL) runs against.
 *
 * With `TEST_DATABASE_URL=postgres://user:pass@host:5432/postgres` set, a fresh database named
 * after the test file is created on that server (a TimescaleDB server: Quantrac's migrations
 * `CREATE EXTENSION timescaledb`; the user needs CREATEDB), handed to the app, and dropped at the
 * end. Without it, the embedded TimescaleDB is started on its own, outside the app, and reached
 * only through its URL, as CI does (no TimescaleDB server can be installed there).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmbeddedDatabase } from '../../store/embedded/index.js';

export interface TestServerDatabase {
  /** the DATABASE_URL to give the app */
  databaseUrl: string;
  /** a pool size the server can take (pglite-socket serves one client at a time) */
  poolSize: number;
  /** 'server': TEST_DATABASE_URL; 'embedded': the embedded database started separately */
  kind: 'server' | 'embedded';
  close(): Promise<void>;
}

/** `qt_test_<file>_<pid>`: letters, digits and underscores, within PostgreSQL's 63-byte names. */
function databaseName(testFile: string): string {
  const stem = basename(testFile)
    .replace(/\.test\.[cm]?[jt]s$/, '')
    .replace(/[^a-zA-Z0-9]+/g, '_')
    .toLowerCase();
  return `qt_test_${stem}`.slice(0, 48) + `_${process.pid}`;
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A database for one test file (pass `import.meta.url` or the file's name): on the server of
 * TEST_DATABASE_URL when set, else the embedded database started separately.
 */
export async function testServerDatabase(testFile: string): Promise<TestServerDatabase> {
  const serverUrl = process.env['TEST_DATABASE_URL'];
  if (!serverUrl) {
    const dir = mkdtempSync(join(tmpdir(), 'quantrac-test-'));
    const server = await startEmbeddedDatabase(join(dir, 'external'), (err) => {
      throw err;
    });
    return {
      databaseUrl: server.connectionString,
      poolSize: 1,
      kind: 'embedded',
      async close() {
        await server.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = databaseName(testFile.startsWith('file:') ? fileURLToPath(testFile) : testFile);
  await withClient(serverUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name}`);
    await c.query(`CREATE DATABASE ${name}`);
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  // A server that ignores the database name (pglite-socket, when TEST_DATABASE_URL points at an
  // embedded database started by hand) would mix test files: use it as given, and say so.
  const reached = await withClient(url.toString(), async (c) => (await c.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!.db);
  const separate = reached === name;
  if (!separate) console.warn(`TEST_DATABASE_URL: the server ignores database names (reached ${reached}); ${basename(testFile)} uses it as given`);
  return {
    databaseUrl: separate ? url.toString() : serverUrl,
    poolSize: separate ? 4 : 1,
    kind: 'server',
    async close() {
      if (!separate) return;
      // WITH (FORCE): PostgreSQL 13 and later; the app's pool is closed by then anyway.
      await withClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
