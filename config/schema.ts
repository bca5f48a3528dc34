/**
 * @module config/schema
 * Every setting of Quantrac, declared once: a TypeBox schema whose leaves carry their JSON-schema
 * checks, default, environment variable (`env`), `unit` and `description`. The `Config` type, the
 * environment table (config/env.ts), validation (config/resolve.ts) and the README's configuration
 * table (config/docs.ts, `npm run docs:config`) are all derived from it, so they cannot drift.
 */
import { Type, type Static, type TProperties } from 'typebox';

/** Units a setting may be measured in (shown in the README table); checked by ajv's meta-schema. */
export const UNITS = ['ms', 's', 'min', 'hours', 'days', 'bytes', 'messages/s', 'requests/min'] as const;

/**
 * The schema keywords Quantrac adds to JSON Schema, registered with ajv (`ajv.addKeyword`) so strict
 * mode accepts them, the way zigbee2mqtt's settings schema carries `requiresRestart`. Annotations only:
 * they never change what validates.
 */
export const CONFIG_KEYWORDS = [
  /** The environment variable that sets this leaf. */
  { keyword: 'env', schemaType: 'string', metaSchema: { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$' } },
  /** The unit of a numeric leaf. */
  { keyword: 'unit', schemaType: 'string', metaSchema: { enum: UNITS } },
] as const;

/** A group of settings: no unknown keys, and an absent group is filled with its defaults. */
function section<P extends TProperties>(description: string, properties: P) {
  return Type.Object(properties, { description, additionalProperties: false, default: {} });
}

/** An upstream FTP server that receives Circular 10 files re-emitted from accepted data. */
export const ForwardTargetSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$', description: 'Names the outbox folder and the metrics label' }),
    url: Type.String({ pattern: '^ftp://[^/\\s]+(/.*)?$', description: 'ftp://user:pass@host:port/dir' }),
    stations: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }), { description: 'Station ids to forward' })),
    profile: Type.Optional(Type.String({ minLength: 1, description: 'Forward every station of this profile' })),
    everyMinutes: Type.Integer({ minimum: 1, maximum: 1440, default: 5, unit: 'min', description: 'Collect and send every N minutes' }),
  },
  { additionalProperties: false, anyOf: [{ required: ['stations'] }, { required: ['profile'] }] },
);

/**
 * The whole configuration. A leaf with `env` is one setting; an object without it is a section.
 * Keep the order: validation errors are listed in it, and so is the README table.
 */
