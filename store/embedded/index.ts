/**
 * @module store/embedded
 * Starts the embedded TimescaleDB (PGlite + timescaledb) on a worker thread and serves it on
 * 127.0.0.1 over the Postgres wire protocol, so the rest of Quantrac speaks `pg` to it exactly
 * as to a TimescaleDB server. Chosen over running PGlite on the main thread because PGlite
 * executes on the thread that calls it: a long query there would freeze the MQTT broker.
 */
import { mkdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

export interface EmbeddedDatabase {
  /** Loopback port of the wire-protocol server. */
  port: number;
  connectionString: string;
  close(): Promise<void>;
}

type WorkerMessage = { type: 'ready'; port: number } | { type: 'error'; message: string } | { type: 'closed' };

/**
 * @param dataDir folder of the persisted database (created if missing), or null for in-memory.
 * @param onUnexpectedExit called if the worker dies while the app runs.
 * @param options.fsync fdatasync the written files before each answer (default true): PGlite's
 *   own fsync is a no-op, so without this a commit survives a killed process but not a power cut.
 */
export async function startEmbeddedDatabase(dataDir: string | null, onUnexpectedExit: (err: Error) => void, options: { fsync?: boolean } = {}): Promise<EmbeddedDatabase> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const worker = new Worker(new URL('./worker.mjs', import.meta.url), {
    workerData: { dataDir, host: '127.0.0.1', port: 0, fsync: options.fsync ?? true },
  });
  let closing = false;

  const port = await new Promise<number>((resolve, reject) => {
    const onMessage = (msg: WorkerMessage): void => {
      if (msg.type === 'ready') {
        worker.off('message', onMessage);
        worker.off('error', reject);
        resolve(msg.port);
      } else if (msg.type === 'error') {
        reject(new Error(`embedded database failed to start: ${msg.message}`));
      }
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });

  worker.on('error', (err) => {
    if (!closing) onUnexpectedExit(err);
  });
  worker.on('exit', (code) => {
    if (!closing) onUnexpectedExit(new Error(`embedded database worker exited with code ${code}`));
  });

  return {
    port,
    connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async close() {
      if (closing) return;
      closing = true;
      const done = new Promise<void>((resolve) => {
        worker.on('message', (msg: WorkerMessage) => {
          if (msg.type === 'closed' || msg.type === 'error') resolve();
        });
        worker.once('exit', () => resolve());
      });
      worker.postMessage({ type: 'close' });
      await done;
      await worker.terminate();
    },
  };
}
