/**
 * @module config/sections/services
 * Settings of the database, users, Node-RED, alerts, the live stream, the analyst API, bulletins (config/schema.ts puts them together).
 */
import { Type } from 'typebox';
import { section } from '../section.js';

export const store = section('The database: retention, compression, connections.', {
  retentionDays: Type.Integer({
    minimum: 0,
    maximum: 36_500,
    default: 0,
    env: 'RETENTION_DAYS',
    unit: 'days',
    description: 'Drop raw readings older than this (0 = keep forever)',
  }),
  compressAfterDays: Type.Integer({
    minimum: 0,
    maximum: 36_500,
    default: 7,
    env: 'COMPRESS_AFTER_DAYS',
    unit: 'days',
    description: 'Compress raw chunks older than this (0 = never)',
  }),
  aggregateRefreshDays: Type.Integer({
    minimum: 1,
    maximum: 3650,
    default: 7,
    env: 'AGGREGATE_REFRESH_DAYS',
    unit: 'days',
    description: 'Window refreshed by the hourly aggregate policy',
  }),
  poolSize: Type.Integer({ minimum: 1, maximum: 100, default: 10, env: 'DB_POOL_SIZE', description: 'Connections to an external server (embedded: always 1)' }),
  connectTimeoutMs: Type.Integer({
    minimum: 100,
    maximum: 600_000,
    default: 5000,
    env: 'DB_CONNECT_TIMEOUT_MS',
    unit: 'ms',
    description: 'A connection to an external server not established in this long fails',
  }),
  writeTimeoutMs: Type.Integer({
    minimum: 0,
    maximum: 600_000,
    default: 15_000,
    env: 'DB_WRITE_TIMEOUT_MS',
    unit: 'ms',
    description: 'An insert not answered by an external server in this long counts as unreachable and is spooled (0 = wait)',
  }),
  appRunsJobs: Type.Boolean({
    default: false,
    env: 'DB_APP_RUNS_JOBS',
    description:
      'External server: the app runs the TimescaleDB policy jobs (retention, compression, aggregate refreshes) itself, as it does for the embedded database, for a server whose job scheduler does not run (timescaledb.max_background_workers = 0, or an embedded TimescaleDB served over the wire as in bench/soak.ts)',
  }),
  embeddedFsync: Type.Boolean({
    default: true,
    env: 'DB_EMBEDDED_FSYNC',
    description: 'Embedded database: fdatasync each commit before it is acknowledged (false = a killed process loses nothing, a power cut may)',
  }),
});

export const auth = section('Users and their bearer tokens.', {
  tokenTtlHours: Type.Number({
    minimum: 0.01,
    maximum: 8760,
    default: 12,
    env: 'TOKEN_TTL_HOURS',
    unit: 'hours',
    description: 'Lifetime of a bearer token and of a browser session; a session in use is renewed once less than half is left',
  }),
});

export const automation = section('Embedded Node-RED at /red.', {
  enabled: Type.Boolean({ default: true, env: 'NODE_RED', description: 'Embed Node-RED (editor and admin API at /red, HTTP-in nodes under /red/api)' }),
  publicUrl: Type.String({ default: 'http://localhost:8080', env: 'PUBLIC_URL', description: 'Base URL of the operations center, used in links sent by automations' }),
  functionTimeoutSeconds: Type.Number({
    minimum: 0.1,
    maximum: 600,
    default: 5,
    env: 'NODE_RED_FUNCTION_TIMEOUT_S',
    unit: 's',
    description: 'Stop a Node-RED function node that runs longer than this',
  }),
  httpAnonymous: Type.Boolean({
    default: false,
    env: 'NODE_RED_HTTP_ANONYMOUS',
    description:
      "Let anyone call the flows' HTTP-in endpoints under /red/api without a Quantrac token (a warning is logged at start); off: a viewer token or session for GET/HEAD, an operator one for other methods",
  }),
});

export const alerts = section('The alert engine: timers and index updates.', {
  tickMs: Type.Integer({
    minimum: 0,
    maximum: 3_600_000,
    default: 5000,
    env: 'ALERTS_TICK_MS',
    unit: 'ms',
    description: 'How often offline stations, pending/clear periods, escalation and reminders are checked',
  }),
  indexThrottleMs: Type.Integer({
    minimum: 0,
    maximum: 3_600_000,
    default: 60_000,
    env: 'AQI_THROTTLE_MS',
    unit: 'ms',
    description: "Recompute a station's hourly and daily AQI at most this often (and at every new hour)",
  }),
});

