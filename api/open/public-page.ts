/**
 * @module api/open/public-page
 * The citizens' page at /public (dashboard/web/public.html from the Vite build): read once,
 * sent with an ETag and `Cache-Control: public, max-age=OPEN_CACHE_SECONDS`, a strict CSP and
 * the same per-address rate limit as /open/v1. Answers 503 when the page is not built. Its
 * assets (/assets/…, hashed names) are served by api/web.ts with a one-year immutable
 * Cache-Control.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { createResponseCache } from '../../open/cache.js';
import type { OpenData } from '../../open/index.js';
import { contentSecurityPolicy } from '../web.js';
import { rateLimitPerAddress, type CachedReplies } from './reply.js';

export async function publicPageRoutes(page: FastifyInstance, open: OpenData, { sendEntry }: CachedReplies, distDir: string): Promise<void> {
  const { settings } = open;
  const pagePath = distDir + 'public.html';
  const csp = contentSecurityPolicy('');
  page.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', csp);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    return payload;
  });
  rateLimitPerAddress(page, settings.rateLimitPerMinute);
  if (!existsSync(pagePath)) {
    page.log.warn({ distDir }, 'the public page is not built (npm run build:web); /public answers 503');
    for (const url of ['/public', '/public/']) {
      page.get(url, { schema: { hide: true } }, async (_request, reply) =>
        reply.code(503).type('text/plain; charset=utf-8').send('The public page is not built: run npm run build:web\n'),
      );
    }
    return;
  }
  // Read once: the build does not change under a running server.
  const html = readFileSync(pagePath);
  const entry = await createResponseCache({ ttlMs: Number.MAX_SAFE_INTEGER / 2 }).get('page', async () => ({ body: html, contentType: 'text/html; charset=utf-8' }));
  for (const url of ['/public', '/public/']) {
    page.get(url, { schema: { hide: true } }, async (request, reply) => sendEntry(request, reply, entry, settings.cacheSeconds));
  }
}
