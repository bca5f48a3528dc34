/**
 * @module cli/command
 * The shape of a `quantrac` command and the argument parser. A group (`stations`, `db`…) is a
 * list of commands, each with its usage line, the flags it accepts, its help text and `run`.
 * Arguments: words, `--flag value`, `--flag=value`, and boolean flags (`--json`); an unknown
 * flag is a usage error (exit 2) rather than silently ignored.
 */
import { usageError, type Args, type Context } from './context.js';

export interface Command {
  name: string;
  /** e.g. `stations add ID --name NAME --profile PROFILE --lat LAT --lon LON [--province P]` */
  usage: string;
  summary: string;
  /** More lines of help (examples, what it does in each mode). */
  help?: string;
  /** Flags taking a value. */
  flags?: readonly string[];
  /** Flags without a value. */
  booleans?: readonly string[];
  /** Exactly this many words after the command (default 0). */
  positionals?: number;
  run(ctx: Context, args: Args): Promise<void>;
}

export interface Group {
  name: string;
  summary: string;
  commands: readonly Command[];
}

/** Flags every command that reaches the running app's API accepts. */
export const API_FLAGS = ['url', 'token', 'user', 'password'] as const;

export function parseArgs(argv: readonly string[], command: Pick<Command, 'flags' | 'booleans'>): Args {
  const valued = new Set(command.flags ?? []);
  const booleans = new Set([...(command.booleans ?? []), 'help']);
  const positionals: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h') {
      flags.set('help', 'true');
      continue;
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (booleans.has(name)) {
      if (eq !== -1) throw usageError(`--${name} takes no value`);
      flags.set(name, 'true');
    } else if (valued.has(name)) {
      const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined) throw usageError(`--${name} needs a value`);
      flags.set(name, value);
    } else {
      throw usageError(`unknown option --${name}`);
    }
  }
  return { positionals, flags };
}

/** The help text of one command. */
export function commandHelp(group: Group, command: Command): string {
  return `Usage: quantrac ${command.usage}\n\n${command.summary}\n${command.help ? `\n${command.help.trimEnd()}\n` : ''}`;
}

/** The help text of a group: its commands, one line each. */
export function groupHelp(group: Group): string {
  const width = Math.max(...group.commands.map((c) => c.name.length));
  return `Usage: quantrac ${group.name} <command> [options]   (quantrac ${group.name} <command> --help for details)\n\n${group.summary}\n\n${group.commands
    .map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`)
    .join('\n')}\n`;
}
