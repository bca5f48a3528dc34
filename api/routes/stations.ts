/**
 * @module api/routes/stations
 * Stations, profiles and readings:
 *   GET  /api/v1/profiles
 *   GET  /api/v1/stations                      ?profile=&province=
 *   POST /api/v1/stations                      (admin) → { station, secret } (the secret is shown once)
 *   GET  /api/v1/stations/{id}                 with the latest value of every metric
 *   POST /api/v1/stations/{id}/rotate-secret   (admin) → { secret }
 *   GET  /api/v1/stations/{id}/readings        ?metric=&from=&to=&limit=&maxPoints= → { data: [{ ts, metric, value, quality }] }
 *        (maxPoints: at most that many points per metric, chosen by LTTB, for charts of long ranges)
 */
import type { FastifyInstance } from 'fastify';
import { lttbIndices } from '../../lib/downsample.js';
import { createError } from '../../lib/errors.js';
import { STATION_ID_PATTERN } from '../../domain/topics.js';
import { latestReadings, queryReadings, type StoredReading } from '../../store/readings.js';
import type { Station } from '../../store/stations.js';
import { analystRateLimit } from '../plugins/analytics-rate-limit.js';
import { inBbox, parseBbox, stationMetrics } from '../../analytics/catalog.js';
import { createReadingsAnswer } from './readings.js';
import { READINGS_QUERY, READINGS_RESPONSE, type ReadingsQuery } from '../schemas/readings.js';
import type { HttpDeps } from '../index.js';
import { ATTRIBUTES_SCHEMA, PROFILES, SECRET, STATION_CREATED, STATION_DETAIL, STATION_ID_PARAMS, STATION_LIST, STATION_ONE } from '../schemas/stations.js';

const DAY_MS = 86_400_000;

function stationJson(s: Station) {
  return {
    id: s.id,
    name: s.name,
    profile: s.profileId,
    lat: s.lat,
    lon: s.lon,
    province: s.province,
    timezone: s.timezone,
    enabled: s.enabled,
    simulated: s.simulated,
    connection: { state: s.connectionState, since: s.connectionChangedAt?.toISOString() ?? null },
    attributes: s.attributes,
    createdAt: s.createdAt.toISOString(),
  };
}

