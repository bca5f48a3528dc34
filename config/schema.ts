/**
 * @module config/schema
 * Every setting of Quantrac, declared once: a TypeBox schema whose leaves carry their JSON-schema
 * checks, default, environment variable (`env`), `unit` and `description`. The `Config` type, the
 * environment table (config/env.ts), validation (config/resolve.ts) and the README's configuration
 * table (config/docs.ts, `npm run docs:config`) are all derived from it, so they cannot drift.
 */
import { Type, type Static } from 'typebox';
import * as transport from './sections/transport.js';
import * as services from './sections/services.js';
import * as operations from './sections/operations.js';
import * as quality from './sections/validation.js';

export { CONFIG_KEYWORDS, UNITS } from './section.js';
export { ForwardTargetSchema } from './sections/transport.js';

/** One entry of TRUSTED_PROXIES: an IPv4 or IPv6 address, optionally with a CIDR prefix length (checked exactly when the list is built, broker/client-address.ts). */
const TRUSTED_PROXY_PATTERN =
  '^(?:(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:/(?:3[0-2]|[12]?[0-9]))?|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?:/(?:12[0-8]|1[01][0-9]|[1-9]?[0-9]))?)$';

/**
 * The whole configuration. A leaf with `env` is one setting; an object without it is a section.
 * Keep the order: validation errors are listed in it, and so is the README table.
 */
export const ConfigSchema = Type.Object(
  {
    dataDir: Type.String({ minLength: 1, default: './data', env: 'DATA_DIR', description: 'Directory for the embedded database and generated keys' }),
    databaseUrl: Type.String({
      pattern: '^$|^postgres(ql)?://',
      default: '',
      env: 'DATABASE_URL',
      description: 'External TimescaleDB (postgres://user:pass@host:5432/db); empty = embedded',
    }),
    host: Type.String({ minLength: 1, default: '0.0.0.0', env: 'HOST', description: 'Address the MQTT and HTTP servers bind to' }),
    trustedProxies: Type.Array(Type.String({ pattern: TRUSTED_PROXY_PATTERN }), {
      maxItems: 100,
      default: [],
      env: 'TRUSTED_PROXIES',
      description:
        'Load balancers whose word on the client address is taken (IPs or CIDR ranges, e.g. 172.28.0.10 or 10.0.0.0/8): their X-Forwarded-For on HTTP, their PROXY protocol header on MQTT (MQTT_PROXY_PROTOCOL); empty = trust nobody, every client is its socket address',
    }),
    mqtt: transport.mqtt,
    http: transport.http,
    simulate: Type.Integer({ minimum: 0, maximum: 100_000, default: 20, env: 'SIMULATE', description: 'Number of simulated stations to run (0 = none)' }),
    simulateIntervalMs: Type.Integer({
      minimum: 0,
      maximum: 86_400_000,
      default: 0,
      env: 'SIMULATE_INTERVAL_MS',
      unit: 'ms',
      description: "Simulated stations' reporting interval (0 = the profile's own)",
    }),
    simulateBackfillHours: Type.Integer({
      minimum: 0,
      maximum: 720,
      default: 48,
      env: 'SIMULATE_BACKFILL_HOURS',
      unit: 'hours',
      description:
        'Simulated stations new at this start (a fresh DATA_DIR) first replay this much recent history with their models, so indices, charts, alerts and a bulletin exist at once (0 = off)',
    }),
    adminPassword: Type.String({
      pattern: '^$|^.{8,}$',
      default: '',
      env: 'ADMIN_PASSWORD',
      description: "Password of user 'admin' (set at every start); empty = generated at first start and printed once",
    }),
    logLevel: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      default: 'info',
      env: 'LOG_LEVEL',
      description: 'How much is logged, from `fatal` only to `trace`; `silent` = nothing',
    }),
    timezone: Type.String({
      default: 'Asia/Ho_Chi_Minh',
      env: 'STATION_TIMEZONE',
      description: 'Default time zone of stations and of local days (Vietnam has no daylight saving)',
    }),
    ingest: transport.ingest,
    spool: transport.spool,
    store: services.store,
    auth: services.auth,
    ftp: transport.ftp,
    circular10: transport.circular10,
    dropFolder: transport.dropFolder,
    forwarding: transport.forwarding,
    automation: services.automation,
    alerts: services.alerts,
    dashboard: services.dashboard,
    analytics: services.analytics,
    bulletins: services.bulletins,
    cluster: operations.cluster,
    open: operations.open,
    security: operations.security,
    validation: quality.validation,
  },
  { additionalProperties: false },
);

/** The validated, defaulted configuration every component receives (deep-frozen by resolveConfig). */
export type Config = Static<typeof ConfigSchema>;

/** An upstream FTP target of `forwarding.targets`. */
export type ForwardTarget = Static<typeof transport.ForwardTargetSchema>;

/** What tests and app.ts pass to resolveConfig: any subset of the settings, by section. */
export type ConfigInput = {
  [K in keyof Config]?: Config[K] extends object ? Partial<Config[K]> : Config[K];
};
