/**
 * @module api/schemas/stations
 * The answers of the station routes (api/routes/stations.ts): a station as `stationJson` writes
 * it, with its metrics or its latest values. fastify serializes the answers with them and
 * @fastify/swagger publishes them, so the document says exactly what is sent.
 */
import { QUALITY_NAMES } from '../../domain/quality.js';
import { FREE_OBJECT, NULLABLE_TIME, TIME } from './common.js';

/** Station attributes used by rules; floodLevels = alarm levels I, II, III (m) of QĐ 05/2020/QĐ-TTg. */
export const ATTRIBUTES_SCHEMA = {
  type: 'object',
  maxProperties: 50,
  properties: {
    floodLevels: { type: 'array', minItems: 3, maxItems: 3, items: { type: 'number' } },
  },
} as const;

/** A station as the API shows it. */
export const STATION = {
  type: 'object',
  required: ['id', 'name', 'profile', 'lat', 'lon', 'province', 'timezone', 'enabled', 'simulated', 'connection', 'attributes', 'createdAt'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    profile: { type: 'string', description: 'device profile id' },
    lat: { type: 'number' },
    lon: { type: 'number' },
    province: { type: ['string', 'null'] },
    timezone: { type: 'string' },
    enabled: { type: 'boolean' },
    simulated: { type: 'boolean' },
    connection: { type: 'object', required: ['state', 'since'], properties: { state: { enum: ['unknown', 'online', 'offline'] }, since: NULLABLE_TIME } },
    attributes: { ...FREE_OBJECT, description: 'station-specific settings used by rules (floodLevels…)' },
    createdAt: TIME,
  },
} as const;

/** A metric a station measures, with the time span of its readings. */
const STATION_METRIC = {
  type: 'object',
  required: ['key', 'name', 'unit', 'intervalSeconds', 'firstReading', 'lastReading'],
  properties: {
    key: { type: 'string' },
    name: { type: 'object', required: ['en', 'vi'], properties: { en: { type: 'string' }, vi: { type: 'string' } } },
    unit: { type: 'string' },
    intervalSeconds: { type: 'number' },
    firstReading: NULLABLE_TIME,
    lastReading: NULLABLE_TIME,
  },
} as const;

export const STATION_LIST = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'array',
      items: { ...STATION, required: [...STATION.required, 'metrics'], properties: { ...STATION.properties, metrics: { type: 'array', items: STATION_METRIC } } },
    },
  },
} as const;

export const STATION_ONE = { type: 'object', required: ['station'], properties: { station: STATION } } as const;

export const STATION_DETAIL = {
  type: 'object',
  required: ['station', 'latest'],
  properties: {
    station: STATION,
    latest: {
      type: 'array',
      items: {
        type: 'object',
        required: ['metric', 'ts', 'value', 'quality', 'unit'],
        properties: { metric: { type: 'string' }, ts: TIME, value: { type: ['number', 'null'] }, quality: { enum: [...QUALITY_NAMES] }, unit: { type: ['string', 'null'] } },
      },
    },
  },
} as const;

export const STATION_CREATED = {
  type: 'object',
  required: ['station', 'secret', 'mqtt'],
  properties: {
    station: STATION,
    secret: { type: 'string', description: 'the MQTT / HTTP ingest password, shown once' },
    mqtt: { type: 'object', required: ['username', 'clientId', 'topic'], properties: { username: { type: 'string' }, clientId: { type: 'string' }, topic: { type: 'string' } } },
  },
} as const;

export const SECRET = { type: 'object', required: ['secret'], properties: { secret: { type: 'string', description: 'the new secret, shown once' } } } as const;

/** Device profiles as loaded (device-profiles/): their metrics, units, ranges. */
export const PROFILES = { type: 'object', required: ['data'], properties: { data: { type: 'array', items: FREE_OBJECT } } } as const;

/** `{id}` of a station. */
export const STATION_ID_PARAMS = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } as const;
