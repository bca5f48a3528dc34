/**
 * @module api/routes/readings
 * The analyst API (issue 5):
 *   GET /api/v1/stations/{id}/readings   raw readings, cursor-paged; with bucket= aggregates with coverage
 *   GET /api/v1/readings                 the same over several stations (stations=a,b,c)
 *   GET /api/v1/export                   CSV or NDJSON, streamed in keyset pages (constant memory; routes/export.ts)
 *   GET /api/v1/completeness             valid ÷ expected per station, metric and local day (JSON or CSV)
 * CSV answers start with a UTF-8 BOM when asked (`bom=true`, what the operations center's download
 * buttons send, for Excel); by default they are plain UTF-8 for scripts.
 *
 * Raw readings carry their validation (issue 18): the checks that flagged them (`qc`), their state
 * (valid, flagged, invalidated, restored, station_flag), a reviewer's reason and the validation
 * level of the reading's local day (0 raw, 1 reviewed, 2 approved); exports too. Aggregates count
 * validated readings only (store/analytics.ts).
 */
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { withBom } from '../../analytics/csv-bom.js';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { qualityName } from '../../domain/quality.js';
import { checksOf, reasonOfReview, validationStateOf } from '../../domain/validation/codes.js';
import { createError } from '../../lib/errors.js';
import { localDate, timeZoneOr } from '../../lib/time.js';
import { levelAt, levelSpans } from '../../analytics/levels.js';
import { QUANTILES, rawPage, type RawKey, type RawRow } from '../../store/analytics.js';
import { approvedPeriods } from '../../store/validation-levels.js';
import type { Station } from '../../store/stations.js';
import type { HttpDeps } from '../index.js';
import { decodeCursor, encodeCursor, parseAggs, parseBucket, parseList, queryFingerprint } from '../../analytics/params.js';
import { analystRateLimit } from '../plugins/analytics-rate-limit.js';
import { COMPLETENESS_FORMULA, completeness } from '../../analytics/completeness.js';
import { aggregateSeries, type Series, type SeriesResult } from '../../analytics/series.js';
import { createAnswerCache, type AnswerCache } from '../../analytics/answer-cache.js';
import { ChunkPool } from '../../analytics/chunk-pool.js';
import { CHUNK } from '../../analytics/json-bytes.js';
import { COMPLETENESS_SCHEMA, MULTI_READINGS_SCHEMA, type CompletenessQuery, type ReadingsQuery } from '../schemas/readings.js';
import { exportRoute } from './export.js';

const DAY_MS = 86_400_000;

/** The validation-level spans of the stations around [from, to) (their local days; analytics/levels.ts). */
async function levelSpansOf(db: HttpDeps['db'], stations: readonly Station[], from: Date, to: Date, agencyZone: string) {
  const zones = new Map(stations.map((s) => [s.id, timeZoneOr(s.timezone, agencyZone)]));
  const approved = await approvedPeriods(db, {
    stationIds: stations.map((s) => s.id),
    fromDay: localDate(from.getTime() - DAY_MS, 'UTC'),
    toDay: localDate(to.getTime() + DAY_MS, 'UTC'),
  });
  return levelSpans(approved, (id) => zones.get(id) ?? agencyZone);
}

/**
 * An answer already serialized as UTF-8 JSON, byte for byte what the response schema's serializer
 * would write for it: the aggregated series are written as bytes (analytics/series.ts), 7 MB for
 * 24,000 buckets, which the serializer would take longer to write than the query takes to run.
 */
class JsonBytes {
  /** `release`: gives the chunks back to their pool once the answer has been sent to its last byte (analytics/chunk-pool.ts) */
  constructor(
    readonly chunks: Buffer[],
    readonly release?: () => void,
  ) {}
}
const CLOSE_OBJECT = Buffer.from('}');

const NOT_FLAGGED: { qc: string[]; validation: string; reason: string | null } = Object.freeze({ qc: [], validation: 'valid', reason: null });

/** A raw reading's validation, as answers show it (the common case, nothing flagged, without work). */
function validationOf(r: RawRow): { qc: string[]; validation: string; reason: string | null } {
  if (r.quality === 0 && r.qc === 0 && r.review === 0) return NOT_FLAGGED;
  return { qc: checksOf(r.qc), validation: validationStateOf(r.quality, r.qc, r.review), reason: reasonOfReview(r.review) };
}

/**
 * Aggregated answers over ended, materialized buckets, served again while their rows are unchanged
 * (analytics/answer-cache.ts): one cache for both endpoints of one app.
 */
const answerCaches = new WeakMap<HttpDeps, AnswerCache<SeriesResult> | undefined>();
function answerCacheOf(deps: HttpDeps): AnswerCache<SeriesResult> | undefined {
  if (!answerCaches.has(deps)) {
    const { cacheBytes } = deps.config.analytics;
    const { answerCacheLookups, answerCacheBytes } = deps.metrics;
    const observer = { lookup: (hit: boolean) => answerCacheLookups.inc({ outcome: hit ? 'hit' : 'miss' }), bytes: (held: number) => answerCacheBytes.set(held) };
    answerCaches.set(deps, cacheBytes > 0 ? createAnswerCache<SeriesResult>(cacheBytes, observer) : undefined);
  }
  return answerCaches.get(deps);
}

