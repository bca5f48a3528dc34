/**
 * @module api/routes/conflicts
 *   GET /api/v1/stations/{id}/conflicts  ?before=&limit=  (viewer and up, analyst API tokens too)
 *   Readings that arrived for a time already stored with another value or quality: the stored
 *   one stays (first write wins) and the refused one is listed here with when and how it came.
 */
import type { FastifyInstance } from 'fastify';
import { createError } from '../../lib/errors.js';
import { listConflicts } from '../../store/conflicts.js';
import type { HttpDeps } from '../index.js';

export async function conflictRoutes(app: FastifyInstance, deps: Pick<HttpDeps, 'db' | 'directory'>): Promise<void> {
  const { db, directory } = deps;
  app.get<{ Params: { id: string }; Querystring: { before?: number; limit: number } }>(
    '/api/v1/stations/:id/conflicts',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['readings'],
        summary: 'Readings refused because another value is stored for the same station, metric and time (first write wins)',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64 } } },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            before: { type: 'integer', minimum: 1, description: 'the `next` of the previous page' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      if (!directory.get(id)) throw createError('QT_ERR_NOT_FOUND', `Station ${id} does not exist`);
      const { before, limit } = request.query;
      const rows = await listConflicts(db, { stationId: id, beforeId: before, limit });
      return {
        data: rows.map((r) => ({
          id: r.id,
          metric: r.metric,
          ts: r.ts.toISOString(),
          stored: { value: r.storedValue, quality: r.storedQuality },
          refused: { value: r.value, quality: r.quality },
          receivedAt: r.receivedAt.toISOString(),
          source: r.source,
        })),
        next: rows.length === limit ? rows[rows.length - 1]!.id : null,
      };
    },
  );
}
