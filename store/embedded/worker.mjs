// Hosts the embedded TimescaleDB (PGlite + timescaledb) and its Postgres wire-protocol server
// on a worker thread, so that queries never block the broker's event loop (PGlite executes on
// the thread that calls it). Plain JavaScript on purpose: worker threads do not inherit the
// TypeScript loaders of vitest, so this file must run as it is.
//
// workerData: { dataDir: string | null, host: string, port: number }
// Messages to the parent: { type: 'ready', port } | { type: 'error', message } | { type: 'closed' }
// Messages from the parent: { type: 'close' }
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { timescaledb } from '@electric-sql/pglite/timescaledb';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** @type {{ dataDir: string | null, host: string, port: number }} */
const { dataDir, host, port } = workerData;

let db;
let server;

async function start() {
  db = dataDir ? new PGlite(dataDir, { extensions: { timescaledb } }) : new PGlite({ extensions: { timescaledb } });
  await db.waitReady;
  await db.exec('CREATE EXTENSION IF NOT EXISTS timescaledb;');
  // After reopening a persisted data directory the extension library is not loaded into the
  // (single) session yet, and every insert into a hypertable fails with "invalid INSERT on the
  // root table of hypertable" until it is. PGlite has one session for all socket clients.
  await db.exec("LOAD 'timescaledb';");
  server = new PGLiteSocketServer({ db, host, port, maxConnections: 1 });
  await server.start();
  const conn = server.getServerConn();
  const actualPort = Number(conn.slice(conn.lastIndexOf(':') + 1));
  parentPort.postMessage({ type: 'ready', port: actualPort });
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

parentPort.on('message', (msg) => {
  if (msg && msg.type === 'close') void close();
});

start().catch((err) => {
  parentPort.postMessage({ type: 'error', message: String(err && err.stack ? err.stack : err) });
});
