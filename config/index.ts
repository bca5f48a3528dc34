/**
 * @module config
 * The one configuration of Quantrac: a schema with defaults, filled from the environment (only
 * here is `process.env` read) or from an object in tests, validated once, deep-frozen, and passed
 * in to every component. Every wrong setting is named in one error, by its environment variable.
 */
import { Ajv } from 'ajv';
import { QuantracError } from '../lib/errors.js';

export interface Config {
  /** Where the embedded database, generated keys and (later) Node-RED flows live. */
  dataDir: string;
  /** postgres://… of an external TimescaleDB; empty = the embedded one in dataDir. */
  databaseUrl: string;
  /** Address the MQTT and HTTP servers bind to. */
  host: string;
  mqtt: { port: number };
  http: { port: number };
  /** Number of simulated stations started with the app (0 = none). */
  simulate: number;
  /** Simulated stations' reporting interval in ms (0 = each profile's own interval). */
  simulateIntervalMs: number;
  /** Password of the `admin` user; empty = generate one at first start and print it once. */
  adminPassword: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  timezone: string;
  ingest: {
    /** Largest accepted MQTT/HTTP payload, bytes. */
    maxPayloadBytes: number;
    /** Most readings in one backlog array. */
    maxReadingsPerMessage: number;
    /** A reading timestamped further than this in the future is refused, seconds. */
    maxFutureSkewSeconds: number;
    /** Rows per INSERT (group commit). */
    batchMaxRows: number;
    /** Longest a reading waits for its batch to fill before it is written, ms. */
    batchMaxWaitMs: number;
    /** Attempts for a failing batch before the publishers are refused (their QoS 1 messages are redelivered). */
    writeRetries: number;
  };
  store: {
    /** Raw readings older than this are dropped; 0 = keep forever (the default: monitoring data is evidence). */
    retentionDays: number;
    /** Raw chunks older than this are compressed; 0 = no compression. */
    compressAfterDays: number;
    /** How far back the hourly continuous aggregate is refreshed on each run, days. */
    aggregateRefreshDays: number;
    /** Connections to an external server (the embedded database takes exactly one). */
    poolSize: number;
  };
  auth: {
    /** Lifetime of a bearer token, hours. */
    tokenTtlHours: number;
  };
  alerts: {
    /** How often offline stations, pending and clear periods, escalation and reminders are checked, ms (0 = never: tests drive it). */
    tickMs: number;
    /** Recompute a station's AQI at most this often while readings arrive (and at every new hour), ms. */
    indexThrottleMs: number;
  };
}

/** Environment variable → config path; also the source of the README's configuration table. */
export const ENV_VARS: ReadonlyArray<{ env: string; path: string; description: string }> = [
  { env: 'DATA_DIR', path: 'dataDir', description: 'Directory for the embedded database and generated keys' },
  { env: 'DATABASE_URL', path: 'databaseUrl', description: 'External TimescaleDB (postgres://user:pass@host:5432/db); empty = embedded' },
  { env: 'HOST', path: 'host', description: 'Address the MQTT and HTTP servers bind to' },
  { env: 'MQTT_PORT', path: 'mqtt.port', description: 'MQTT over TCP (0 = any free port)' },
  { env: 'HTTP_PORT', path: 'http.port', description: 'HTTP API, dashboard and MQTT over WebSocket at /mqtt (0 = any free port)' },
  { env: 'SIMULATE', path: 'simulate', description: 'Number of simulated stations to run (0 = none)' },
  { env: 'SIMULATE_INTERVAL_MS', path: 'simulateIntervalMs', description: "Simulated stations' reporting interval (0 = the profile's own)" },
  { env: 'ADMIN_PASSWORD', path: 'adminPassword', description: "Password of user 'admin' (set at every start); empty = generated at first start and printed once" },
  { env: 'LOG_LEVEL', path: 'logLevel', description: 'fatal, error, warn, info, debug, trace or silent' },
  { env: 'STATION_TIMEZONE', path: 'timezone', description: 'Default time zone of stations and of local days (Vietnam has no daylight saving)' },
  { env: 'INGEST_MAX_PAYLOAD_BYTES', path: 'ingest.maxPayloadBytes', description: 'Largest accepted payload' },
  { env: 'INGEST_MAX_READINGS_PER_MESSAGE', path: 'ingest.maxReadingsPerMessage', description: 'Most readings in one backlog array' },
  { env: 'INGEST_MAX_FUTURE_SKEW_S', path: 'ingest.maxFutureSkewSeconds', description: 'Refuse readings timestamped further in the future than this' },
  { env: 'INGEST_BATCH_MAX_ROWS', path: 'ingest.batchMaxRows', description: 'Rows per group-commit INSERT' },
  { env: 'INGEST_BATCH_MAX_WAIT_MS', path: 'ingest.batchMaxWaitMs', description: 'Longest a reading waits for its batch' },
  { env: 'INGEST_WRITE_RETRIES', path: 'ingest.writeRetries', description: 'Attempts for a failing batch before publishers are refused' },
  { env: 'RETENTION_DAYS', path: 'store.retentionDays', description: 'Drop raw readings older than this (0 = keep forever)' },
  { env: 'COMPRESS_AFTER_DAYS', path: 'store.compressAfterDays', description: 'Compress raw chunks older than this (0 = never)' },
  { env: 'AGGREGATE_REFRESH_DAYS', path: 'store.aggregateRefreshDays', description: 'Window refreshed by the hourly aggregate policy' },
  { env: 'DB_POOL_SIZE', path: 'store.poolSize', description: 'Connections to an external server (embedded: always 1)' },
  { env: 'TOKEN_TTL_HOURS', path: 'auth.tokenTtlHours', description: 'Lifetime of an API bearer token' },
  { env: 'ALERTS_TICK_MS', path: 'alerts.tickMs', description: 'How often offline stations, pending/clear periods, escalation and reminders are checked' },
  { env: 'AQI_THROTTLE_MS', path: 'alerts.indexThrottleMs', description: "Recompute a station's hourly and daily AQI at most this often (and at every new hour)" },
];

