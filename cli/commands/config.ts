/**
 * @module cli/commands/config
 * `quantrac config check`: validates the environment as main.ts would (configFromEnv) and prints
 * the resolved configuration, one environment variable a line, saying which were set. Secrets
 * are never printed: ADMIN_PASSWORD shows only whether it is set, and a password inside a URL
 * (DATABASE_URL, REDIS_URL, FORWARD_TARGETS) is replaced by ***.
 */
import { ENV_VARS, type Config } from '../../config/index.js';
import type { Group } from '../command.js';
import { table } from '../context.js';

/** Settings shown only as set / not set. */
const SECRET_ENV = new Set(['ADMIN_PASSWORD']);

/** `scheme://user:password@host` → `scheme://user:***@host`, anywhere in the text. */
export function maskUrlPasswords(text: string): string {
  return text.replace(/(\/\/[^:/@\s"]+):[^@\s"]*@/g, '$1:***@');
}

function valueAt(config: Readonly<Config>, path: string): unknown {
  let v: unknown = config;
  for (const key of path.split('.')) v = (v as Record<string, unknown> | undefined)?.[key];
  return v;
}

function shown(env: string, value: unknown): string {
  if (SECRET_ENV.has(env)) return value ? '(set)' : '(not set)';
  if (Array.isArray(value) && value.every((x) => typeof x === 'string')) return maskUrlPasswords(value.join(','));
  return maskUrlPasswords(typeof value === 'string' ? value : JSON.stringify(value));
}

export const configGroup: Group = {
  name: 'config',
  summary: 'Check the configuration.',
  commands: [
    {
      name: 'check',
      usage: 'config check [--json]',
      summary: 'Validates the environment (exit 1 naming each wrong variable) and prints the resolved configuration without secrets.',
      help: 'Example:\n  DATA_DIR=/var/lib/quantrac HTTP_PORT=80 quantrac config check',
      booleans: ['json'],
      async run(ctx, args) {
        const config = ctx.config();
        const rows = ENV_VARS.map((v) => ({
          env: v.env,
          value: shown(v.env, valueAt(config, v.path)),
          source: ctx.env[v.env] !== undefined && ctx.env[v.env] !== '' ? 'env' : 'default',
        }));
        if (args.flags.has('json')) {
          ctx.out(JSON.stringify(Object.fromEntries(rows.map((r) => [r.env, r.value]))) + '\n');
          return;
        }
        ctx.out(table([['VARIABLE', 'VALUE', 'FROM'], ...rows.map((r) => [r.env, r.value, r.source])]));
        const database = config.databaseUrl ? `server ${maskUrlPasswords(config.databaseUrl)}` : `embedded TimescaleDB in ${config.dataDir}/pg`;
        ctx.out(`\nThe configuration is valid. Database: ${database}; HTTP port ${config.http.port}, MQTT port ${config.mqtt.port}.\n`);
      },
    },
  ],
};
