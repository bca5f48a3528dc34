/**
 * @module open
 * Open data: the anonymous, read-only API at /open/v1 and the public page at /public, plus the
 * agency's controls at /api/v1/open/… (admin; on /api/v1 so the audit log records every change).
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
 *   GET /public                                     the public page (dashboard/web/public.html)
 *   GET/PATCH /api/v1/open/stations[/{id}]          (admin) public flag, public metrics, validated-through
 *
 * Every public answer carries `license` and `attribution` (JSON) and `Link: <…>; rel="license"`,
 * an ETag (304 on If-None-Match) and `Cache-Control: public, max-age=…`, and is answered from an
 * in-process cache for OPEN_CACHE_SECONDS: a crowd asking the same thing costs one database
 * query per minute, not one per visit. /open/v1 has CORS for every origin (GET) and a per-address
 * rate limit (429 QT_ERR_RATE_LIMITED with Retry-After).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter } from 'prom-client';
import { VN_AQI_CATEGORIES, VN_WQI_CLASSES } from '../domain/indices/categories.js';
import type { Config } from '../config/index.js';
import type { LoadedProfile } from '../device-profiles/index.js';
import type { StationDirectory } from '../stations/directory.js';
import { STATION_ID_PATTERN } from '../domain/topics.js';
import { createError } from '../lib/errors.js';
import type { Metrics } from '../lib/metrics.js';
import type { Db } from '../store/index.js';
import {
  aggregateSeries,
  currentIndices,
  dailyIndexSeries,
  hourlyIndexSeries,
  latestValid,
  listPublication,
  monthsWithData,
  updatePublication,
  validRaw,
  type CurrentIndex,
  type Publication,
} from '../store/open-data.js';
import type { Station } from '../store/stations.js';
import { type TokenService } from '../auth/tokens.js';
import { requireRole } from '../api/plugins/auth.js';
import { contentSecurityPolicy, WEB_DIST_DIR } from '../api/web.js';
import { createResponseCache, etagMatches, gzipOf, type CachedResponse, type ResponseCache } from './cache.js';
import { indexOfProfile, isPublic, publicationCutoff, publicMetrics, type PublicIndexName } from './policy.js';

export interface OpenDataDeps {
  config: Readonly<Config>;
  db: Db;
  directory: StationDirectory;
  profiles: ReadonlyMap<string, LoadedProfile>;
  tokens: TokenService;
  metrics: Metrics;
  /** where public.html is (tests); default the Vite build */
  distDir?: string;
  now?: () => number;
}

const HOUR = 3_600_000;
const DAY = 86_400_000;
const VN_OFFSET = 7 * HOUR;
/** An hourly index older than this (before the cutoff) is not shown as "current". */
const CURRENT_INDEX_MAX_AGE_MS = 3 * HOUR;
/** The latest value of a metric is looked for this far back. */
const LATEST_LOOKBACK_MS = 2 * DAY;
const INDEX_LABEL: Record<PublicIndexName, string> = { vn_aqi: 'VN_AQI', vn_wqi: 'VN_WQI' };

const TAGS = ['open-data'];
const ID_PARAM = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: STATION_ID_PATTERN.source } } } as const;
const RANGE_QUERY = {
  metric: { type: 'string', maxLength: 400, description: 'comma-separated metric keys (default: every public metric)' },
  from: { type: 'string', format: 'date-time' },
  to: { type: 'string', format: 'date-time' },
  days: { type: 'integer', minimum: 1, maximum: 366, description: 'the last N days up to the publication cutoff (when from/to are absent)' },
} as const;
const JSON_OK = { 200: { description: 'JSON with `license` and `attribution`; ETag, Cache-Control', type: 'object', additionalProperties: true } };

/** The category row of a stored index's category key. */
function categoryJson(indexName: string, key: string) {
  if (indexName === 'vn_wqi') {
    const c = VN_WQI_CLASSES.find((x) => x.key === key);
    return c ? { key: c.key, level: c.level, name: { vi: c.nameVi, en: c.nameEn }, color: c.colorHex } : { key, level: null, name: { vi: key, en: key }, color: null };
  }
  const c = VN_AQI_CATEGORIES.find((x) => x.key === key);
  return c ? { key: c.key, level: c.level, name: { vi: c.nameVi, en: c.nameEn }, color: c.colorHex } : { key, level: null, name: { vi: key, en: key }, color: null };
}

