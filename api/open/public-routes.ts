/**
 * @module api/open/public-routes
 * The anonymous, read-only open-data API at /open/v1 (the bodies come from the open-data
 * service, open/):
 *
 *   GET /open/v1                                    licence, attribution, settings, links
 *   GET /open/v1/categories                         VN_AQI categories with health advice, VN_WQI classes
 *   GET /open/v1/stations                           public stations, their public metrics and current index
 *   GET /open/v1/stations/{id}                      one station with the latest valid value of each metric
 *   GET /open/v1/stations/{id}/index                ?period=hour|day&days= stored VN_AQI / VN_WQI
 *   GET /open/v1/stations/{id}/hourly               ?metric=&from=&to=|days= hourly means of valid readings
 *   GET /open/v1/stations/{id}/daily                ?metric=&from=&to=|days= daily means (local days)
 *   GET /open/v1/stations/{id}/raw                  only with OPEN_RAW
 *   GET /open/v1/stations/{id}/months               months with data, each with its CSV
 *   GET /open/v1/stations/{id}/months/{YYYY-MM}.csv hourly means of the month, UTC and local time
 *
 * CORS for every origin (GET), `Link: <…>; rel="license"` on every answer, the licence in every
 * JSON body (errors included), a per-address rate limit, and answers from the cache with ETag.
 */
import type { FastifyInstance } from 'fastify';
import type { OpenData } from '../../open/index.js';
import { rateLimitPerAddress, type CachedReplies } from './reply.js';
import {
  ID_PARAM,
  INDEX_QUERY,
  MONTH_FILE_PARAMS,
  OPEN_CATEGORIES,
  OPEN_CSV,
  OPEN_MONTHS,
  OPEN_ROOT,
  OPEN_SERIES,
  OPEN_STATION,
  OPEN_STATIONS,
  RANGE_QUERY,
  STATIONS_QUERY,
  TAGS,
} from './schemas.js';

type RangeQuerystring = { metric?: string; from?: string; to?: string; days?: number };

