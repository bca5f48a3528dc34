/**
 * @module config
 * The one configuration of Quantrac: a schema with defaults (config/schema.ts), filled from the
 * environment (config/env.ts; only main.ts passes `process.env`) or from an object in tests,
 * validated once, deep-frozen (config/resolve.ts), and passed in to every component. Every wrong
 * setting is named in one error, by its environment variable.
 */
import { inputFromEnv } from './env.js';
import { resolveConfig } from './resolve.js';
import type { Config } from './schema.js';

export { ConfigSchema, ForwardTargetSchema, type Config, type ConfigInput, type ForwardTarget } from './schema.js';
export { ENV_VARS, type EnvVar, type EnvKind } from './env.js';
export { resolveConfig } from './resolve.js';
export { configTable, withConfigTable, tableInDocument, CONFIG_TABLE_START, CONFIG_TABLE_END } from './docs.js';

/** Builds the configuration from environment variables (see ENV_VARS); variables not in the schema are not read. */
export function configFromEnv(env: NodeJS.ProcessEnv): Readonly<Config> {
  return resolveConfig(inputFromEnv(env));
}
