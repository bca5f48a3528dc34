/**
 * @module cli/commands/db-backup
 * `quantrac db backup` and `quantrac db restore` for the embedded database.
 * - backup while the app runs: the app takes the snapshot (POST /api/v1/admin/backup), since it
 *   holds the database's one connection; when it is stopped, the CLI opens the data directory and
 *   takes it itself. Either way a consistent snapshot (store/backup.ts).
 * - restore: only while the app is stopped; the snapshot is opened and counted before it replaces
 *   DATA_DIR/pg, and the old directory is kept beside it.
 * With a database server (DATABASE_URL) both print the pg_dump / pg_restore commands and exit 1:
 * a backup job must not believe it has a backup.
 */
import { createWriteStream, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Config } from '../../config/index.js';
import { restoreSnapshot, serverBackupCommands, snapshotDataDir } from '../../store/backup.js';
import { API_FLAGS, type Command } from '../command.js';
import { CliError, option, table, type Context } from '../context.js';
import { connectApi, runningApp } from '../target.js';

function serverOnly(ctx: Context, config: Readonly<Config>, what: string): never {
  ctx.err(
    `This installation uses a database server (DATABASE_URL): ${what} it with PostgreSQL's tools, for example:\n${serverBackupCommands(config.databaseUrl)
      .map((l) => `  ${l}`)
      .join('\n')}\n`,
  );
  throw new CliError(`quantrac db ${what} is for the embedded database`);
}

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

export const backupCommand: Command = {
  name: 'backup',
  usage: 'db backup [--out FILE]',
  summary: 'A consistent snapshot of the embedded database, taken while the app runs or not.',
  help: `While the app runs, the snapshot is taken by the app (POST /api/v1/admin/backup; admin):
--url (default http://127.0.0.1:HTTP_PORT) with --token or --user/--password (default admin / ADMIN_PASSWORD).
When it is stopped, the CLI opens DATA_DIR/pg itself. The file (default quantrac-backup-<time>.tar.gz)
is a gzip'ed tarball of the data directory; restore it with \`quantrac db restore FILE\`.
Keep DATA_DIR's key files too (notify-secret.key…): they are not in the database.
With a database server, the pg_dump and pg_restore commands are printed instead (exit 1).

Example:
  quantrac db backup --out /backups/quantrac-$(date +%F).tar.gz`,
  flags: ['out', ...API_FLAGS],
  async run(ctx, args) {
    const config = ctx.config();
    if (config.databaseUrl) serverOnly(ctx, config, 'backup');
    const out = option(args, 'out') ?? `quantrac-backup-${new Date().toISOString().replace(/[:.]/g, '-')}.tar.gz`;
    const t0 = performance.now();
    const url = option(args, 'url', 'QUANTRAC_URL', ctx.env);
    const holder = runningApp(config);
    if (url || holder) {
      const api = await connectApi(ctx, args, url ?? `http://127.0.0.1:${config.http.port}`);
      const res = await api.raw('POST', '/api/v1/admin/backup');
      if (!res.body) throw new CliError('the backup answer has no body');
      await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(out));
      ctx.out(`snapshot taken by the running app at ${api.baseUrl}\n`);
    } else {
      writeFileSync(out, await snapshotDataDir(join(config.dataDir, 'pg')));
      ctx.out(`snapshot of the stopped database in ${join(config.dataDir, 'pg')}\n`);
    }
    ctx.out(`written to ${out} (${mb(statSync(out).size)}) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  },
};

export const restoreCommand: Command = {
  name: 'restore',
  usage: 'db restore FILE',
  summary: 'Restores a snapshot of `db backup` into DATA_DIR/pg (the app must be stopped).',
  help: `The snapshot is opened and its rows counted before it replaces DATA_DIR/pg; the directory it
replaces is kept as DATA_DIR/pg.before-restore-<time> (delete it once the restored app runs well).
Refused while Quantrac runs on DATA_DIR. With a database server, the pg_restore command is printed instead.

Example:
  quantrac db restore /backups/quantrac-2025-06-01.tar.gz && npm start`,
  positionals: 1,
  async run(ctx, args) {
    const config = ctx.config();
    if (config.databaseUrl) serverOnly(ctx, config, 'restore');
    const holder = runningApp(config);
    if (holder) throw new CliError(`Quantrac is running on ${config.dataDir} (process ${holder.pid}): stop it before restoring`);
    const t0 = performance.now();
    const pgDir = join(config.dataDir, 'pg');
    const { counts, movedAside } = await restoreSnapshot(args.positionals[0]!, pgDir);
    ctx.out(table([['TABLE', 'ROWS'], ...[...counts].map(([t, n]) => [t, n])]));
    ctx.out(`restored into ${pgDir} in ${((performance.now() - t0) / 1000).toFixed(1)} s${movedAside ? `; the previous database is kept in ${movedAside}` : ''}\n`);
  },
};
