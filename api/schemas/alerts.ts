/**
 * @module api/schemas/alerts
 * The JSON schemas of the alert routes (api/routes/alerts.ts): alerts with their history, rules,
 * silences and the AQI / WQI series, as `alertJson`, `eventJson` and `silenceJson` write them.
 * fastify validates requests and serializes answers with them; @fastify/swagger publishes them.
 */
import { BEFORE, FREE_OBJECT, LIMIT, NULLABLE_TIME, TIME } from './common.js';

const SEVERITY = { enum: ['info', 'warning', 'critical'] } as const;
const STATE = { enum: ['pending', 'firing', 'acknowledged', 'resolved'] } as const;
const BILINGUAL = { type: 'object', required: ['en', 'vi'], properties: { en: { type: 'string' }, vi: { type: 'string' } } } as const;
const NULLABLE_STRING = { type: ['string', 'null'] } as const;

export const ALERT = {
  type: 'object',
  required: [
    'id',
    'station',
    'rule',
    'state',
    'severity',
    'level',
    'value',
    'message',
    'silenced',
    'openedAt',
    'firingAt',
    'clearingSince',
    'acknowledged',
    'resolved',
    'projectedAt',
    'updatedAt',
  ],
  properties: {
    id: { type: 'integer' },
    station: { type: 'string' },
    rule: { type: 'string' },
    state: STATE,
    severity: SEVERITY,
    level: { type: ['number', 'null'], description: 'the alarm level of a level rule (flood levels I, II, III)' },
    value: { type: ['number', 'null'] },
    unit: { type: ['string', 'null'], description: "the value's unit, from the station's device profile (null for rules without a metric)" },
    message: { ...BILINGUAL, description: "what happened, in English and Vietnamese (the rule packs' verification tags such as [V] are left out)" },
    silenced: { type: 'boolean' },
    openedAt: TIME,
    firingAt: NULLABLE_TIME,
    clearingSince: NULLABLE_TIME,
    acknowledged: { type: ['object', 'null'], properties: { at: TIME, by: NULLABLE_STRING, comment: NULLABLE_STRING } },
    resolved: { type: ['object', 'null'], properties: { at: TIME, by: NULLABLE_STRING, reason: NULLABLE_STRING } },
    projectedAt: { ...NULLABLE_TIME, description: 'forecast rules: when the threshold is expected to be crossed' },
    updatedAt: TIME,
  },
} as const;

const ALERT_EVENT = {
  type: 'object',
  required: ['at', 'type', 'from', 'to', 'severity', 'actor', 'comment', 'value'],
  properties: {
    at: TIME,
    type: { enum: ['pending', 'firing', 'acknowledged', 'resolved', 'escalated', 'deescalated', 'reminder', 'cancelled'] },
    from: { anyOf: [STATE, { type: 'null' }] },
    to: STATE,
    severity: SEVERITY,
    actor: NULLABLE_STRING,
    comment: NULLABLE_STRING,
    value: { type: ['number', 'null'] },
    evidence: { description: 'what the rule saw (readings, window, forecast)' },
  },
} as const;

export const ALERT_LIST = {
  type: 'object',
  required: ['data', 'next'],
  properties: { data: { type: 'array', items: ALERT }, next: { type: ['integer', 'null'], description: 'pass as `before` for the next page' } },
} as const;
export const ALERT_DETAIL = {
  type: 'object',
  required: ['alert', 'rule', 'history'],
  properties: { alert: ALERT, rule: { ...FREE_OBJECT, type: ['object', 'null'], description: 'the rule now (null when deleted)' }, history: { type: 'array', items: ALERT_EVENT } },
} as const;
export const ALERT_ONE = { type: 'object', required: ['alert'], properties: { alert: ALERT } } as const;

export const ALERTS_QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    state: { enum: ['open', 'pending', 'firing', 'acknowledged', 'resolved'] },
    station: { type: 'string', maxLength: 64 },
    severity: SEVERITY,
    rule: { type: 'string', maxLength: 80 },
    before: BEFORE,
    limit: LIMIT,
  },
} as const;

/** A rule as the API shows it (alerts/rule-index.ts RuleView); the rule itself follows GET /api/v1/rules/schema. */
export const RULE_VIEW = {
  type: 'object',
  required: ['rule', 'origin', 'pack', 'updatedAt', 'updatedBy'],
  properties: {
    rule: { ...FREE_OBJECT, description: 'the rule (JSON Schema: GET /api/v1/rules/schema)' },
    origin: { enum: ['pack', 'user'] },
    pack: NULLABLE_STRING,
    updatedAt: TIME,
    updatedBy: NULLABLE_STRING,
  },
} as const;
export const RULE_LIST = { type: 'object', required: ['data'], properties: { data: { type: 'array', items: RULE_VIEW } } } as const;
/** The body of POST /api/v1/rules and PUT /api/v1/rules/{id}: documented only, the engine validates it (QT_ERR_RULE_INVALID). */
export const RULE_BODY = { ...FREE_OBJECT, description: 'a rule; its JSON Schema is GET /api/v1/rules/schema (refused with 400 QT_ERR_RULE_INVALID)' } as const;

export const SILENCE = {
  type: 'object',
  required: ['id', 'station', 'rule', 'startsAt', 'endsAt', 'comment', 'createdBy', 'createdAt'],
  properties: {
    id: { type: 'integer' },
    station: NULLABLE_STRING,
    rule: NULLABLE_STRING,
    startsAt: TIME,
    endsAt: TIME,
    comment: { type: 'string' },
    createdBy: { type: 'string' },
    createdAt: TIME,
  },
} as const;
export const SILENCE_LIST = { type: 'object', required: ['data'], properties: { data: { type: 'array', items: SILENCE } } } as const;

/** GET /api/v1/stations/{id}/aqi */
export const INDEX_SERIES = {
  type: 'object',
  required: ['station', 'index', 'period', 'data'],
  properties: {
    station: { type: 'string' },
    index: { type: 'string', description: 'vn_aqi, us_aqi or vn_wqi' },
    period: { enum: ['hour', 'day'] },
    data: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          ts: { type: 'string', description: 'the hour (ISO time) or the local day (YYYY-MM-DD)' },
          aqi: { type: ['number', 'null'] },
          category: { type: 'object', properties: { key: { type: 'string' }, name: BILINGUAL, color: NULLABLE_STRING } },
          dominant: NULLABLE_STRING,
          subIndices: { ...FREE_OBJECT, type: ['object', 'null'] },
        },
      },
    },
  },
} as const;
