/**
 * @module dashboard/server/sta
 * OGC SensorThings API 1.1 (OGC 18-088), read subset, at /sta/v1.1:
 *   Things = stations, Locations = their positions (one each, GeoJSON Point), Sensors = device
 *   profiles, ObservedProperties = metrics, Datastreams = station × metric (id `<station>:<metric>`),
 *   Observations = readings (id `<station>:<metric>:<UTC time with µs>`).
 * Paths: `/Collection`, `/Collection('id')`, `/Collection('id')/Navigation`. Query options in
 * ./odata.ts. Collections answer `{ "@iot.count"?, "value": [...], "@iot.nextLink"? }`.
 * HistoricalLocations, FeaturesOfInterest, MultiDatastreams and every write are not served.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DeviceProfile } from '../../device-profiles/index.js';
import { qualityName } from '../../domain/quality.js';
import { createError } from '../../lib/errors.js';
import { countObservations, getObservation, observations, type Comparison, type ObservationQuery, type RawRow } from '../../store/analytics.js';
import type { Station } from '../../store/stations.js';
import { analystRateLimit } from '../plugins/analytics-rate-limit.js';
import { stationMetrics, type StationMetric } from '../../analytics/catalog.js';
import { requireRole } from '../plugins/auth.js';
import type { HttpDeps } from '../index.js';
import { applySelect, compareBy, matches, parseOptions, type QueryOptions } from './odata.js';

export const STA_BASE = '/sta/v1.1';

type Json = Record<string, unknown>;
type Collection = 'Things' | 'Locations' | 'Sensors' | 'ObservedProperties' | 'Datastreams' | 'Observations';

/** Navigation properties of each entity type: name → (target collection, to-many). */
const NAV: Record<Collection, Record<string, [Collection, boolean]>> = {
  Things: { Locations: ['Locations', true], Datastreams: ['Datastreams', true] },
  Locations: { Things: ['Things', true] },
  Sensors: { Datastreams: ['Datastreams', true] },
  ObservedProperties: { Datastreams: ['Datastreams', true] },
  Datastreams: { Thing: ['Things', false], Sensor: ['Sensors', false], ObservedProperty: ['ObservedProperties', false], Observations: ['Observations', true] },
  Observations: { Datastream: ['Datastreams', false] },
};

const OM_MEASUREMENT = 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement';
const PATH_RE = /^(Things|Locations|Sensors|ObservedProperties|Datastreams|Observations)(?:\((?:'((?:[^']|'')*)'|([^)'/]+))\))?(?:\/([A-Za-z]+))?$/;

const quote = (id: string) => `'${id.replaceAll("'", "''")}'`;