/** The buffers aggregated answers are written into, used again once an answer is sent (analytics/chunk-pool.ts): one pool per app, room for two answers of 24,000 hourly buckets. */
const chunkPools = new WeakMap<HttpDeps, ChunkPool>();
function chunkPoolOf(deps: HttpDeps): ChunkPool {
  let pool = chunkPools.get(deps);
  if (!pool) chunkPools.set(deps, (pool = new ChunkPool(CHUNK, 16)));
  return pool;
}

/** The shared logic of the analyst readings endpoints. */
function readingsService(deps: HttpDeps) {
  const { db, directory, profiles, config } = deps;
  const answers = answerCacheOf(deps);
  const pool = chunkPoolOf(deps);

  function station(id: string): Station {
    const s = directory.get(id);
    if (!s) throw createError('QT_ERR_NOT_FOUND', `Station ${id} does not exist`);
    return s;
  }

  /** Metrics asked for, each checked against every station's profile; undefined = all of the profile(s). */
  function metricsOf(stations: readonly Station[], text: string | undefined): string[] {
    const known = (s: Station) => profiles.get(s.profileId)?.profile.metrics ?? {};
    if (text === undefined) return [...new Set(stations.flatMap((s) => Object.keys(known(s))))];
    const metrics = parseList('metric', text, config.analytics.maxSeries);
    for (const s of stations) {
      for (const m of metrics) {
        if (!known(s)[m]) throw createError('QT_ERR_METRIC_UNKNOWN', `metric: "${m}" is not a metric of station ${s.id} (profile ${s.profileId})`);
      }
    }
    return metrics;
  }

  function range(q: { from?: string; to?: string }, maxDays: number | undefined): { from: Date; to: Date } {
    const to = q.to ? new Date(q.to) : new Date(Date.now() + config.ingest.maxFutureSkewSeconds * 1000 + 1000);
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - DAY_MS);
    if (from >= to) throw createError('QT_ERR_RANGE_INVALID', 'from: must be earlier than to');
    if (maxDays !== undefined && to.getTime() - from.getTime() > maxDays * DAY_MS) {
      throw createError(
        'QT_ERR_RANGE_TOO_LARGE',
        `from/to: raw readings are limited to ${maxDays} days per request (ANALYTICS_MAX_RAW_RANGE_DAYS); page with the cursor or aggregate with bucket=`,
      );
    }
    return { from, to };
  }

  async function answer(stations: Station[], q: ReadingsQuery, single: boolean) {
    const metrics = metricsOf(stations, q.metric);
    if (stations.length * metrics.length > config.analytics.maxSeries) {
      throw createError('QT_ERR_QUERY_INVALID', `stations/metric: ${stations.length} × ${metrics.length} series is more than ${config.analytics.maxSeries}`);
    }
    if (q.bucket !== undefined) {
      if (q.cursor !== undefined) throw createError('QT_ERR_QUERY_INVALID', 'cursor: aggregated answers are not paged (the range bounds them)');
      const bucket = parseBucket(q.bucket);
      const aggs = parseAggs(q.agg);
      const { from, to } = range(q, undefined);
      const exact = q.exact === true;
      const shape = q.shape ?? 'rows';
      const result = await aggregateSeries(
        db,
        config,
        profiles,
        { stations, metrics, from, to, bucket, aggs, quality: q.quality ?? 'valid', exact, shape, now: Date.now() },
        answers,
        pool,
      );
      const head = {
        ...(single ? { station: stations[0]!.id } : { stations: stations.map((s) => s.id) }),
        from: result.from.toISOString(),
        to: result.to.toISOString(),
        bucket: bucket.text,
        agg: aggs,
        quality: q.quality ?? 'valid',
        source: result.source,
        ...(aggs.some((a) => QUANTILES[a] !== undefined) ? { quantiles: result.source === 'raw' ? 'exact' : 'estimated' } : {}),
      };
      // One station's answer is small: objects, serialized by the route's schema (routes/stations.ts).
      if (single) {
        const json = Buffer.concat(result.seriesJson).toString('utf8');
        result.release?.();
        return { ...head, series: JSON.parse(json) as Series[] };
      }
      // Several stations: the bytes the schema's serializer would write (the keys in its order), sent as they are.
      return new JsonBytes([Buffer.from(`${JSON.stringify(head).slice(0, -1)},"series":`), ...result.seriesJson, CLOSE_OBJECT], result.release);
    }
    if (q.agg !== undefined) throw createError('QT_ERR_QUERY_INVALID', 'agg: needs bucket=');
    if (q.shape === 'columns') throw createError('QT_ERR_QUERY_INVALID', 'shape: columns needs bucket= (raw readings come as rows, paged with the cursor)');
    const { from, to } = range(q, config.analytics.maxRawRangeDays);
    const validOnly = q.quality === 'valid';
    const fingerprint = queryFingerprint([stations.map((s) => s.id).join(','), q.metric ?? null, from.toISOString(), q.quality ?? 'all']);
    const after: RawKey | undefined = q.cursor === undefined ? undefined : decodeCursor(q.cursor, fingerprint);
    const rows = await rawPage(db, { stationIds: stations.map((s) => s.id), metrics: q.metric === undefined ? null : metrics, from, to, after, limit: q.limit, validOnly });
    const last = rows[rows.length - 1];
    const spans = rows.length === 0 ? new Map() : await levelSpansOf(db, stations, from, to, config.timezone);
    return {
      ...(single ? { station: stations[0]!.id } : { stations: stations.map((s) => s.id) }),
      from: from.toISOString(),
      to: to.toISOString(),
      data: rows.map((r) => ({
        ts: r.ts.toISOString(),
        ...(single ? {} : { station: r.stationId }),
        metric: r.metric,
        value: r.value,
        quality: qualityName(r.quality),
        ...validationOf(r),
        validationLevel: levelAt(spans.get(r.stationId), r.ts.getTime()),
      })),
      next: rows.length === q.limit && last ? encodeCursor(last.key, fingerprint) : null,
    };
  }

  return { station, metricsOf, range, answer };
}

