/**
 * @module api/sta/entities
 * The JSON of each SensorThings entity (OGC 18-088 §8.2, §9.2.2): its properties, `@iot.id`,
 * `@iot.selfLink` and one `<Nav>@iot.navigationLink` per navigation property of ./model.ts, so
 * only links that are served are advertised. String ids are quoted in links (`Things('AN-A')`).
 */
import type { DeviceProfile } from '../../device-profiles/index.js';
import type { StationMetric } from '../../analytics/catalog.js';
import { qualityName } from '../../domain/quality.js';
import type { RawRow } from '../../store/analytics.js';
import type { Station } from '../../store/stations.js';
import { MODEL, type EntitySet } from './model.js';

export type Json = Record<string, unknown>;

/** One entity with the keys that relate it to others (not part of its JSON). */
export interface Row {
  id: string;
  json: Json;
  stationId?: string;
  metric?: string;
  profileId?: string;
}

export const OM_MEASUREMENT = 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement';

export const quoteId = (id: string) => `'${id.replaceAll("'", "''")}'`;
export const selfLink = (base: string, set: EntitySet, id: string) => `${base}/${set}(${quoteId(id)})`;

function entity(base: string, set: EntitySet, id: string, props: Json): Json {
  const self = selfLink(base, set, id);
  return {
    '@iot.id': id,
    '@iot.selfLink': self,
    ...props,
    ...Object.fromEntries(Object.keys(MODEL[set].navigation).map((n) => [`${n}@iot.navigationLink`, `${self}/${n}`])),
  };
}

const point = (s: Station) => ({ type: 'Point', coordinates: [s.lon, s.lat] });

export function thingRow(base: string, s: Station, profile: DeviceProfile): Row {
  return {
    id: s.id,
    stationId: s.id,
    profileId: s.profileId,
    json: entity(base, 'Things', s.id, {
      name: s.name,
      description: `${profile.name.en} ${s.id}`,
      properties: { profile: s.profileId, province: s.province, timezone: s.timezone, enabled: s.enabled },
    }),
  };
}

export function locationRow(base: string, s: Station): Row {
  return {
    id: s.id,
    stationId: s.id,
    json: entity(base, 'Locations', s.id, {
      name: s.name,
      description: `Location of station ${s.id}${s.province ? `, ${s.province}` : ''}`,
      encodingType: 'application/geo+json',
      location: point(s),
    }),
  };
}

/** One per station: where it has been since it was registered (stations do not move here). */
export function historicalLocationRow(base: string, s: Station): Row {
  return { id: s.id, stationId: s.id, json: entity(base, 'HistoricalLocations', s.id, { time: s.createdAt.toISOString() }) };
}

/** One per station: the place its observations are about, i.e. its position. */
export function featureOfInterestRow(base: string, s: Station): Row {
  return {
    id: s.id,
    stationId: s.id,
    json: entity(base, 'FeaturesOfInterest', s.id, {
      name: s.name,
      description: `Surroundings of station ${s.id}${s.province ? `, ${s.province}` : ''}`,
      encodingType: 'application/geo+json',
      feature: point(s),
    }),
  };
}

export function sensorRow(base: string, p: DeviceProfile): Row {
  return {
    id: p.id,
    profileId: p.id,
    json: entity(base, 'Sensors', p.id, {
      name: p.name.en,
      description: p.description?.en ?? p.name.en,
      encodingType: 'application/json',
      metadata: `/api/v1/profiles#${p.id}`,
      properties: { version: p.version, expectedIntervalSeconds: p.expectedIntervalSeconds, nameVi: p.name.vi },
    }),
  };
}

export function observedPropertyRows(base: string, profiles: readonly DeviceProfile[]): Row[] {
  const seen = new Map<string, Row>();
  for (const p of profiles) {
    for (const [key, m] of Object.entries(p.metrics)) {
      if (seen.has(key)) continue;
      seen.set(key, {
        id: key,
        metric: key,
        json: entity(base, 'ObservedProperties', key, {
          name: m.name.en,
          definition: `urn:quantrac:metric:${key}`,
          description: `${m.name.en} (${m.name.vi})${m.symbol ? `, Circular 10/2021 symbol ${m.symbol}` : ''}`,
          properties: { nameVi: m.name.vi },
        }),
      });
    }
  }
  return [...seen.values()];
}

export function datastreamRow(base: string, s: Station, m: StationMetric): Row {
  const id = `${s.id}:${m.key}`;
  const time = m.firstReading && m.lastReading ? `${m.firstReading}/${m.lastReading}` : undefined;
  return {
    id,
    stationId: s.id,
    metric: m.key,
    profileId: s.profileId,
    json: entity(base, 'Datastreams', id, {
      name: `${m.name.en} at ${s.name}`,
      description: `${m.name.en} (${m.name.vi}) measured by station ${s.id} every ${m.intervalSeconds} s`,
      observationType: OM_MEASUREMENT,
      unitOfMeasurement: { name: m.unit, symbol: m.unit, definition: `urn:quantrac:unit:${encodeURIComponent(m.unit)}` },
      observedArea: point(s),
      ...(time ? { phenomenonTime: time, resultTime: time } : {}),
      properties: { station: s.id, metric: m.key, intervalSeconds: m.intervalSeconds },
    }),
  };
}

export function observationRow(base: string, r: RawRow): Row {
  const id = `${r.stationId}:${r.metric}:${r.key.ts}`;
  return {
    id,
    stationId: r.stationId,
    metric: r.metric,
    json: entity(base, 'Observations', id, {
      phenomenonTime: r.ts.toISOString(),
      resultTime: r.ts.toISOString(),
      result: r.value,
      resultQuality: qualityName(r.quality),
    }),
  };
}
