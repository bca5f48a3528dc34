/* global WebAssembly */
// Hosts the embedded TimescaleDB (PGlite + timescaledb) and its Postgres wire-protocol server
// on a worker thread, so that queries never block the broker's event loop (PGlite executes on
// the thread that calls it). Plain JavaScript on purpose: worker threads do not inherit the
// TypeScript loaders of vitest, so this file must run as it is.
//
// workerData: { dataDir: string | null, host: string, port: number, fsync: boolean, loadFrom?: string, sharedBuffersMb?: number }
//   loadFrom: a snapshot file (a tarball of `dump`) the empty data directory is filled from (db restore)
//   sharedBuffersMb: PostgreSQL's buffer pool (see withSharedBuffers); absent: PGlite's own 128 MB
// Messages to the parent: { type: 'ready', port } | { type: 'error', message } | { type: 'closed' }
//   | { type: 'dumped', id, data: ArrayBuffer (transferred) } | { type: 'dumpFailed', id, message }
//   | { type: 'memory', id, wasmBytes, heapUsedBytes, heapTotalBytes, externalBytes }
// Messages from the parent: { type: 'close' } | { type: 'dump', id } | { type: 'memory', id }
import { fdatasyncSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { gzip } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { timescaledb } from '@electric-sql/pglite/timescaledb';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** @type {{ dataDir: string | null, host: string, port: number, fsync: boolean, loadFrom?: string, sharedBuffersMb?: number }} */
const { dataDir, host, port, fsync, loadFrom, sharedBuffersMb } = workerData;

const gzipAsync = promisify(gzip);

let db;
let server;

/**
 * PGlite's WebAssembly module with PostgreSQL's buffer pool set to `mb` MB. PGlite 0.3 starts
 * PostgreSQL with `shared_buffers=128MB` as a command-line option compiled into pglite.wasm (a C
 * string in its data segment), which postgresql.conf and ALTER SYSTEM cannot override, and the
 * whole pool sits in the WebAssembly memory, touched at start (Emscripten's anonymous mmap zeroes
 * it) and never given back: resident memory whatever the load (issue 20: an idle app had 150 MB of
 * its 174 MB WebAssembly memory resident; 52 of 56 MB with a 32 MB pool). The pool only caches
 * pages the OS page cache holds too (PGlite reads and writes the data files through node:fs), so a
 * smaller one costs a copy from the page cache on a miss, not a disk read. The option's text is
 * replaced in the bytes before they are compiled, only when it is found exactly once, with a
 * value no longer than the original (NUL-terminated): otherwise (another PGlite build) the module
 * is PGlite's own, and start() checks what PostgreSQL reports either way.
 */
async function withSharedBuffers(mb) {
  const file = fileURLToPath(new URL('./pglite.wasm', import.meta.resolve('@electric-sql/pglite')));
  const bytes = readFileSync(file);
  const from = Buffer.from('shared_buffers=128MB\0');
  const to = Buffer.from(`shared_buffers=${mb}MB\0`);
  const at = bytes.indexOf(from);
  if (at < 0 || bytes.indexOf(from, at + 1) >= 0 || to.length > from.length) return undefined;
  to.copy(bytes, at);
  bytes.fill(0, at + to.length, at + from.length);
  return WebAssembly.compile(bytes);
}

async function start() {
  const options = { extensions: { timescaledb } };
  if (loadFrom) options.loadDataDir = new Blob([readFileSync(loadFrom)], { type: 'application/x-gzip' });
  const wasmModule = sharedBuffersMb ? await withSharedBuffers(sharedBuffersMb) : undefined;
  if (wasmModule) options.wasmModule = wasmModule;
  db = dataDir ? new PGlite(dataDir, options) : new PGlite(options);
  await db.waitReady;
  if (wasmModule) {
    const { rows } = await db.query(`SELECT setting::bigint * 8 / 1024 AS mb FROM pg_settings WHERE name = 'shared_buffers'`);
    if (Number(rows[0]?.mb) !== sharedBuffersMb) throw new Error(`shared_buffers is ${rows[0]?.mb} MB, not the ${sharedBuffersMb} MB asked for`);
  }
  if (dataDir && fsync !== false) syncOnEveryAnswer(db);
  await db.exec('CREATE EXTENSION IF NOT EXISTS timescaledb;');
  // After reopening a persisted data directory the extension library is not loaded into the
  // (single) session yet, and every insert into a hypertable fails with "invalid INSERT on the
  // root table of hypertable" until it is. PGlite has one session for all socket clients.
  await db.exec("LOAD 'timescaledb';");
  // TimescaleDB plans an aggregate over a hypertable as one partial aggregate per chunk, each
  // keeping its hash table until the statement ends. A WebAssembly memory never shrinks: one
  // refresh of a year of hourly aggregates over 367 daily chunks left it at 730 MB for good,
  // against 147 MB with one aggregate over all the chunks (bench/analytics.ts seeding, 2026-12-05).
  // The session is the only one (above), so this holds for every statement.
  await db.exec('SET timescaledb.enable_chunkwise_aggregation = off;');
  server = new PGLiteSocketServer({ db: withoutKeptResults(db), host, port, maxConnections: 1 });
  freeDeadClients(server);
  await server.start();
  const conn = server.getServerConn();
  const actualPort = Number(conn.slice(conn.lastIndexOf(':') + 1));
  parentPort.postMessage({ type: 'ready', port: actualPort });
}

/**
 * The database as the socket server sees it: `execProtocolRaw` through `execProtocol`, which
 * drops the messages it parsed once the call is answered. PGlite 0.3 parses every answer (it
 * tracks transactions and notifications that way) and pushes each message onto a list that only
 * execProtocol/execProtocolStream reset; `execProtocolRaw`, what pglite-socket calls, never does,
 * so every row ever sent over the socket stayed in this thread's heap (issue 20: +750 MB over a
 * 10 M-row export, and a full GC slower at each page). Same bytes out; a database error is
 * answered in them as before (throwOnError: false). Other members are the database's own.
 */
function withoutKeptResults(pglite) {
  const execProtocolRaw = async (message, options) => (await pglite.execProtocol(message, { ...options, throwOnError: false })).data;
  return new Proxy(pglite, {
    get(target, prop) {
      if (prop === 'execProtocolRaw') return execProtocolRaw;
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/**
 * Frees the server's one client place when its client went away with a socket error.
 * pglite-socket 0.0.22 removes a client from its `handlers` set only on the handler's 'close'
 * event; a socket 'error' (ECONNRESET: a reset connection, a proxy or a network that dropped it)
 * makes the handler detach and remove its socket listeners first, so 'close' never comes, the
 * dead handler keeps the place, and every later connection is answered "Too many connections":
 * the database is gone for good (store/embedded/embedded.test.ts plays it). So before each new
 * connection is counted, handlers that are no longer active are dropped. A dead handler's open
 * transaction is still rolled back by its own detach (the query queue waits for it).
 */
function freeDeadClients(socketServer) {
  const handlers = socketServer.handlers;
  const handleConnection = socketServer.handleConnection;
  if (!(handlers instanceof Set) || typeof handleConnection !== 'function') {
    throw new Error('pglite-socket changed: PGLiteSocketServer.handlers/handleConnection not found (see freeDeadClients)');
  }
  socketServer.handleConnection = function (socket) {
    for (const h of handlers) if (!h.active) handlers.delete(h);
    return handleConnection.call(this, socket);
  };
}

/**
 * Makes a commit durable before its answer leaves the worker. PGlite's Emscripten build turns
 * fsync()/fdatasync() into no-ops (`___syscall_fdatasync` returns 0 and its NODEFS has no
 * `fsync` stream operation), so PostgreSQL's WAL flush at COMMIT only reaches the OS page cache:
 * that survives a kill -9 of the process, but not a power cut or kernel crash. So, as PostgreSQL
 * itself would:
 * - the WAL (and pg_control) files written while a wire-protocol message runs (the unit that
 *   pglite-socket answers) are fdatasync'ed before the answer goes out: one sync per batch;
 * - data files are synced when a checkpoint completes, i.e. just before pg_control is written
 *   (after that, PostgreSQL may recycle the WAL that could have rebuilt them);
 * - a descriptor closed while dirty is synced first.
 */
function syncOnEveryAnswer(pglite) {
  const ops = pglite.Module.FS.filesystems.NODEFS.stream_ops;
  const walDirty = new Set();
  const dataDirty = new Set();
  const write = ops.write;
  ops.write = function (stream, ...rest) {
    const fd = stream.nfd;
    const path = fd === undefined ? '' : String(stream.path ?? '');
    const isControl = path.endsWith('/global/pg_control');
    if (isControl) {
      for (const d of dataDirty) fdatasyncSync(d);
      dataDirty.clear();
    }
    const n = write.call(this, stream, ...rest);
    if (fd !== undefined) (isControl || path.includes('/pg_wal/') ? walDirty : dataDirty).add(fd);
    return n;
  };
  const closeStream = ops.close;
  ops.close = function (stream) {
    const fd = stream.nfd;
    if (fd !== undefined && walDirty.delete(fd) | dataDirty.delete(fd)) fdatasyncSync(fd);
    return closeStream.call(this, stream);
  };
  const execProtocolRaw = pglite.execProtocolRaw.bind(pglite);
  pglite.execProtocolRaw = async (message, options) => {
    const answer = await execProtocolRaw(message, options);
    for (const fd of walDirty) fdatasyncSync(fd);
    walDirty.clear();
    return answer;
  };
}

async function close() {
  try {
    if (server) await server.stop();
    if (db) await db.close();
    parentPort.postMessage({ type: 'closed' });
  } catch (err) {
    parentPort.postMessage({ type: 'error', message: String(err && err.stack ? err.stack : err) });
  }
}

/**
 * A consistent snapshot of the data directory while the database serves (db backup): a
 * gzip'ed tarball (level 1: fast, about as small), taken between two wire-protocol messages. pglite-socket runs each message
 * under `runExclusive`, so holding it here means no statement runs while the files are read
 * (PGlite reads them synchronously); what is read is what a crash at that instant would leave,
 * WAL included, and PostgreSQL's crash recovery makes it whole when the snapshot is opened. An
 * open transaction of the client is not in it (its commit comes later). A CHECKPOINT first
 * (unless a client transaction is open: it would run inside it) keeps that recovery short.
 */
async function dump(id) {
  try {
    if (!db.isInTransaction()) await db.exec('CHECKPOINT');
    const tar = await db.runExclusive(async () => new Uint8Array(await (await db.dumpDataDir('none')).arrayBuffer()));
    // compressed after the lock is let go (on libuv's thread pool): statements run meanwhile
    const gz = await gzipAsync(tar, { level: 1 });
    const data = gz.buffer.slice(gz.byteOffset, gz.byteOffset + gz.byteLength);
    parentPort.postMessage({ type: 'dumped', id, data }, [data]);
  } catch (err) {
    parentPort.postMessage({ type: 'dumpFailed', id, message: String(err && err.stack ? err.stack : err) });
  }
}

/**
 * What this thread holds: PGlite's WebAssembly memory (its high-water mark: a WebAssembly memory
 * never shrinks) and this thread's own V8 heap, so the app's RSS can be told apart (bench).
 */
function memory(id) {
  const heap = getHeapStatistics();
  const wasmBytes = db && db.Module && db.Module.HEAPU8 ? db.Module.HEAPU8.length : 0;
  parentPort.postMessage({ type: 'memory', id, wasmBytes, heapUsedBytes: heap.used_heap_size, heapTotalBytes: heap.total_heap_size, externalBytes: heap.external_memory });
}

parentPort.on('message', (msg) => {
  if (msg && msg.type === 'close') void close();
  else if (msg && msg.type === 'dump') void dump(msg.id);
  else if (msg && msg.type === 'memory') memory(msg.id);
});

start().catch((err) => {
  parentPort.postMessage({ type: 'error', message: String(err && err.stack ? err.stack : err) });
});
