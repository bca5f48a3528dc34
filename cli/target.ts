/**
 * @module cli/target
 * The two ways a command reaches the data:
 * - the running server's HTTP API, with `--url` (or QUANTRAC_URL) and a bearer token (`--token`,
 *   QUANTRAC_TOKEN) or a login (`--user`, default admin, and `--password`, QUANTRAC_PASSWORD,
 *   default ADMIN_PASSWORD). When no URL is given but the app holds the embedded database, the
 *   command goes to http://127.0.0.1:HTTP_PORT: the embedded database has one connection, the app's;
 * - the database itself when the app is stopped (or with a database server), migrated first.
 */
import { join } from 'node:path';
import type { Config } from '../config/index.js';
import { createLogger } from '../lib/logger.js';
import { openDb, type Db } from '../store/db.js';
import { embeddedLockHolder, type EmbeddedLock } from '../store/embedded/index.js';
import { migrate } from '../store/migrate.js';
import { CliError, option, type Args, type Context } from './context.js';

export interface ApiClient {
  baseUrl: string;
  /** A JSON request; an error answer fails with its code and message. */
  json<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** A request whose answer is read as a stream (exports, backups); fails on an error status. */
  raw(method: string, path: string): Promise<Response>;
}

/** The embedded database's holder, when a process (the app) runs on this DATA_DIR. */
export function runningApp(config: Readonly<Config>): EmbeddedLock | undefined {
  return config.databaseUrl ? undefined : embeddedLockHolder(join(config.dataDir, 'pg'));
}

async function failure(res: Response): Promise<CliError> {
  const text = await res.text();
  try {
    const { error } = JSON.parse(text) as { error: { code: string; message: string } };
    return new CliError(`${res.status} ${error.code}: ${error.message}`);
  } catch {
    return new CliError(`${res.status} ${res.statusText}: ${text.slice(0, 300)}`);
  }
}

async function call(url: string, method: string, token: string | undefined, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = {};
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  try {
    return await fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  } catch (err) {
    throw new CliError(`cannot reach ${new URL(url).origin}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`);
  }
}

/** Connects to the API at `baseUrl` (a token, or a login with user and password). */
export async function connectApi(ctx: Context, args: Args, baseUrl: string): Promise<ApiClient> {
  const base = baseUrl.replace(/\/+$/, '');
  let token = option(args, 'token', 'QUANTRAC_TOKEN', ctx.env);
  if (!token) {
    const username = option(args, 'user', 'QUANTRAC_USER', ctx.env) ?? 'admin';
    const password = option(args, 'password', 'QUANTRAC_PASSWORD', ctx.env) ?? (username === 'admin' ? ctx.config().adminPassword || undefined : undefined);
    if (!password) throw new CliError(`the API at ${base} needs credentials: --token (QUANTRAC_TOKEN), or --user and --password (QUANTRAC_PASSWORD)`);
    const res = await call(`${base}/api/v1/auth/login`, 'POST', undefined, { username, password });
    if (!res.ok) throw await failure(res);
    token = ((await res.json()) as { token: string }).token;
  }
  return {
    baseUrl: base,
    async json<T>(method: string, path: string, body?: unknown) {
      const res = await call(base + path, method, token, body);
      if (!res.ok) throw await failure(res);
      return (await res.json()) as T;
    },
    async raw(method, path) {
      const res = await call(base + path, method, token);
      if (!res.ok) throw await failure(res);
      return res;
    },
  };
}

/** Opens the database directly (the app must not hold the embedded one), migrated. */
export async function openDirect(config: Readonly<Config>): Promise<Db> {
  const holder = runningApp(config);
  if (holder) {
    throw new CliError(
      `Quantrac is running on ${config.dataDir} (process ${holder.pid}) and holds the embedded database: stop it, or go through its API with --url http://localhost:${config.http.port} --token … (or --password …)`,
    );
  }
  const db = await openDb(config, createLogger('silent'));
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

export type Target = { kind: 'api'; api: ApiClient } | { kind: 'db'; db: Db; config: Readonly<Config> };

/**
 * The API when a URL is given or the app holds the embedded database; the database otherwise.
 * Call `closeTarget` when done.
 */
export async function reach(ctx: Context, args: Args): Promise<Target> {
  const url = option(args, 'url', 'QUANTRAC_URL', ctx.env);
  if (url) return { kind: 'api', api: await connectApi(ctx, args, url) };
  const config = ctx.config();
  if (runningApp(config)) return { kind: 'api', api: await connectApi(ctx, args, `http://127.0.0.1:${config.http.port}`) };
  return { kind: 'db', db: await openDirect(config), config };
}

export async function closeTarget(target: Target): Promise<void> {
  if (target.kind === 'db') await target.db.close();
}
