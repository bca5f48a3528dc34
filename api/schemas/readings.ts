/**
 * @module api/schemas/readings
 * The JSON schemas of the analyst readings endpoints (api/routes/readings.ts, and the query and
 * answer that GET /api/v1/stations/{id}/readings shares with them in api/routes/stations.ts):
 * fastify validates every query against them and @fastify/swagger publishes them. The
 * TypeScript types of the queries sit next to their schema.
 */
import { QUALITY_NAMES } from '../../domain/quality.js';
import { CHECK_CODES, INVALIDATION_REASONS } from '../../domain/validation/codes.js';
import { COMPLETENESS_FORMULA } from '../../analytics/completeness.js';

import { ERROR_RESPONSE, download } from './common.js';

export { ERROR_RESPONSE };

/** The query options shared by every readings endpoint (GET /api/v1/stations/{id}/readings too). */
export const READINGS_QUERY = {
  metric: { type: 'string', maxLength: 2000, description: 'metric key, or a comma-separated list' },
  from: { type: 'string', format: 'date-time', description: 'inclusive; default to − 24 h (aggregates: widened to the enclosing bucket)' },
  to: { type: 'string', format: 'date-time', description: 'exclusive; default now + the allowed clock skew' },
  bucket: { type: 'string', maxLength: 16, description: 'aggregate into buckets: 1m, 5m, 15m, 1h, 1d, 1mo, any <n>m|h|d|mo, or aqiday' },
  agg: { type: 'string', maxLength: 200, description: 'comma list of avg, min, max, sum, count, stddev, median, p95, p98 (default avg)' },
  quality: {
    enum: ['valid', 'all'],
    description:
      'aggregates: validated readings only (default) or flagged and invalidated ones with a value too; raw: all rows (default) or validated only (station flag valid, not flagged by a check unless restored, not invalidated)',
  },
  exact: {
    type: 'boolean',
    default: false,
    description:
      'aggregates: compute median, p95 and p98 from the raw readings (exact, as percentile_cont; ranges limited to ANALYTICS_MAX_RAW_RANGE_DAYS) instead of estimating them from the continuous aggregates’ quantile sketches (within 1 % of the exact value, over any range the aggregates serve)',
  },
  shape: {
    enum: ['rows', 'columns'],
    default: 'rows',
    description:
      'aggregates: rows (default), each series a `data` array of buckets; or columns, each series a `columns` object of arrays (ts, values.<agg>, coverage.<count>), about a third of the bytes, what data frames read as they are; a bucket ends where the next starts (the last at `to`)',
  },
  cursor: { type: 'string', maxLength: 1000, description: 'the `next` of the previous page' },
  limit: { type: 'integer', minimum: 1, maximum: 100_000, default: 10_000 },
} as const;

/** One raw reading in an answer; `station` only when several stations are asked for. */
const RAW_ROW = {
  type: 'object',
  properties: {
    ts: { type: 'string' },
    station: { type: 'string' },
    metric: { type: 'string' },
    value: { type: ['number', 'null'] },
    quality: { enum: [...QUALITY_NAMES], description: "the station's own status flag (and out_of_range from the profile's range)" },
    qc: { type: 'array', items: { enum: [...CHECK_CODES] }, description: 'the automatic checks that flagged the reading (empty: none)' },
    validation: {
      enum: ['valid', 'flagged', 'invalidated', 'restored', 'station_flag'],
      description:
        'valid: counts in statistics; flagged: a check flagged it and no reviewer restored it (excluded); invalidated: a reviewer invalidated it (excluded); restored: a reviewer declared it valid whatever the checks said; station_flag: the station did not report it as a valid measurement',
    },
    reason: { type: ['string', 'null'], enum: [...INVALIDATION_REASONS, null], description: "the reviewer's reason when invalidated, else null" },
    validationLevel: {
      type: 'integer',
      enum: [0, 1, 2],
      description: "the validation level of the reading's local day: 0 not reviewed, 1 reviewed, 2 approved by a second person (a month approval covers its days)",
    },
  },
} as const;

