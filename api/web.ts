/**
 * @module api/web
 * Serves the operations center page (the Vite build in dashboard/web/dist): hashed assets under
 * /assets/ (cached for a year), and index.html for every client route (/, /alerts, /bulletins, /open-data,
 * /stations/{id}, /stations/{id}/review, /validation…), each page response with a Content-Security-Policy that allows scripts, styles
 * and connections from this origin only (plus the optional tile server's images).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where `npm run build:web` writes the page. */
export const WEB_DIST_DIR = fileURLToPath(new URL('../dashboard/web/dist/', import.meta.url));

/** Paths the page routes itself (history API); the server answers each with index.html. */
const CLIENT_ROUTES = ['/', '/alerts', '/bulletins', '/open-data', '/notifications', '/stations/:id', '/stations/:id/review', '/validation', '/wall'];

/** Pages are not API operations: hidden from the OpenAPI document. */
const PAGE = { schema: { hide: true } };

/** The page's Content-Security-Policy; `tileUrl` (https) adds its origin to img-src. */
export function contentSecurityPolicy(tileUrl: string): string {
  let tiles = '';
  if (tileUrl) {
    // a {s} subdomain template ({s}.tile.example.org) allows every subdomain of the rest
    const host = new URL(tileUrl.replace('{s}', 'a').replace(/\{[xyzr]\}/g, '0')).host;
    tiles = tileUrl.includes('{s}.') ? ` https://*.${host.slice(2)}` : ` https://${host}`;
  }
  return [
    "default-src 'self'",
    "script-src 'self'",
    // Leaflet and uPlot position elements through element.style (CSSOM), which style-src does not govern.
    "style-src 'self'",
    `img-src 'self' data:${tiles}`,
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}

export async function webRoutes(app: FastifyInstance, options: { tileUrl: string; distDir?: string }): Promise<void> {
  const distDir = options.distDir ?? WEB_DIST_DIR;
  const csp = contentSecurityPolicy(options.tileUrl);
  const indexPath = distDir + 'index.html';

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', csp);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    return payload;
  });

  if (!existsSync(indexPath)) {
    app.log.warn({ distDir }, 'the dashboard is not built (npm run build:web); / answers 503');
    for (const url of CLIENT_ROUTES) {
      app.get(url, PAGE, async (_request, reply) => reply.code(503).type('text/plain; charset=utf-8').send('The dashboard is not built: run npm run build:web\n'));
    }
    return;
  }

  // Read once: the build does not change under a running server.
  const indexHtml = readFileSync(indexPath);
  const sendIndex = async (_request: unknown, reply: FastifyReply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(indexHtml);
  for (const url of CLIENT_ROUTES) app.get(url, PAGE, sendIndex);

  await app.register(fastifyStatic, {
    root: distDir + 'assets',
    prefix: '/assets/',
    index: false,
    immutable: true,
    maxAge: '365d',
    // the build writes .br and .gz siblings (dashboard/web/build/precompress.ts): sent to clients that accept them
    preCompressed: true,
  });
}
