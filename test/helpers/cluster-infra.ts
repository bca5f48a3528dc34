/**
 * Infrastructure for multi-node tests and benches, all on loopback in a temporary folder:
 * - Redis from Debian's package (`/usr/bin/redis-server`, no persistence);
 * - one database server shared by every node. No TimescaleDB server can be installed here, so it
 *   is the embedded TimescaleDB started on its own, behind PgBouncer (Debian's package) in
 *   transaction pooling mode: the embedded server takes one connection, PgBouncer gives each
 *   node its own pool and keeps every transaction on that one connection, as a multi-node
 *   deployment would see a TimescaleDB server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../store/embedded/index.js';

export const REDIS_SERVER = '/usr/bin/redis-server';
export const PGBOUNCER = '/usr/sbin/pgbouncer';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, name: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${name} did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

export interface ClusterInfra {
  redisUrl: string;
  databaseUrl: string;
  close(): Promise<void>;
}

/** Starts Redis and the shared database (embedded TimescaleDB behind PgBouncer). */
export async function startClusterInfra(): Promise<ClusterInfra> {
  const dir = mkdtempSync(join(tmpdir(), 'quantrac-cluster-'));
  // PgBouncer refuses to run as root; it drops to `nobody`, who must read its files.
  chmodSync(dir, 0o755);
  const children: ChildProcess[] = [];
  let db: EmbeddedDatabase | undefined;
  const close = async () => {
    for (const c of children.reverse()) await stop(c);
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const redisPort = await freePort();
    const redis = spawn(REDIS_SERVER, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    children.push(redis);
    await waitForPort(redisPort, redis, 'redis-server');

    db = await startEmbeddedDatabase(join(dir, 'db'), (err) => {
      throw err;
    });
    const bouncerPort = await freePort();
    writeFileSync(join(dir, 'users.txt'), '"postgres" ""\n');
    writeFileSync(
      join(dir, 'pgbouncer.ini'),
      [
        '[databases]',
        `postgres = host=127.0.0.1 port=${db.port} dbname=postgres user=postgres`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${bouncerPort}`,
        'unix_socket_dir =',
        'auth_type = trust',
        `auth_file = ${join(dir, 'users.txt')}`,
        'pool_mode = transaction',
        'default_pool_size = 1',
        'max_client_conn = 200',
        'server_reset_query =',
        'ignore_startup_parameters = extra_float_digits,options',
        '',
      ].join('\n'),
    );
    const args = process.getuid?.() === 0 ? ['-u', 'nobody', join(dir, 'pgbouncer.ini')] : [join(dir, 'pgbouncer.ini')];
    const bouncer = spawn(PGBOUNCER, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let bouncerLog = '';
    bouncer.stderr!.on('data', (d: Buffer) => (bouncerLog = (bouncerLog + d.toString()).slice(-4000)));
    children.push(bouncer);
    await waitForPort(bouncerPort, bouncer, 'pgbouncer').catch((err: Error) => {
      throw new Error(`${err.message}\n${bouncerLog}`);
    });
    return { redisUrl: `redis://127.0.0.1:${redisPort}`, databaseUrl: `postgres://postgres@127.0.0.1:${bouncerPort}/postgres`, close };
  } catch (err) {
    await close();
    throw err;
  }
}
