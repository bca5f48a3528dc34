/**
 * @module store/db
 * The one way Quantrac reaches its database. Two modes behind one interface:
 * - embedded: PGlite on a worker thread, one connection (it serves one client at a time);
 * - server: DATABASE_URL, a real pool; connecting times out after DB_CONNECT_TIMEOUT_MS so an
 *   unreachable server is noticed (ingest/writer.ts then spools; see ingest/spool.ts).
 *
 * In both modes callers wait for a connection at a priority gate (store/db-gate.ts) with one slot
 * per connection (embedded: 1, server: the pool size): `db.lane('ingest')` and
 * `db.lane('background')` are the same database with their queries queued in that lane; `db`
 * itself is the `interactive` lane. A freed connection goes to an ingest commit before a queued
 * read, and to a read before a queued export slice or policy job.
 */
import { join } from 'node:path';
import pg from 'pg';
import type { Config } from '../config/index.js';
import type { Logger } from '../lib/logger.js';
import { createDbGate, type DbGate, type Lane } from './db-gate.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded/index.js';

export type { DbGate, Lane } from './db-gate.js';

export type DbMode = 'embedded' | 'server';

export interface Db {
  mode: DbMode;
  /** The embedded database's worker (embedded mode only): its restarts, and kill() for drills. */
  readonly embedded: EmbeddedDatabase | undefined;
  /** `signal`: withdraws the query while it still waits for a connection (store/db-gate.ts); a query that started runs to its end. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params?: unknown[], options?: QueryOptions): Promise<pg.QueryResult<R>>;
  /** Runs fn on one connection inside BEGIN/COMMIT (ROLLBACK on throw). */
  transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /**
   * The same database with its queries and transactions queued in `lane` (store/db-gate.ts):
   * `ingest` for the group commits, `background` for exports, jobs and other long work. `label`
   * names the kind of work in the gate's statistics (DbGate.holdsByLabel, waitsBehind).
   */
  lane(lane: Lane, label?: string): Db;
  /** The connection gate: waiters per lane (for metrics), and the A/B switch `prioritized`. */
  readonly gate: DbGate;
  /** Queries waiting for a connection, all lanes (for metrics and backpressure). */
  readonly waitingCount: number;
  close(): Promise<void>;
}

/** What a Db does itself; the rest it takes from the database it is a view of. */
export type DbOperations = Pick<Db, 'query' | 'transaction' | 'lane' | 'close'>;

/**
 * A Db that shares `base`'s mode, worker and connection gate and does its own queries,
 * transactions, lanes and close: the one way to make a view of a database (a lane, a counted
 * or held connection, a test's failing database) without copying the fields it passes through.
 */
export function viewOf(base: Pick<Db, 'mode' | 'embedded' | 'gate'>, operations: DbOperations): Db {
  const { mode, embedded, gate } = base;
  return {
    mode,
    embedded,
    gate,
    get waitingCount() {
      return gate.waiting();
    },
    query: operations.query,
    transaction: operations.transaction,
    lane: operations.lane,
    close: operations.close,
  };
}

export interface QueryOptions {
  signal?: AbortSignal | undefined;
}

// timestamptz → Date is the default; bigint counts (int8) come back as JS numbers: our counts fit.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface OpenDbOptions {
  /** A lower lane's waiter that has waited this long goes first, once (store/db-gate.ts; default 1 s), ms. */
  agedMs?: number;
}

/**
 * The share of the connection background work may hold while ingest is active (store/db-gate.ts)
 * on the embedded database's one connection; a server keeps 1 (no limit): its pool has a
 * connection for ingest beside the background work. Measured with bench/contention.ts.
 */
export const EMBEDDED_BACKGROUND_SHARE = 0.5;

