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
    /** Rows queued for the database beyond which intake waits (backpressure on the broker and HTTP). */
    maxPendingRows: number;
  };
  /** The durable local spool that takes acknowledged readings while the database is unreachable. */
  spool: {
    /** Largest spool file, bytes (0 = no spool: an unreachable database stops acknowledgements at once). */
    maxBytes: number;
    /** While readings wait in the spool, how often the database is tried again, ms. */
    replayIntervalMs: number;
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
    /** A connection to an external server not established in this long fails, ms. */
    connectTimeoutMs: number;
    /** An insert not answered by an external server in this long counts as unreachable (the batch is spooled), ms; 0 = wait. */
    writeTimeoutMs: number;
    /** Embedded database: fdatasync every commit before it is acknowledged (PGlite's own fsync is a no-op); off = survives a killed process, not a power cut. */
    embeddedFsync: boolean;
  };
  auth: {
    /** Lifetime of a bearer token, hours. */
    tokenTtlHours: number;
  };
  /** The embedded FTP server that receives Circular 10/2021/TT-BTNMT files from dataloggers. */
  ftp: {
    enabled: boolean;
    /** Address the FTP server binds to (127.0.0.1 by default: expose it deliberately). */
    host: string;
    port: number;
    /** Passive data ports, inclusive (0 and 0 = any free port). */
    pasvMin: number;
    pasvMax: number;
    /** Address announced in PASV replies to clients that are not on this host. */
    pasvUrl: string;
    /** An idle control connection is closed after this long, ms (0 = never). */
    idleTimeoutMs: number;
  };
  /** Circular 10 files, whatever way they arrive. */
  circular10: {
    /** Largest accepted file, bytes; a larger upload is cut off and refused. */
    maxFileBytes: number;
    /** JSON file adding or overriding parameter symbols per profile; relative to dataDir; optional. */
    symbolsFile: string;
  };
  /** A watched folder that receives Circular 10 files from an FTP server the agency already runs. */
  dropFolder: {
    /** Folder to watch, laid out `<dir>/<stationId>/…/*.txt`; empty = off. */
    dir: string;
    /** How often the folder is scanned, ms. */
    pollMs: number;
    /** A file is read only once its size and time have not changed for this long, ms. */
    settleMs: number;
  };
  /** Re-sending accepted data as Circular 10 files to upstream FTP servers. */
  forwarding: {
    targets: ForwardTarget[];
    /** Wait before retrying an upstream that failed, ms (doubles up to 10 minutes). */
    retryMs: number;
    /** Readings received later than this after their time are not forwarded, days. */
    lookbackDays: number;
  };
  automation: {
    /** Embed Node-RED at /red. */
    enabled: boolean;
    /** Base URL of the operations center, for links in notifications (e.g. https://ioc.example.gov.vn). */
    publicUrl: string;
    /** A Node-RED function node running longer than this is stopped (keeps a looping flow from freezing ingest). */
    functionTimeoutSeconds: number;
  };
  alerts: {
    /** How often offline stations, pending and clear periods, escalation and reminders are checked, ms (0 = never: tests drive it). */
    tickMs: number;
    /** Recompute a station's AQI at most this often while readings arrive (and at every new hour), ms. */
    indexThrottleMs: number;
  };
  dashboard: {
    /** The live stream sends at most one frame per room this often, ms. */
    frameMs: number;
    /** Optional online map tiles ({z}/{x}/{y} URL template); empty = the built-in offline outline only. */
    tileUrl: string;
    /** Attribution shown with the tiles (required by most tile providers). */
    tileAttribution: string;
  };
  analytics: {
    /** Longest from–to range for raw readings and for aggregates computed from raw rows (median, percentiles, stddev, sub-hour buckets), days. */
    maxRawRangeDays: number;
    /** Longest from–to range for aggregates served from the continuous aggregates and for the completeness report, days. */
    maxAggregateRangeDays: number;
    /** Longest from–to range of one export, days. */
    maxExportDays: number;
    /** Most buckets one series may return. */
    maxBuckets: number;
    /** Most stations × metrics in one request. */
    maxSeries: number;
    /** Rows fetched per keyset query while exporting (memory stays bounded by this). */
    exportChunkRows: number;
    /** Requests per minute allowed to one bearer token (429 with Retry-After beyond). */
    rateLimitPerMinute: number;
    /** How long a verified API token is trusted before it is looked up again (revocation in this process is immediate), ms. */
    tokenCacheMs: number;
    /** How often aggregate ranges touched by late (backfilled) readings are refreshed, ms (0 = never). */
    backfillRefreshMs: number;
  };
  /** Daily and monthly bulletins per province and for the whole system (bulletins/). */
  bulletins: {
    /** Generate bulletins on schedule (and catch up a missed one at start); requests through the API work either way. */
    enabled: boolean;
    /** Local time (Asia/Ho_Chi_Minh) of the daily bulletin for the previous day, HH:MM. */
    dailyAt: string;
    /** Day of month (1–28) and local time of the monthly bulletin for the previous month, "D HH:MM". */
    monthlyAt: string;
    /** PDF by printing the HTML with headless Chromium: auto (when the executable exists), on, off. */
    pdf: 'auto' | 'on' | 'off';
    /** The Chromium executable used for PDF (never downloaded). */
    chromiumPath: string;
  };
  /** Several Quantrac nodes behind one load balancer (docs/SCALING.md); redisUrl empty = one node. */
  cluster: {
    /** redis://… shared by every node (MQTT sessions and routing, socket.io fan-out, the timer lease); empty = single node. */
    redisUrl: string;
    /** This node's name (unique per node); empty = hostname-pid. */
    nodeId: string;
    /** Lease of the node that runs timer-driven work (no-data alerts, escalation, reminders), ms. */
    leaseMs: number;
  };
  /** Open data: the anonymous API at /open/v1 and the public page at /public (open/). */
  open: {
    /** Licence of the published data, named in every response (e.g. "CC BY 4.0"). */
    license: string;
    /** URL of the licence text, sent as `Link: <…>; rel="license"`. */
    licenseUrl: string;
    /** Attribution users must give, sent in every response. */
    attribution: string;
    /** Publish data only this many hours after its time (0 = at once). */
    embargoHours: number;
    /** Publish only data up to each station's validated-through time (set by admins). */
    validatedOnly: boolean;
    /** Serve raw (minute) readings at /open/v1/stations/{id}/raw. */
    raw: boolean;
    /** Requests per minute per client address on /open/v1 and /public (429 with Retry-After beyond). */
    rateLimitPerMinute: number;
    /** How long public responses are cached (in this process and by browsers and proxies), seconds. */
    cacheSeconds: number;
  };
  /** TLS, brute-force protection and per-station limits (security/, issue 9). */
  security: {
    /** PEM certificate (chain) file; with tlsKeyFile: HTTPS on HTTP_PORT and MQTT over TLS on mqttTlsPort. Empty = plain. */
    tlsCertFile: string;
    /** PEM private key file of tlsCertFile. */
    tlsKeyFile: string;
    /** MQTT over TLS port, only when the certificate and key are set (0 = any free port). */
    mqttTlsPort: number;
    /** Failed logins of one account (user or station) before it is locked for sources it never logged in from. */
    loginMaxFailures: number;
    /** Failed logins from one source address (any account) before that address is blocked. */
    loginSourceMaxFailures: number;
    /** First lockout, seconds; each further lockout doubles it. */
    loginLockoutBaseSeconds: number;
    /** Longest lockout, seconds (a lock always expires). */
    loginLockoutMaxSeconds: number;
    /** Sustained MQTT messages per second one station may publish (0 = no limit). */
    stationMaxMsgsPerSecond: number;
    /** Messages a station may send at once above its rate (token bucket size). */
    stationBurst: number;
    /** A station whose excess would need holding its messages longer than this is disconnected, seconds. */
    stationThrottleMaxSeconds: number;
  };
}

