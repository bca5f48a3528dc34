/**
 * @module config/env
 * The environment side of the configuration, derived from config/schema.ts: walking the schema
 * gives the table of environment variables (name → path, parser, default, unit, description), and
 * `inputFromEnv` turns an environment into a ConfigInput for resolveConfig. Only here are
 * environment strings parsed; the process environment itself is read by main.ts alone.
 */
import { createError } from '../lib/errors.js';
import { ConfigSchema, type ConfigInput } from './schema.js';

/** How an environment string becomes a value, chosen by the leaf's JSON type. */
export type EnvKind = 'integer' | 'number' | 'boolean' | 'string' | 'enum' | 'string-list' | 'json';

/** One environment variable: the schema leaf it sets and how its string is read. */
export interface EnvVar {
  env: string;
  /** Dotted path in Config, e.g. `mqtt.port`. */
  path: string;
  kind: EnvKind;
  description: string;
  unit?: string;
  default: unknown;
  /** The leaf's JSON schema (bounds, pattern, enum…), for documentation. */
  schema: Readonly<Record<string, unknown>>;
}

type SchemaNode = Readonly<Record<string, unknown>>;

function kindOf(node: SchemaNode, path: string): EnvKind {
  if (Array.isArray(node['enum'])) return 'enum';
  switch (node['type']) {
    case 'integer':
    case 'number':
    case 'boolean':
    case 'string':
      return node['type'];
    case 'array':
      return (node['items'] as SchemaNode | undefined)?.['type'] === 'string' ? 'string-list' : 'json';
    case 'object':
      return 'json';
    default:
      throw createError('QT_ERR_CONFIG_INVALID', `config schema: ${path} has no JSON type an environment variable can carry`);
  }
}

/** Walks the schema's sections; a node with `env` is a setting, an object without it a section. */
function walk(node: SchemaNode, path: string, out: EnvVar[]): EnvVar[] {
  const env = node['env'];
  if (typeof env === 'string') {
    const description = node['description'];
    if (typeof description !== 'string' || description === '') throw createError('QT_ERR_CONFIG_INVALID', `config schema: ${path} (${env}) has no description`);
    const unit = node['unit'];
    out.push({ env, path, kind: kindOf(node, path), description, ...(typeof unit === 'string' ? { unit } : {}), default: node['default'], schema: node });
    return out;
  }
  const properties = node['properties'] as Record<string, SchemaNode> | undefined;
  if (node['type'] !== 'object' || !properties) throw createError('QT_ERR_CONFIG_INVALID', `config schema: ${path || '(root)'} is neither a section nor a setting with env`);
  for (const [key, child] of Object.entries(properties)) walk(child, path ? `${path}.${key}` : key, out);
  return out;
}

/** Every environment variable, in schema order; also the rows of the README's configuration table. */
export const ENV_VARS: ReadonlyArray<Readonly<EnvVar>> = Object.freeze(walk(ConfigSchema as unknown as SchemaNode, '', []).map((v) => Object.freeze(v)));

const byPath = new Map(ENV_VARS.map((v) => [v.path, v.env]));

/** The environment variable of a config path (`mqtt.port` → `MQTT_PORT`), or the path itself when none sets it. */
export function envNameOf(path: string): string {
  return byPath.get(path) ?? path;
}

/** A number when the string is one, else the string itself, for validation to refuse with the variable's name. */
function toNumber(raw: string): unknown {
  const n = Number(raw);
  return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
}

/**
 * Reads one environment string as its setting's type. What cannot be read stays a string, so that
 * validation names the variable with the schema's message ("must be integer"); only JSON that does not
 * parse is refused here.
 */
export function parseEnvValue(v: Pick<EnvVar, 'env' | 'kind'>, raw: string): unknown {
  switch (v.kind) {
    case 'integer':
    case 'number':
      return toNumber(raw);
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    case 'string-list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    case 'json':
      try {
        return JSON.parse(raw) as unknown;
      } catch (err) {
        throw createError('QT_ERR_CONFIG_INVALID', `Invalid configuration:\n  - ${v.env}: is not valid JSON (${(err as Error).message})`, {
          details: { problems: [`${v.env}: is not valid JSON`] },
        });
      }
    case 'string':
    case 'enum':
      return raw;
  }
}

/** The settings an environment sets (unset and empty variables are left to their defaults); not yet validated. */
export function inputFromEnv(env: NodeJS.ProcessEnv): ConfigInput {
  const input: Record<string, unknown> = {};
  for (const v of ENV_VARS) {
    const raw = env[v.env];
    if (raw === undefined || raw === '') continue;
    const keys = v.path.split('.');
    let target = input;
    for (const k of keys.slice(0, -1)) target = (target[k] ??= {}) as Record<string, unknown>;
    target[keys[keys.length - 1]!] = parseEnvValue(v, raw);
  }
  return input as ConfigInput;
}
