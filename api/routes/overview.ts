/**
 * @module api/routes/overview
 *   GET /api/v1/overview   (viewer) every station's live state and AQI, the KPIs, the map settings
 * The page loads this once (and after every reconnect), then follows the socket.io frames.
 */
import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../index.js';
import type { Realtime } from '../realtime/index.js';

export async function overviewRoutes(app: FastifyInstance, deps: HttpDeps, realtime: Realtime): Promise<void> {
  app.get('/api/v1/overview', { config: { role: 'viewer' } }, async () => realtime.overview());
}