export const ConfigSchema = Type.Object(
  {
    dataDir: Type.String({ minLength: 1, default: './data', env: 'DATA_DIR', description: 'Directory for the embedded database and generated keys' }),
    databaseUrl: Type.String({ pattern: '^$|^postgres(ql)?://', default: '', env: 'DATABASE_URL', description: 'External TimescaleDB (postgres://user:pass@host:5432/db); empty = embedded' }),
    host: Type.String({ minLength: 1, default: '0.0.0.0', env: 'HOST', description: 'Address the MQTT and HTTP servers bind to' }),
    mqtt: section('MQTT over TCP.', {
      port: Type.Integer({ minimum: 0, maximum: 65_535, default: 1883, env: 'MQTT_PORT', description: 'MQTT over TCP (0 = any free port)' }),
    }),
    http: section('The HTTP server: API, dashboard and MQTT over WebSocket at /mqtt.', {
      port: Type.Integer({ minimum: 0, maximum: 65_535, default: 8080, env: 'HTTP_PORT', description: 'HTTP API, dashboard and MQTT over WebSocket at /mqtt (0 = any free port)' }),
    }),
    simulate: Type.Integer({ minimum: 0, maximum: 100_000, default: 20, env: 'SIMULATE', description: 'Number of simulated stations to run (0 = none)' }),
    simulateIntervalMs: Type.Integer({ minimum: 0, maximum: 86_400_000, default: 0, env: 'SIMULATE_INTERVAL_MS', unit: 'ms', description: "Simulated stations' reporting interval (0 = the profile's own)" }),
    adminPassword: Type.String({ pattern: '^$|^.{8,}$', default: '', env: 'ADMIN_PASSWORD', description: "Password of user 'admin' (set at every start); empty = generated at first start and printed once" }),
    logLevel: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info', env: 'LOG_LEVEL', description: 'How much is logged, from `fatal` only to `trace`; `silent` = nothing' }),
    timezone: Type.String({ default: 'Asia/Ho_Chi_Minh', env: 'STATION_TIMEZONE', description: 'Default time zone of stations and of local days (Vietnam has no daylight saving)' }),
    ingest: section('Intake limits and the group commit of readings, whatever way they arrive.', {
      maxPayloadBytes: Type.Integer({ minimum: 256, maximum: 268_435_455, default: 1_048_576, env: 'INGEST_MAX_PAYLOAD_BYTES', unit: 'bytes', description: 'Largest accepted payload' }),
      maxReadingsPerMessage: Type.Integer({ minimum: 1, maximum: 100_000, default: 10_000, env: 'INGEST_MAX_READINGS_PER_MESSAGE', description: 'Most readings in one backlog array' }),
      maxFutureSkewSeconds: Type.Integer({ minimum: 0, maximum: 31_536_000, default: 600, env: 'INGEST_MAX_FUTURE_SKEW_S', unit: 's', description: 'Refuse readings timestamped further in the future than this' }),
      batchMaxRows: Type.Integer({ minimum: 1, maximum: 50_000, default: 10_000, env: 'INGEST_BATCH_MAX_ROWS', description: 'Rows per group-commit INSERT' }),
      batchMaxWaitMs: Type.Integer({ minimum: 0, maximum: 10_000, default: 20, env: 'INGEST_BATCH_MAX_WAIT_MS', unit: 'ms', description: 'Longest a reading waits for its batch' }),
      writeRetries: Type.Integer({ minimum: 1, maximum: 100, default: 3, env: 'INGEST_WRITE_RETRIES', description: 'Attempts for a failing batch before publishers are refused' }),
      maxPendingRows: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 100_000, env: 'INGEST_MAX_PENDING_ROWS', description: 'Rows queued for the database beyond which intake waits (backpressure: PUBACKs and 202s are held, the broker stops reading)' }),
    }),
    spool: section('The durable local spool that takes acknowledged readings while the database is unreachable.', {
      maxBytes: Type.Integer({ minimum: 0, maximum: 1_099_511_627_776, default: 268_435_456, env: 'SPOOL_MAX_BYTES', unit: 'bytes', description: 'Largest local spool (`DATA_DIR/spool`) holding acknowledged readings while the database is unreachable; full = stop acknowledging (0 = no spool)' }),
      replayIntervalMs: Type.Integer({ minimum: 10, maximum: 600_000, default: 2000, env: 'SPOOL_REPLAY_INTERVAL_MS', unit: 'ms', description: 'While readings wait in the spool, how often the database is tried again' }),
    }),
    store: section('The database: retention, compression, connections.', {
      retentionDays: Type.Integer({ minimum: 0, maximum: 36_500, default: 0, env: 'RETENTION_DAYS', unit: 'days', description: 'Drop raw readings older than this (0 = keep forever)' }),
      compressAfterDays: Type.Integer({ minimum: 0, maximum: 36_500, default: 7, env: 'COMPRESS_AFTER_DAYS', unit: 'days', description: 'Compress raw chunks older than this (0 = never)' }),
      aggregateRefreshDays: Type.Integer({ minimum: 1, maximum: 3650, default: 7, env: 'AGGREGATE_REFRESH_DAYS', unit: 'days', description: 'Window refreshed by the hourly aggregate policy' }),
      poolSize: Type.Integer({ minimum: 1, maximum: 100, default: 10, env: 'DB_POOL_SIZE', description: 'Connections to an external server (embedded: always 1)' }),
      connectTimeoutMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 5000, env: 'DB_CONNECT_TIMEOUT_MS', unit: 'ms', description: 'A connection to an external server not established in this long fails' }),
      writeTimeoutMs: Type.Integer({ minimum: 0, maximum: 600_000, default: 15_000, env: 'DB_WRITE_TIMEOUT_MS', unit: 'ms', description: 'An insert not answered by an external server in this long counts as unreachable and is spooled (0 = wait)' }),
      embeddedFsync: Type.Boolean({ default: true, env: 'DB_EMBEDDED_FSYNC', description: 'Embedded database: fdatasync each commit before it is acknowledged (false = a killed process loses nothing, a power cut may)' }),
    }),
    auth: section('Users and their bearer tokens.', {
      tokenTtlHours: Type.Integer({ minimum: 1, maximum: 8760, default: 12, env: 'TOKEN_TTL_HOURS', unit: 'hours', description: 'Lifetime of an API bearer token' }),
    }),
    ftp: section('The embedded FTP server that receives Circular 10/2021/TT-BTNMT files from dataloggers.', {
      enabled: Type.Boolean({ default: false, env: 'FTP_ENABLED', description: 'Run the FTP server that receives Circular 10 files from dataloggers' }),
      host: Type.String({ minLength: 1, default: '127.0.0.1', env: 'FTP_HOST', description: 'Address the FTP server binds to (expose it deliberately)' }),
      port: Type.Integer({ minimum: 0, maximum: 65_535, default: 2121, env: 'FTP_PORT', description: 'FTP control port (0 = any free port)' }),
      pasvMin: Type.Integer({ minimum: 0, maximum: 65_535, default: 30_000, env: 'FTP_PASV_MIN', description: 'First passive data port (0 with FTP_PASV_MAX 0 = any free port)' }),
      pasvMax: Type.Integer({ minimum: 0, maximum: 65_535, default: 30_100, env: 'FTP_PASV_MAX', description: 'Last passive data port' }),
      pasvUrl: Type.String({ minLength: 1, default: '127.0.0.1', env: 'FTP_PASV_URL', description: 'Address announced in PASV replies to remote dataloggers (the public address of this host)' }),
      idleTimeoutMs: Type.Integer({ minimum: 0, maximum: 86_400_000, default: 300_000, env: 'FTP_IDLE_TIMEOUT_MS', unit: 'ms', description: 'Close an idle FTP control connection after this long (0 = never)' }),
    }),
    circular10: section('Circular 10 files, whatever way they arrive.', {
      maxFileBytes: Type.Integer({ minimum: 256, maximum: 268_435_455, default: 1_048_576, env: 'CIRCULAR10_MAX_FILE_BYTES', unit: 'bytes', description: 'Largest accepted Circular 10 file; a larger upload is cut off and refused' }),
      symbolsFile: Type.String({ minLength: 1, default: 'circular10-symbols.json', env: 'CIRCULAR10_SYMBOLS_FILE', description: 'JSON file (relative to DATA_DIR) adding or overriding parameter symbols per profile; optional' }),
    }),
    dropFolder: section('A watched folder that receives Circular 10 files from an FTP server the agency already runs.', {
      dir: Type.String({ default: '', env: 'DROP_DIR', description: 'Watched folder of Circular 10 files laid out `<dir>/<stationId>/…/*.txt`; empty = off' }),
      pollMs: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 5000, env: 'DROP_POLL_MS', unit: 'ms', description: 'How often the drop folder is scanned' }),
      settleMs: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 2000, env: 'DROP_SETTLE_MS', unit: 'ms', description: 'A dropped file is read once unchanged for this long' }),
    }),
    forwarding: section('Re-sending accepted data as Circular 10 files to upstream FTP servers.', {
      targets: Type.Array(ForwardTargetSchema, { maxItems: 100, default: [], env: 'FORWARD_TARGETS', description: 'JSON list of upstream FTP targets [{name, url, stations or profile, everyMinutes}]' }),
      retryMs: Type.Integer({ minimum: 10, maximum: 600_000, default: 30_000, env: 'FORWARD_RETRY_MS', unit: 'ms', description: 'First wait before retrying an unreachable upstream (doubles up to 10 min)' }),
      lookbackDays: Type.Integer({ minimum: 1, maximum: 365, default: 7, env: 'FORWARD_LOOKBACK_DAYS', unit: 'days', description: 'Readings that arrive later than this after their time are not forwarded' }),
    }),
    automation: section('Embedded Node-RED at /red.', {
      enabled: Type.Boolean({ default: true, env: 'NODE_RED', description: 'Embed Node-RED (editor and admin API at /red, HTTP-in nodes under /red/api)' }),
      publicUrl: Type.String({ default: 'http://localhost:8080', env: 'PUBLIC_URL', description: 'Base URL of the operations center, used in links sent by automations' }),
      functionTimeoutSeconds: Type.Number({ minimum: 0.1, maximum: 600, default: 5, env: 'NODE_RED_FUNCTION_TIMEOUT_S', unit: 's', description: 'Stop a Node-RED function node that runs longer than this' }),
    }),
    alerts: section('The alert engine: timers and index updates.', {
      tickMs: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 5000, env: 'ALERTS_TICK_MS', unit: 'ms', description: 'How often offline stations, pending/clear periods, escalation and reminders are checked' }),
      indexThrottleMs: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 60_000, env: 'AQI_THROTTLE_MS', unit: 'ms', description: "Recompute a station's hourly and daily AQI at most this often (and at every new hour)" }),
    }),
    dashboard: section('The live stream and the map of the operations center.', {
      frameMs: Type.Integer({ minimum: 20, maximum: 10_000, default: 250, env: 'REALTIME_FRAME_MS', unit: 'ms', description: 'The live stream (socket.io) sends at most one batched frame per room this often' }),
      tileUrl: Type.String({ maxLength: 500, pattern: "^$|^https://[^\\s\"'<>]+$", default: '', env: 'MAP_TILE_URL', description: 'Optional online map tiles for the dashboard (https://…/{z}/{x}/{y}.png); empty = offline outline of Vietnam only' }),
      tileAttribution: Type.String({ maxLength: 500, default: '', env: 'MAP_TILE_ATTRIBUTION', description: 'Attribution shown with MAP_TILE_URL tiles' }),
    }),
    analytics: section('The analyst API and SensorThings: range limits, exports, rate limit.', {
      maxRawRangeDays: Type.Integer({ minimum: 1, maximum: 3660, default: 92, env: 'ANALYTICS_MAX_RAW_RANGE_DAYS', unit: 'days', description: 'Longest range for raw readings and for aggregates computed from raw rows (median, percentiles, stddev, sub-hour buckets)' }),
      maxAggregateRangeDays: Type.Integer({ minimum: 1, maximum: 36_600, default: 3660, env: 'ANALYTICS_MAX_AGGREGATE_RANGE_DAYS', unit: 'days', description: 'Longest range for aggregates served from the continuous aggregates and for the completeness report' }),
      maxExportDays: Type.Integer({ minimum: 1, maximum: 36_600, default: 400, env: 'ANALYTICS_MAX_EXPORT_DAYS', unit: 'days', description: 'Longest range of one CSV/NDJSON export' }),
      maxBuckets: Type.Integer({ minimum: 10, maximum: 10_000_000, default: 100_000, env: 'ANALYTICS_MAX_BUCKETS', description: 'Most buckets one aggregated series may return' }),
      maxSeries: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000, env: 'ANALYTICS_MAX_SERIES', description: 'Most stations × metrics in one request' }),
      exportChunkRows: Type.Integer({ minimum: 100, maximum: 100_000, default: 10_000, env: 'ANALYTICS_EXPORT_CHUNK_ROWS', description: 'Rows per keyset query while exporting (bounds memory)' }),
      rateLimitPerMinute: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 600, env: 'ANALYTICS_RATE_LIMIT_PER_MIN', unit: 'requests/min', description: 'Requests per minute per bearer token on the analyst API and SensorThings (429 beyond)' }),
      tokenCacheMs: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 60_000, env: 'ANALYTICS_TOKEN_CACHE_MS', unit: 'ms', description: 'How long a verified API token is trusted before it is looked up again' }),
      backfillRefreshMs: Type.Integer({ minimum: 0, maximum: 86_400_000, default: 60_000, env: 'ANALYTICS_BACKFILL_REFRESH_MS', unit: 'ms', description: 'How often aggregate ranges touched by late readings are refreshed (0 = never)' }),
    }),
    bulletins: section('Daily and monthly bulletins per province and for the whole system (bulletins/).', {
      enabled: Type.Boolean({ default: true, env: 'BULLETIN_ENABLED', description: 'Generate the daily and monthly bulletins on schedule (and catch up a missed one at start); the API generates on request either way' }),
      dailyAt: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', default: '07:00', env: 'BULLETIN_DAILY_AT', description: 'Local time (HH:MM, Asia/Ho_Chi_Minh) of the daily bulletin for the previous day' }),
      monthlyAt: Type.String({ pattern: '^([1-9]|1[0-9]|2[0-8]) ([01][0-9]|2[0-3]):[0-5][0-9]$', default: '1 07:30', env: 'BULLETIN_MONTHLY_AT', description: 'Day of month (1–28) and local time of the monthly bulletin for the previous month (`D HH:MM`)' }),
      pdf: Type.Enum(['auto', 'on', 'off'], { default: 'auto', env: 'BULLETIN_PDF', description: 'PDF bulletins printed with headless Chromium: `auto` = when it is installed, `on`, `off`' }),
      chromiumPath: Type.String({ minLength: 1, default: '/usr/bin/chromium', env: 'BULLETIN_CHROMIUM', description: 'Chromium executable used to print bulletins to PDF (never downloaded)' }),
    }),
    cluster: section('Several Quantrac nodes behind one load balancer (docs/SCALING.md); redisUrl empty = one node.', {
      redisUrl: Type.String({ pattern: '^$|^rediss?://', default: '', env: 'REDIS_URL', description: 'Multi-node mode: redis://host:6379 shared by every node (needs DATABASE_URL); empty = single node (docs/SCALING.md)' }),
      nodeId: Type.String({ pattern: '^$|^[A-Za-z0-9_.-]{1,64}$', default: '', env: 'NODE_ID', description: "This node's unique name in multi-node mode; empty = hostname-pid" }),
      leaseMs: Type.Integer({ minimum: 1000, maximum: 600_000, default: 15_000, env: 'CLUSTER_LEASE_MS', unit: 'ms', description: 'Lease held by the one node that runs timer-driven alert work (no data, escalation, reminders)' }),
    }),
    open: section('Open data: the anonymous API at /open/v1 and the public page at /public (open/).', {
      license: Type.String({ minLength: 1, maxLength: 200, default: 'CC BY 4.0', env: 'OPEN_LICENSE', description: 'Licence of the open data, in every /open/v1 response and on /public' }),
      licenseUrl: Type.String({ maxLength: 500, pattern: '^https?://[^\\s"<>]+$', default: 'https://creativecommons.org/licenses/by/4.0/', env: 'OPEN_LICENSE_URL', description: 'URL of the licence text (`Link: <…>; rel="license"`)' }),
      attribution: Type.String({ minLength: 1, maxLength: 500, default: 'Quantrac environmental monitoring network', env: 'OPEN_ATTRIBUTION', description: 'Attribution required from users of the open data' }),
      embargoHours: Type.Number({ minimum: 0, maximum: 8760, default: 0, env: 'OPEN_EMBARGO_HOURS', unit: 'hours', description: 'Publish data only this many hours after its time (0 = at once)' }),
      validatedOnly: Type.Boolean({ default: false, env: 'OPEN_VALIDATED_ONLY', description: "Publish only data up to each station's validated-through time" }),
      raw: Type.Boolean({ default: false, env: 'OPEN_RAW', description: 'Serve raw readings at /open/v1/stations/{id}/raw (off: hourly and daily only)' }),
      rateLimitPerMinute: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 300, env: 'OPEN_RATE_LIMIT_PER_MINUTE', unit: 'requests/min', description: 'Requests per minute per client address on /open/v1 and /public (429 beyond)' }),
      cacheSeconds: Type.Integer({ minimum: 0, maximum: 86_400, default: 60, env: 'OPEN_CACHE_SECONDS', unit: 's', description: 'How long public responses are cached in memory and by browsers (Cache-Control max-age)' }),
    }),
    security: section('TLS, brute-force protection and per-station limits (security/).', {
      tlsCertFile: Type.String({ default: '', env: 'TLS_CERT_FILE', description: 'PEM certificate file; with TLS_KEY_FILE: HTTPS (and wss) on HTTP_PORT and MQTT over TLS on MQTT_TLS_PORT; empty = plain' }),
      tlsKeyFile: Type.String({ default: '', env: 'TLS_KEY_FILE', description: 'PEM private key file of TLS_CERT_FILE' }),
      mqttTlsPort: Type.Integer({ minimum: 0, maximum: 65_535, default: 8883, env: 'MQTT_TLS_PORT', description: 'MQTT over TLS (mqtts), only when TLS_CERT_FILE and TLS_KEY_FILE are set (0 = any free port)' }),
      loginMaxFailures: Type.Integer({ minimum: 1, maximum: 1000, default: 5, env: 'LOGIN_MAX_FAILURES', description: 'Failed logins of one user or station before it is locked, except from addresses it logged in from before' }),
      loginSourceMaxFailures: Type.Integer({ minimum: 1, maximum: 100_000, default: 10, env: 'LOGIN_SOURCE_MAX_FAILURES', description: 'Failed logins from one address (any account) before that address is blocked' }),
      loginLockoutBaseSeconds: Type.Integer({ minimum: 1, maximum: 86_400, default: 30, env: 'LOGIN_LOCKOUT_BASE_S', unit: 's', description: 'First lockout; each further one doubles' }),
      loginLockoutMaxSeconds: Type.Integer({ minimum: 1, maximum: 86_400, default: 900, env: 'LOGIN_LOCKOUT_MAX_S', unit: 's', description: 'Longest lockout (every lock expires)' }),
      stationMaxMsgsPerSecond: Type.Number({ minimum: 0, maximum: 1_000_000, default: 500, env: 'STATION_MAX_MSGS_PER_S', unit: 'messages/s', description: 'Sustained MQTT messages per second per station; beyond, its messages are held (0 = no limit)' }),
      stationBurst: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 2000, env: 'STATION_BURST', description: 'Messages a station may send at once above its rate' }),
      stationThrottleMaxSeconds: Type.Number({ minimum: 0.1, maximum: 3600, default: 30, env: 'STATION_THROTTLE_MAX_S', unit: 's', description: 'Disconnect a station whose excess would be held longer than this' }),
    }),
  },
  { additionalProperties: false },
);

/** The validated, defaulted configuration every component receives (deep-frozen by resolveConfig). */
export type Config = Static<typeof ConfigSchema>;

/** An upstream FTP target of `forwarding.targets`. */
export type ForwardTarget = Static<typeof ForwardTargetSchema>;

/** What tests and app.ts pass to resolveConfig: any subset of the settings, by section. */
export type ConfigInput = {
  [K in keyof Config]?: Config[K] extends object ? Partial<Config[K]> : Config[K];
};
