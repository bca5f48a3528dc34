/**
 * @module config/sections/operations
 * Settings of running several nodes, open data, TLS and brute-force protection (config/schema.ts puts them together).
 */
import { Type } from 'typebox';
import { section } from '../section.js';

export const cluster = section('Several Quantrac nodes behind one load balancer (docs/SCALING.md); redisUrl empty = one node.', {
  redisUrl: Type.String({
    pattern: '^$|^rediss?://',
    default: '',
    env: 'REDIS_URL',
    description: 'Multi-node mode: redis://host:6379 shared by every node (needs DATABASE_URL); empty = single node (docs/SCALING.md)',
  }),
  nodeId: Type.String({ pattern: '^$|^[A-Za-z0-9_.-]{1,64}$', default: '', env: 'NODE_ID', description: "This node's unique name in multi-node mode; empty = hostname-pid" }),
  leaseMs: Type.Integer({
    minimum: 1000,
    maximum: 600_000,
    default: 15_000,
    env: 'CLUSTER_LEASE_MS',
    unit: 'ms',
    description: 'Lease held by the one node that runs timer-driven alert work (no data, escalation, reminders)',
  }),
});

export const open = section('Open data: the anonymous API at /open/v1 and the public page at /public (open/).', {
  license: Type.String({
    minLength: 1,
    maxLength: 200,
    default: 'CC BY 4.0',
    env: 'OPEN_LICENSE',
    description: 'Licence of the open data, in every /open/v1 response and on /public',
  }),
  licenseUrl: Type.String({
    maxLength: 500,
    pattern: '^https?://[^\\s"<>]+$',
    default: 'https://creativecommons.org/licenses/by/4.0/',
    env: 'OPEN_LICENSE_URL',
    description: 'URL of the licence text (`Link: <…>; rel="license"`)',
  }),
  attribution: Type.String({
    minLength: 1,
    maxLength: 500,
    default: 'Quantrac environmental monitoring network',
    env: 'OPEN_ATTRIBUTION',
    description: 'Attribution required from users of the open data',
  }),
  embargoHours: Type.Number({
    minimum: 0,
    maximum: 8760,
    default: 0,
    env: 'OPEN_EMBARGO_HOURS',
    unit: 'hours',
    description: 'Publish data only this many hours after its time (0 = at once)',
  }),
  validatedOnly: Type.Boolean({
    default: false,
    env: 'OPEN_VALIDATED_ONLY',
    description: "Also cut publication at each station's hand-set validated-through time (an additional cutoff; the validation level rule is OPEN_MIN_VALIDATION_LEVEL)",
  }),
  minValidationLevel: Type.Integer({
    minimum: 0,
    maximum: 2,
    default: 0,
    env: 'OPEN_MIN_VALIDATION_LEVEL',
    description:
      "Publish only days whose validation level is at least this: 0 every day (validated readings only, flagged and invalidated ones never), 1 days a reviewer approved, 2 days approved by a second person (a month's approval covers its days)",
  }),
  raw: Type.Boolean({ default: false, env: 'OPEN_RAW', description: 'Serve raw readings at /open/v1/stations/{id}/raw (off: hourly and daily only)' }),
  rateLimitPerMinute: Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    default: 300,
    env: 'OPEN_RATE_LIMIT_PER_MINUTE',
    unit: 'requests/min',
    description: 'Requests per minute per client address on /open/v1 and /public (429 beyond)',
  }),
  cacheSeconds: Type.Integer({
    minimum: 0,
    maximum: 86_400,
    default: 60,
    env: 'OPEN_CACHE_SECONDS',
    unit: 's',
    description: 'How long public responses are cached in memory and by browsers (Cache-Control max-age)',
  }),
});

export const security = section('TLS, brute-force protection and per-station limits (security/).', {
  tlsCertFile: Type.String({
    default: '',
    env: 'TLS_CERT_FILE',
    description: 'PEM certificate file; with TLS_KEY_FILE: HTTPS (and wss) on HTTP_PORT and MQTT over TLS on MQTT_TLS_PORT; empty = plain',
  }),
  tlsKeyFile: Type.String({ default: '', env: 'TLS_KEY_FILE', description: 'PEM private key file of TLS_CERT_FILE' }),
  mqttTlsPort: Type.Integer({
    minimum: 0,
    maximum: 65_535,
    default: 8883,
    env: 'MQTT_TLS_PORT',
    description: 'MQTT over TLS (mqtts), only when TLS_CERT_FILE and TLS_KEY_FILE are set (0 = any free port)',
  }),
  loginMaxFailures: Type.Integer({
    minimum: 1,
    maximum: 1000,
    default: 5,
    env: 'LOGIN_MAX_FAILURES',
    description: 'Failed logins of one user or station before it is locked, except from addresses it logged in from before',
  }),
  loginSourceMaxFailures: Type.Integer({
    minimum: 1,
    maximum: 100_000,
    default: 10,
    env: 'LOGIN_SOURCE_MAX_FAILURES',
    description: 'Failed logins from one address (any account) before that address is blocked',
  }),
  loginLockoutBaseSeconds: Type.Integer({
    minimum: 1,
    maximum: 86_400,
    default: 30,
    env: 'LOGIN_LOCKOUT_BASE_S',
    unit: 's',
    description: 'First lockout; each further one doubles',
  }),
  loginLockoutMaxSeconds: Type.Integer({ minimum: 1, maximum: 86_400, default: 900, env: 'LOGIN_LOCKOUT_MAX_S', unit: 's', description: 'Longest lockout (every lock expires)' }),
  stationMaxMsgsPerSecond: Type.Number({
    minimum: 0,
    maximum: 1_000_000,
    default: 500,
    env: 'STATION_MAX_MSGS_PER_S',
    unit: 'messages/s',
    description: 'Sustained MQTT messages per second per station; beyond, its messages are held (0 = no limit)',
  }),
  stationBurst: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 2000, env: 'STATION_BURST', description: 'Messages a station may send at once above its rate' }),
  stationThrottleMaxSeconds: Type.Number({
    minimum: 0.1,
    maximum: 3600,
    default: 30,
    env: 'STATION_THROTTLE_MAX_S',
    unit: 's',
    description: 'Disconnect a station whose excess would be held longer than this',
  }),
});
