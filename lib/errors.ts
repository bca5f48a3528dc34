/**
 * @module lib/errors
 * The one catalogue of Quantrac's errors: a stable code, an HTTP status and a message a person
 * understands (English; the UI translates by code). Create errors only through `createError`.
 */

export const ERROR_CATALOGUE = {
  QT_ERR_CONFIG_INVALID: { status: 500, message: 'Invalid configuration' },
  QT_ERR_BAD_REQUEST: { status: 400, message: 'Bad request' },
  QT_ERR_UNAUTHORIZED: { status: 401, message: 'Authentication required' },
  QT_ERR_BAD_CREDENTIALS: { status: 401, message: 'Wrong username or password' },
  QT_ERR_FORBIDDEN: { status: 403, message: 'Your role does not allow this' },
  QT_ERR_NOT_FOUND: { status: 404, message: 'Not found' },
  QT_ERR_METHOD_NOT_ALLOWED: { status: 405, message: 'This method is not allowed here' },
  QT_ERR_STATION_EXISTS: { status: 409, message: 'A station with this id already exists' },
  QT_ERR_CONFLICT: { status: 409, message: 'The request conflicts with the current state' },
  QT_ERR_RULE_INVALID: { status: 400, message: 'Invalid rule' },
  QT_ERR_PROFILE_UNKNOWN: { status: 422, message: 'Unknown device profile' },
  QT_ERR_METRIC_UNKNOWN: { status: 400, message: 'Unknown metric for this station' },
  QT_ERR_RANGE_INVALID: { status: 400, message: 'Invalid time range' },
  QT_ERR_RANGE_TOO_LARGE: { status: 400, message: 'The time range is longer than allowed for this kind of query' },
  QT_ERR_INTERVAL_INVALID: { status: 400, message: 'Invalid bucket interval' },
  QT_ERR_CURSOR_INVALID: { status: 400, message: 'Invalid or foreign paging cursor' },
  QT_ERR_QUERY_INVALID: { status: 400, message: 'Invalid query option' },
  QT_ERR_TOKEN_READ_ONLY: { status: 403, message: 'This API token is read-only' },
  QT_ERR_RATE_LIMITED: { status: 429, message: 'Too many requests' },
  QT_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is larger than allowed' },
  QT_ERR_URI_TOO_LONG: { status: 414, message: 'The URL is longer than allowed' },
  QT_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'This content type is not accepted here' },
  QT_ERR_STORE_UNAVAILABLE: { status: 503, message: 'The database is not reachable' },
  QT_ERR_SPOOL_FULL: { status: 503, message: 'The database is not reachable and the local spool is full: retry later' },
  QT_ERR_INTERNAL: { status: 500, message: 'Internal error' },
  QT_ERR_STATION_AUTH: { status: 401, message: 'Wrong station id or secret' },
  QT_ERR_PAYLOAD_INVALID: { status: 400, message: 'The payload cannot be read' },
  QT_ERR_READINGS_REFUSED: { status: 422, message: 'Some readings were refused' },
  QT_ERR_NOTIFY_INVALID: { status: 400, message: 'Invalid notification setting' },
  QT_ERR_ACK_LINK_INVALID: { status: 404, message: 'This acknowledgement link is not valid' },
  QT_ERR_ACK_LINK_USED: { status: 410, message: 'This acknowledgement link has already been used' },
  QT_ERR_ACK_LINK_EXPIRED: { status: 410, message: 'This acknowledgement link has expired' },
  QT_ERR_VALIDATION_INVALID: { status: 400, message: 'Invalid validation action' },
  QT_ERR_VALIDATION_REASON: { status: 400, message: 'Unknown invalidation reason' },
  QT_ERR_VALIDATION_FUTURE: { status: 400, message: 'The range reaches into the future' },
  QT_ERR_APPROVAL_SAME_USER: { status: 400, message: 'The second approval must be given by another person' },
  QT_ERR_APPROVAL_ORDER: { status: 400, message: 'A period must be reviewed (level 1) before it is approved (level 2)' },
  QT_ERR_QC_CONFIG_INVALID: { status: 400, message: 'Invalid check configuration' },
  // Internal (no HTTP request of their own): status 500 or 503, a stable code for logs and callers.
  QT_ERR_SHUTTING_DOWN: { status: 503, message: 'The service is shutting down' },
  QT_ERR_PACK_INVALID: { status: 500, message: 'Invalid alert rule pack' },
  QT_ERR_SYMBOLS_INVALID: { status: 500, message: 'Invalid Circular 10 symbol file' },
  QT_ERR_MIGRATION_FAILED: { status: 500, message: 'A database migration failed' },
  QT_ERR_STATION_REFUSED: { status: 500, message: 'The broker refused the station' },
  QT_ERR_FORWARD_FAILED: { status: 500, message: 'Forwarding failed' },
  QT_ERR_SIMULATOR: { status: 500, message: 'Simulator failure' },
  QT_ERR_AUTOMATION: { status: 500, message: 'Automation (Node-RED) failure' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export class QuantracError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message ?? ERROR_CATALOGUE[code].message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'QuantracError';
    this.code = code;
    this.statusCode = ERROR_CATALOGUE[code].status;
    this.details = options?.details;
  }
}

/** @example throw createError('QT_ERR_NOT_FOUND', `station ${id} does not exist`) */
export function createError(code: ErrorCode, message?: string, options?: { cause?: unknown; details?: Record<string, unknown> }): QuantracError {
  return new QuantracError(code, message, options);
}

export function isQuantracError(err: unknown): err is QuantracError {
  return err instanceof QuantracError;
}
