/**
 * @module config/resolve
 * Validate once, fail fast, freeze: a ConfigInput is checked against config/schema.ts (ajv, defaults
 * filled in, strings coerced), then across fields (what one setting cannot say alone), and returned
 * deep-frozen. Every wrong setting is named, by its environment variable, in one QT_ERR_CONFIG_INVALID.
 */
import { Ajv } from 'ajv';
import { createError } from '../lib/errors.js';
import { envNameOf } from './env.js';
import { CONFIG_KEYWORDS, ConfigSchema, type Config, type ConfigInput } from './schema.js';

const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true });
for (const definition of CONFIG_KEYWORDS) ajv.addKeyword(structuredClone(definition) as Parameters<typeof ajv.addKeyword>[0]);
const validate = ajv.compile<Config>(ConfigSchema);

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function invalid(problems: string[]): Error {
  return createError('QT_ERR_CONFIG_INVALID', `Invalid configuration:\n  - ${problems.join('\n  - ')}`, { details: { problems } });
}

/** ajv's `/forwarding/retryMs` (plus an unknown key) → `FORWARD_RETRY_MS`; paths no variable sets stay dotted. */
function keyOf(instancePath: string, extra?: string): string {
  const path = instancePath.replace(/^\//, '').replaceAll('/', '.') + (extra ? (instancePath ? '.' : '') + extra : '');
  return envNameOf(path);
}

/** What no single setting can say: the pairs and lists that must agree. */
function crossFieldProblems(config: Config): string[] {
  const problems: string[] = [];
  if (config.ftp.pasvMin > config.ftp.pasvMax) problems.push('FTP_PASV_MIN: must not be above FTP_PASV_MAX');
  if (config.cluster.redisUrl && !config.databaseUrl)
    problems.push('REDIS_URL: multi-node mode needs DATABASE_URL (one TimescaleDB server shared by every node); the embedded database serves one node only');
  if (Boolean(config.security.tlsCertFile) !== Boolean(config.security.tlsKeyFile)) problems.push('TLS_CERT_FILE, TLS_KEY_FILE: set both or neither');
  if (config.security.loginLockoutBaseSeconds > config.security.loginLockoutMaxSeconds) problems.push('LOGIN_LOCKOUT_BASE_S: must not be above LOGIN_LOCKOUT_MAX_S');
  const names = config.forwarding.targets.map((t) => t.name);
  for (const dup of new Set(names.filter((n, i) => names.indexOf(n) !== i))) problems.push(`FORWARD_TARGETS: target name "${dup}" is used twice`);
  return problems;
}

/**
 * Validates and freezes a configuration; every error is listed in one QT_ERR_CONFIG_INVALID.
 * The error's `details.problems` carries one line per wrong setting.
 * @example resolveConfig({ mqtt: { port: 0 }, simulate: 0 }).http.port // 8080
 */
export function resolveConfig(input: ConfigInput = {}): Readonly<Config> {
  const candidate: unknown = structuredClone(input);
  if (!validate(candidate)) {
    const problems = (validate.errors ?? []).map((e) => {
      const key = keyOf(e.instancePath, e.keyword === 'additionalProperties' ? String(e.params['additionalProperty']) : undefined);
      if (key === 'adminPassword' || key === 'ADMIN_PASSWORD') return `${key}: must be at least 8 characters`;
      return `${key}: ${e.message ?? 'is invalid'}`;
    });
    throw invalid(problems);
  }
  const problems = crossFieldProblems(candidate);
  if (problems.length > 0) throw invalid(problems);
  return deepFreeze(candidate);
}
