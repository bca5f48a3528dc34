/**
 * @module api/schemas/common
 * JSON schema pieces every route shares, so that the OpenAPI document (@fastify/swagger) and the
 * validation fastify runs are the same text: the error body, ids, paging, integers within what the
 * database columns hold, and free-form objects. Numbers in a query string are plain decimal
 * (api/plugins/input.ts refuses `1e3`, `0x10`, ` 5`); strings never carry NUL (Postgres cannot
 * store it; the same plugin refuses it everywhere with QT_ERR_BAD_REQUEST).
 */

/** The largest id, offset or limit a query or path may carry: Postgres `integer` (ids are `bigint`, but none is near it). */
export const MAX_INT = 2_147_483_647;

/** `{ error: { code, message, details? } }`: every 4xx and 5xx answer (api/plugins/errors.ts). */
export const ERROR_RESPONSE = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'a stable code of the catalogue (docs/API.md), e.g. QT_ERR_BAD_REQUEST' },
        message: { type: 'string' },
        details: { type: 'object', additionalProperties: true },
      },
    },
  },
} as const;

/** A positive integer id in a path or query (alerts, silences, audit entries…). */
export const INT_ID = { type: 'integer', minimum: 1, maximum: MAX_INT } as const;

/** `{id}` as a positive integer. */
export const INT_ID_PARAMS = { type: 'object', required: ['id'], properties: { id: INT_ID } } as const;

/** Paging by id: `before` = the `next` of the previous page; `limit` 1…1000 (default 100). */
export const BEFORE = { ...INT_ID, description: 'paging cursor: the `next` of the previous page' } as const;
export const LIMIT = { type: 'integer', minimum: 1, maximum: 1000, default: 100 } as const;
export const OFFSET = { type: 'integer', minimum: 0, maximum: MAX_INT, default: 0 } as const;

/** A page answer's `next`: the id to pass as `before`, or null on the last page. */
export const NEXT = { type: ['integer', 'null'], description: 'pass as `before` for the next page; null on the last page' } as const;

/** An object whose keys this document does not list (profiles, rule bodies, summaries…). */
export const FREE_OBJECT = { type: 'object', additionalProperties: true } as const;

/** An ISO 8601 time in an answer. */
export const TIME = { type: 'string', format: 'date-time' } as const;
export const NULLABLE_TIME = { type: ['string', 'null'], format: 'date-time' } as const;

/** `204 No Content`. */
export const NO_CONTENT = { 204: { type: 'null', description: 'Done; no body' } } as const;

/** A download: one media type (or several) with a string body. */
export function download(description: string, ...mediaTypes: string[]) {
  return { description, content: Object.fromEntries(mediaTypes.map((t) => [t, { schema: { type: 'string' } }])) };
}
