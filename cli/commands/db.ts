/**
 * @module cli/commands/db
 * `quantrac db …`: migrate, backup, restore, copy, grant-readonly. Migrations and the read-only
 * role are here; backup/restore in db-backup.ts, copy in db-copy.ts.
 */
import { createLogger } from '../../lib/logger.js';
import { ANALYST_RELATIONS, grantReadonly } from '../../store/admin.js';
import { openDb } from '../../store/db.js';
import { listMigrations, migrate } from '../../store/migrate.js';
import type { Group } from '../command.js';
import { CliError, usageError } from '../context.js';
import { runningApp } from '../target.js';
import { backupCommand, restoreCommand } from './db-backup.js';
import { copyCommand } from './db-copy.js';

export const dbGroup: Group = {
  name: 'db',
  summary: 'The database: migrations, backups, moving to a server, read-only SQL access.',
  commands: [
    {
      name: 'migrate',
      usage: 'db migrate',
      summary: 'Applies the schema migrations that are missing (the app also does at every start).',
      help: 'Embedded: the app must be stopped. Server: run it before starting a new version on several nodes.\n\nExample:\n  DATABASE_URL=postgres://quantrac:secret@db:5432/quantrac quantrac db migrate',
      async run(ctx) {
        const config = ctx.config();
        const holder = runningApp(config);
        if (holder) throw new CliError(`Quantrac is running on ${config.dataDir} (process ${holder.pid}); it migrates the database when it starts`);
        const db = await openDb(config, createLogger('silent'));
        try {
          const applied = await migrate(db);
          const all = listMigrations();
          ctx.out(
            applied.length === 0
              ? `the database is up to date (${all.length} migrations)\n`
              : `applied: ${all
                  .filter((m) => applied.includes(m.version))
                  .map((m) => `${String(m.version).padStart(3, '0')}_${m.name}`)
                  .join(', ')}\n`,
          );
        } finally {
          await db.close();
        }
      },
    },
    backupCommand,
    restoreCommand,
    copyCommand,
    {
      name: 'grant-readonly',
      usage: 'db grant-readonly ROLE',
      summary: 'Server mode: creates (if missing) a read-only role for Grafana, QGIS or psql and grants it the analyst tables.',
      help: `The role is NOLOGIN: give it to a login role, e.g.
  CREATE ROLE grafana LOGIN PASSWORD '…'; GRANT <ROLE> TO grafana;
It may read: ${ANALYST_RELATIONS.map((r) => r.name).join(', ')}.
Never: users, api_tokens, station_credentials, settings, notify_*, audit_log, quarantine.
Run it again after an upgrade (tables added later are not granted by default, on purpose).
The embedded database cannot serve SQL tools (one connection, held by the app): move to a server with db copy.

Example:
  DATABASE_URL=postgres://postgres:secret@db:5432/quantrac quantrac db grant-readonly quantrac_readonly`,
      positionals: 1,
      async run(ctx, args) {
        const config = ctx.config();
        const role = args.positionals[0]!;
        if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) throw usageError(`role "${role}": lower-case letters, digits and _ (a plain SQL name)`);
        if (!config.databaseUrl) {
          throw new CliError(
            'the embedded database cannot serve SQL tools (it has one connection, held by Quantrac): move to a TimescaleDB server with `quantrac db copy --to postgres://…`, then set DATABASE_URL',
          );
        }
        const db = await openDb(config, createLogger('silent'));
        try {
          const { created, granted } = await grantReadonly(db, role);
          ctx.out(
            `role ${role} ${created ? 'created (NOLOGIN)' : 'already existed'}; SELECT granted on ${granted.join(', ')}\nGive it to a login role: CREATE ROLE grafana LOGIN PASSWORD '…'; GRANT ${role} TO grafana;\n`,
          );
        } finally {
          await db.close();
        }
      },
    },
  ],
};
