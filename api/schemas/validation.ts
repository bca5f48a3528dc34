/**
 * @module api/schemas/validation
 * The JSON schemas of the data validation routes (api/routes/validation*.ts, issue 18): fastify
 * validates requests against them and serializes answers with them, @fastify/swagger publishes
 * them. Reasons and metrics are plain strings here so that the service answers an unknown one with
 * its own catalogue code (QT_ERR_VALIDATION_REASON, QT_ERR_METRIC_UNKNOWN) rather than a generic
 * schema error.
 */
import { CHECK_CODES, INVALIDATION_REASONS } from '../../domain/validation/codes.js';
import { ERROR_RESPONSE, INT_ID, NULLABLE_TIME, TIME } from './common.js';

const COUNT = { type: 'integer', minimum: 0 } as const;
const LEVEL = { type: 'integer', enum: [0, 1, 2] } as const;
const byKeys = (keys: readonly string[]) => ({ type: 'object', properties: Object.fromEntries(keys.map((k) => [k, COUNT])) }) as const;
const STATION_FLAGS = byKeys(['calibrating', 'fault', 'out_of_range', 'maintenance']);

const STATE_COUNTS = {
  type: 'object',
  description: 'readings per state: valid (no flag), flagged (by a check, not reviewed), invalidated, restored, stationFlag (calibrating/fault/out of range/maintenance)',
  additionalProperties: { type: 'object', properties: { valid: COUNT, flagged: COUNT, invalidated: COUNT, restored: COUNT, stationFlag: COUNT } },
} as const;

export const ACTION = {
  type: 'object',
  required: ['id', 'action', 'metrics', 'from', 'to', 'username', 'at', 'rowsAffected', 'before', 'after'],
  properties: {
    id: { type: 'integer' },
    action: { enum: ['invalidate', 'restore', 'undo'] },
    metrics: { type: 'array', items: { type: 'string' } },
    from: TIME,
    to: TIME,
    reason: { type: ['string', 'null'] },
    comment: { type: ['string', 'null'] },
    username: { type: 'string' },
    at: TIME,
    undoes: { type: ['integer', 'null'] },
    undoneBy: { type: ['integer', 'null'] },
    rowsAffected: { type: 'integer', description: 'readings whose review state changed' },
    before: { ...STATE_COUNTS, description: `per metric, before the action: ${STATE_COUNTS.description}` },
    after: { ...STATE_COUNTS, description: 'per metric, after the action' },
  },
} as const;

export const APPROVAL = {
  type: 'object',
  required: ['id', 'period', 'kind', 'level', 'username', 'at'],
  properties: {
    id: { type: 'integer' },
    period: { type: 'string', description: "the station's local day (YYYY-MM-DD) or month (YYYY-MM)" },
    kind: { enum: ['day', 'month'] },
    level: { type: 'integer', enum: [1, 2] },
    username: { type: 'string' },
    comment: { type: ['string', 'null'] },
    at: TIME,
    revokedAt: NULLABLE_TIME,
    revokedBy: { type: ['string', 'null'] },
    revokedReason: { type: ['string', 'null'] },
  },
} as const;

export const WINDOW = {
  type: 'object',
  required: ['id', 'from', 'to', 'kind'],
  properties: {
    id: { type: 'integer' },
    stationId: { type: 'string' },
    metrics: { type: ['array', 'null'], items: { type: 'string' }, description: 'null = every metric' },
    from: TIME,
    to: TIME,
    kind: { enum: ['calibration', 'maintenance'] },
    comment: { type: ['string', 'null'] },
    createdBy: { type: 'string' },
    createdAt: TIME,
    cancelledAt: NULLABLE_TIME,
    cancelledBy: { type: ['string', 'null'] },
  },
} as const;

export const RANGE_QUERY = {
  from: { type: 'string', format: 'date-time', description: 'inclusive' },
  to: { type: 'string', format: 'date-time', description: 'exclusive' },
} as const;

export const SERIES_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...RANGE_QUERY,
    metrics: { type: 'string', maxLength: 2000, description: 'comma-separated metric keys (default: every metric of the profile)' },
  },
} as const;

export const SERIES = {
  type: 'object',
  properties: {
    stationId: { type: 'string' },
    timezone: { type: 'string', description: "the station's zone: days are its local calendar days" },
    from: TIME,
    to: TIME,
    metrics: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          metric: { type: 'string' },
          unit: { type: 'string' },
          ts: { type: 'array', items: { type: 'number' }, description: 'ms since the epoch' },
          value: { type: 'array', items: { type: ['number', 'null'] } },
          quality: { type: 'array', items: { type: 'integer' }, description: "the station's flag: 0 valid, 1 calibrating, 2 fault, 3 out of range, 4 maintenance" },
          qc: { type: 'array', items: { type: 'integer' }, description: `bitmask of the checks: ${CHECK_CODES.join(', ')} (1, 2, 4…)` },
          review: { type: 'array', items: { type: 'integer' }, description: `0 none, 1 restored, 10 + reason index invalidated (${INVALIDATION_REASONS.join(', ')})` },
        },
      },
    },
    flags: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          metric: { type: 'string' },
          ts: TIME,
          check: { type: 'string' },
          version: { type: 'integer' },
          detail: { type: ['object', 'null'], additionalProperties: true },
        },
      },
    },
    windows: { type: 'array', items: WINDOW },
    levels: { type: 'array', items: { type: 'object', properties: { day: { type: 'string' }, level: LEVEL } } },
  },
} as const;