export async function openDb(config: Readonly<Config>, logger: Logger, options: OpenDbOptions = {}): Promise<Db> {
  let embedded: EmbeddedDatabase | undefined;
  let connectionString = config.databaseUrl;
  const mode: DbMode = connectionString ? 'server' : 'embedded';
  if (mode === 'embedded') {
    // A dead worker is started again on the same data directory and port (store/embedded);
    // meanwhile ingest spools and acknowledges, and replays once it answers.
    embedded = await startEmbeddedDatabase(join(config.dataDir, 'pg'), (err) => logger.error({ err }, 'embedded database stopped; starting it again'), {
      fsync: config.store.embeddedFsync,
      onRestarted: ({ restarts, downMs }) => logger.warn({ restarts, downMs }, 'embedded database started again'),
    });
    connectionString = embedded.connectionString;
  }
  const pool = new pg.Pool({
    connectionString,
    max: mode === 'embedded' ? 1 : config.store.poolSize,
    idleTimeoutMillis: mode === 'embedded' ? 0 : 30_000,
    application_name: 'quantrac',
    // An unreachable server must fail fast (ingest then spools) instead of hanging a connect;
    // keep-alive notices a peer that vanished without closing the connection.
    connectionTimeoutMillis: mode === 'embedded' ? 0 : config.store.connectTimeoutMs,
    keepAlive: mode === 'server',
  });
  pool.on('error', (err) => logger.error({ err }, 'database connection error'));
  // A connection that breaks while checked out between two queries (a transaction awaiting its
  // caller) emits 'error' on its client, which pg-pool listens to only while the client is idle:
  // unhandled, it would kill the process at the first database outage. Every client gets a
  // listener for its whole life; the failing query or the next one reports the error.
  pool.on('connect', (client) => {
    client.on('error', (err) => logger.warn({ err: err.message }, 'database connection lost'));
  });
  if (mode === 'server') {
    // A server session may not have the extension preloaded (shared_preload_libraries covers it
    // on TimescaleDB images); nothing to do per connection.
  }

  const gate = createDbGate({
    slots: mode === 'embedded' ? 1 : config.store.poolSize,
    backgroundShare: mode === 'embedded' ? EMBEDDED_BACKGROUND_SHARE : 1,
    ...(options.agedMs !== undefined ? { agedMs: options.agedMs } : {}),
  });

  /** A connection from the pool once the gate lets `lane` through; release() frees both. */
  async function connect(lane: Lane, label: string, signal?: AbortSignal): Promise<{ client: pg.PoolClient; release(broken?: Error): void }> {
    await gate.acquire(lane, label, signal);
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      gate.release(lane);
      throw err;
    }
    return {
      client,
      release(broken) {
        client.release(broken);
        gate.release(lane);
      },
    };
  }

  const views = new Map<string, Db>();
  function view(lane: Lane, label: string = lane): Db {
    const key = `${lane}\u0000${label}`;
    const existing = views.get(key);
    if (existing) return existing;
    const db = viewOf(
      { mode, embedded, gate },
      {
        // Not pool.query(): it hands any error to release(), which destroys the connection even for
        // an SQL error (division by zero, a constraint) that leaves the session healthy. The embedded
        // database takes one connection, and the reconnect that follows raced its close and failed the
        // next, unrelated query. Only a connection-level error discards the client.
        async query(text, params, options) {
          const { client, release } = await connect(lane, label, options?.signal);
          let broken: Error | undefined;
          try {
            return await client.query(text, params as unknown[]);
          } catch (err) {
            if (!(err instanceof pg.DatabaseError)) broken = err as Error;
            throw err;
          } finally {
            release(broken);
          }
        },
        async transaction(fn) {
          const { client, release } = await connect(lane, label);
          try {
            await client.query('BEGIN');
            const result = await fn(client);
            await client.query('COMMIT');
            return result;
          } catch (err) {
            await client.query('ROLLBACK').catch((rollbackErr: unknown) => logger.error({ err: rollbackErr }, 'rollback failed'));
            throw err;
          } finally {
            release();
          }
        },
        lane: view,
        close,
      },
    );
    views.set(key, db);
    return db;
  }

  async function close(): Promise<void> {
    await pool.end();
    if (embedded) await embedded.close();
  }

  return view('interactive');
}
