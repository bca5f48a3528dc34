/**
 * @module config/sections/transport
 * Settings of how readings arrive and leave: MQTT, HTTP, intake limits, the spool, FTP, Circular 10 files, forwarding (config/schema.ts puts them together).
 */
import { Type } from 'typebox';
import { section } from '../section.js';

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

export const mqtt = section('MQTT over TCP.', {
  port: Type.Integer({ minimum: 0, maximum: 65_535, default: 1883, env: 'MQTT_PORT', description: 'MQTT over TCP (0 = any free port)' }),
  proxyProtocol: Type.Boolean({
    default: false,
    env: 'MQTT_PROXY_PROTOCOL',
    description:
      'Connections to MQTT_PORT from TRUSTED_PROXIES must start with a PROXY protocol v1 or v2 header (HAProxy `send-proxy-v2`) giving the client address; a PROXY header from any other address is refused',
  }),
});

export const http = section('The HTTP server: API, dashboard and MQTT over WebSocket at /mqtt.', {
  port: Type.Integer({ minimum: 0, maximum: 65_535, default: 8080, env: 'HTTP_PORT', description: 'HTTP API, dashboard and MQTT over WebSocket at /mqtt (0 = any free port)' }),
});

export const ingest = section('Intake limits and the group commit of readings, whatever way they arrive.', {
  maxPayloadBytes: Type.Integer({
    minimum: 256,
    maximum: 268_435_455,
    default: 1_048_576,
    env: 'INGEST_MAX_PAYLOAD_BYTES',
    unit: 'bytes',
    description: 'Largest accepted payload',
  }),
  maxReadingsPerMessage: Type.Integer({ minimum: 1, maximum: 100_000, default: 10_000, env: 'INGEST_MAX_READINGS_PER_MESSAGE', description: 'Most readings in one backlog array' }),
  maxFutureSkewSeconds: Type.Integer({
    minimum: 0,
    maximum: 31_536_000,
    default: 600,
    env: 'INGEST_MAX_FUTURE_SKEW_S',
    unit: 's',
    description: 'Refuse readings timestamped further in the future than this',
  }),
  batchMaxRows: Type.Integer({ minimum: 1, maximum: 50_000, default: 10_000, env: 'INGEST_BATCH_MAX_ROWS', description: 'Rows per group-commit INSERT' }),
  batchMaxWaitMs: Type.Integer({ minimum: 0, maximum: 10_000, default: 20, env: 'INGEST_BATCH_MAX_WAIT_MS', unit: 'ms', description: 'Longest a reading waits for its batch' }),
  writeRetries: Type.Integer({ minimum: 1, maximum: 100, default: 3, env: 'INGEST_WRITE_RETRIES', description: 'Attempts for a failing batch before publishers are refused' }),
  maxPendingRows: Type.Integer({
    minimum: 1,
    maximum: 10_000_000,
    default: 100_000,
    env: 'INGEST_MAX_PENDING_ROWS',
    description: 'Rows queued for the database beyond which intake waits (backpressure: PUBACKs and 202s are held, the broker stops reading)',
  }),
});

export const spool = section('The durable local spool that takes acknowledged readings while the database is unreachable.', {
  maxBytes: Type.Integer({
    minimum: 0,
    maximum: 1_099_511_627_776,
    default: 268_435_456,
    env: 'SPOOL_MAX_BYTES',
    unit: 'bytes',
    description: 'Largest local spool (`DATA_DIR/spool`) holding acknowledged readings while the database is unreachable; full = stop acknowledging (0 = no spool)',
  }),
  replayIntervalMs: Type.Integer({
    minimum: 10,
    maximum: 600_000,
    default: 2000,
    env: 'SPOOL_REPLAY_INTERVAL_MS',
    unit: 'ms',
    description: 'While readings wait in the spool, how often the database is tried again',
  }),
  deferAfterMs: Type.Integer({
    minimum: 0,
    maximum: 600_000,
    default: 100,
    env: 'SPOOL_DEFER_AFTER_MS',
    unit: 'ms',
    description:
      'Readings that have waited this long for the database while a job, an export or a query holds its connection are written to the spool (fsync) and acknowledged, then stored once that statement ends (0 = always wait for the database)',
  }),
  maxDeferredRows: Type.Integer({
    minimum: 1,
    maximum: 10_000_000,
    default: 10_000,
    env: 'SPOOL_MAX_DEFERRED_ROWS',
    description:
      'Most readings held in the spool by SPOOL_DEFER_AFTER_MS at a time; past that, readings wait for the database. They are stored before anything newer, so this bounds that catch-up (checked before each batch; 10,000: about 0.4 s of inserts here)',
  }),
});