/** Aggregated series: one per station and metric, each bucket with its values and its coverage. */
const SERIES = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      station: { type: 'string' },
      metric: { type: 'string' },
      unit: { type: 'string' },
      intervalSeconds: { type: 'integer' },
      timezone: { type: 'string' },
      data: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            ts: { type: 'string' },
            end: { type: 'string' },
            local: { type: 'string' },
            day: { type: 'string' },
            values: { type: 'object', additionalProperties: { type: ['number', 'null'] } },
            coverage: {
              type: 'object',
              properties: {
                expected: { type: 'integer' },
                received: { type: 'integer' },
                valid: { type: 'integer', description: 'validated readings (the statistics count these)' },
                flagged: { type: 'integer', description: 'flagged by an automatic check, not reviewed (excluded)' },
                invalidated: { type: 'integer', description: 'invalidated by a reviewer (excluded)' },
                calibrating: { type: 'integer' },
                fault: { type: 'integer' },
                maintenance: { type: ['integer', 'null'] },
                percent: { type: ['number', 'null'] },
              },
            },
          },
        },
      },
      columns: {
        type: 'object',
        description: 'shape=columns: the buckets field by field, one array each, in bucket order',
        properties: {
          ts: { type: 'array', items: { type: 'string' }, description: "each bucket's start (UTC); a bucket ends where the next starts, the last at the answer's `to`" },
          day: { type: 'array', items: { type: 'string' }, description: 'bucket=aqiday: the local date of each VN_AQI day' },
          values: { type: 'object', additionalProperties: { type: 'array', items: { type: ['number', 'null'] } } },
          coverage: {
            type: 'object',
            properties: {
              expected: { type: 'array', items: { type: 'integer' } },
              received: { type: 'array', items: { type: 'integer' } },
              valid: { type: 'array', items: { type: 'integer' } },
              flagged: { type: 'array', items: { type: 'integer' } },
              invalidated: { type: 'array', items: { type: 'integer' } },
              calibrating: { type: 'array', items: { type: 'integer' } },
              fault: { type: 'array', items: { type: 'integer' } },
              maintenance: { type: 'array', items: { type: ['integer', 'null'] } },
              percent: { type: 'array', items: { type: ['number', 'null'] } },
            },
          },
        },
      },
    },
  },
} as const;

export interface ReadingsQuery {
  metric?: string;
  from?: string;
  to?: string;
  bucket?: string;
  agg?: string;
  quality?: 'valid' | 'all';
  exact?: boolean;
  shape?: 'rows' | 'columns';
  cursor?: string;
  limit: number;
}

export const READINGS_RESPONSE = {
  200: {
    type: 'object',
    properties: {
      station: { type: 'string' },
      stations: { type: 'array', items: { type: 'string' } },
      from: { type: 'string' },
      to: { type: 'string' },
      bucket: { type: 'string' },
      agg: { type: 'array', items: { type: 'string' } },
      quality: { type: 'string' },
      source: { enum: ['raw', 'hourly', 'daily', 'monthly'] },
      quantiles: {
        enum: ['exact', 'estimated'],
        description: 'when median, p95 or p98 is asked: exact (from the raw readings) or estimated from quantile sketches, within 1 % of the exact value',
      },
      data: { type: 'array', items: RAW_ROW },
      next: { type: ['string', 'null'] },
      series: SERIES,
    },
  },
  400: ERROR_RESPONSE,
} as const;

/** GET /api/v1/readings: several stations at once. */
export const MULTI_READINGS_SCHEMA = {
  tags: ['readings'],
  summary: 'Several stations at once (stations=a,b,c), raw or aggregated, for comparing sites',
  querystring: {
    type: 'object',
    required: ['stations'],
    additionalProperties: false,
    properties: { stations: { type: 'string', minLength: 1, maxLength: 20_000 }, ...READINGS_QUERY },
  },
  response: READINGS_RESPONSE,
} as const;

