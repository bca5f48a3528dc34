/**
 * @module api/sta/model
 * The SensorThings 1.1 data model as Quantrac serves it (OGC 18-088 §8): each entity set's
 * properties and navigation properties. Query options are validated against it, so an unknown
 * property in $filter, $orderby or $select is a 400 naming it. Mapping onto Quantrac:
 *   Things = stations; Locations, HistoricalLocations and FeaturesOfInterest = one per station
 *   (its position; same id as the station); Sensors = device profiles; ObservedProperties =
 *   metrics; Datastreams = station × metric (id `<station>:<metric>`); Observations = readings
 *   (id `<station>:<metric>:<UTC time with µs>`).
 */
import { createError } from '../../lib/errors.js';

export type EntitySet = 'Things' | 'Locations' | 'HistoricalLocations' | 'Sensors' | 'ObservedProperties' | 'Datastreams' | 'Observations' | 'FeaturesOfInterest';

export const ENTITY_SETS: readonly EntitySet[] = [
  'Things',
  'Locations',
  'HistoricalLocations',
  'Datastreams',
  'Sensors',
  'ObservedProperties',
  'Observations',
  'FeaturesOfInterest',
];

/** `json`: a JSON object whose sub-paths may be used (`properties/province`, `location/type`). */
type PropertyKind = 'primitive' | 'json';

export interface Navigation {
  target: EntitySet;
  /** a to-many relation (a collection) */
  many: boolean;
  /** to-many in the standard, but at most one entity here (usable in $filter paths) */
  single?: true;
}

export interface EntityType {
  /** singular name, for messages (`No Thing 'x'`) */
  name: string;
  properties: Readonly<Record<string, PropertyKind>>;
  navigation: Readonly<Record<string, Navigation>>;
}

const one = (target: EntitySet): Navigation => ({ target, many: false });
const many = (target: EntitySet, single?: true): Navigation => ({ target, many: true, ...(single ? { single } : {}) });
const props = (names: string, json = ''): Record<string, PropertyKind> => ({
  '@iot.id': 'primitive',
  ...Object.fromEntries(
    names
      .split(' ')
      .filter(Boolean)
      .map((n) => [n, 'primitive']),
  ),
  ...Object.fromEntries(
    json
      .split(' ')
      .filter(Boolean)
      .map((n) => [n, 'json']),
  ),
});

export const MODEL: Readonly<Record<EntitySet, EntityType>> = {
  Things: {
    name: 'Thing',
    properties: props('name description', 'properties'),
    navigation: { Locations: many('Locations', true), HistoricalLocations: many('HistoricalLocations', true), Datastreams: many('Datastreams') },
  },
  Locations: {
    name: 'Location',
    properties: props('name description encodingType', 'location properties'),
    navigation: { Things: many('Things', true), HistoricalLocations: many('HistoricalLocations', true) },
  },
  HistoricalLocations: { name: 'HistoricalLocation', properties: props('time'), navigation: { Thing: one('Things'), Locations: many('Locations', true) } },
  Sensors: { name: 'Sensor', properties: props('name description encodingType metadata', 'properties'), navigation: { Datastreams: many('Datastreams') } },
  ObservedProperties: { name: 'ObservedProperty', properties: props('name definition description', 'properties'), navigation: { Datastreams: many('Datastreams') } },
  Datastreams: {
    name: 'Datastream',
    properties: props('name description observationType phenomenonTime resultTime', 'unitOfMeasurement observedArea properties'),
    navigation: { Thing: one('Things'), Sensor: one('Sensors'), ObservedProperty: one('ObservedProperties'), Observations: many('Observations') },
  },
  Observations: {
    name: 'Observation',
    properties: props('phenomenonTime resultTime result resultQuality validTime', 'parameters'),
    navigation: { Datastream: one('Datastreams'), FeatureOfInterest: one('FeaturesOfInterest') },
  },
  FeaturesOfInterest: { name: 'FeatureOfInterest', properties: props('name description encodingType', 'feature properties'), navigation: { Observations: many('Observations') } },
};

export const queryError = (option: string, message: string) => createError('QT_ERR_QUERY_INVALID', `${option}: ${message}`);

/**
 * Checks a property path of `set` (`name`, `properties/province`, `Thing/name`,
 * `Datastream/Thing/@iot.id`) and returns the entity sets it crosses, last one owning the
 * property. To-many navigation is refused unless it is one-to-one here.
 */
export function checkPath(set: EntitySet, path: readonly string[], option: string): EntitySet[] {
  const crossed: EntitySet[] = [set];
  let current = set;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const type = MODEL[current];
    const nav = type.navigation[seg];
    if (nav) {
      if (i === path.length - 1) throw queryError(option, `${path.join('/')} is an entity, not a property (end with a property, e.g. ${seg}/@iot.id)`);
      if (nav.many && !nav.single) throw queryError(option, `${path.join('/')}: ${seg} is a collection; paths through it are not served`);
      current = nav.target;
      crossed.push(current);
      continue;
    }
    const kind = type.properties[seg];
    if (!kind) throw queryError(option, `${type.name} has no property ${seg} (${[...Object.keys(type.properties), ...Object.keys(type.navigation)].join(', ')})`);
    if (kind === 'primitive' && i < path.length - 1) throw queryError(option, `${path.join('/')}: ${seg} has no sub-properties`);
    return crossed;
  }
  return crossed;
}