export const ftp = section('The embedded FTP server that receives Circular 10/2021/TT-BTNMT files from dataloggers.', {
  enabled: Type.Boolean({ default: false, env: 'FTP_ENABLED', description: 'Run the FTP server that receives Circular 10 files from dataloggers' }),
  host: Type.String({ minLength: 1, default: '127.0.0.1', env: 'FTP_HOST', description: 'Address the FTP server binds to (expose it deliberately)' }),
  port: Type.Integer({ minimum: 0, maximum: 65_535, default: 2121, env: 'FTP_PORT', description: 'FTP control port (0 = any free port)' }),
  pasvMin: Type.Integer({ minimum: 0, maximum: 65_535, default: 30_000, env: 'FTP_PASV_MIN', description: 'First passive data port (0 with FTP_PASV_MAX 0 = any free port)' }),
  pasvMax: Type.Integer({ minimum: 0, maximum: 65_535, default: 30_100, env: 'FTP_PASV_MAX', description: 'Last passive data port' }),
  pasvUrl: Type.String({
    minLength: 1,
    default: '127.0.0.1',
    env: 'FTP_PASV_URL',
    description: 'Address announced in PASV replies to remote dataloggers (the public address of this host)',
  }),
  idleTimeoutMs: Type.Integer({
    minimum: 0,
    maximum: 86_400_000,
    default: 300_000,
    env: 'FTP_IDLE_TIMEOUT_MS',
    unit: 'ms',
    description: 'Close an idle FTP control connection after this long (0 = never)',
  }),
  requireTls: Type.Enum(['off', 'remote', 'all'], {
    default: 'off',
    env: 'FTP_REQUIRE_TLS',
    description:
      'Explicit FTPS (AUTH TLS) is offered whenever TLS_CERT_FILE and TLS_KEY_FILE are set; `remote`: a login from any address but loopback must come after AUTH TLS, `all`: every login must (refused with 530); `off`: plain FTP allowed',
  }),
});

export const circular10 = section('Circular 10 files, whatever way they arrive.', {
  maxFileBytes: Type.Integer({
    minimum: 256,
    maximum: 268_435_455,
    default: 1_048_576,
    env: 'CIRCULAR10_MAX_FILE_BYTES',
    unit: 'bytes',
    description: 'Largest accepted Circular 10 file; a larger upload is cut off and refused',
  }),
  symbolsFile: Type.String({
    minLength: 1,
    default: 'circular10-symbols.json',
    env: 'CIRCULAR10_SYMBOLS_FILE',
    description: 'JSON file (relative to DATA_DIR) adding or overriding parameter symbols per profile; optional',
  }),
});

export const dropFolder = section('A watched folder that receives Circular 10 files from an FTP server the agency already runs.', {
  dir: Type.String({ default: '', env: 'DROP_DIR', description: 'Watched folder of Circular 10 files laid out `<dir>/<stationId>/…/*.txt`; empty = off' }),
  pollMs: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 5000, env: 'DROP_POLL_MS', unit: 'ms', description: 'How often the drop folder is scanned' }),
  settleMs: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 2000, env: 'DROP_SETTLE_MS', unit: 'ms', description: 'A dropped file is read once unchanged for this long' }),
});

export const forwarding = section('Re-sending accepted data as Circular 10 files to upstream FTP servers.', {
  targets: Type.Array(ForwardTargetSchema, {
    maxItems: 100,
    default: [],
    env: 'FORWARD_TARGETS',
    description: 'JSON list of upstream FTP targets [{name, url, stations or profile, everyMinutes}]',
  }),
  retryMs: Type.Integer({
    minimum: 10,
    maximum: 600_000,
    default: 30_000,
    env: 'FORWARD_RETRY_MS',
    unit: 'ms',
    description: 'First wait before retrying an unreachable upstream (doubles up to 10 min)',
  }),
  lookbackDays: Type.Integer({
    minimum: 1,
    maximum: 365,
    default: 7,
    env: 'FORWARD_LOOKBACK_DAYS',
    unit: 'days',
    description: 'Readings that arrive later than this after their time are not forwarded',
  }),
});