/** `bom=true`: the CSV starts with a UTF-8 byte order mark, so that Excel reads µg/m³ and Vietnamese names right; off for scripts. */
const BOM_QUERY = {
  type: 'boolean',
  default: false,
  description: 'CSV only: start with a UTF-8 byte order mark (EF BB BF) so that Excel reads the text as UTF-8; default false (plain UTF-8 for scripts)',
} as const;

export interface ExportQuery {
  stations: string;
  metric?: string;
  from: string;
  to: string;
  format: 'csv' | 'ndjson';
  quality: 'valid' | 'all';
  bom: boolean;
}

/** GET /api/v1/export: raw readings as CSV or NDJSON. */
export const EXPORT_SCHEMA = {
  tags: ['readings'],
  summary: 'Raw readings as CSV or NDJSON, streamed from the database in constant memory',
  description:
    "CSV columns: ts, station, metric, value, unit, quality, qc_flags (the checks that flagged the reading, ';'-separated), validation (valid, flagged, invalidated, restored, station_flag), reason (a reviewer's invalidation reason), validation_level (of the reading's local day: 0 not reviewed, 1 reviewed, 2 approved); the header row names them, every row carries its unit. NDJSON: the same with qc as an array and validationLevel. Ordered by station, then time, then metric.",
  querystring: {
    type: 'object',
    required: ['stations', 'from', 'to'],
    additionalProperties: false,
    properties: {
      stations: { type: 'string', minLength: 1, maxLength: 20_000 },
      metric: READINGS_QUERY.metric,
      from: { type: 'string', format: 'date-time' },
      to: { type: 'string', format: 'date-time' },
      format: { enum: ['csv', 'ndjson'], default: 'csv' },
      quality: { enum: ['valid', 'all'], default: 'all' },
      bom: BOM_QUERY,
    },
  },
  response: {
    200: download('CSV (format=csv, with a header row) or NDJSON (format=ndjson, one reading per line), as an attachment', 'text/csv', 'application/x-ndjson'),
    400: ERROR_RESPONSE,
  },
} as const;

export interface CompletenessQuery {
  stations?: string;
  metric?: string;
  from?: string;
  to?: string;
  format: 'json' | 'csv';
  bom: boolean;
}

/** The JSON answer of GET /api/v1/completeness. */
const COMPLETENESS_JSON = {
  type: 'object',
  properties: {
    from: { type: 'string' },
    to: { type: 'string' },
    formula: { type: 'string' },
    data: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          station: { type: 'string' },
          metric: { type: 'string' },
          day: { type: 'string' },
          expected: { type: 'integer' },
          excluded: { type: 'object', properties: { calibrating: { type: 'integer' }, fault: { type: 'integer' }, maintenance: { type: 'integer' } } },
          valid: { type: 'integer' },
          outOfRange: { type: 'integer' },
          percent: { type: ['number', 'null'] },
        },
      },
    },
  },
} as const;

/** GET /api/v1/completeness: valid ÷ expected per station, metric and local day. */
export const COMPLETENESS_SCHEMA = {
  tags: ['readings'],
  summary: 'Data completeness per station, metric and local day',
  description: COMPLETENESS_FORMULA,
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      stations: { type: 'string', minLength: 1, maxLength: 20_000, description: 'default: every station' },
      metric: READINGS_QUERY.metric,
      from: { type: 'string', format: 'date-time', description: 'default: 7 days before to (widened to local midnight)' },
      to: { type: 'string', format: 'date-time', description: 'default: now' },
      format: { enum: ['json', 'csv'], default: 'json' },
      bom: BOM_QUERY,
    },
  },
  response: {
    200: {
      description: 'JSON (format=json), or CSV (format=csv) as an attachment',
      content: {
        'application/json': { schema: COMPLETENESS_JSON },
        'text/csv': { schema: { type: 'string' } },
      },
    },
    400: ERROR_RESPONSE,
  },
} as const;
