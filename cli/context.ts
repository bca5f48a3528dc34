/**
 * @module cli/context
 * What every `quantrac` command is given: the environment, where to write, the configuration
 * (read through `configFromEnv` like main.ts, once, on first use), and the parsed arguments.
 * Commands fail by throwing `CliError` with an exit code (1 failure, 2 usage); cli/index.ts
 * prints its message and exits with it. Nothing here prints a secret of the configuration.
 */
import { configFromEnv, type Config } from '../config/index.js';
import { isQuantracError } from '../lib/errors.js';

/** A failure the user is told about in one message: exit 1 (it failed) or 2 (wrong usage). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Wrong usage: the message and the command's usage line, exit 2. */
export function usageError(message: string): CliError {
  return new CliError(message, 2);
}

export interface Args {
  /** Words after the command (`stations add ST-01` → ['ST-01']). */
  positionals: string[];
  /** `--name value`, `--name=value`; a boolean flag is 'true'. */
  flags: Map<string, string>;
}

export interface Context {
  env: NodeJS.ProcessEnv;
  out(text: string): void;
  err(text: string): void;
  /** The configuration from the environment; a wrong setting fails with its variable's name. */
  config(): Readonly<Config>;
}

export function createContext(env: NodeJS.ProcessEnv, out: (t: string) => void, err: (t: string) => void): Context {
  let config: Readonly<Config> | undefined;
  return {
    env,
    out,
    err,
    config() {
      if (!config) {
        try {
          config = configFromEnv(env);
        } catch (e) {
          throw new CliError(isQuantracError(e) ? e.message : String(e));
        }
      }
      return config;
    },
  };
}

/** A flag's value, or the environment variable's, or undefined. */
export function option(args: Args, flag: string, envName?: string, env?: NodeJS.ProcessEnv): string | undefined {
  const v = args.flags.get(flag);
  if (v !== undefined) return v;
  return envName && env ? env[envName] || undefined : undefined;
}

/** A required flag. */
export function required(args: Args, flag: string): string {
  const v = args.flags.get(flag);
  if (v === undefined || v === 'true') throw usageError(`--${flag} is required`);
  return v;
}

/** A number flag. */
export function numberOption(args: Args, flag: string): number | undefined {
  const v = args.flags.get(flag);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw usageError(`--${flag}: "${v}" is not a number`);
  return n;
}

/** Rows as aligned columns (for people; --json gives machines the data). */
export function table(rows: ReadonlyArray<ReadonlyArray<string | number | boolean | null>>): string {
  const text = rows.map((r) => r.map((c) => (c === null ? '' : String(c))));
  const widths = text[0]?.map((_, i) => Math.max(...text.map((r) => r[i]?.length ?? 0))) ?? [];
  return text.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}