export const dashboard = section('The live stream and the map of the operations center.', {
  frameMs: Type.Integer({
    minimum: 20,
    maximum: 10_000,
    default: 250,
    env: 'REALTIME_FRAME_MS',
    unit: 'ms',
    description: 'The live stream (socket.io) sends at most one batched frame per room this often',
  }),
  tileUrl: Type.String({
    maxLength: 500,
    pattern: '^$|^https://[^\\s"\'<>]+$',
    default: '',
    env: 'MAP_TILE_URL',
    description: 'Optional online map tiles for the dashboard (https://…/{z}/{x}/{y}.png); empty = offline outline of Vietnam only',
  }),
  tileAttribution: Type.String({ maxLength: 500, default: '', env: 'MAP_TILE_ATTRIBUTION', description: 'Attribution shown with MAP_TILE_URL tiles' }),
});

export const analytics = section('The analyst API and SensorThings: range limits, exports, rate limit.', {
  maxRawRangeDays: Type.Integer({
    minimum: 1,
    maximum: 3660,
    default: 92,
    env: 'ANALYTICS_MAX_RAW_RANGE_DAYS',
    unit: 'days',
    description: 'Longest range for raw readings and for aggregates computed from raw rows (exact=true quantiles, sub-hour buckets, quality=all)',
  }),
  maxAggregateRangeDays: Type.Integer({
    minimum: 1,
    maximum: 36_600,
    default: 3660,
    env: 'ANALYTICS_MAX_AGGREGATE_RANGE_DAYS',
    unit: 'days',
    description: 'Longest range for aggregates served from the continuous aggregates and for the completeness report',
  }),
  maxExportDays: Type.Integer({ minimum: 1, maximum: 36_600, default: 400, env: 'ANALYTICS_MAX_EXPORT_DAYS', unit: 'days', description: 'Longest range of one CSV/NDJSON export' }),
  maxBuckets: Type.Integer({ minimum: 10, maximum: 10_000_000, default: 100_000, env: 'ANALYTICS_MAX_BUCKETS', description: 'Most buckets one aggregated series may return' }),
  maxSeries: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000, env: 'ANALYTICS_MAX_SERIES', description: 'Most stations × metrics in one request' }),
  cacheBytes: Type.Integer({
    minimum: 0,
    maximum: 4_294_967_296,
    default: 67_108_864,
    env: 'ANALYTICS_CACHE_BYTES',
    unit: 'bytes',
    description: 'Memory for aggregated answers over closed, materialized ranges, served again while their rows are unchanged (0 = off)',
  }),
  exportChunkRows: Type.Integer({
    minimum: 100,
    maximum: 100_000,
    default: 10_000,
    env: 'ANALYTICS_EXPORT_CHUNK_ROWS',
    description: 'Rows per keyset query while exporting (bounds memory)',
  }),
  rateLimitPerMinute: Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    default: 600,
    env: 'ANALYTICS_RATE_LIMIT_PER_MIN',
    unit: 'requests/min',
    description: 'Requests per minute per bearer token on the analyst API and SensorThings (429 beyond)',
  }),
  tokenCacheMs: Type.Integer({
    minimum: 0,
    maximum: 3_600_000,
    default: 60_000,
    env: 'ANALYTICS_TOKEN_CACHE_MS',
    unit: 'ms',
    description: 'How long a verified API token is trusted before it is looked up again',
  }),
  backfillRefreshMs: Type.Integer({
    minimum: 0,
    maximum: 86_400_000,
    default: 60_000,
    env: 'ANALYTICS_BACKFILL_REFRESH_MS',
    unit: 'ms',
    description: 'How often aggregate ranges touched by late readings are refreshed (0 = never)',
  }),
});

export const bulletins = section('Daily and monthly bulletins per province and for the whole system (bulletins/).', {
  enabled: Type.Boolean({
    default: true,
    env: 'BULLETIN_ENABLED',
    description: 'Generate the daily and monthly bulletins on schedule (and catch up a missed one at start); the API generates on request either way',
  }),
  dailyAt: Type.String({
    pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
    default: '07:00',
    env: 'BULLETIN_DAILY_AT',
    description: 'Local time (HH:MM, Asia/Ho_Chi_Minh) of the daily bulletin for the previous day',
  }),
  monthlyAt: Type.String({
    pattern: '^([1-9]|1[0-9]|2[0-8]) ([01][0-9]|2[0-3]):[0-5][0-9]$',
    default: '1 07:30',
    env: 'BULLETIN_MONTHLY_AT',
    description: 'Day of month (1–28) and local time of the monthly bulletin for the previous month (`D HH:MM`)',
  }),
  pdf: Type.Enum(['auto', 'on', 'off'], {
    default: 'auto',
    env: 'BULLETIN_PDF',
    description: 'PDF bulletins printed with headless Chromium: `auto` = when it is installed, `on`, `off`',
  }),
  chromiumPath: Type.String({
    minLength: 1,
    default: '/usr/bin/chromium',
    env: 'BULLETIN_CHROMIUM',
    description: 'Chromium executable used to print bulletins to PDF (never downloaded)',
  }),
});
