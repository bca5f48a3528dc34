/**
 * @module store/db
 * The one way Quantrac reaches its database. Two modes behind one interface:
 * - embedded: PGlite on a worker thread, one connection (it serves one client at a time), every
 *   caller queued on it by pg.Pool({ max: 1 });
 * - server: DATABASE_URL, a real pool.
 */
import { join } from 'node:path';
import pg from 'pg';
import type { Config } from '../config/index.js';
import type { Logger } from '../lib/logger.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded/index.js';

export type DbMode = 'embedded' | 'server';

export interface Db {
  mode: DbMode;
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
  /** Runs fn on one connection inside BEGIN/COMMIT (ROLLBACK on throw). */
  transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /** Waiting + active queries (for metrics and backpressure). */
  readonly waitingCount: number;
  close(): Promise<void>;
}

// timestamptz → Date is the default; bigint counts (int8) come back as JS numbers: our counts fit.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export async function openDb(config: Readonly<Config>, logger: Logger): Promise<Db> {
  let embedded: EmbeddedDatabase | undefined;
  let connectionString = config.databaseUrl;
  const mode: DbMode = connectionString ? 'server' : 'embedded';
  if (mode === 'embedded') {
    embedded = await startEmbeddedDatabase(join(config.dataDir, 'pg'), (err) => logger.fatal({ err }, 'embedded database stopped'));
    connectionString = embedded.connectionString;
  }
  const pool = new pg.Pool({
    connectionString,
    max: mode === 'embedded' ? 1 : config.store.poolSize,
    idleTimeoutMillis: mode === 'embedded' ? 0 : 30_000,
    application_name: 'quantrac',
  });
  pool.on('error', (err) => logger.error({ err }, 'database connection error'));
  if (mode === 'server') {
    // A server session may not have the extension preloaded (shared_preload_libraries covers it
    // on TimescaleDB images); nothing to do per connection.
  }

  return {
    mode,
    query: (text, params) => pool.query(text, params as unknown[]),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackErr: unknown) => logger.error({ err: rollbackErr }, 'rollback failed'));
        throw err;
      } finally {
        client.release();
      }
    },
    get waitingCount() {
      return pool.waitingCount;
    },
    async close() {
      await pool.end();
      if (embedded) await embedded.close();
    },
  };
}