const port = { type: 'integer', minimum: 0, maximum: 65535 } as const;

const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    dataDir: { type: 'string', minLength: 1, default: './data' },
    databaseUrl: { type: 'string', default: '', pattern: '^$|^postgres(ql)?://' },
    host: { type: 'string', minLength: 1, default: '0.0.0.0' },
    mqtt: { type: 'object', additionalProperties: false, default: {}, properties: { port: { ...port, default: 1883 } } },
    http: { type: 'object', additionalProperties: false, default: {}, properties: { port: { ...port, default: 8080 } } },
    simulate: { type: 'integer', minimum: 0, maximum: 100000, default: 20 },
    simulateIntervalMs: { type: 'integer', minimum: 0, maximum: 86_400_000, default: 0 },
    adminPassword: { type: 'string', default: '', pattern: '^$|^.{8,}$' },
    logLevel: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
    timezone: { type: 'string', default: 'Asia/Ho_Chi_Minh' },
    ingest: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        maxPayloadBytes: { type: 'integer', minimum: 256, maximum: 268_435_455, default: 1_048_576 },
        maxReadingsPerMessage: { type: 'integer', minimum: 1, maximum: 100_000, default: 10_000 },
        maxFutureSkewSeconds: { type: 'integer', minimum: 0, maximum: 31_536_000, default: 600 },
        batchMaxRows: { type: 'integer', minimum: 1, maximum: 50_000, default: 10_000 },
        batchMaxWaitMs: { type: 'integer', minimum: 0, maximum: 10_000, default: 20 },
        writeRetries: { type: 'integer', minimum: 1, maximum: 100, default: 3 },
      },
    },
    store: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        retentionDays: { type: 'integer', minimum: 0, maximum: 36_500, default: 0 },
        compressAfterDays: { type: 'integer', minimum: 0, maximum: 36_500, default: 7 },
        aggregateRefreshDays: { type: 'integer', minimum: 1, maximum: 3650, default: 7 },
        poolSize: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
      },
    },
    auth: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { tokenTtlHours: { type: 'integer', minimum: 1, maximum: 8760, default: 12 } },
    },
    alerts: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        tickMs: { type: 'integer', minimum: 0, maximum: 3_600_000, default: 5000 },
        indexThrottleMs: { type: 'integer', minimum: 0, maximum: 3_600_000, default: 60_000 },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true });
const validate = ajv.compile(SCHEMA);

export type ConfigInput = {
  [K in keyof Config]?: Config[K] extends object ? Partial<Config[K]> : Config[K];
};

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function envNameOf(instancePath: string, missing?: string): string {
  const path = instancePath.replace(/^\//, '').replaceAll('/', '.') + (missing ? (instancePath ? '.' : '') + missing : '');
  return ENV_VARS.find((v) => v.path === path)?.env ?? path;
}

/**
 * Validates and freezes a configuration; every error is listed in one QT_ERR_CONFIG_INVALID.
 * The error's `details.problems` carries one line per wrong setting.
 */
export function resolveConfig(input: ConfigInput = {}): Readonly<Config> {
  const candidate: unknown = structuredClone(input);
  if (!validate(candidate)) {
    const problems = (validate.errors ?? []).map((e) => {
      const key = envNameOf(e.instancePath, e.keyword === 'additionalProperties' ? String(e.params['additionalProperty']) : undefined);
      if (key === 'adminPassword' || key === 'ADMIN_PASSWORD') return `${key}: must be at least 8 characters`;
      return `${key}: ${e.message ?? 'is invalid'}`;
    });
    throw new QuantracError('QT_ERR_CONFIG_INVALID', `Invalid configuration:\n  - ${problems.join('\n  - ')}`, { details: { problems } });
  }
  return deepFreeze(candidate as Config);
}

/** Builds the configuration from environment variables (see ENV_VARS); unknown QUANTRAC_* names are not read. */
export function configFromEnv(env: NodeJS.ProcessEnv): Readonly<Config> {
  const input: Record<string, unknown> = {};
  for (const { env: name, path } of ENV_VARS) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const keys = path.split('.');
    let target = input;
    for (const k of keys.slice(0, -1)) target = (target[k] ??= {}) as Record<string, unknown>;
    target[keys[keys.length - 1]!] = raw;
  }
  return resolveConfig(input as ConfigInput);
}
