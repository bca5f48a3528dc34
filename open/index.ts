/**
 * @module open
 * Open data, the service: what the agency publishes (open/policy.ts), the answers built from it
 * (catalogue, series, monthly CSV) and the admins' publication controls, with an in-process
 * response cache (open/cache.ts) so that a crowd asking the same thing costs one database query
 * per cache period, not one per visit. No HTTP here: the routes (/open/v1, /public,
 * /api/v1/open/…) are in api/open/, which asks this service for bodies and sends them with
 * their ETag and Cache-Control.
 *
 * Every public answer is a body (JSON with `license` and `attribution`, or CSV) that only ever
 * contains valid readings up to the station's publication cutoff.
 */
import type { Config } from '../config/index.js';
import type { ResponseCache } from './cache.js';
import { publicationOverview, setPublication, type PublicationPatch } from './admin.js';
import { categories, entryDocument, publicStationDetail, publicStations, type StationsQuery } from './catalog.js';
import { createOpenContext, type Licence, type OpenBody, type OpenDataServiceDeps } from './context.js';
import { monthCsv } from './csv.js';
import { aggregates, assertRawPublished, indexSeries, months, rawReadings, type IndexQuery, type MetricRangeQuery } from './series.js';

export type { CachedResponse, ResponseCache } from './cache.js';
export type { Licence, OpenBody, OpenDataServiceDeps } from './context.js';
export type { PublicationPatch } from './admin.js';
export type { StationsQuery } from './catalog.js';
export type { IndexQuery, MetricRangeQuery, RangeQuery } from './series.js';

export interface OpenData {
  settings: Readonly<Config['open']>;
  now: () => number;
  cache: ResponseCache;
  licence: Licence;
  // ---- the public answers (bodies to cache; errors are QuantracErrors) ----
  entryDocument(): Promise<OpenBody>;
  categories(): Promise<OpenBody>;
  stations(query: StationsQuery): Promise<OpenBody>;
  station(id: string): Promise<OpenBody>;
  index(id: string, query: IndexQuery): Promise<OpenBody>;
  aggregates(id: string, period: 'hour' | 'day', query: MetricRangeQuery): Promise<OpenBody>;
  /** Throws QT_ERR_NOT_FOUND unless raw readings are published (OPEN_RAW). */
  assertRawPublished(): void;
  raw(id: string, query: MetricRangeQuery): Promise<OpenBody>;
  months(id: string): Promise<OpenBody>;
  /** month: YYYY-MM (local) */
  monthCsv(id: string, month: string, options?: { bom?: boolean }): Promise<OpenBody>;
  // ---- the agency's controls ----
  publicationOverview(): ReturnType<typeof publicationOverview>;
  setPublication(id: string, patch: PublicationPatch): ReturnType<typeof setPublication>;
}

/** The open-data service. Registers its two counters (quantrac_open_cache_lookups_total, quantrac_open_db_queries_total) on deps.metrics. */
export function createOpenData(deps: OpenDataServiceDeps): OpenData {
  const ctx = createOpenContext(deps);
  return {
    settings: ctx.settings,
    now: ctx.now,
    cache: ctx.cache,
    licence: ctx.licence,
    entryDocument: () => entryDocument(ctx),
    categories: () => categories(ctx),
    stations: (query) => publicStations(ctx, query),
    station: (id) => publicStationDetail(ctx, id),
    index: (id, query) => indexSeries(ctx, id, query),
    aggregates: (id, period, query) => aggregates(ctx, id, period, query),
    assertRawPublished: () => assertRawPublished(ctx),
    raw: (id, query) => rawReadings(ctx, id, query),
    months: (id) => months(ctx, id),
    monthCsv: (id, month, options) => monthCsv(ctx, id, month, options),
    publicationOverview: () => publicationOverview(ctx),
    setPublication: (id, patch) => setPublication(ctx, id, patch),
  };
}