export async function stationRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const { db, directory, profiles, config } = deps;
  analystRateLimit(app, config);

  app.get(
    '/api/v1/profiles',
    {
      config: { role: 'viewer' },
      schema: { tags: ['stations'], summary: 'Device profiles: the metrics of each kind of station, with units, ranges and intervals', response: { 200: PROFILES } },
    },
    async () => ({
      data: [...profiles.values()].map((p) => p.profile),
    }),
  );

  app.get<{ Querystring: { profile?: string; province?: string; bbox?: string; metric?: string } }>(
    '/api/v1/stations',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['stations'],
        summary: 'Stations, with each metric they measure (unit, interval, first and last reading time)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            profile: { type: 'string', maxLength: 64 },
            province: { type: 'string', maxLength: 200 },
            bbox: { type: 'string', maxLength: 200, description: 'minLon,minLat,maxLon,maxLat' },
            metric: { type: 'string', maxLength: 32, description: 'only stations whose profile measures this metric' },
          },
        },
        response: { 200: STATION_LIST },
      },
    },
    async (request) => {
      const { profile, province, metric } = request.query;
      const bbox = request.query.bbox === undefined ? undefined : parseBbox(request.query.bbox);
      const stations = directory
        .all()
        .filter((s) => (profile === undefined || s.profileId === profile) && (province === undefined || s.province === province))
        .filter((s) => (bbox === undefined || inBbox(s, bbox)) && (metric === undefined || profiles.get(s.profileId)?.profile.metrics[metric] !== undefined))
        .sort((a, b) => a.id.localeCompare(b.id));
      const metrics = await stationMetrics(db, profiles, stations);
      return { data: stations.map((s) => ({ ...stationJson(s), metrics: metrics.get(s.id) ?? [] })) };
    },
  );

  app.post<{ Body: { id: string; name: string; profile: string; lat: number; lon: number; province?: string | null; timezone?: string; attributes?: Record<string, unknown> } }>(
    '/api/v1/stations',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['stations'],
        summary: 'Register a station (admin): answers its MQTT credentials, the secret shown once',
        response: { 201: STATION_CREATED },
        body: {
          type: 'object',
          required: ['id', 'name', 'profile', 'lat', 'lon'],
          additionalProperties: false,
          properties: {
            id: { type: 'string', pattern: STATION_ID_PATTERN.source },
            name: { type: 'string', minLength: 1, maxLength: 200 },
            profile: { type: 'string', minLength: 1, maxLength: 64 },
            lat: { type: 'number', minimum: -90, maximum: 90 },
            lon: { type: 'number', minimum: -180, maximum: 180 },
            province: { type: ['string', 'null'], maxLength: 200 },
            timezone: { type: 'string', minLength: 1, maxLength: 64 },
            attributes: ATTRIBUTES_SCHEMA,
          },
        },
      },
    },
    async (request, reply) => {
      const b = request.body;
      if (!profiles.has(b.profile)) {
        throw createError('QT_ERR_PROFILE_UNKNOWN', `Unknown device profile "${b.profile}"; known: ${[...profiles.keys()].join(', ')}`);
      }
      const created = await directory.register({
        id: b.id,
        name: b.name,
        profileId: b.profile,
        lat: b.lat,
        lon: b.lon,
        province: b.province,
        timezone: b.timezone,
        attributes: b.attributes,
      });
      if (!created) throw createError('QT_ERR_STATION_EXISTS', `A station with id ${b.id} already exists`);
      reply.code(201);
      return {
        station: stationJson(created.station),
        secret: created.secret,
        mqtt: { username: b.id, clientId: b.id, topic: `stations/${b.id}/readings` },
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/stations/:id',
    {
      config: { role: 'viewer' },
      schema: { tags: ['stations'], summary: 'A station with the latest value of each of its metrics', params: STATION_ID_PARAMS, response: { 200: STATION_DETAIL } },
    },
    async (request) => {
      const station = directory.get(request.params.id);
      if (!station) throw createError('QT_ERR_NOT_FOUND', `Station ${request.params.id} does not exist`);
      const profile = profiles.get(station.profileId)?.profile;
      const latest = await latestReadings(db, station.id, Object.keys(profile?.metrics ?? {}));
      return {
        station: stationJson(station),
        latest: latest.map((r) => ({ metric: r.metric, ts: r.ts.toISOString(), value: r.value, quality: r.quality, unit: profile?.metrics[r.metric]?.unit ?? null })),
      };
    },
  );

  app.patch<{ Params: { id: string }; Body: { name?: string; province?: string | null; enabled?: boolean; attributes?: Record<string, unknown> } }>(
    '/api/v1/stations/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['stations'],
        summary: 'Change a station (admin): name, province, enabled, attributes',
        params: STATION_ID_PARAMS,
        response: { 200: STATION_ONE },
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200 },
            province: { type: ['string', 'null'], maxLength: 200 },
            enabled: { type: 'boolean' },
            attributes: ATTRIBUTES_SCHEMA,
          },
        },
      },
    },
    async (request) => {
      if (!directory.get(request.params.id)) throw createError('QT_ERR_NOT_FOUND', `Station ${request.params.id} does not exist`);
      const updated = await directory.patch(request.params.id, request.body);
      return { station: stationJson(updated) };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/v1/stations/:id/rotate-secret',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['stations'],
        summary: "Replace a station's secret (admin): the old one stops working; the new one is shown once",
        params: STATION_ID_PARAMS,
        response: { 200: SECRET },
      },
    },
    async (request) => {
      if (!directory.get(request.params.id)) throw createError('QT_ERR_NOT_FOUND', `Station ${request.params.id} does not exist`);
      return { secret: await directory.rotateSecret(request.params.id) };
    },
  );

  const analystReadings = createReadingsAnswer(deps);
  app.get<{ Params: { id: string }; Querystring: ReadingsQuery & { maxPoints?: number } }>(
    '/api/v1/stations/:id/readings',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['readings'],
        summary: "A station's raw readings (cursor-paged), aggregates with coverage (bucket=, agg=), or a chart-sized sample (maxPoints=)",
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...READINGS_QUERY,
            maxPoints: { type: 'integer', minimum: 3, maximum: 100_000, description: 'at most this many points per metric (LTTB), for charts; not with bucket/cursor/quality' },
          },
        },
        response: READINGS_RESPONSE,
      },
    },
    async (request) => {
      // The analyst API (routes/readings.ts) answers everything but the chart sample.
      if (request.query.maxPoints === undefined) return analystReadings(request.params.id, request.query);
      const { bucket, agg, cursor, quality } = request.query;
      if (bucket !== undefined || agg !== undefined || cursor !== undefined || quality !== undefined) {
        throw createError('QT_ERR_QUERY_INVALID', 'maxPoints: cannot be combined with bucket, agg, cursor or quality');
      }
      const station = directory.get(request.params.id);
      if (!station) throw createError('QT_ERR_NOT_FOUND', `Station ${request.params.id} does not exist`);
      const { metric, limit } = request.query;
      const profile = profiles.get(station.profileId)?.profile;
      if (metric !== undefined && !profile?.metrics[metric]) {
        throw createError('QT_ERR_METRIC_UNKNOWN', `metric: "${metric}" is not a metric of profile ${station.profileId}`);
      }
      const now = Date.now();
      const to = request.query.to ? new Date(request.query.to) : new Date(now + config.ingest.maxFutureSkewSeconds * 1000 + 1000);
      const from = request.query.from ? new Date(request.query.from) : new Date(to.getTime() - DAY_MS);
      if (from >= to) throw createError('QT_ERR_RANGE_INVALID', 'from must be earlier than to');
      const queried = await queryReadings(db, { stationId: station.id, metric, from, to, limit });
      const rows = request.query.maxPoints === undefined ? queried : downsampleByMetric(queried, request.query.maxPoints);
      return {
        station: station.id,
        from: from.toISOString(),
        to: to.toISOString(),
        data: rows.map((r) => ({ ts: r.ts.toISOString(), metric: r.metric, value: r.value, quality: r.quality })),
      };
    },
  );
}

/**
 * At most `maxPoints` readings per metric, chosen by LTTB over the non-null values (null
 * values are dropped: a downsampled chart shows the shape, the raw query shows the gaps).
 */
function downsampleByMetric(rows: readonly StoredReading[], maxPoints: number): StoredReading[] {
  const byMetric = new Map<string, StoredReading[]>();
  for (const r of rows) {
    if (r.value === null) continue;
    const list = byMetric.get(r.metric) ?? [];
    list.push(r);
    byMetric.set(r.metric, list);
  }
  const out: StoredReading[] = [];
  for (const list of byMetric.values()) {
    const kept = lttbIndices(
      list.map((r) => ({ x: r.ts.getTime(), y: r.value! })),
      maxPoints,
    );
    for (const i of kept) out.push(list[i]!);
  }
  return out.sort((a, b) => a.ts.getTime() - b.ts.getTime() || a.metric.localeCompare(b.metric));
}