export async function openApiRoutes(api: FastifyInstance, open: OpenData, { answer }: CachedReplies): Promise<void> {
  const { settings, licence } = open;
  const linkHeader = `<${settings.licenseUrl}>; rel="license"`;

  api.addHook('onRequest', async (_request, reply) => {
    reply.header('access-control-allow-origin', '*');
    reply.header('access-control-expose-headers', 'ETag, Link, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset');
    reply.header('link', linkHeader);
    reply.header('x-content-type-options', 'nosniff');
  });
  rateLimitPerAddress(api, settings.rateLimitPerMinute);
  // Errors carry the licence too ("every JSON body"); they are small and never cached.
  api.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode < 400 || typeof payload !== 'string' || !payload.startsWith('{"error"')) return payload;
    return JSON.stringify({ ...licence, ...(JSON.parse(payload) as object) });
  });

  api.options('/open/v1/*', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('access-control-allow-methods', 'GET, HEAD, OPTIONS');
    reply.header('access-control-allow-headers', 'If-None-Match, Accept');
    reply.header('access-control-max-age', '86400');
    return reply.code(204).send();
  });

  api.get('/open/v1', { schema: { tags: TAGS, security: [], summary: 'Licence, attribution, publication settings and links', response: OPEN_ROOT } }, async (request, reply) =>
    answer(request, reply, () => open.entryDocument()),
  );

  api.get(
    '/open/v1/categories',
    { schema: { tags: TAGS, security: [], summary: 'VN_AQI categories (Decision 1459) with health advice; VN_WQI classes (Decision 1460)', response: OPEN_CATEGORIES } },
    async (request, reply) => answer(request, reply, () => open.categories()),
  );

  api.get<{ Querystring: { profile?: string; province?: string } }>(
    '/open/v1/stations',
    {
      schema: {
        tags: TAGS,
        security: [],
        summary: 'Public stations with their public metrics and current index (VN_AQI for air, VN_WQI for surface water)',
        querystring: STATIONS_QUERY,
        response: OPEN_STATIONS,
      },
    },
    async (request, reply) => answer(request, reply, () => open.stations(request.query)),
  );

  api.get<{ Params: { id: string } }>(
    '/open/v1/stations/:id',
    {
      schema: {
        tags: TAGS,
        security: [],
        summary: 'A public station with its current index and the latest valid value of each public metric',
        params: ID_PARAM,
        response: OPEN_STATION,
      },
    },
    async (request, reply) => answer(request, reply, () => open.station(request.params.id)),
  );

  api.get<{ Params: { id: string }; Querystring: { period: 'hour' | 'day'; from?: string; to?: string; days?: number } }>(
    '/open/v1/stations/:id/index',
    {
      schema: {
        tags: TAGS,
        security: [],
        summary: 'Stored hourly (hour-ending labels) or daily (VN_AQI day, local date) index of a public station',
        description: 'VN_AQI for air stations (hourly and daily), VN_WQI for surface-water stations (hourly only). Default range: the last day (hour) or 30 days (day).',
        params: ID_PARAM,
        querystring: INDEX_QUERY,
        response: OPEN_SERIES,
      },
    },
    async (request, reply) => answer(request, reply, () => open.index(request.params.id, request.query)),
  );

  for (const period of ['hour', 'day'] as const) {
    api.get<{ Params: { id: string }; Querystring: RangeQuerystring }>(
      `/open/v1/stations/:id/${period === 'hour' ? 'hourly' : 'daily'}`,
      {
        schema: {
          tags: TAGS,
          security: [],
          summary:
            period === 'hour'
              ? 'Hourly mean, min, max and count of valid readings (complete hours)'
              : "Daily mean, min, max and count of valid readings (complete local days in the station's time zone)",
          description: `Default range: the last ${period === 'hour' ? 'day' : '30 days'}; at most ${period === 'hour' ? 31 : 366} days per request.`,
          params: ID_PARAM,
          querystring: { type: 'object', additionalProperties: false, properties: RANGE_QUERY },
          response: OPEN_SERIES,
        },
      },
      async (request, reply) => answer(request, reply, () => open.aggregates(request.params.id, period, request.query)),
    );
  }

  api.get<{ Params: { id: string }; Querystring: RangeQuerystring }>(
    '/open/v1/stations/:id/raw',
    {
      schema: {
        tags: TAGS,
        security: [],
        summary: 'Raw valid readings (only when the agency sets OPEN_RAW; 404 otherwise)',
        description: 'At most 2 days and 20,000 readings per request.',
        params: ID_PARAM,
        querystring: { type: 'object', additionalProperties: false, properties: { ...RANGE_QUERY, days: { type: 'integer', minimum: 1, maximum: 2 } } },
        response: OPEN_SERIES,
      },
    },
    async (request, reply) => {
      open.assertRawPublished();
      return answer(request, reply, () => open.raw(request.params.id, request.query));
    },
  );

  api.get<{ Params: { id: string } }>(
    '/open/v1/stations/:id/months',
    {
      schema: {
        tags: TAGS,
        security: [],
        summary: "Local months (the station's time zone) with published data, each with the URL of its CSV file",
        params: ID_PARAM,
        response: OPEN_MONTHS,
      },
    },
    async (request, reply) => answer(request, reply, () => open.months(request.params.id)),
  );

  api.get<{ Params: { id: string; file: string }; Querystring: { bom?: boolean } }>(
    '/open/v1/stations/:id/months/:file',
    {
      schema: {
        tags: TAGS,
        security: [],
        summary: 'Monthly bulk file: hourly means of the public metrics (valid readings only), one row per hour with data',
        description:
          'CSV, UTF-8, comma-separated, header `hour_start_utc,hour_start_local,<metric>,…` (metric keys; units in /open/v1/stations/{id}); the month is the local month in the time zone of the station; an empty cell = no valid reading in that hour. File name `{YYYY-MM}.csv`.',
        params: MONTH_FILE_PARAMS,
        querystring: {
          type: 'object',
          properties: { bom: { type: 'boolean', default: false, description: 'start with a UTF-8 byte order mark (EF BB BF) so that Excel reads the file as UTF-8' } },
        },
        response: OPEN_CSV,
      },
    },
    async (request, reply) => {
      const month = request.params.file.slice(0, 7);
      reply.header('content-disposition', `attachment; filename="${request.params.id}_${month}.csv"`);
      return answer(request, reply, () => open.monthCsv(request.params.id, month, { bom: request.query.bom === true }));
    },
  );
}
