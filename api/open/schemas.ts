/**
 * @module api/open/schemas
 * The JSON schemas of the open-data routes (/open/v1 and /api/v1/open), shared between the
 * public and the admin routes and shown in the OpenAPI document under the `open-data` tag.
 */
import { STATION_ID_PATTERN } from '../../domain/topics.js';

export const TAGS = ['open-data'];

export const ID_PARAM = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: STATION_ID_PATTERN.source } } } as const;

/** {id}/months/{YYYY-MM}.csv */
export const MONTH_FILE_PARAMS = {
  type: 'object',
  required: ['id', 'file'],
  properties: { id: { type: 'string', pattern: STATION_ID_PATTERN.source }, file: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])\\.csv$' } },
} as const;

export const RANGE_QUERY = {
  metric: { type: 'string', maxLength: 400, description: 'comma-separated metric keys (default: every public metric)' },
  from: { type: 'string', format: 'date-time' },
  to: { type: 'string', format: 'date-time' },
  days: { type: 'integer', minimum: 1, maximum: 366, description: 'the last N days up to the publication cutoff (when from/to are absent)' },
} as const;

export const INDEX_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: { period: { enum: ['hour', 'day'], default: 'hour' }, from: RANGE_QUERY.from, to: RANGE_QUERY.to, days: RANGE_QUERY.days },
} as const;

export const STATIONS_QUERY = { type: 'object', additionalProperties: false, properties: { profile: { type: 'string', maxLength: 64 }, province: { type: 'string', maxLength: 200 } } } as const;

export const JSON_OK = { 200: { description: 'JSON with `license` and `attribution`; ETag, Cache-Control', type: 'object', additionalProperties: true } };

/** PATCH /api/v1/open/stations/{id} */
export const PUBLICATION_PATCH = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    public: { type: ['boolean', 'null'] },
    publicMetrics: { type: ['array', 'null'], maxItems: 100, uniqueItems: true, items: { type: 'string', maxLength: 64 } },
    validatedThrough: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;