export async function staRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const { db, directory, profiles, tokens, config } = deps;
  const viewer = requireRole(tokens, 'viewer');
  analystRateLimit(app, config);

  const profileOf = (s: Station): DeviceProfile => profiles.get(s.profileId)!.profile;

  /** Builds the JSON of every entity of a collection (all but Observations) with its links. */
  async function entities(base: string, collection: Exclude<Collection, 'Observations'>, stations: readonly Station[]): Promise<Json[]> {
    const self = (c: Collection, id: string) => `${base}/${c}(${quote(id)})`;
    const nav = (c: Collection, id: string, names: string[]) => Object.fromEntries(names.map((n) => [`${n}@iot.navigationLink`, `${self(c, id)}/${n}`]));
    switch (collection) {
      case 'Things':
        return stations.map((s) => ({
          '@iot.id': s.id,
          '@iot.selfLink': self('Things', s.id),
          name: s.name,
          description: `${profileOf(s).name.en} ${s.id}`,
          properties: { profile: s.profileId, province: s.province, timezone: s.timezone, enabled: s.enabled },
          ...nav('Things', s.id, ['Locations', 'HistoricalLocations', 'Datastreams']),
        }));
      case 'Locations':
        return stations.map((s) => ({
          '@iot.id': s.id,
          '@iot.selfLink': self('Locations', s.id),
          name: s.name,
          description: `Location of station ${s.id}${s.province ? `, ${s.province}` : ''}`,
          encodingType: 'application/geo+json',
          location: { type: 'Point', coordinates: [s.lon, s.lat] },
          ...nav('Locations', s.id, ['Things', 'HistoricalLocations']),
        }));
      case 'Sensors':
        return [...profiles.values()].map(({ profile: p }) => ({
          '@iot.id': p.id,
          '@iot.selfLink': self('Sensors', p.id),
          name: p.name.en,
          description: p.description?.en ?? p.name.en,
          encodingType: 'application/json',
          metadata: `/api/v1/profiles#${p.id}`,
          properties: { version: p.version, expectedIntervalSeconds: p.expectedIntervalSeconds, nameVi: p.name.vi },
          ...nav('Sensors', p.id, ['Datastreams']),
        }));
      case 'ObservedProperties': {
        const seen = new Map<string, Json>();
        for (const { profile: p } of profiles.values()) {
          for (const [key, m] of Object.entries(p.metrics)) {
            if (seen.has(key)) continue;
            seen.set(key, {
              '@iot.id': key,
              '@iot.selfLink': self('ObservedProperties', key),
              name: m.name.en,
              definition: `urn:quantrac:metric:${key}`,
              description: `${m.name.en} (${m.name.vi})${m.symbol ? `, Circular 10/2021 symbol ${m.symbol}` : ''}`,
              properties: { nameVi: m.name.vi },
              ...nav('ObservedProperties', key, ['Datastreams']),
            });
          }
        }
        return [...seen.values()];
      }
      case 'Datastreams': {
        const metrics = await stationMetrics(db, profiles, stations);
        return stations.flatMap((s) =>
          (metrics.get(s.id) ?? []).map((m: StationMetric) => {
            const id = `${s.id}:${m.key}`;
            return {
              '@iot.id': id,
              '@iot.selfLink': self('Datastreams', id),
              name: `${m.name.en} at ${s.name}`,
              description: `${m.name.en} (${m.name.vi}) measured by station ${s.id} every ${m.intervalSeconds} s`,
              observationType: OM_MEASUREMENT,
              unitOfMeasurement: { name: m.unit, symbol: m.unit, definition: `urn:quantrac:unit:${encodeURIComponent(m.unit)}` },
              ...(m.firstReading && m.lastReading ? { phenomenonTime: `${m.firstReading}/${m.lastReading}` } : {}),
              properties: { station: s.id, metric: m.key, intervalSeconds: m.intervalSeconds },
              ...nav('Datastreams', id, ['Thing', 'Sensor', 'ObservedProperty', 'Observations']),
            };
          }),
        );
      }
    }
  }

  function observationJson(base: string, r: RawRow): Json {
    const id = `${r.stationId}:${r.metric}:${r.key.ts}`;
    return {
      '@iot.id': id,
      '@iot.selfLink': `${base}/Observations(${quote(id)})`,
      phenomenonTime: r.ts.toISOString(),
      resultTime: r.ts.toISOString(),
      result: r.value,
      resultQuality: qualityName(r.quality),
      'Datastream@iot.navigationLink': `${base}/Observations(${quote(id)})/Datastream`,
    };
  }

  function parseObservationId(id: string): { stationId: string; metric: string; ts: string } {
    const m = /^([A-Za-z0-9_-]{1,64}):([A-Za-z0-9_-]{1,64}):(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)$/.exec(id);
    if (!m) throw createError('QT_ERR_NOT_FOUND', `No Observation ${id}`);
    return { stationId: m[1]!, metric: m[2]!, ts: m[3]! };
  }

  /** Observations filter → SQL (time, result, Datastream id); other properties are refused. */
  function observationQuery(opts: QueryOptions, series: ObservationQuery['series']): ObservationQuery {
    const time: Array<{ op: Comparison; value: Date }> = [];
    const result: Array<{ op: Comparison; value: number }> = [];
    let scoped = series;
    for (const c of opts.filter) {
      if (c.path === 'phenomenonTime' || c.path === 'resultTime') {
        if (!(c.value instanceof Date)) throw createError('QT_ERR_QUERY_INVALID', `$filter: ${c.path} compares with an ISO 8601 time`);
        time.push({ op: c.op, value: c.value });
      } else if (c.path === 'result') {
        if (typeof c.value !== 'number') throw createError('QT_ERR_QUERY_INVALID', '$filter: result compares with a number');
        result.push({ op: c.op, value: c.value });
      } else if (c.path === 'Datastream/@iot.id' && c.op === 'eq' && typeof c.value === 'string') {
        const [stationId, metric] = c.value.split(':');
        const own = { stationId: stationId ?? '', metric: metric ?? '' };
        scoped = scoped ? scoped.filter((s) => s.stationId === own.stationId && s.metric === own.metric) : [own];
      } else {
        throw createError('QT_ERR_QUERY_INVALID', `$filter: on Observations only phenomenonTime, resultTime, result and Datastream/@iot.id eq are supported, not ${c.path}`);
      }
    }
    const order = opts.orderBy[0];
    if (opts.orderBy.length > 1 || (order && !['phenomenonTime', 'resultTime', 'result'].includes(order.path))) {
      throw createError('QT_ERR_QUERY_INVALID', '$orderby: Observations order by one of phenomenonTime, resultTime, result');
    }
    return { series: scoped, time, result, orderBy: order?.path === 'result' ? 'value' : 'ts', desc: order?.desc ?? false, limit: opts.top + 1, offset: opts.skip };
  }

  function nextLink(request: FastifyRequest, base: string, path: string, opts: QueryOptions): string {
    const params = new URLSearchParams(request.query as Record<string, string>);
    params.set('$skip', String(opts.skip + opts.top));
    params.set('$top', String(opts.top));
    return `${base}/${path}?${params.toString().replaceAll('%24', '$')}`;
  }

  async function expand(base: string, collection: Collection, items: Json[], opts: QueryOptions): Promise<void> {
    for (const name of opts.expand) {
      const [, many] = NAV[collection][name]!;
      for (const item of items) {
        const related = await navigate(base, collection, String(item['@iot.id']), name, { ...opts, top: 100, skip: 0, filter: [], orderBy: [], expand: [], select: undefined, count: false });
        item[name] = many ? related.value : (related.value[0] ?? null);
      }
    }
  }

  interface Page {
    value: Json[];
    more: boolean;
    count?: number;
  }

  /** The entities related to one entity by a navigation property. */
  async function navigate(base: string, collection: Collection, id: string, name: string, opts: QueryOptions): Promise<Page> {
    const [target] = NAV[collection][name] ?? [];
    if (!target) throw createError('QT_ERR_NOT_FOUND', `${collection} has no navigation property ${name}`);
    if (target === 'Observations') {
      const ds = datastreamKey(id);
      return observationPage(base, opts, [ds]);
    }
    let scoped: Json[];
    const stationsAll = directory.all();
    if (collection === 'Observations') {
      const o = parseObservationId(id);
      scoped = (await entities(base, 'Datastreams', stationsAll.filter((s) => s.id === o.stationId))).filter((d) => d['@iot.id'] === `${o.stationId}:${o.metric}`);
    } else if (collection === 'Datastreams') {
      const { stationId, metric } = datastreamKey(id);
      const s = stationsAll.find((x) => x.id === stationId);
      if (!s) throw createError('QT_ERR_NOT_FOUND', `No Datastream ${id}`);
      const key = target === 'Things' ? s.id : target === 'Sensors' ? s.profileId : metric;
      scoped = (await entities(base, target as Exclude<Collection, 'Observations'>, [s])).filter((e) => e['@iot.id'] === key);
    } else if (target === 'Datastreams') {
      const stations = collection === 'Sensors' ? stationsAll.filter((s) => s.profileId === id) : collection === 'Things' ? stationsAll.filter((s) => s.id === id) : stationsAll;
      scoped = (await entities(base, 'Datastreams', stations)).filter((d) => collection !== 'ObservedProperties' || (d['properties'] as Json)['metric'] === id);
    } else {
      // Things ⇄ Locations: one location per station, same id.
      scoped = await entities(base, target as Exclude<Collection, 'Observations'>, stationsAll.filter((s) => s.id === id));
    }
    return pageOf(scoped, opts);
  }

  function datastreamKey(id: string): { stationId: string; metric: string } {
    const m = /^([A-Za-z0-9_-]{1,64}):([A-Za-z0-9_-]{1,64})$/.exec(id);
    const s = m ? directory.get(m[1]!) : undefined;
    if (!m || !s || !profileOf(s).metrics[m[2]!]) throw createError('QT_ERR_NOT_FOUND', `No Datastream ${id}`);
    return { stationId: m[1]!, metric: m[2]! };
  }

  function pageOf(all: Json[], opts: QueryOptions): Page {
    const filtered = all.filter((e) => matches(e, opts.filter));
    if (opts.orderBy.length > 0) filtered.sort(compareBy(opts.orderBy));
    return { value: filtered.slice(opts.skip, opts.skip + opts.top), more: filtered.length > opts.skip + opts.top, ...(opts.count ? { count: filtered.length } : {}) };
  }

  async function observationPage(base: string, opts: QueryOptions, series: ObservationQuery['series']): Promise<Page> {
    const q = observationQuery(opts, series);
    const rows = await observations(db, q);
    const value = rows.slice(0, opts.top).map((r) => observationJson(base, r));
    return { value, more: rows.length > opts.top, ...(opts.count ? { count: await countObservations(db, q) } : {}) };
  }

  const STA_SCHEMA = { tags: ['sensorthings'] };

  app.get(STA_BASE, { preHandler: viewer, schema: { ...STA_SCHEMA, summary: 'SensorThings service root (entity sets and conformance)' } }, async (request) => {
    const base = `${request.protocol}://${request.host}${STA_BASE}`;
    const sets: Collection[] = ['Things', 'Locations', 'Sensors', 'ObservedProperties', 'Datastreams', 'Observations'];
    return {
      value: sets.map((name) => ({ name, url: `${base}/${name}` })),
      serverSettings: { conformance: ['http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel', 'http://www.opengis.net/spec/iot_sensing/1.1/req/request-data'] },
    };
  });

  app.get<{ Params: { '*': string }; Querystring: Record<string, string> }>(
    `${STA_BASE}/*`,
    {
      preHandler: viewer,
      schema: {
        ...STA_SCHEMA,
        summary: 'SensorThings resources: /Things, /Things(\'id\'), /Things(\'id\')/Datastreams, … with $top $skip $count $orderby $select $expand $filter',
        querystring: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
    async (request) => {
      const base = `${request.protocol}://${request.host}${STA_BASE}`;
      const path = decodeURIComponent(request.params['*']);
      const m = PATH_RE.exec(path);
      if (!m) throw createError('QT_ERR_NOT_FOUND', `No SensorThings resource ${path} (served: Things, Locations, Sensors, ObservedProperties, Datastreams, Observations)`);
      const collection = m[1] as Collection;
      const id = m[2] !== undefined ? m[2].replaceAll("''", "'") : m[3];
      const navName = m[4];
      const resultCollection = navName ? NAV[collection][navName]?.[0] : collection;
      if (!resultCollection) throw createError('QT_ERR_NOT_FOUND', `${collection} has no navigation property ${navName}`);
      const opts = parseOptions(request.query, Object.keys(NAV[resultCollection]));
      const finish = async (items: Json[]) => {
        await expand(base, resultCollection, items, opts);
        return items.map((e) => applySelect(e, opts.select));
      };

      if (id === undefined) {
        if (navName) throw createError('QT_ERR_NOT_FOUND', `${collection}/${navName} needs an entity id`);
        const page =
          collection === 'Observations'
            ? await observationPage(base, opts, undefined)
            : pageOf(await entities(base, collection, directory.all().sort((a, b) => a.id.localeCompare(b.id))), opts);
        return {
          ...(page.count !== undefined ? { '@iot.count': page.count } : {}),
          value: await finish(page.value),
          ...(page.more ? { '@iot.nextLink': nextLink(request, base, path, opts) } : {}),
        };
      }

      if (!navName) {
        let entity: Json | undefined;
        if (collection === 'Observations') {
          const o = parseObservationId(id);
          const row = await getObservation(db, o.stationId, o.metric, o.ts);
          entity = row ? observationJson(base, row) : undefined;
        } else {
          const stations = collection === 'Datastreams' ? directory.all().filter((s) => s.id === id.split(':')[0]) : directory.all();
          entity = (await entities(base, collection, stations)).find((e) => e['@iot.id'] === id);
        }
        if (!entity) throw createError('QT_ERR_NOT_FOUND', `No ${collection.replace(/s$/, '')} ${id}`);
        return (await finish([entity]))[0];
      }

      const [, many] = NAV[collection][navName]!;
      const page = await navigate(base, collection, id, navName, opts);
      if (!many) {
        const one = page.value[0];
        if (!one) throw createError('QT_ERR_NOT_FOUND', `No ${navName} of ${collection} ${id}`);
        return (await finish([one]))[0];
      }
      return {
        ...(page.count !== undefined ? { '@iot.count': page.count } : {}),
        value: await finish(page.value),
        ...(page.more ? { '@iot.nextLink': nextLink(request, base, path, opts) } : {}),
      };
    },
  );

}
