/**
 * @module api/open
 * Open data over HTTP: the anonymous, read-only API at /open/v1 (public-routes.ts), the public
 * page at /public (public-page.ts) and the agency's controls at /api/v1/open/… (admin-routes.ts;
 * on /api/v1 so the audit log records every change). What is published, and the bodies, come
 * from the open-data service (open/), created here with the routes' deps.
 *
 * Every public answer carries `license` and `attribution` (JSON) and `Link: <…>; rel="license"`,
 * an ETag (304 on If-None-Match) and `Cache-Control: public, max-age=…`, and is answered from an
 * in-process cache for OPEN_CACHE_SECONDS: a crowd asking the same thing costs one database
 * query per minute, not one per visit. /open/v1 has CORS for every origin (GET) and a per-address
 * rate limit (429 QT_ERR_RATE_LIMITED with Retry-After).
 */
import type { FastifyInstance } from 'fastify';
import type { TokenService } from '../../auth/tokens.js';
import { createOpenData, type OpenDataServiceDeps, type ResponseCache } from '../../open/index.js';
import { WEB_DIST_DIR } from '../web.js';
import { openAdminRoutes } from './admin-routes.js';
import { publicPageRoutes } from './public-page.js';
import { openApiRoutes } from './public-routes.js';
import { cachedReplies } from './reply.js';

export interface OpenDataDeps extends OpenDataServiceDeps {
  tokens: TokenService;
  /** where public.html is (tests); default the Vite build */
  distDir?: string;
}

export async function openDataRoutes(app: FastifyInstance, deps: OpenDataDeps): Promise<{ cache: ResponseCache }> {
  const open = createOpenData(deps);
  const replies = cachedReplies(open);
  await app.register(async (api) => openApiRoutes(api, open, replies));
  await app.register(async (page) => publicPageRoutes(page, open, replies, deps.distDir ?? WEB_DIST_DIR));
  await app.register(async (admin) => openAdminRoutes(admin, open, deps.tokens));
  return { cache: open.cache };
}
