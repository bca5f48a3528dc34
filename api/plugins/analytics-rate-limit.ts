/**
 * @module api/plugins/analytics-rate-limit
 * Per-token rate limits for the analyst API and SensorThings (@fastify/rate-limit, registered
 * once with `global: false` in api/plugins/common.ts; each analyst scope adds the hook).
 * The key is the API token's public id, or a hash of any other bearer token, or the address
 * when there is none: a limit per credential, not per shared NAT address.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config/index.js';
import { createError } from '../../lib/errors.js';
import { apiTokenId } from '../../auth/api-tokens.js';

export function rateLimitKey(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) {
    const token = header.slice(7).trim();
    const id = apiTokenId(token);
    if (id) return `token:${id}`;
    return `bearer:${createHash('sha256').update(token).digest('base64url').slice(0, 22)}`;
  }
  return `ip:${request.ip}`;
}

/** Options for registering @fastify/rate-limit once (index.ts). */
export function rateLimitOptions(config: Readonly<Config>) {
  return {
    global: false,
    max: config.analytics.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: rateLimitKey,
    errorResponseBuilder: (_request: FastifyRequest, ctx: { after: string; max: number }) =>
      createError('QT_ERR_RATE_LIMITED', `Rate limit of ${ctx.max} requests per minute for this token exceeded; retry in ${ctx.after} (see Retry-After)`),
  };
}

/** Applies the per-token limit to every route of the scope. */
export function analystRateLimit(scope: FastifyInstance, config: Readonly<Config>): void {
  scope.addHook('onRequest', scope.rateLimit({ max: config.analytics.rateLimitPerMinute, timeWindow: 60_000, keyGenerator: rateLimitKey }));
}