/** An upstream FTP server that receives Circular 10 files re-emitted from accepted data. */
export interface ForwardTarget {
  /** Names the outbox folder and the metrics label. */
  name: string;
  /** ftp://user:pass@host:port/dir */
  url: string;
  /** Station ids to forward. */
  stations?: string[];
  /** Forward every station of this profile. */
  profile?: string;
  /** Collect and send every N minutes. */
  everyMinutes: number;
}

/** Environment variable → config path; also the source of the README's configuration table. */
export const ENV_VARS: ReadonlyArray<{ env: string; path: string; description: string; json?: true }> = [
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
  { env: 'INGEST_MAX_PENDING_ROWS', path: 'ingest.maxPendingRows', description: 'Rows queued for the database beyond which intake waits (backpressure: PUBACKs and 202s are held, the broker stops reading)' },
  { env: 'SPOOL_MAX_BYTES', path: 'spool.maxBytes', description: 'Largest local spool (DATA_DIR/spool) holding acknowledged readings while the database is unreachable; full = stop acknowledging (0 = no spool)' },
  { env: 'SPOOL_REPLAY_INTERVAL_MS', path: 'spool.replayIntervalMs', description: 'While readings wait in the spool, how often the database is tried again' },
  { env: 'RETENTION_DAYS', path: 'store.retentionDays', description: 'Drop raw readings older than this (0 = keep forever)' },
  { env: 'COMPRESS_AFTER_DAYS', path: 'store.compressAfterDays', description: 'Compress raw chunks older than this (0 = never)' },
  { env: 'AGGREGATE_REFRESH_DAYS', path: 'store.aggregateRefreshDays', description: 'Window refreshed by the hourly aggregate policy' },
  { env: 'DB_POOL_SIZE', path: 'store.poolSize', description: 'Connections to an external server (embedded: always 1)' },
  { env: 'DB_CONNECT_TIMEOUT_MS', path: 'store.connectTimeoutMs', description: 'A connection to an external server not established in this long fails' },
  { env: 'DB_EMBEDDED_FSYNC', path: 'store.embeddedFsync', description: 'Embedded database: fdatasync each commit before it is acknowledged (false = a killed process loses nothing, a power cut may)' },
  { env: 'DB_WRITE_TIMEOUT_MS', path: 'store.writeTimeoutMs', description: 'An insert not answered by an external server in this long counts as unreachable and is spooled (0 = wait)' },
  { env: 'TOKEN_TTL_HOURS', path: 'auth.tokenTtlHours', description: 'Lifetime of an API bearer token' },
  { env: 'NODE_RED', path: 'automation.enabled', description: 'Embed Node-RED (editor and admin API at /red, HTTP-in nodes under /red/api)' },
  { env: 'PUBLIC_URL', path: 'automation.publicUrl', description: 'Base URL of the operations center, used in links sent by automations' },
  { env: 'NODE_RED_FUNCTION_TIMEOUT_S', path: 'automation.functionTimeoutSeconds', description: 'Stop a Node-RED function node that runs longer than this' },
  { env: 'ALERTS_TICK_MS', path: 'alerts.tickMs', description: 'How often offline stations, pending/clear periods, escalation and reminders are checked' },
  { env: 'AQI_THROTTLE_MS', path: 'alerts.indexThrottleMs', description: "Recompute a station's hourly and daily AQI at most this often (and at every new hour)" },
  { env: 'FTP_ENABLED', path: 'ftp.enabled', description: 'Run the FTP server that receives Circular 10 files from dataloggers' },
  { env: 'FTP_HOST', path: 'ftp.host', description: 'Address the FTP server binds to (expose it deliberately)' },
  { env: 'FTP_PORT', path: 'ftp.port', description: 'FTP control port (0 = any free port)' },
  { env: 'FTP_PASV_MIN', path: 'ftp.pasvMin', description: 'First passive data port (0 with FTP_PASV_MAX 0 = any free port)' },
  { env: 'FTP_PASV_MAX', path: 'ftp.pasvMax', description: 'Last passive data port' },
  { env: 'FTP_PASV_URL', path: 'ftp.pasvUrl', description: 'Address announced in PASV replies to remote dataloggers (the public address of this host)' },
  { env: 'FTP_IDLE_TIMEOUT_MS', path: 'ftp.idleTimeoutMs', description: 'Close an idle FTP control connection after this long (0 = never)' },
  { env: 'CIRCULAR10_MAX_FILE_BYTES', path: 'circular10.maxFileBytes', description: 'Largest accepted Circular 10 file; a larger upload is cut off and refused' },
  { env: 'CIRCULAR10_SYMBOLS_FILE', path: 'circular10.symbolsFile', description: 'JSON file (relative to DATA_DIR) adding or overriding parameter symbols per profile; optional' },
  { env: 'DROP_DIR', path: 'dropFolder.dir', description: 'Watched folder of Circular 10 files laid out <dir>/<stationId>/…/*.txt; empty = off' },
  { env: 'DROP_POLL_MS', path: 'dropFolder.pollMs', description: 'How often the drop folder is scanned' },
  { env: 'DROP_SETTLE_MS', path: 'dropFolder.settleMs', description: 'A dropped file is read once unchanged for this long' },
  { env: 'FORWARD_TARGETS', path: 'forwarding.targets', description: 'JSON list of upstream FTP targets [{name, url, stations or profile, everyMinutes}]', json: true },
  { env: 'FORWARD_RETRY_MS', path: 'forwarding.retryMs', description: 'First wait before retrying an unreachable upstream (doubles up to 10 min)' },
  { env: 'FORWARD_LOOKBACK_DAYS', path: 'forwarding.lookbackDays', description: 'Readings that arrive later than this after their time are not forwarded' },
  { env: 'REALTIME_FRAME_MS', path: 'dashboard.frameMs', description: 'The live stream (socket.io) sends at most one batched frame per room this often' },
  { env: 'MAP_TILE_URL', path: 'dashboard.tileUrl', description: 'Optional online map tiles for the dashboard (https://…/{z}/{x}/{y}.png); empty = offline outline of Vietnam only' },
  { env: 'MAP_TILE_ATTRIBUTION', path: 'dashboard.tileAttribution', description: 'Attribution shown with MAP_TILE_URL tiles' },
  { env: 'ANALYTICS_MAX_RAW_RANGE_DAYS', path: 'analytics.maxRawRangeDays', description: 'Longest range for raw readings and for aggregates computed from raw rows (median, percentiles, stddev, sub-hour buckets)' },
  { env: 'ANALYTICS_MAX_AGGREGATE_RANGE_DAYS', path: 'analytics.maxAggregateRangeDays', description: 'Longest range for aggregates served from the continuous aggregates and for the completeness report' },
  { env: 'ANALYTICS_MAX_EXPORT_DAYS', path: 'analytics.maxExportDays', description: 'Longest range of one CSV/NDJSON export' },
  { env: 'ANALYTICS_MAX_BUCKETS', path: 'analytics.maxBuckets', description: 'Most buckets one aggregated series may return' },
  { env: 'ANALYTICS_MAX_SERIES', path: 'analytics.maxSeries', description: 'Most stations × metrics in one request' },
  { env: 'ANALYTICS_EXPORT_CHUNK_ROWS', path: 'analytics.exportChunkRows', description: 'Rows per keyset query while exporting (bounds memory)' },
  { env: 'ANALYTICS_RATE_LIMIT_PER_MIN', path: 'analytics.rateLimitPerMinute', description: 'Requests per minute per bearer token on the analyst API and SensorThings (429 beyond)' },
  { env: 'ANALYTICS_TOKEN_CACHE_MS', path: 'analytics.tokenCacheMs', description: 'How long a verified API token is trusted before it is looked up again' },
  { env: 'ANALYTICS_BACKFILL_REFRESH_MS', path: 'analytics.backfillRefreshMs', description: 'How often aggregate ranges touched by late readings are refreshed (0 = never)' },
  { env: 'BULLETIN_ENABLED', path: 'bulletins.enabled', description: 'Generate the daily and monthly bulletins on schedule (and catch up a missed one at start)' },
  { env: 'BULLETIN_DAILY_AT', path: 'bulletins.dailyAt', description: "Local time (HH:MM, Asia/Ho_Chi_Minh) of the daily bulletin for the previous day" },
  { env: 'BULLETIN_MONTHLY_AT', path: 'bulletins.monthlyAt', description: 'Day of month (1–28) and local time of the monthly bulletin for the previous month ("D HH:MM")' },
  { env: 'BULLETIN_PDF', path: 'bulletins.pdf', description: 'PDF bulletins printed with headless Chromium: auto (when installed), on, off' },
  { env: 'BULLETIN_CHROMIUM', path: 'bulletins.chromiumPath', description: 'Chromium executable used to print bulletins to PDF (never downloaded)' },
  { env: 'REDIS_URL', path: 'cluster.redisUrl', description: 'Multi-node mode: redis://host:6379 shared by every node (needs DATABASE_URL); empty = single node' },
  { env: 'NODE_ID', path: 'cluster.nodeId', description: "This node's unique name in multi-node mode; empty = hostname-pid" },
  { env: 'CLUSTER_LEASE_MS', path: 'cluster.leaseMs', description: 'Lease held by the one node that runs timer-driven alert work (no data, escalation, reminders)' },
  { env: 'OPEN_LICENSE', path: 'open.license', description: 'Licence of the open data, in every /open/v1 response and on /public' },
  { env: 'OPEN_LICENSE_URL', path: 'open.licenseUrl', description: 'URL of the licence text (Link: <…>; rel="license")' },
  { env: 'OPEN_ATTRIBUTION', path: 'open.attribution', description: 'Attribution required from users of the open data' },
  { env: 'OPEN_EMBARGO_HOURS', path: 'open.embargoHours', description: 'Publish data only this many hours after its time (0 = at once)' },
  { env: 'OPEN_VALIDATED_ONLY', path: 'open.validatedOnly', description: "Publish only data up to each station's validated-through time" },
  { env: 'OPEN_RAW', path: 'open.raw', description: 'Serve raw readings at /open/v1/stations/{id}/raw (off: hourly and daily only)' },
  { env: 'OPEN_RATE_LIMIT_PER_MINUTE', path: 'open.rateLimitPerMinute', description: 'Requests per minute per client address on /open/v1 and /public (429 beyond)' },
  { env: 'OPEN_CACHE_SECONDS', path: 'open.cacheSeconds', description: 'How long public responses are cached in memory and by browsers (Cache-Control max-age)' },
  { env: 'TLS_CERT_FILE', path: 'security.tlsCertFile', description: 'PEM certificate file; with TLS_KEY_FILE: HTTPS (and wss) on HTTP_PORT and MQTT over TLS on MQTT_TLS_PORT; empty = plain' },
  { env: 'TLS_KEY_FILE', path: 'security.tlsKeyFile', description: 'PEM private key file of TLS_CERT_FILE' },
  { env: 'MQTT_TLS_PORT', path: 'security.mqttTlsPort', description: 'MQTT over TLS (mqtts), only when TLS_CERT_FILE and TLS_KEY_FILE are set (0 = any free port)' },
  { env: 'LOGIN_MAX_FAILURES', path: 'security.loginMaxFailures', description: 'Failed logins of one user or station before it is locked, except from addresses it logged in from before' },
  { env: 'LOGIN_SOURCE_MAX_FAILURES', path: 'security.loginSourceMaxFailures', description: 'Failed logins from one address (any account) before that address is blocked' },
  { env: 'LOGIN_LOCKOUT_BASE_S', path: 'security.loginLockoutBaseSeconds', description: 'First lockout; each further one doubles' },
  { env: 'LOGIN_LOCKOUT_MAX_S', path: 'security.loginLockoutMaxSeconds', description: 'Longest lockout (every lock expires)' },
  { env: 'STATION_MAX_MSGS_PER_S', path: 'security.stationMaxMsgsPerSecond', description: 'Sustained MQTT messages per second per station; beyond, its messages are held (0 = no limit)' },
  { env: 'STATION_BURST', path: 'security.stationBurst', description: 'Messages a station may send at once above its rate' },
  { env: 'STATION_THROTTLE_MAX_S', path: 'security.stationThrottleMaxSeconds', description: 'Disconnect a station whose excess would be held longer than this' },
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
        maxPendingRows: { type: 'integer', minimum: 1, maximum: 10_000_000, default: 100_000 },
      },
    },
    spool: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        maxBytes: { type: 'integer', minimum: 0, maximum: 1_099_511_627_776, default: 268_435_456 },
        replayIntervalMs: { type: 'integer', minimum: 10, maximum: 600_000, default: 2000 },
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
        connectTimeoutMs: { type: 'integer', minimum: 100, maximum: 600_000, default: 5000 },
        writeTimeoutMs: { type: 'integer', minimum: 0, maximum: 600_000, default: 15_000 },
        embeddedFsync: { type: 'boolean', default: true },
      },
    },
    auth: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { tokenTtlHours: { type: 'integer', minimum: 1, maximum: 8760, default: 12 } },
    },
    ftp: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: false },
        host: { type: 'string', minLength: 1, default: '127.0.0.1' },
        port: { ...port, default: 2121 },
        pasvMin: { ...port, default: 30000 },
        pasvMax: { ...port, default: 30100 },
        pasvUrl: { type: 'string', minLength: 1, default: '127.0.0.1' },
        idleTimeoutMs: { type: 'integer', minimum: 0, maximum: 86_400_000, default: 300_000 },
      },
    },
    circular10: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        maxFileBytes: { type: 'integer', minimum: 256, maximum: 268_435_455, default: 1_048_576 },
        symbolsFile: { type: 'string', minLength: 1, default: 'circular10-symbols.json' },
      },
    },
    dropFolder: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        dir: { type: 'string', default: '' },
        pollMs: { type: 'integer', minimum: 10, maximum: 3_600_000, default: 5000 },
        settleMs: { type: 'integer', minimum: 0, maximum: 3_600_000, default: 2000 },
      },
    },
    forwarding: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        targets: {
          type: 'array',
          default: [],
          maxItems: 100,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'url'],
            anyOf: [{ required: ['stations'] }, { required: ['profile'] }],
            properties: {
              name: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,31}$' },
              url: { type: 'string', pattern: '^ftp://[^/\\s]+(/.*)?$' },
              stations: { type: 'array', items: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } },
              profile: { type: 'string', minLength: 1 },
              everyMinutes: { type: 'integer', minimum: 1, maximum: 1440, default: 5 },
            },
          },
        },
        retryMs: { type: 'integer', minimum: 10, maximum: 600_000, default: 30_000 },
        lookbackDays: { type: 'integer', minimum: 1, maximum: 365, default: 7 },
      },
    },
    automation: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: true },
        publicUrl: { type: 'string', default: 'http://localhost:8080' },
        functionTimeoutSeconds: { type: 'number', minimum: 0.1, maximum: 600, default: 5 },
      },
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
    dashboard: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        frameMs: { type: 'integer', minimum: 20, maximum: 10_000, default: 250 },
        tileUrl: { type: 'string', default: '', maxLength: 500, pattern: '^$|^https://[^\\s"\'<>]+$' },
        tileAttribution: { type: 'string', default: '', maxLength: 500 },
      },
    },
    analytics: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        maxRawRangeDays: { type: 'integer', minimum: 1, maximum: 3660, default: 92 },
        maxAggregateRangeDays: { type: 'integer', minimum: 1, maximum: 36_600, default: 3660 },
        maxExportDays: { type: 'integer', minimum: 1, maximum: 36_600, default: 400 },
        maxBuckets: { type: 'integer', minimum: 10, maximum: 10_000_000, default: 100_000 },
        maxSeries: { type: 'integer', minimum: 1, maximum: 100_000, default: 1000 },
        exportChunkRows: { type: 'integer', minimum: 100, maximum: 100_000, default: 10_000 },
        rateLimitPerMinute: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 600 },
        tokenCacheMs: { type: 'integer', minimum: 0, maximum: 3_600_000, default: 60_000 },
        backfillRefreshMs: { type: 'integer', minimum: 0, maximum: 86_400_000, default: 60_000 },
      },
    },
    bulletins: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: true },
        dailyAt: { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', default: '07:00' },
        monthlyAt: { type: 'string', pattern: '^([1-9]|1[0-9]|2[0-8]) ([01][0-9]|2[0-3]):[0-5][0-9]$', default: '1 07:30' },
        pdf: { enum: ['auto', 'on', 'off'], default: 'auto' },
        chromiumPath: { type: 'string', minLength: 1, default: '/usr/bin/chromium' },
      },
    },
    cluster: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        redisUrl: { type: 'string', default: '', pattern: '^$|^rediss?://' },
        nodeId: { type: 'string', default: '', pattern: '^$|^[A-Za-z0-9_.-]{1,64}$' },
        leaseMs: { type: 'integer', minimum: 1000, maximum: 600_000, default: 15_000 },
      },
    },
    open: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        license: { type: 'string', minLength: 1, maxLength: 200, default: 'CC BY 4.0' },
        licenseUrl: { type: 'string', maxLength: 500, pattern: '^https?://[^\\s"<>]+$', default: 'https://creativecommons.org/licenses/by/4.0/' },
        attribution: { type: 'string', minLength: 1, maxLength: 500, default: 'Quantrac environmental monitoring network' },
        embargoHours: { type: 'number', minimum: 0, maximum: 8760, default: 0 },
        validatedOnly: { type: 'boolean', default: false },
        raw: { type: 'boolean', default: false },
        rateLimitPerMinute: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 300 },
        cacheSeconds: { type: 'integer', minimum: 0, maximum: 86_400, default: 60 },
      },
    },
    security: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        tlsCertFile: { type: 'string', default: '' },
        tlsKeyFile: { type: 'string', default: '' },
        mqttTlsPort: { ...port, default: 8883 },
        loginMaxFailures: { type: 'integer', minimum: 1, maximum: 1000, default: 5 },
        loginSourceMaxFailures: { type: 'integer', minimum: 1, maximum: 100_000, default: 10 },
        loginLockoutBaseSeconds: { type: 'integer', minimum: 1, maximum: 86_400, default: 30 },
        loginLockoutMaxSeconds: { type: 'integer', minimum: 1, maximum: 86_400, default: 900 },
        stationMaxMsgsPerSecond: { type: 'number', minimum: 0, maximum: 1_000_000, default: 500 },
        stationBurst: { type: 'integer', minimum: 1, maximum: 10_000_000, default: 2000 },
        stationThrottleMaxSeconds: { type: 'number', minimum: 0.1, maximum: 3600, default: 30 },
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
  const config = candidate as Config;
  const problems: string[] = [];
  if (config.ftp.pasvMin > config.ftp.pasvMax) problems.push('FTP_PASV_MIN: must not be above FTP_PASV_MAX');
  if (config.cluster.redisUrl && !config.databaseUrl) problems.push('REDIS_URL: multi-node mode needs DATABASE_URL (one TimescaleDB server shared by every node); the embedded database serves one node only');
  if (Boolean(config.security.tlsCertFile) !== Boolean(config.security.tlsKeyFile)) problems.push('TLS_CERT_FILE, TLS_KEY_FILE: set both or neither');
  if (config.security.loginLockoutBaseSeconds > config.security.loginLockoutMaxSeconds) problems.push('LOGIN_LOCKOUT_BASE_S: must not be above LOGIN_LOCKOUT_MAX_S');
  const names = config.forwarding.targets.map((t) => t.name);
  for (const dup of new Set(names.filter((n, i) => names.indexOf(n) !== i))) problems.push(`FORWARD_TARGETS: target name "${dup}" is used twice`);
  if (problems.length > 0) throw new QuantracError('QT_ERR_CONFIG_INVALID', `Invalid configuration:\n  - ${problems.join('\n  - ')}`, { details: { problems } });
  return deepFreeze(config);
}

/** Builds the configuration from environment variables (see ENV_VARS); unknown QUANTRAC_* names are not read. */
export function configFromEnv(env: NodeJS.ProcessEnv): Readonly<Config> {
  const input: Record<string, unknown> = {};
  for (const { env: name, path, json } of ENV_VARS) {
    let raw: unknown = env[name];
    if (raw === undefined || raw === '') continue;
    if (json) {
      try {
        raw = JSON.parse(raw as string);
      } catch (err) {
        throw new QuantracError('QT_ERR_CONFIG_INVALID', `Invalid configuration:\n  - ${name}: is not valid JSON (${(err as Error).message})`, { details: { problems: [`${name}: is not valid JSON`] } });
      }
    }
    const keys = path.split('.');
    let target = input;
    for (const k of keys.slice(0, -1)) target = (target[k] ??= {}) as Record<string, unknown>;
    target[keys[keys.length - 1]!] = raw;
  }
  return resolveConfig(input as ConfigInput);
}
