/**
 * @module open/context
 * What every open-data answer shares: the settings and clock, the response cache with its
 * metrics, a database handle that counts each query made for the public (so /metrics shows what
 * the crowd costs), the publication settings of every station read at most once per cache period
 * (an admin change clears them), the approved spans of every station (with a minimum validation
 * level; read at most once per cache period, so an approval is public within OPEN_CACHE_SECONDS),
 * and the "is this station public, which metrics, which days, up to when" check every per-station
 * answer starts with. Built once by createOpenData (open/index.ts).
 */
import { Counter } from 'prom-client';
import type { Config } from '../config/index.js';
import type { LoadedProfile } from '../device-profiles/index.js';
import { createError } from '../lib/errors.js';
import { timeZoneOr } from '../lib/time.js';
import type { Metrics } from '../lib/metrics.js';
import type { StationDirectory } from '../stations/directory.js';
import type { Db } from '../store/index.js';
import { levelSpans, spansAtLeast } from '../analytics/levels.js';
import { listPublication, withQueryCount, type Publication, type PublishedSpans } from '../store/open-data.js';
import type { Station } from '../store/stations.js';
import { approvedPeriods } from '../store/validation-levels.js';
import { createResponseCache, type ResponseCache } from './cache.js';
import { isPublic, publicationCutoff, publicationFloor, publicMetrics } from './policy.js';

export interface OpenDataServiceDeps {
  config: Readonly<Config>;
  db: Db;
  directory: StationDirectory;
  profiles: ReadonlyMap<string, LoadedProfile>;
  metrics: Metrics;
  now?: () => number;
}

/** A computed public answer, before the cache gives it an ETag. */
export interface OpenBody {
  body: Buffer | string;
  contentType: string;
}

/** The licence fields every public JSON body carries. */
export interface Licence {
  license: string;
  licenseUrl: string;
  attribution: string;
}

/** A public station as the answers about it see it. */
export interface PublicStation {
  station: Station;
  pub: Publication | undefined;
  /** its public metric keys, in the profile's order */
  metrics: string[];
  /** nothing after this is published for it */
  cutoff: Date;
  /** the approved spans its data may be published from (null: no minimum validation level) */
  spans: PublishedSpans;
  /** a current value or index is not older than this (null: no minimum validation level) */
  floor: Date | null;
}

export interface OpenContext {
  settings: Readonly<Config['open']>;
  /** A station's time zone (its `timezone`, else the agency's TIMEZONE): its local days and months. */
  zoneOf(station: Station): string;
  now: () => number;
  directory: StationDirectory;
  profiles: ReadonlyMap<string, LoadedProfile>;
  cache: ResponseCache;
  licence: Licence;
  /** counts its queries: every query of the public side goes through it */
  publicDb: Db;
  /** the admins' controls read and write through this one (not counted as public cost) */
  adminDb: Db;
  /** The publication settings of every station, read at most once per cache period. */
  publication(): Promise<Map<string, Publication>>;
  /** Each station's approved spans at the minimum validation level (empty map without one), read at most once per cache period. */
  approvedSpans(): Promise<Map<string, PublishedSpans>>;
  /** The spans of a station (null without a minimum level; [] when none approved). */
  spansOf(spans: ReadonlyMap<string, PublishedSpans>, stationId: string): PublishedSpans;
  /** The station if it is public; a station that is not public does not exist here (404, as an unknown id). */
  publicStation(id: string): Promise<PublicStation>;
  /** A JSON answer with the licence fields. */
  json(body: Record<string, unknown>): OpenBody;
  /** Forgets the publication settings and every cached answer (an admin changed a station's publication). */
  invalidate(): void;
}

export function createOpenContext(deps: OpenDataServiceDeps): OpenContext {
  const { config, directory, profiles, metrics } = deps;
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
  const publicDb = withQueryCount(deps.db, () => dbQueries.inc());

  let publicationMemo: { at: number; value: Promise<Map<string, Publication>> } | undefined;
  function publication(): Promise<Map<string, Publication>> {
    if (!publicationMemo || now() - publicationMemo.at >= ttlMs) {
      const value = listPublication(publicDb);
      publicationMemo = { at: now(), value };
      value.catch(() => {
        if (publicationMemo?.value === value) publicationMemo = undefined; // the error reaches the caller; retry next time
      });
    }
    return publicationMemo.value;
  }

  let spansMemo: { at: number; value: Promise<Map<string, PublishedSpans>> } | undefined;
  function approvedSpans(): Promise<Map<string, PublishedSpans>> {
    if (settings.minValidationLevel < 1) return Promise.resolve(new Map());
    if (!spansMemo || now() - spansMemo.at >= ttlMs) {
      const value = approvedPeriods(publicDb, { stationIds: null, minLevel: settings.minValidationLevel }).then((periods) => {
        const spans = levelSpans(periods, (id) => {
          const s = directory.get(id);
          return s ? timeZoneOr(s.timezone, config.timezone) : config.timezone;
        });
        return new Map([...spans].map(([id, list]) => [id, spansAtLeast(list, settings.minValidationLevel)] as const));
      });
      spansMemo = { at: now(), value };
      value.catch(() => {
        if (spansMemo?.value === value) spansMemo = undefined;
      });
    }
    return spansMemo.value;
  }
  const spansOf = (spans: ReadonlyMap<string, PublishedSpans>, stationId: string): PublishedSpans => (settings.minValidationLevel < 1 ? null : (spans.get(stationId) ?? []));

  const licence: Licence = { license: settings.license, licenseUrl: settings.licenseUrl, attribution: settings.attribution };

  return {
    settings,
    zoneOf: (station) => timeZoneOr(station.timezone, config.timezone),
    now,
    directory,
    profiles,
    cache,
    licence,
    publicDb,
    adminDb: deps.db,
    publication,
    approvedSpans,
    spansOf,
    async publicStation(id) {
      const station = directory.get(id);
      const pubs = await publication();
      const pub = station ? pubs.get(station.id) : undefined;
      if (!station || !isPublic(station, pub)) throw createError('QT_ERR_NOT_FOUND', `No public station ${id}`);
      const spans = spansOf(await approvedSpans(), station.id);
      return {
        station,
        pub,
        metrics: publicMetrics(profiles.get(station.profileId), pub),
        cutoff: publicationCutoff(settings, pub, now(), spans),
        spans,
        floor: publicationFloor(settings, spans),
      };
    },
    json: (body) => ({ body: JSON.stringify({ ...licence, ...body }), contentType: 'application/json; charset=utf-8' }),
    invalidate() {
      // the change is visible at once in this process (other nodes within OPEN_CACHE_SECONDS)
      publicationMemo = undefined;
      spansMemo = undefined;
      cache.clear();
    },
  };
}
