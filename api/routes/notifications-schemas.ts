/**
 * @module api/routes/notifications-schemas
 * JSON schemas of the notification admin API (api/routes/notifications*.ts): bodies, params
 * and responses. Cross-field checks (fields per kind, templates, ids that must exist) are
 * notify/validate.ts's.
 */

export const idParam = { type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'integer', minimum: 1, maximum: 2147483647 } } } as const;
export const tokenParam = { type: 'object', required: ['token'], additionalProperties: false, properties: { token: { type: 'string', minLength: 10, maxLength: 200 } } } as const;

const idList = { type: 'array', maxItems: 50, items: { type: 'integer', minimum: 1, maximum: 2147483647 } } as const;
const stringList = (max = 100) => ({ type: 'array', maxItems: max, items: { type: 'string', minLength: 1, maxLength: 120 } }) as const;
const name = { type: 'string', minLength: 1, maxLength: 120 } as const;
const timeZone = { type: 'string', minLength: 1, maxLength: 64, default: 'Asia/Ho_Chi_Minh' } as const;
const isoTime = { type: 'string', minLength: 10, maxLength: 40 } as const;
/** Any object answer; the listed fields document it (unlisted ones still go out). */
const obj = (properties: Record<string, unknown> = {}) => ({ type: 'object', additionalProperties: true, properties }) as const;
export const listOf = (item: object) => ({ 200: { type: 'object', properties: { data: { type: 'array', items: item } } } }) as const;
export const errorResponse = obj({ error: obj({ code: { type: 'string' }, message: { type: 'string' } }) });

export const contactPointBody = {
  type: 'object',
  required: ['name', 'kind', 'settings'],
  additionalProperties: false,
  properties: {
    name,
    kind: { enum: ['email', 'sms', 'chat', 'webhook'] },
    settings: {
      type: 'object',
      additionalProperties: false,
      properties: {
        host: { type: 'string', maxLength: 255 },
        port: { type: 'integer', minimum: 1, maximum: 65535 },
        secure: { type: 'boolean' },
        tlsVerify: { type: 'boolean' },
        user: { type: 'string', maxLength: 255 },
        from: { type: 'string', maxLength: 255 },
        to: { type: 'string', maxLength: 1000 },
        url: { type: 'string', maxLength: 2000 },
        method: { enum: ['GET', 'POST', 'PUT'] },
        contentType: { type: 'string', maxLength: 100 },
        headers: { type: 'object', additionalProperties: { type: 'string', maxLength: 2000 } },
        bodyTemplate: { type: 'string', maxLength: 8000 },
        recipientLabel: { type: 'string', maxLength: 200 },
      },
    },
    secrets: {
      type: 'object',
      additionalProperties: false,
      properties: {
        password: { type: ['string', 'null'], maxLength: 1000 },
        headers: { type: 'object', additionalProperties: { type: ['string', 'null'], maxLength: 4000 } },
      },
    },
    username: { type: ['string', 'null'], maxLength: 64 },
    language: { enum: ['vi', 'en'] },
    enabled: { type: 'boolean' },
  },
} as const;

export const contactPointJson = obj({
  id: { type: 'integer' },
  name: { type: 'string' },
  kind: { type: 'string' },
  settings: obj(),
  secretsSet: { type: 'array', items: { type: 'string' } },
  username: { type: ['string', 'null'] },
  language: { type: 'string' },
  enabled: { type: 'boolean' },
  health: obj(),
});

export const policyBody = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name,
    enabled: { type: 'boolean', default: true },
    matchers: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        severities: { type: 'array', items: { enum: ['info', 'warning', 'critical'] } },
        provinces: stringList(),
        profiles: stringList(),
        packs: stringList(),
        stations: stringList(500),
        kinds: { type: 'array', items: { enum: ['observed', 'forecast'] } },
      },
    },
    contactPointIds: { ...idList, default: [] },
    continueMatching: { type: 'boolean', default: false },
    groupBy: { enum: ['none', 'station', 'province'], default: 'none' },
    groupWaitSeconds: { type: 'integer', minimum: 0, maximum: 3600, default: 0 },
    repeatIntervalMinutes: { type: 'integer', minimum: 0, maximum: 10080, default: 0 },
    sendResolved: { type: 'boolean', default: true },
    muteTimingIds: { ...idList, default: [] },
    criticalPassesMute: { type: 'boolean', default: true },
    escalationChainId: { type: ['integer', 'null'], minimum: 1, maximum: 2147483647, default: null },
  },
} as const;

export const muteTimingBody = {
  type: 'object',
  required: ['name', 'intervals'],
  additionalProperties: false,
  properties: {
    name,
    timeZone,
    intervals: {
      type: 'array',
      maxItems: 50,
      items: {
        type: 'object',
        required: ['start', 'end'],
        additionalProperties: false,
        properties: {
          weekdays: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 7 }, default: [] },
          start: { type: 'string', maxLength: 5 },
          end: { type: 'string', maxLength: 5 },
        },
      },
    },
  },
} as const;

export const scheduleBody = {
  type: 'object',
  required: ['name', 'rotation'],
  additionalProperties: false,
  properties: {
    name,
    timeZone,
    rotation: {
      type: 'object',
      required: ['startsAt', 'shiftHours', 'members'],
      additionalProperties: false,
      properties: { startsAt: isoTime, shiftHours: { type: 'number', exclusiveMinimum: 0, maximum: 744 }, members: { ...idList, minItems: 1 } },
    },
    overrides: {
      type: 'array',
      maxItems: 200,
      default: [],
      items: {
        type: 'object',
        required: ['startsAt', 'endsAt', 'contactPointId'],
        additionalProperties: false,
        properties: { startsAt: isoTime, endsAt: isoTime, contactPointId: { type: 'integer', minimum: 1, maximum: 2147483647 }, note: { type: 'string', maxLength: 200 } },
      },
    },
  },
} as const;

export const chainBody = {
  type: 'object',
  required: ['name', 'levels'],
  additionalProperties: false,
  properties: {
    name,
    levels: {
      type: 'array',
      minItems: 1,
      maxItems: 10,
      items: {
        type: 'object',
        required: ['afterMinutes'],
        additionalProperties: false,
        properties: { afterMinutes: { type: 'integer', minimum: 0, maximum: 10080 }, contactPointIds: { ...idList, default: [] }, scheduleIds: { ...idList, default: [] } },
      },
    },
  },
} as const;

export const deliveriesQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    contactPoint: { type: 'integer', minimum: 1, maximum: 2147483647 },
    status: { enum: ['sent', 'failed', 'gave_up', 'muted'] },
    channel: { enum: ['email', 'sms', 'chat', 'webhook'] },
    alert: { type: 'integer', minimum: 1, maximum: 2147483647 },
    before: { type: 'integer', minimum: 1, maximum: 2147483647 },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  },
} as const;

export const settingsBody = {
  type: 'object',
  required: ['baseUrl'],
  additionalProperties: false,
  properties: { baseUrl: { type: 'string', minLength: 8, maxLength: 500, pattern: '^https?://' } },
} as const;

export { obj };
