/**
 * @module api/plugins/errors
 * How every error leaves the API: `{ error: { code, message, details? } }` with a code of the
 * catalogue (lib/errors.ts) and the catalogue's status. Three doors, one shape:
 *
 * - `errorHandler` (fastify's setErrorHandler): our own errors as they are; schema failures as
 *   `QT_ERR_BAD_REQUEST` naming every failing field; fastify's and its plugins' 4xx (body too
 *   large, unsupported media type, rate limited…) mapped by `err.code`, then by status; anything
 *   else logged and answered with an opaque 500;
 * - `frameworkErrors` (the fastify option): what the router refuses before any route runs, a
 *   path parameter longer than `maxParamLength` (414) or a URL that does not decode (400);
 * - `notFoundHandler`: no route.
 *
 * No answer echoes the URL (fastify's own messages for the router's refusals do, and a 404 that
 * repeats the path reflects whatever a caller put in it): those get the catalogue's message.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CATALOGUE, isQuantracError, type ErrorCode } from '../../lib/errors.js';

/** Fastify's own error codes (fastify/lib/errors.js, @fastify/rate-limit) → ours. */
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'QT_ERR_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'QT_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'QT_ERR_BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'QT_ERR_BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'QT_ERR_BAD_REQUEST',
  FST_ERR_MAX_PARAM_LENGTH: 'QT_ERR_URI_TOO_LONG',
  FST_ERR_BAD_URL: 'QT_ERR_BAD_REQUEST',
  FST_ERR_NOT_FOUND: 'QT_ERR_NOT_FOUND',
};

/** A 4xx without a known code, by status. Any other 4xx keeps its status with `QT_ERR_BAD_REQUEST`. */
const BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'QT_ERR_BAD_REQUEST',
  401: 'QT_ERR_UNAUTHORIZED',
  403: 'QT_ERR_FORBIDDEN',
  404: 'QT_ERR_NOT_FOUND',
  405: 'QT_ERR_METHOD_NOT_ALLOWED',
  409: 'QT_ERR_CONFLICT',
  413: 'QT_ERR_PAYLOAD_TOO_LARGE',
  414: 'QT_ERR_URI_TOO_LONG',
  415: 'QT_ERR_UNSUPPORTED_MEDIA_TYPE',
  429: 'QT_ERR_RATE_LIMITED',
};

/** Codes whose fastify message quotes the URL: answered with the catalogue's message instead. */
const QUOTES_URL = new Set(['FST_ERR_MAX_PARAM_LENGTH', 'FST_ERR_BAD_URL']);

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** The status and body for a client error that is not ours (fastify, a plugin); undefined for a 5xx or no status. */
export function clientErrorOf(err: FastifyError, request: FastifyRequest): { status: number; body: ErrorBody } | undefined {
  const status = err.statusCode;
  if (status === undefined || status < 400 || status >= 500) return undefined;
  const code = FASTIFY_CODES[err.code] ?? BY_STATUS[status] ?? 'QT_ERR_BAD_REQUEST';
  const known = FASTIFY_CODES[err.code] !== undefined || BY_STATUS[status] !== undefined;
  const message = QUOTES_URL.has(err.code) || !err.message || quotesUrl(err.message, request) ? ERROR_CATALOGUE[code].message : err.message;
  // A code of the catalogue answers with the catalogue's status; a 4xx we have no code for keeps its own.
  return { status: known ? ERROR_CATALOGUE[code].status : status, body: { error: { code, message } } };
}

function quotesUrl(message: string, request: FastifyRequest): boolean {
  const path = (request.raw.url ?? request.url ?? '').split('?')[0] ?? '';
  return path.length > 1 && message.includes(path);
}

/** Schema failures: every failing field, `querystring.limit must be >= 1; body.lat must be <= 90`. */
function validationMessage(err: FastifyError): string {
  return (err.validation ?? [])
    .map(
      (v) =>
        `${err.validationContext ?? 'request'}${v.instancePath ? v.instancePath.replaceAll('/', '.') : ''} ${v.message ?? 'is invalid'}${v.keyword === 'additionalProperties' ? `: ${String(v.params['additionalProperty'])}` : ''}`,
    )
    .join('; ');
}

/** fastify's setErrorHandler: one shape for every error a route, a hook or a plugin throws. */
export function errorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (isQuantracError(err)) {
    if (err.statusCode >= 500) request.log.error({ err }, 'request failed');
    return reply.code(err.statusCode).send({ error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } } satisfies ErrorBody);
  }
  if (err.validation) return reply.code(400).send({ error: { code: 'QT_ERR_BAD_REQUEST', message: validationMessage(err) } } satisfies ErrorBody);
  const client = clientErrorOf(err, request);
  if (client) return reply.code(client.status).send(client.body);
  request.log.error({ err }, 'unexpected error');
  return reply.code(500).send({ error: { code: 'QT_ERR_INTERNAL', message: ERROR_CATALOGUE.QT_ERR_INTERNAL.message } } satisfies ErrorBody);
}

/** The fastify option `frameworkErrors`: the router's refusals (long path parameter, undecodable URL) in our shape. */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  void errorHandler(err, request, reply);
}

/** No route for this method and path: the answer names the method (one of HTTP's), never the path. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply.code(404).send({ error: { code: 'QT_ERR_NOT_FOUND', message: `No such route for ${request.method}` } } satisfies ErrorBody);
}