/** GET /api/v1/stations/{id}/readings without maxPoints (registered in routes/stations.ts). */
export function createReadingsAnswer(deps: HttpDeps) {
  const svc = readingsService(deps);
  return (stationId: string, q: ReadingsQuery) => svc.answer([svc.station(stationId)], q, true);
}

export async function readingRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const { db, directory, profiles, config } = deps;
  analystRateLimit(app, config);
  const { station, metricsOf, range, answer } = readingsService(deps);

  app.get<{ Querystring: ReadingsQuery & { stations: string } }>(
    '/api/v1/readings',
    {
      config: { role: 'viewer' },
      schema: MULTI_READINGS_SCHEMA,
    },
    async (request, reply) => {
      const { stations, ...q } = request.query;
      const a = await answer(parseList('stations', stations, config.analytics.maxSeries).map(station), q, false);
      if (!(a instanceof JsonBytes)) return a;
      // chunk by chunk: joining them would copy the 7 MB once more (and hurry the next garbage collection)
      const length = a.chunks.reduce((n, c) => n + c.length, 0);
      // 'finish': every byte handed to the kernel; an answer cut short ('close' alone) leaves its chunks to the garbage collector
      if (a.release) reply.raw.once('finish', a.release);
      return reply
        .type('application/json; charset=utf-8')
        .header('content-length', length)
        .send(Readable.from(a.chunks, { objectMode: false }));
    },
  );

  exportRoute(app, deps, { station, metricsOf, range, levelSpans: (stations, from, to) => levelSpansOf(db, stations, from, to, config.timezone) });

  app.get<{ Querystring: CompletenessQuery }>(
    '/api/v1/completeness',
    {
      config: { role: 'viewer' },
      schema: COMPLETENESS_SCHEMA,
    },
    async (request, reply) => {
      const q = request.query;
      const stations =
        q.stations === undefined ? directory.all().sort((a, b) => a.id.localeCompare(b.id)) : parseList('stations', q.stations, config.analytics.maxSeries).map(station);
      const metrics = q.metric === undefined ? null : metricsOf(stations, q.metric);
      const to = q.to ? new Date(q.to) : new Date();
      const from = q.from ? new Date(q.from) : new Date(to.getTime() - 7 * DAY_MS);
      if (from >= to) throw createError('QT_ERR_RANGE_INVALID', 'from: must be earlier than to');
      const result = await completeness(db, config, profiles, { stations, metrics, from, to, now: Date.now() });
      if (q.format === 'csv') {
        const csv = stringify([
          ['station', 'metric', 'day', 'expected', 'calibrating', 'fault', 'maintenance', 'valid', 'out_of_range', 'percent'],
          ...result.data.map((r) => [
            r.station,
            r.metric,
            r.day,
            r.expected,
            r.excluded.calibrating,
            r.excluded.fault,
            r.excluded.maintenance,
            r.valid,
            r.outOfRange,
            r.percent ?? '',
          ]),
        ]);
        return sendDownload(
          reply,
          'text/csv; charset=utf-8',
          `quantrac-completeness-${result.from.toISOString().slice(0, 10)}_${result.to.toISOString().slice(0, 10)}.csv`,
          withBom(csv, q.bom),
        );
      }
      return { from: result.from.toISOString(), to: result.to.toISOString(), formula: COMPLETENESS_FORMULA, data: result.data };
    },
  );
}

function sendDownload(reply: FastifyReply, type: string, filename: string, body: Readable | string): FastifyReply {
  return reply.type(type).header('content-disposition', `attachment; filename="${filename}"`).send(body);
}
