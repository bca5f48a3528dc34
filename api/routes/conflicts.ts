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
import { QUALITY_NAMES } from '../../domain/quality.js';
import { BEFORE, LIMIT, NEXT, TIME } from '../schemas/common.js';
import { STATION_ID_PARAMS } from '../schemas/stations.js';

const VALUE = { type: 'object', required: ['value', 'quality'], properties: { value: { type: ['number', 'null'] }, quality: { enum: [...QUALITY_NAMES] } } } as const;
const CONFLICTS = {
  type: 'object',
  required: ['data', 'next'],
  properties: {
    data: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'metric', 'ts', 'stored', 'refused', 'receivedAt', 'source'],
        properties: { id: { type: 'integer' }, metric: { type: 'string' }, ts: TIME, stored: VALUE, refused: VALUE, receivedAt: TIME, source: { type: 'string' } },
      },
    },
    next: NEXT,
  },
} as const;

export async function conflictRoutes(app: FastifyInstance, deps: Pick<HttpDeps, 'db' | 'directory'>): Promise<void> {
  const { db, directory } = deps;
  app.get<{ Params: { id: string }; Querystring: { before?: number; limit: number } }>(
    '/api/v1/stations/:id/conflicts',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['readings'],
        summary: 'Readings refused because another value is stored for the same station, metric and time (first write wins)',
        params: STATION_ID_PARAMS,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            before: BEFORE,
            limit: LIMIT,
          },
        },
        response: { 200: CONFLICTS },
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
