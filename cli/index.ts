/**
 * @module cli
 * `npx quantrac …`: the command line of Quantrac (bin/quantrac.mjs runs this file through tsx).
 * Dispatches `quantrac <group> <command> [options]` to cli/commands/*, one file per group, with
 * `--help` at every level. Exit codes: 0 done, 1 failed (the message says why), 2 wrong usage.
 * Reads the configuration from the environment like main.ts (configFromEnv); prints no secret
 * of it. `main()` is exported for tests; run as a program it exits with main's code.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { commandHelp, groupHelp, parseArgs, type Group } from './command.js';
import { isQuantracError } from '../lib/errors.js';
import { CliError, createContext } from './context.js';
import { configGroup } from './commands/config.js';
import { dbGroup } from './commands/db.js';
import { exportGroup } from './commands/export.js';
import { stations } from './commands/stations.js';
import { users } from './commands/users.js';

const GROUPS: readonly Group[] = [stations, users, exportGroup, configGroup, dbGroup];

function overview(): string {
  const lines = GROUPS.flatMap((g) => g.commands.map((c) => [c.usage.split(' [')[0]!.split(' --')[0]!, c.summary] as const));
  const width = Math.max(...lines.map(([u]) => u.length));
  return `Usage: quantrac <command> [options]      quantrac <command> --help for its options

${lines.map(([u, s]) => `  ${u.padEnd(width)}  ${s}`).join('\n')}

Commands read the same environment as the server (DATA_DIR, DATABASE_URL, HTTP_PORT…).
Those that change stations or users go through the running app's API with --url/QUANTRAC_URL and
--token/QUANTRAC_TOKEN (or --user/--password, QUANTRAC_PASSWORD), and through the database when it is stopped.
Exit codes: 0 done, 1 failed, 2 wrong usage.
`;
}

/**
 * Runs one command line (without `node` and the script): resolves to the exit code.
 * @example await main(['stations', 'list', '--json'], process.env)
 */
export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  out = (t: string) => void process.stdout.write(t),
  err = (t: string) => void process.stderr.write(t),
): Promise<number> {
  const ctx = createContext(env, out, err);
  const [first, second, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    (first === undefined ? err : out)(overview());
    return first === undefined ? 2 : 0;
  }
  const group = GROUPS.find((g) => g.name === first);
  if (!group) {
    err(`unknown command "${first}"\n\n${overview()}`);
    return 2;
  }
  // a group of one command of its own name (`export`) takes its options directly
  const single = group.commands.length === 1 && group.commands[0]!.name === group.name ? group.commands[0]! : undefined;
  const command = single ?? group.commands.find((c) => c.name === second);
  const words = single ? argv.slice(1) : rest;
  if (!command) {
    if (second === undefined || second === '--help' || second === '-h') {
      (second === undefined ? err : out)(groupHelp(group));
      return second === undefined ? 2 : 0;
    }
    err(`unknown command "${group.name} ${second}"\n\n${groupHelp(group)}`);
    return 2;
  }
  try {
    const args = parseArgs(words, command);
    if (args.flags.has('help')) {
      out(commandHelp(group, command));
      return 0;
    }
    const expected = command.positionals ?? 0;
    if (args.positionals.length !== expected) {
      throw new CliError(
        expected === 0 ? `unexpected argument "${args.positionals[0]}"` : `expected ${expected} argument${expected > 1 ? 's' : ''}, got ${args.positionals.length}`,
        2,
      );
    }
    await command.run(ctx, args);
    return 0;
  } catch (e) {
    if (e instanceof CliError) {
      err(`quantrac ${group.name === command.name ? group.name : `${group.name} ${command.name}`}: ${e.message}\n`);
      if (e.exitCode === 2) err(`usage: quantrac ${command.usage}\n`);
      return e.exitCode;
    }
    if (isQuantracError(e)) {
      err(`quantrac ${group.name} ${command.name}: ${e.message}\n`);
      return 1;
    }
    err(`quantrac ${group.name} ${command.name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}

// Run as a program (node --import tsx cli/index.ts …, or bin/quantrac.mjs), not when imported.
const invoked = process.argv[1] ? realpathSync(process.argv[1]) : '';
if (invoked === realpathSync(fileURLToPath(import.meta.url))) {
  const code = await main(process.argv.slice(2), process.env);
  // pg pools and the embedded worker are closed by each command; exit even if a handle lingers
  process.exitCode = code;
  setTimeout(() => process.exit(code), 100).unref();
}
