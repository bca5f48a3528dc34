/**
 * @module store/embedded
 * Starts the embedded TimescaleDB (PGlite + timescaledb) on a worker thread and serves it on
 * 127.0.0.1 over the Postgres wire protocol, so the rest of Quantrac speaks `pg` to it exactly
 * as to a TimescaleDB server. Chosen over running PGlite on the main thread because PGlite
 * executes on the thread that calls it: a long query there would freeze the MQTT broker.
 *
 * A worker that dies (a WebAssembly abort, an exception in the socket server) is started again
 * on the same data directory and the same port, with a growing pause between attempts: PGlite
 * recovers from its WAL as PostgreSQL does after a crash, and the app's pool reconnects to the
 * same address. Meanwhile ingest spools and acknowledges (ingest/spool.ts) and replays when the
 * database answers again. An in-memory database (no data directory) is not restarted: it would
 * come back empty.
 *
 * The data directory is taken by one process at a time: `<dataDir>.lock` (beside it, so that a
 * snapshot never carries it) holds the owner's pid and port, and another process that finds it
 * held by a live process is refused (the CLI's `db restore`, `db copy`… tell the user to go
 * through the running app instead). `dump()` takes a consistent snapshot while it serves.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { createError } from '../../lib/errors.js';

export interface EmbeddedDatabase {
  /** Loopback port of the wire-protocol server (the same after a restart). */
  port: number;
  connectionString: string;
  /** Times the worker died and was started again. */
  readonly restarts: number;
  /**
   * Ends the worker thread at once, as a crash would (for drills and tests): with a data
   * directory it is then restarted like any dead worker.
   */
  kill(): Promise<void>;
  /**
   * A consistent snapshot of the data directory, taken while the database serves: a gzip'ed
   * tarball that `loadFrom` restores (worker.mjs `dump` says how it is consistent).
   */
  dump(): Promise<Buffer>;
  /** What the worker thread holds (for the bench): PGlite's WebAssembly memory and the thread's V8 heap. */
  memory(): Promise<EmbeddedMemory>;
  close(): Promise<void>;
}

/** Memory of the embedded database's worker thread, bytes. */
export interface EmbeddedMemory {
  /** PGlite's WebAssembly memory: its high-water mark (a WebAssembly memory never shrinks). */
  wasmBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
}

/** Who holds a data directory: written to `<dataDir>.lock` while the database runs. */
export interface EmbeddedLock {
  pid: number;
  /** The wire-protocol port on 127.0.0.1. */
  port: number;
  startedAt: string;
}

const lockFileOf = (dataDir: string) => `${dataDir.replace(/[\\/]+$/, '')}.lock`;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock of a data directory when a live process other than this one holds it. */
export function embeddedLockHolder(dataDir: string): EmbeddedLock | undefined {
  let lock: EmbeddedLock;
  try {
    lock = JSON.parse(readFileSync(lockFileOf(dataDir), 'utf8')) as EmbeddedLock;
  } catch {
    return undefined; // none, or unreadable: a crash while writing it
  }
  return typeof lock.pid === 'number' && lock.pid !== process.pid && isAlive(lock.pid) ? lock : undefined;
}

export interface EmbeddedDatabaseOptions {
  /** fdatasync the written files before each answer (default true): PGlite's own fsync is a
   * no-op, so without this a commit survives a killed process but not a power cut. */
  fsync?: boolean;
  /** Start a dead worker again (default true when there is a data directory). */
  restart?: boolean;
  /** Called when a dead worker was started again, with how long the database was away. */
  onRestarted?: (info: { restarts: number; downMs: number }) => void;
  /** A snapshot file of `dump()` the (empty) data directory is filled from first (db restore). */
  loadFrom?: string;
  /**
   * PostgreSQL's buffer pool, MB (default 32; 0: PGlite's own 128 MB). It lives in the worker's
   * WebAssembly memory, resident from the start and never given back (worker.mjs withSharedBuffers).
   */
  sharedBuffersMb?: number;
}

/** The buffer pool by default: 32 MB, a quarter of PGlite's own (issue 20: resident memory). */
export const DEFAULT_SHARED_BUFFERS_MB = 32;

type WorkerMessage =
  | { type: 'ready'; port: number }
  | { type: 'error'; message: string }
  | { type: 'closed' }
  | { type: 'dumped'; id: number; data: ArrayBuffer }
  | { type: 'dumpFailed'; id: number; message: string }
  | ({ type: 'memory'; id: number } & EmbeddedMemory);

/** Pause before restart attempt n (1-based): 100 ms, doubling, at most 10 s. */
const restartDelayMs = (attempt: number) => Math.min(10_000, 100 * 2 ** (attempt - 1));

function spawn(dataDir: string | null, port: number, fsync: boolean, sharedBuffersMb: number, loadFrom?: string): Promise<{ worker: Worker; port: number }> {
  const worker = new Worker(new URL('./worker.mjs', import.meta.url), {
    workerData: { dataDir, host: '127.0.0.1', port, fsync, ...(sharedBuffersMb > 0 ? { sharedBuffersMb } : {}), ...(loadFrom ? { loadFrom } : {}) },
  });
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      // a worker that failed to start is not left running
      void worker.terminate();
      reject(err);
    };
    const onExit = (code: number) => fail(createError('QT_ERR_STORE_UNAVAILABLE', `embedded database worker exited with code ${code} while starting`));
    const onMessage = (msg: WorkerMessage): void => {
      if (msg.type === 'ready') {
        worker.off('message', onMessage);
        worker.off('error', fail);
        worker.off('exit', onExit);
        resolve({ worker, port: msg.port });
      } else if (msg.type === 'error') {
        fail(createError('QT_ERR_STORE_UNAVAILABLE', `embedded database failed to start: ${msg.message}`));
      }
    };
    worker.on('message', onMessage);
    worker.once('error', fail);
    worker.once('exit', onExit);
  });
}

