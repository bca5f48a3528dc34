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

export const STATIONS_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: { profile: { type: 'string', maxLength: 64 }, province: { type: 'string', maxLength: 200 } },
} as const;

/** What every public JSON answer carries (open/context.ts): the licence, its URL and the attribution. */
const LICENSED = {
  type: 'object',
  required: ['license', 'licenseUrl', 'attribution'],
  additionalProperties: true,
  properties: { license: { type: 'string' }, licenseUrl: { type: 'string', format: 'uri' }, attribution: { type: 'string' } },
} as const;

/**
 * A public JSON answer: the licence fields and the route's own (`data`, `station`…), described in
 * `description`. The bodies are built and cached by open/ and sent as they are (not serialized
 * against this schema), with ETag (304 on If-None-Match) and Cache-Control.
 */
export function openJson(description: string, properties: Record<string, unknown> = {}) {
  return {
    200: { ...LICENSED, description, properties: { ...LICENSED.properties, ...properties } },
    304: { type: 'null', description: 'Not modified (If-None-Match matched the ETag)' },
  };
}

const ANY_ARRAY = { type: 'array', items: { type: 'object', additionalProperties: true } } as const;
export const OPEN_ROOT = openJson('Licence, attribution, publication settings and links', { links: { type: 'object', additionalProperties: true } });
export const OPEN_CATEGORIES = openJson('VN_AQI categories with health advice and VN_WQI classes');
export const OPEN_STATIONS = openJson('Public stations, each with its public metrics and current index', { data: ANY_ARRAY });
export const OPEN_STATION = openJson('A public station with its current index and the latest valid value of each public metric', {
  station: { type: 'object', additionalProperties: true },
});
export const OPEN_SERIES = openJson('The station, the range and the series (`data`: one entry per hour or day)', { data: ANY_ARRAY });
export const OPEN_MONTHS = openJson('Local months with published data, each with the URL of its CSV', { data: ANY_ARRAY });
export const OPEN_CSV = {
  200: { description: 'the monthly CSV file (attachment)', content: { 'text/csv': { schema: { type: 'string' } } } },
  304: { type: 'null', description: 'Not modified (If-None-Match matched the ETag)' },
};

/** GET /api/v1/open/stations and PATCH /api/v1/open/stations/{id} (admin): the publication of stations. */
export const PUBLICATION_OVERVIEW = { 200: { type: 'object', additionalProperties: true, description: 'what is published of every station, and the open-data settings' } };
export const PUBLICATION = { 200: { type: 'object', additionalProperties: true, description: "the station's publication after the change" } };

/** PATCH /api/v1/open/stations/{id} */
export const PUBLICATION_PATCH = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    public: { type: ['boolean', 'null'] },
    publicMetrics: { type: ['array', 'null'], maxItems: 100, uniqueItems: true, items: { type: 'string', maxLength: 64 } },
    validatedThrough: {
      type: ['string', 'null'],
      format: 'date-time',
      description: 'an additional hand-set cutoff, applied with OPEN_VALIDATED_ONLY (the rule by validation level is OPEN_MIN_VALIDATION_LEVEL)',
    },
  },
} as const;
