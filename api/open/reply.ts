/**
 * @module api/open/reply
 * How the public side answers over HTTP: a body from the open-data cache (open/cache.ts) goes
 * out with its ETag (304 when the client already has it), `Cache-Control: public, max-age=` the
 * time the entry has left, `Vary: accept-encoding`, and gzip when the client takes it. Also the
 * per-address rate limit of the anonymous scopes (429 QT_ERR_RATE_LIMITED with Retry-After).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createError } from '../../lib/errors.js';
import { etagMatches, gzipOf, type CachedResponse } from '../../open/cache.js';
import type { OpenBody, OpenData } from '../../open/index.js';

export interface CachedReplies {
  /** Answers from the cache under `key` (default: the URL), computing the body on a miss. */
  answer(request: FastifyRequest, reply: FastifyReply, compute: () => Promise<OpenBody>, key?: string): Promise<FastifyReply>;
  /** Sends a cached entry: 304 when the client has it, gzip when it takes it; max-age = what the entry has left unless given. */
  sendEntry(request: FastifyRequest, reply: FastifyReply, entry: CachedResponse, maxAgeSeconds?: number): FastifyReply;
}

export function cachedReplies({ cache, now }: Pick<OpenData, 'cache' | 'now'>): CachedReplies {
  function sendEntry(request: FastifyRequest, reply: FastifyReply, entry: CachedResponse, maxAgeSeconds?: number): FastifyReply {
    const maxAge = maxAgeSeconds ?? Math.max(0, Math.ceil((entry.expiresAt - now()) / 1000));
    reply.header('etag', entry.etag);
    reply.header('cache-control', maxAge > 0 ? `public, max-age=${maxAge}` : 'public, no-cache');
    reply.header('vary', 'accept-encoding');
    if (etagMatches(request.headers['if-none-match'], entry.etag)) return reply.code(304).send();
    reply.type(entry.contentType);
    const gz = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? '')) ? gzipOf(entry) : undefined;
    if (gz) return reply.header('content-encoding', 'gzip').send(gz);
    return reply.send(entry.body);
  }
  return {
    async answer(request, reply, compute, key = request.url) {
      const entry = await cache.get(key, compute);
      return sendEntry(request, reply, entry);
    },
    sendEntry,
  };
}

/** Limits a scope to `perMinute` requests per minute from one address (shared by /open/v1 and /public). */
export function rateLimitPerAddress(scope: FastifyInstance, perMinute: number): void {
  scope.addHook(
    'onRequest',
    scope.rateLimit({
      max: perMinute,
      timeWindow: 60_000,
      keyGenerator: (request: FastifyRequest) => `open:${request.ip}`,
      errorResponseBuilder: (_request: FastifyRequest, ctx: { after: string; max: number }) =>
        createError('QT_ERR_RATE_LIMITED', `Rate limit of ${ctx.max} requests per minute from one address exceeded; retry in ${ctx.after} (see Retry-After)`),
    }),
  );
}