/**
 * @param dataDir folder of the persisted database (created if missing), or null for in-memory.
 * @param onUnexpectedExit called each time the worker dies while the app runs (and, when it is
 *   not restarted, once for good).
 */
export async function startEmbeddedDatabase(dataDir: string | null, onUnexpectedExit: (err: Error) => void, options: EmbeddedDatabaseOptions = {}): Promise<EmbeddedDatabase> {
  if (dataDir) {
    const holder = embeddedLockHolder(dataDir);
    if (holder) {
      throw createError(
        'QT_ERR_CONFLICT',
        `the embedded database in ${dataDir} is in use by process ${holder.pid} (port ${holder.port}, since ${holder.startedAt}); stop it first (or delete ${lockFileOf(dataDir)} if no such process is Quantrac)`,
      );
    }
    mkdirSync(dataDir, { recursive: true });
  }
  const fsync = options.fsync ?? true;
  const restart = (options.restart ?? true) && dataDir !== null;
  let closing = false;
  let restarts = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let current: Worker | undefined;

  const sharedBuffersMb = options.sharedBuffersMb ?? DEFAULT_SHARED_BUFFERS_MB;
  const first = await spawn(dataDir, 0, fsync, sharedBuffersMb, options.loadFrom);
  const port = first.port;
  if (dataDir) writeFileSync(lockFileOf(dataDir), JSON.stringify({ pid: process.pid, port, startedAt: new Date().toISOString() } satisfies EmbeddedLock) + '\n');
  let dumps = 0;

  function watch(worker: Worker): void {
    current = worker;
    let lastError: Error | undefined;
    worker.on('error', (err) => {
      lastError = err;
    });
    worker.once('exit', (code) => {
      if (current === worker) current = undefined;
      if (closing) return;
      onUnexpectedExit(lastError ?? createError('QT_ERR_STORE_UNAVAILABLE', `embedded database worker exited with code ${code}`));
      if (restart) respawn(Date.now(), 1);
    });
  }

  function respawn(downSince: number, attempt: number): void {
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      if (closing) return;
      spawn(dataDir, port, fsync, sharedBuffersMb).then(
        ({ worker }) => {
          if (closing) {
            void worker.terminate();
            return;
          }
          restarts++;
          watch(worker);
          options.onRestarted?.({ restarts, downMs: Date.now() - downSince });
        },
        (err: unknown) => {
          if (closing) return;
          onUnexpectedExit(err instanceof Error ? err : createError('QT_ERR_STORE_UNAVAILABLE', String(err), { cause: err }));
          respawn(downSince, attempt + 1);
        },
      );
    }, restartDelayMs(attempt));
  }

  watch(first.worker);

  return {
    port,
    connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
    get restarts() {
      return restarts;
    },
    async kill() {
      const worker = current;
      if (!worker) return;
      await worker.terminate();
    },
    dump() {
      const worker = current;
      if (!worker) return Promise.reject(createError('QT_ERR_STORE_UNAVAILABLE', 'the embedded database is not running (restarting or closed)'));
      const id = ++dumps;
      return new Promise<Buffer>((resolve, reject) => {
        const onExit = () => {
          worker.off('message', onMessage);
          reject(createError('QT_ERR_STORE_UNAVAILABLE', 'the embedded database stopped during the snapshot'));
        };
        const onMessage = (msg: WorkerMessage) => {
          if ((msg.type !== 'dumped' && msg.type !== 'dumpFailed') || msg.id !== id) return;
          worker.off('message', onMessage);
          worker.off('exit', onExit);
          if (msg.type === 'dumped') resolve(Buffer.from(msg.data));
          else reject(createError('QT_ERR_INTERNAL', `snapshot failed: ${msg.message}`));
        };
        worker.on('message', onMessage);
        worker.once('exit', onExit);
        worker.postMessage({ type: 'dump', id });
      });
    },
    memory() {
      const worker = current;
      if (!worker) return Promise.reject(createError('QT_ERR_STORE_UNAVAILABLE', 'the embedded database is not running (restarting or closed)'));
      const id = ++dumps;
      return new Promise<EmbeddedMemory>((resolve, reject) => {
        const onExit = () => {
          worker.off('message', onMessage);
          reject(createError('QT_ERR_STORE_UNAVAILABLE', 'the embedded database stopped'));
        };
        const onMessage = (msg: WorkerMessage) => {
          if (msg.type !== 'memory' || msg.id !== id) return;
          worker.off('message', onMessage);
          worker.off('exit', onExit);
          resolve({ wasmBytes: msg.wasmBytes, heapUsedBytes: msg.heapUsedBytes, heapTotalBytes: msg.heapTotalBytes, externalBytes: msg.externalBytes });
        };
        worker.on('message', onMessage);
        worker.once('exit', onExit);
        worker.postMessage({ type: 'memory', id });
      });
    },
    async close() {
      if (closing) return;
      closing = true;
      if (retryTimer) clearTimeout(retryTimer);
      const releaseLock = () => {
        if (dataDir) rmSync(lockFileOf(dataDir), { force: true });
      };
      const worker = current;
      if (!worker) return releaseLock();
      const done = new Promise<void>((resolve) => {
        worker.on('message', (msg: WorkerMessage) => {
          if (msg.type === 'closed' || msg.type === 'error') resolve();
        });
        worker.once('exit', () => resolve());
      });
      worker.postMessage({ type: 'close' });
      await done;
      await worker.terminate();
      releaseLock();
    },
  };
}
