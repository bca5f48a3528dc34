/**
 * @module api/routes/overview
 *   GET /api/v1/overview   (viewer) every station's live state and AQI, the KPIs, the map settings
 * The page loads this once (and after every reconnect), then follows the socket.io frames.
 */
import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../index.js';
import type { Realtime } from '../realtime/index.js';
import { FREE_OBJECT } from '../schemas/common.js';

/** The live picture (domain/live.ts OverviewSnapshot): documented by its top-level fields, each free-form. */
const OVERVIEW = {
  ...FREE_OBJECT,
  required: ['generatedAt', 'stations'],
  properties: { generatedAt: { type: 'string', format: 'date-time' }, stations: { type: 'array', items: FREE_OBJECT } },
} as const;

export async function overviewRoutes(app: FastifyInstance, deps: HttpDeps, realtime: Realtime): Promise<void> {
  app.get(
    '/api/v1/overview',
    {
      config: { role: 'viewer' },
      schema: { tags: ['stations'], summary: "Every station's live state and AQI, the KPIs and the map settings (then follow the socket.io frames)", response: { 200: OVERVIEW } },
    },
    async () => realtime.overview(),
  );
}