/** The local date (UTC+7) of an instant. */
const localDay = (ms: number) => new Date(ms + VN_OFFSET).toISOString().slice(0, 10);
/** ISO 8601 in Vietnam's local time, e.g. 2026-11-22T09:00:00+07:00. */
const localIso = (ms: number) => new Date(ms + VN_OFFSET).toISOString().replace(/\.\d{3}Z$/, '+07:00');

export async function openDataRoutes(app: FastifyInstance, deps: OpenDataDeps): Promise<{ cache: ResponseCache }> {
  const { config, directory, profiles, tokens, metrics } = deps;
  const settings = config.open;
  const now = deps.now ?? Date.now;
  const ttlMs = settings.cacheSeconds * 1000;

  const cacheLookups = new Counter({
    name: 'quantrac_open_cache_lookups_total',
    help: 'Public (/open/v1) answers by outcome: hit (from memory), miss (computed), coalesced (waited for a computation already running), stale (expired answer served because recomputing failed)',
    labelNames: ['outcome'] as const,
    registers: [metrics.registry],
  });
  const dbQueries = new Counter({
    name: 'quantrac_open_db_queries_total',
    help: 'Database queries made to answer public requests (a cached answer makes none)',
    registers: [metrics.registry],
  });
  const cache = createResponseCache({ ttlMs, now, observe: (outcome) => cacheLookups.inc({ outcome }) });

  // Every query of the public side goes through this, so that /metrics shows what the crowd costs.
  const db: Db = {
    mode: deps.db.mode,
    embedded: deps.db.embedded,
    query: (text, params) => {
      dbQueries.inc();
      return deps.db.query(text, params);
    },
    transaction: (fn) => deps.db.transaction(fn),
    get waitingCount() {
      return deps.db.waitingCount;
    },
    close: () => deps.db.close(),
  };

  // The publication settings of every station, read at most once per cache period (an admin change clears it).
  let publicationMemo: { at: number; value: Promise<Map<string, Publication>> } | undefined;
  function publication(): Promise<Map<string, Publication>> {
    if (!publicationMemo || now() - publicationMemo.at >= ttlMs) {
      const value = listPublication(db);
      publicationMemo = { at: now(), value };
      value.catch(() => {
        if (publicationMemo?.value === value) publicationMemo = undefined; // the error reaches the caller; retry next time
      });
    }
    return publicationMemo.value;
  }

  const licence = { license: settings.license, licenseUrl: settings.licenseUrl, attribution: settings.attribution };
  const json = (body: Record<string, unknown>) => ({ body: JSON.stringify({ ...licence, ...body }), contentType: 'application/json; charset=utf-8' });

  /** Sends a cached answer: 304 when the client has it, gzip when it takes it. */
  async function answer(request: FastifyRequest, reply: FastifyReply, compute: () => Promise<{ body: Buffer | string; contentType: string }>, key = request.url): Promise<FastifyReply> {
    const entry = await cache.get(key, compute);
    return sendEntry(request, reply, entry);
  }
  function sendEntry(request: FastifyRequest, reply: FastifyReply, entry: CachedResponse, maxAgeSeconds?: number): FastifyReply {
    const maxAge = maxAgeSeconds ?? Math.max(0, Math.ceil((entry.expiresAt - now()) / 1000));
    reply.header('etag', entry.etag);
    reply.header('cache-control', maxAge > 0 ? `public, max-age=${maxAge}` : 'public, no-cache');
    reply.header('vary', 'accept-encoding');
    if (etagMatches(request.headers['if-none-match'], entry.etag)) return reply.code(304).send();
    reply.type(entry.contentType);
    const gz = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? '')) ? gzipOf(entry) : undefined;
    if (gz) return reply.header('content-encoding', 'gzip').send(gz);
    return reply.send(entry.body);
  }

  // ---- what is public ----
  async function publicStation(id: string): Promise<{ station: Station; pub: Publication | undefined; metrics: string[]; cutoff: Date }> {
    const station = directory.get(id);
    const pubs = await publication();
    const pub = station ? pubs.get(station.id) : undefined;
    // a station that is not public does not exist here (the same answer as an unknown id)
    if (!station || !isPublic(station, pub)) throw createError('QT_ERR_NOT_FOUND', `No public station ${id}`);
    return { station, pub, metrics: publicMetrics(profiles.get(station.profileId), pub), cutoff: publicationCutoff(settings, pub, now()) };
  }

  function metricsJson(station: Station, keys: readonly string[]) {
    const defs = profiles.get(station.profileId)?.profile.metrics ?? {};
    return keys.map((key) => ({ key, name: defs[key]?.name ?? { vi: key, en: key }, unit: defs[key]?.unit ?? null }));
  }

  function indexJson(c: CurrentIndex | undefined) {
    if (!c) return null;
    return { name: INDEX_LABEL[c.indexName as PublicIndexName] ?? c.indexName, ts: c.ts.toISOString(), value: c.value, dominant: c.dominant, category: categoryJson(c.indexName, c.category) };
  }

  function stationJson(station: Station, keys: readonly string[], current: CurrentIndex | undefined) {
    const indexName = indexOfProfile(station.profileId);
    return {
      id: station.id,
      name: station.name,
      profile: station.profileId,
      province: station.province,
      lat: station.lat,
      lon: station.lon,
      indexName: indexName ? INDEX_LABEL[indexName] : null,
      metrics: metricsJson(station, keys),
      index: indexJson(current),
    };
  }

  /** Metric keys from `?metric=a,b`, each of which must be public. */
  function chosenMetrics(query: string | undefined, allowed: readonly string[]): string[] {
    if (query === undefined || query === '') return [...allowed];
    const wanted = query.split(',').map((m) => m.trim()).filter(Boolean);
    for (const m of wanted) if (!allowed.includes(m)) throw createError('QT_ERR_METRIC_UNKNOWN', `metric: "${m}" is not a public metric of this station; public: ${allowed.join(', ')}`);
    return wanted;
  }

  /** [from, to) from the query: explicit from/to, or the last `days` (default `defaultDays`) up to the cutoff. */
  function range(q: { from?: string; to?: string; days?: number }, cutoff: Date, defaultDays: number, maxDays: number): { from: Date; to: Date } {
    const to = q.to ? new Date(q.to) : new Date(Math.min(cutoff.getTime(), now()));
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - (q.days ?? defaultDays) * DAY);
    if (from >= to) throw createError('QT_ERR_RANGE_INVALID', 'from must be earlier than to');
    if (to.getTime() - from.getTime() > maxDays * DAY) throw createError('QT_ERR_RANGE_TOO_LARGE', `At most ${maxDays} days per request (use the monthly CSV files for bulk)`);
    return { from, to };
  }

  const round = (v: number, decimals: number) => Math.round(v * 10 ** decimals) / 10 ** decimals;
  const decimalsOf = (station: Station, metric: string) => profiles.get(station.profileId)?.profile.metrics[metric]?.decimals ?? 3;

  // ---- the anonymous scopes ----
  const linkHeader = `<${settings.licenseUrl}>; rel="license"`;
  const rateLimited = (scope: FastifyInstance) =>
    scope.addHook(
      'onRequest',
      scope.rateLimit({
        max: settings.rateLimitPerMinute,
        timeWindow: 60_000,
        keyGenerator: (request: FastifyRequest) => `open:${request.ip}`,
        errorResponseBuilder: (_request: FastifyRequest, ctx: { after: string; max: number }) =>
          createError('QT_ERR_RATE_LIMITED', `Rate limit of ${ctx.max} requests per minute from one address exceeded; retry in ${ctx.after} (see Retry-After)`),
      }),
    );

  await app.register(async (api) => {
    api.addHook('onRequest', async (_request, reply) => {
      reply.header('access-control-allow-origin', '*');
      reply.header('access-control-expose-headers', 'ETag, Link, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset');
      reply.header('link', linkHeader);
      reply.header('x-content-type-options', 'nosniff');
    });
    rateLimited(api);
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

    api.get('/open/v1', { schema: { tags: TAGS, security: [], summary: 'Licence, attribution, publication settings and links', response: JSON_OK } }, async (request, reply) =>
      answer(request, reply, async () =>
        json({
          name: 'Quantrac open data',
          version: 1,
          settings: { embargoHours: settings.embargoHours, validatedOnly: settings.validatedOnly, raw: settings.raw, cacheSeconds: settings.cacheSeconds, rateLimitPerMinute: settings.rateLimitPerMinute },
          links: { stations: '/open/v1/stations', categories: '/open/v1/categories', openapi: '/api/openapi.json', docs: '/api/docs', page: '/public' },
        }),
      ),
    );

    api.get('/open/v1/categories', { schema: { tags: TAGS, security: [], summary: 'VN_AQI categories (Decision 1459) with health advice; VN_WQI classes (Decision 1460)', response: JSON_OK } }, async (request, reply) =>
      answer(request, reply, async () =>
        json({
          vnAqi: VN_AQI_CATEGORIES.map((c) => ({ key: c.key, level: c.level, min: c.min, max: c.max, name: { vi: c.nameVi, en: c.nameEn }, color: c.colorHex, advice: { vi: c.adviceVi, en: c.adviceEn } })),
          vnWqi: VN_WQI_CLASSES.map((c) => ({ key: c.key, level: c.level, min: c.min, max: c.max, name: { vi: c.nameVi, en: c.nameEn }, color: c.colorHex, use: { vi: c.useVi, en: c.useEn } })),
          notes: {
            advice: 'Summaries of the health messages of Decision 1459/QĐ-TCMT (Bảng 4/5), not the gazette wording.',
            wqi: 'VN_WQI class ranges and colours of Decision 1460/QĐ-TCMT as corroborated by secondary sources; the uses are paraphrased.',
          },
        }),
      ),
    );

    api.get<{ Querystring: { profile?: string; province?: string } }>(
      '/open/v1/stations',
      {
        schema: {
          tags: TAGS,
          security: [],
          summary: 'Public stations with their public metrics and current index (VN_AQI for air, VN_WQI for surface water)',
          querystring: { type: 'object', additionalProperties: false, properties: { profile: { type: 'string', maxLength: 64 }, province: { type: 'string', maxLength: 200 } } },
          response: JSON_OK,
        },
      },
      async (request, reply) =>
        answer(request, reply, async () => {
          const { profile, province } = request.query;
          const pubs = await publication();
          const stations = directory
            .all()
            .filter((s) => isPublic(s, pubs.get(s.id)) && (profile === undefined || s.profileId === profile) && (province === undefined || s.province === province))
            .sort((a, b) => a.id.localeCompare(b.id));
          const t = now();
          const wanted = stations.flatMap((s) => {
            const indexName = indexOfProfile(s.profileId);
            return indexName ? [{ stationId: s.id, indexName, cutoff: publicationCutoff(settings, pubs.get(s.id), t) }] : [];
          });
          const current = new Map((await currentIndices(db, wanted, CURRENT_INDEX_MAX_AGE_MS)).map((c) => [c.stationId, c]));
          return json({ data: stations.map((s) => stationJson(s, publicMetrics(profiles.get(s.profileId), pubs.get(s.id)), current.get(s.id))) });
        }),
    );

    api.get<{ Params: { id: string } }>(
      '/open/v1/stations/:id',
      { schema: { tags: TAGS, security: [], summary: 'A public station with its current index and the latest valid value of each public metric', params: ID_PARAM, response: JSON_OK } },
      async (request, reply) =>
        answer(request, reply, async () => {
          const { station, metrics: keys, cutoff } = await publicStation(request.params.id);
          const indexName = indexOfProfile(station.profileId);
          const [current] = indexName ? await currentIndices(db, [{ stationId: station.id, indexName, cutoff }], CURRENT_INDEX_MAX_AGE_MS) : [];
          const latest = await latestValid(db, station.id, keys, cutoff, LATEST_LOOKBACK_MS);
          const defs = profiles.get(station.profileId)?.profile.metrics ?? {};
          return json({
            station: stationJson(station, keys, current),
            latest: latest.map((r) => ({ metric: r.metric, ts: r.ts.toISOString(), value: round(r.value, decimalsOf(station, r.metric)), unit: defs[r.metric]?.unit ?? null })),
          });
        }),
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
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { period: { enum: ['hour', 'day'], default: 'hour' }, from: RANGE_QUERY.from, to: RANGE_QUERY.to, days: RANGE_QUERY.days },
          },
          response: JSON_OK,
        },
      },
      async (request, reply) =>
        answer(request, reply, async () => {
          const { station, cutoff } = await publicStation(request.params.id);
          const indexName = indexOfProfile(station.profileId);
          if (!indexName) throw createError('QT_ERR_NOT_FOUND', `Station ${station.id} (${station.profileId}) has no index`);
          const { period } = request.query;
          if (indexName === 'vn_wqi' && period === 'day') throw createError('QT_ERR_QUERY_INVALID', 'period: VN_WQI is hourly only');
          // the default range ends at the last whole hour before the cutoff, so the answer (and its ETag) stays the same for the hour
          const q = request.query.to || request.query.from ? request.query : { ...request.query, to: new Date(Math.floor(Math.min(cutoff.getTime(), now()) / HOUR) * HOUR).toISOString() };
          const { from, to } = range(q, cutoff, period === 'hour' ? 1 : 30, period === 'hour' ? 31 : 366);
          if (period === 'hour') {
            const end = new Date(Math.min(to.getTime(), cutoff.getTime()));
            const rows = end > from ? await hourlyIndexSeries(db, station.id, indexName, from, end) : [];
            const data = rows.map((r) => ({ ts: (r.ts as Date).toISOString(), value: r.value, category: r.category, color: categoryJson(indexName, r.category).color, dominant: r.dominant }));
            return json({ station: station.id, index: INDEX_LABEL[indexName], period, from: from.toISOString(), to: end.toISOString(), data });
          }
          // a VN_AQI day (01:00 → 00:00 local) is published once it has ended before the cutoff
          const lastDay = localDay(Math.min(to.getTime(), cutoff.getTime()) - DAY);
          const firstDay = localDay(from.getTime());
          const rows = firstDay <= lastDay ? await dailyIndexSeries(db, station.id, indexName, firstDay, lastDay) : [];
          const data = rows.map((r) => ({ ts: r.ts as string, value: r.value, category: r.category, color: categoryJson(indexName, r.category).color, dominant: r.dominant }));
          return json({ station: station.id, index: INDEX_LABEL[indexName], period, firstDay, lastDay, data });
        }),
    );

    for (const period of ['hour', 'day'] as const) {
      api.get<{ Params: { id: string }; Querystring: { metric?: string; from?: string; to?: string; days?: number } }>(
        `/open/v1/stations/:id/${period === 'hour' ? 'hourly' : 'daily'}`,
        {
          schema: {
            tags: TAGS,
            security: [],
            summary: period === 'hour' ? 'Hourly mean, min, max and count of valid readings (complete hours)' : 'Daily mean, min, max and count of valid readings (complete local days, UTC+7)',
            description: `Default range: the last ${period === 'hour' ? 'day' : '30 days'}; at most ${period === 'hour' ? 31 : 366} days per request.`,
            params: ID_PARAM,
            querystring: { type: 'object', additionalProperties: false, properties: RANGE_QUERY },
            response: JSON_OK,
          },
        },
        async (request, reply) =>
          answer(request, reply, async () => {
            const { station, metrics: allowed, cutoff } = await publicStation(request.params.id);
            const keys = chosenMetrics(request.query.metric, allowed);
            const { from, to } = range(request.query, cutoff, period === 'hour' ? 1 : 30, period === 'hour' ? 31 : 366);
            const rows = await aggregateSeries(db, period, station.id, keys, from, to, cutoff);
            const width = period === 'hour' ? HOUR : DAY;
            return json({
              station: station.id,
              period,
              data: rows.map((r) => {
                const d = decimalsOf(station, r.metric);
                return {
                  metric: r.metric,
                  start: period === 'hour' ? r.start.toISOString() : localDay(r.start.getTime()),
                  end: period === 'hour' ? new Date(r.start.getTime() + width).toISOString() : undefined,
                  avg: round(r.avg, d),
                  min: round(r.min, d),
                  max: round(r.max, d),
                  n: r.n,
                };
              }),
            });
          }),
      );
    }

    api.get<{ Params: { id: string }; Querystring: { metric?: string; from?: string; to?: string; days?: number } }>(
      '/open/v1/stations/:id/raw',
      {
        schema: {
          tags: TAGS,
          security: [],
          summary: 'Raw valid readings (only when the agency sets OPEN_RAW; 404 otherwise)',
          description: 'At most 2 days and 20,000 readings per request.',
          params: ID_PARAM,
          querystring: { type: 'object', additionalProperties: false, properties: { ...RANGE_QUERY, days: { type: 'integer', minimum: 1, maximum: 2 } } },
          response: JSON_OK,
        },
      },
      async (request, reply) => {
        if (!settings.raw) throw createError('QT_ERR_NOT_FOUND', 'Raw readings are not published here (the agency publishes hourly and daily values; OPEN_RAW is off)');
        return answer(request, reply, async () => {
          const { station, metrics: allowed, cutoff } = await publicStation(request.params.id);
          const keys = chosenMetrics(request.query.metric, allowed);
          const { from, to } = range(request.query, cutoff, 1, 2);
          const end = new Date(Math.min(to.getTime(), cutoff.getTime()));
          const rows = end > from ? await validRaw(db, station.id, keys, from, end, 20_000) : [];
          return json({ station: station.id, data: rows.map((r) => ({ ts: r.ts.toISOString(), metric: r.metric, value: r.value })) });
        });
      },
    );

    api.get<{ Params: { id: string } }>(
      '/open/v1/stations/:id/months',
      { schema: { tags: TAGS, security: [], summary: 'Local months (UTC+7) with published data, each with the URL of its CSV file', params: ID_PARAM, response: JSON_OK } },
      async (request, reply) =>
        answer(request, reply, async () => {
          const { station, metrics: keys, cutoff } = await publicStation(request.params.id);
          const months = await monthsWithData(db, station.id, keys, cutoff);
          return json({ station: station.id, data: months.map((month) => ({ month, url: `/open/v1/stations/${encodeURIComponent(station.id)}/months/${month}.csv` })) });
        }),
    );

    api.get<{ Params: { id: string; file: string } }>(
      '/open/v1/stations/:id/months/:file',
      {
        schema: {
          tags: TAGS,
          security: [],
          summary: 'Monthly bulk file: hourly means of the public metrics (valid readings only), one row per hour with data',
          description:
            'CSV, UTF-8, comma-separated, header `hour_start_utc,hour_start_local,<metric>,…` (metric keys; units in /open/v1/stations/{id}); the month is the local month (UTC+7); an empty cell = no valid reading in that hour. File name `{YYYY-MM}.csv`.',
          params: { type: 'object', required: ['id', 'file'], properties: { id: { type: 'string', pattern: STATION_ID_PATTERN.source }, file: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])\\.csv$' } } },
          response: { 200: { description: 'text/csv', type: 'string' } },
        },
      },
      async (request, reply) => {
        const month = request.params.file.slice(0, 7);
        reply.header('content-disposition', `attachment; filename="${request.params.id}_${month}.csv"`);
        return answer(request, reply, async () => {
          const { station, metrics: keys, cutoff } = await publicStation(request.params.id);
          const from = Date.parse(`${month}-01T00:00:00+07:00`);
          const [y, m] = month.split('-').map(Number) as [number, number];
          const to = Date.parse(`${m === 12 ? y + 1 : y}-${String(m === 12 ? 1 : m + 1).padStart(2, '0')}-01T00:00:00+07:00`);
          if (from > cutoff.getTime()) throw createError('QT_ERR_NOT_FOUND', `No published data for ${month} yet`);
          const rows = await aggregateSeries(db, 'hour', station.id, keys, new Date(from), new Date(to), cutoff);
          const byHour = new Map<number, Map<string, number>>();
          for (const r of rows) {
            const t = r.start.getTime();
            let row = byHour.get(t);
            if (!row) byHour.set(t, (row = new Map()));
            row.set(r.metric, round(r.avg, decimalsOf(station, r.metric)));
          }
          // keys are metric identifiers of the profile ([a-z0-9_]), times are ISO: nothing here needs quoting
          const lines = [['hour_start_utc', 'hour_start_local', ...keys].join(',')];
          for (const t of [...byHour.keys()].sort((a, b) => a - b)) {
            const row = byHour.get(t)!;
            lines.push([new Date(t).toISOString(), localIso(t), ...keys.map((k) => (row.has(k) ? String(row.get(k)) : ''))].join(','));
          }
          return { body: lines.join('\r\n') + '\r\n', contentType: 'text/csv; charset=utf-8' };
        });
      },
    );
  });

  // ---- the public page ----
  const distDir = deps.distDir ?? WEB_DIST_DIR;
  const pagePath = distDir + 'public.html';
  await app.register(async (page) => {
    const csp = contentSecurityPolicy('');
    page.addHook('onSend', async (_request, reply, payload) => {
      reply.header('content-security-policy', csp);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'same-origin');
      return payload;
    });
    rateLimited(page);
    if (!existsSync(pagePath)) {
      app.log.warn({ distDir }, 'the public page is not built (npm run build:web); /public answers 503');
      for (const url of ['/public', '/public/']) {
        page.get(url, { schema: { hide: true } }, async (_request, reply) => reply.code(503).type('text/plain; charset=utf-8').send('The public page is not built: run npm run build:web\n'));
      }
      return;
    }
    // Read once: the build does not change under a running server. Its assets (/assets/…, hashed
    // names) are served by dashboard/server/web.ts with a one-year immutable Cache-Control.
    const html = readFileSync(pagePath);
    const entry = await createResponseCache({ ttlMs: Number.MAX_SAFE_INTEGER / 2 }).get('page', async () => ({ body: html, contentType: 'text/html; charset=utf-8' }));
    for (const url of ['/public', '/public/']) {
      page.get(url, { schema: { hide: true } }, async (request, reply) => sendEntry(request, reply, entry, settings.cacheSeconds));
    }
  });

  // ---- the agency's controls (admin, on /api/v1: recorded by the audit log) ----
  await app.register(async (admin) => {
    const adminOnly = requireRole(tokens, 'admin');
    const settingsJson = (station: Station, pub: Publication | undefined) => ({
      id: station.id,
      name: station.name,
      profile: station.profileId,
      public: isPublic(station, pub),
      publicFlag: pub?.public ?? null,
      // what `publicFlag: null` means for this station (the profile's default, open/policy.ts)
      publicByDefault: isPublic(station, undefined),
      publicMetrics: pub?.publicMetrics ?? null,
      validatedThrough: pub?.validatedThrough?.toISOString() ?? null,
      publishedMetrics: publicMetrics(profiles.get(station.profileId), pub),
      publishedThrough: publicationCutoff(settings, pub, now()).toISOString(),
    });

    admin.get('/api/v1/open/stations', { preHandler: adminOnly, schema: { tags: ['open-data'], summary: 'What is published of every station (admin)' } }, async () => {
      const pubs = await listPublication(deps.db);
      return {
        settings: { ...licence, embargoHours: settings.embargoHours, validatedOnly: settings.validatedOnly, raw: settings.raw, rateLimitPerMinute: settings.rateLimitPerMinute, cacheSeconds: settings.cacheSeconds },
        data: directory
          .all()
          .sort((a, b) => a.id.localeCompare(b.id))
          .map((s) => settingsJson(s, pubs.get(s.id))),
      };
    });

    admin.patch<{ Params: { id: string }; Body: { public?: boolean | null; publicMetrics?: string[] | null; validatedThrough?: string | null } }>(
      '/api/v1/open/stations/:id',
      {
        preHandler: adminOnly,
        schema: {
          tags: ['open-data'],
          summary: "Sets a station's publication: public (null = the profile's default), publicMetrics (null = all), validatedThrough (admin)",
          params: ID_PARAM,
          body: {
            type: 'object',
            additionalProperties: false,
            minProperties: 1,
            properties: {
              public: { type: ['boolean', 'null'] },
              publicMetrics: { type: ['array', 'null'], maxItems: 100, uniqueItems: true, items: { type: 'string', maxLength: 64 } },
              validatedThrough: { type: ['string', 'null'], format: 'date-time' },
            },
          },
        },
      },
      async (request) => {
        const station = directory.get(request.params.id);
        if (!station) throw createError('QT_ERR_NOT_FOUND', `Station ${request.params.id} does not exist`);
        const { publicMetrics: chosen, validatedThrough } = request.body;
        const known = profiles.get(station.profileId)?.profile.metrics ?? {};
        for (const m of chosen ?? []) if (!known[m]) throw createError('QT_ERR_METRIC_UNKNOWN', `publicMetrics: "${m}" is not a metric of profile ${station.profileId}`);
        const stored = await updatePublication(deps.db, station.id, {
          public: request.body.public,
          publicMetrics: chosen,
          validatedThrough: validatedThrough === undefined ? undefined : validatedThrough === null ? null : new Date(validatedThrough),
        });
        if (!stored) throw createError('QT_ERR_NOT_FOUND', `Station ${request.params.id} does not exist`);
        // the change is visible at once in this process (other nodes within OPEN_CACHE_SECONDS)
        publicationMemo = undefined;
        cache.clear();
        return { station: settingsJson(station, stored) };
      },
    );
  });

  return { cache };
}
