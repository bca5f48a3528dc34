/**
 * @module cli/commands/db-copy
 * `quantrac db copy --to postgres://…`: moves a stopped embedded installation onto a TimescaleDB
 * server (store/copy.ts): migrates the server, copies every table, compares row counts (exit 1 on
 * a difference), and says how to start Quantrac on the server.
 */
import { openUrl } from '../../store/backup.js';
import { copyDatabase } from '../../store/copy.js';
import { migrate } from '../../store/migrate.js';
import { applyPolicies } from '../../store/policies.js';
import type { Command } from '../command.js';
import { CliError, numberOption, required, table, usageError } from '../context.js';
import { openDirect } from '../target.js';
import { maskUrlPasswords } from './config.js';

export const copyCommand: Command = {
  name: 'copy',
  usage: 'db copy --to postgres://USER:PASSWORD@HOST:5432/DB [--batch ROWS]',
  summary: "Copies a stopped embedded installation's data onto a TimescaleDB server and verifies the row counts.",
  help: `Reads DATA_DIR/pg (stop the app first) and writes every Quantrac table (stations, users, readings,
alerts, audit log, rules, silences, quarantine, bulletins, settings…) to the server, after migrating it.
The server needs the timescaledb extension (the timescale/timescaledb image has it). Rows that are
already there with the same key are kept, so an interrupted copy can be run again. Afterwards start
Quantrac with DATABASE_URL set to the server and the same DATA_DIR (it holds key files).

Example:
  quantrac db copy --to postgres://quantrac:secret@db.example.vn:5432/quantrac`,
  flags: ['to', 'batch'],
  async run(ctx, args) {
    const config = ctx.config();
    if (config.databaseUrl) throw new CliError('DATABASE_URL is set: this installation is already on a database server (db copy reads the embedded database in DATA_DIR)');
    const to = required(args, 'to');
    if (!/^postgres(ql)?:\/\//.test(to)) throw usageError('--to must be a postgres:// URL');
    const batchRows = numberOption(args, 'batch') ?? 20_000;
    if (!Number.isInteger(batchRows) || batchRows < 1) throw usageError('--batch must be a positive integer');
    const t0 = performance.now();
    const source = await openDirect(config);
    try {
      const target = await openUrl(to).catch((err: unknown) => {
        throw new CliError(`cannot open ${maskUrlPasswords(to)}: ${(err as Error).message}`);
      });
      try {
        await migrate(target);
        await applyPolicies(target, config.store);
        let lastTable = '';
        const report = await copyDatabase(source, target, {
          batchRows,
          onProgress: ({ table: t, rows }) => {
            if (t !== lastTable) ctx.err(`${lastTable ? '\n' : ''}copying ${t}…`);
            lastTable = t;
            if (rows % (batchRows * 10) === 0) ctx.err(` ${rows}`);
          },
        });
        if (lastTable) ctx.err('\n');
        ctx.out(table([['TABLE', 'EMBEDDED', 'SERVER', ''], ...report.tables.map((r) => [r.table, r.source, r.target, r.source === r.target ? 'ok' : 'DIFFERENT'])]));
        const seconds = ((performance.now() - t0) / 1000).toFixed(1);
        if (!report.ok) throw new CliError(`row counts differ (after ${seconds} s): the server had rows of its own, or was written meanwhile`);
        ctx.out(
          `copied in ${seconds} s; every table has the same number of rows.\nNext: start Quantrac with DATABASE_URL=${maskUrlPasswords(to)} (same DATA_DIR: it keeps the key files).\n`,
        );
      } finally {
        await target.close();
      }
    } finally {
      await source.close();
    }
  },
};