export const ACTION_BODY = {
  type: 'object',
  required: ['action', 'metrics', 'from', 'to'],
  additionalProperties: false,
  properties: {
    action: { enum: ['invalidate', 'restore'] },
    metrics: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 64 } },
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    reason: { type: 'string', maxLength: 64, description: `required to invalidate: ${INVALIDATION_REASONS.join(', ')}` },
    comment: { type: 'string', maxLength: 1000 },
  },
} as const;

export const COMMENT_BODY = { type: 'object', additionalProperties: false, properties: { comment: { type: 'string', maxLength: 1000 } } } as const;

export const APPROVAL_BODY = {
  type: 'object',
  required: ['period', 'level'],
  additionalProperties: false,
  properties: {
    period: { type: 'string', pattern: '^\\d{4}-\\d{2}(-\\d{2})?$', description: "the station's local day (YYYY-MM-DD) or month (YYYY-MM)" },
    level: { type: 'integer', enum: [1, 2] },
    comment: { type: 'string', maxLength: 1000 },
  },
} as const;

export const REPORT_QUERY = {
  type: 'object',
  required: ['month'],
  additionalProperties: false,
  properties: {
    month: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: "a local calendar month of each station's zone" },
    format: { enum: ['json', 'csv'], description: 'csv also when the request says Accept: text/csv' },
    bom: { type: 'boolean', default: true, description: 'CSV: start with a UTF-8 byte order mark (for Excel)' },
  },
} as const;

const REPORT_COUNTS = {
  expected: { ...COUNT, description: "readings the profile's reporting interval promises over the elapsed part of the month" },
  total: { ...COUNT, description: 'readings received' },
  valid: { ...COUNT, description: 'readings counted in validated statistics (restored ones included)' },
  flaggedAny: { ...COUNT, description: 'flagged by at least one check, not reviewed' },
  flagged: { ...byKeys(CHECK_CODES), description: 'flagged readings per check (a reading flagged by two checks counts under both)' },
  invalidatedAny: COUNT,
  invalidated: { ...byKeys(INVALIDATION_REASONS), description: 'invalidated readings per reason' },
  stationFlags: { ...STATION_FLAGS, description: 'station flags of readings not invalidated' },
  restored: { ...COUNT, description: 'of valid: restored by a reviewer' },
  completeness: { type: ['number', 'null'], description: 'valid ÷ expected (0…1); null when nothing was expected' },
} as const;

const STATION_REPORT_JSON = {
  type: 'object',
  properties: {
    stationId: { type: 'string' },
    month: { type: 'string' },
    timezone: { type: 'string', description: "the station's zone: the month and days are its local calendar" },
    from: TIME,
    to: TIME,
    metrics: { type: 'array', items: { type: 'object', properties: { metric: { type: 'string' }, ...REPORT_COUNTS } } },
    days: { type: 'array', items: { type: 'object', properties: { day: { type: 'string' }, level: LEVEL } } },
    level: { ...LEVEL, description: 'the month approval level' },
  },
} as const;

/** JSON, or CSV (format=csv or Accept: text/csv) as an attachment. */
const jsonOrCsv = (schema: object) => ({
  description: 'JSON, or CSV (format=csv or Accept: text/csv; UTF-8 with a byte order mark unless bom=false) as an attachment',
  content: { 'application/json': { schema }, 'text/csv': { schema: { type: 'string' } } },
});

export const STATION_REPORT = { 200: jsonOrCsv(STATION_REPORT_JSON), 400: ERROR_RESPONSE, 404: ERROR_RESPONSE } as const;

const SUMMARY_REPORT_JSON = {
  type: 'object',
  properties: {
    month: { type: 'string' },
    stations: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          stationId: { type: 'string' },
          name: { type: 'string' },
          profile: { type: 'string' },
          timezone: { type: 'string' },
          ...REPORT_COUNTS,
          level: { ...LEVEL, description: 'the month approval level' },
        },
      },
    },
  },
} as const;

export const SUMMARY_REPORT = { 200: jsonOrCsv(SUMMARY_REPORT_JSON), 400: ERROR_RESPONSE } as const;

export const ACTION_ID_PARAMS = {
  type: 'object',
  required: ['id', 'actionId'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 }, actionId: INT_ID },
} as const;
