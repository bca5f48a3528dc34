/**
 * @module dashboard/server/routes/ops
 *   GET /healthz                → { status, database, mode, uptimeSeconds, storage }
 *                                 status 'degraded' when the database is unreachable (503) or
 *                                 acknowledged readings wait in the local spool (200);
 *                                 storage = { degraded, reason, since, spoolBytes, spoolMaxBytes, spoolRows }
 *                                 notifications = { status, failing: [{ contactPointId, name, channel, failures, lastError, since }] }
 *                                 (a failing contact point makes status 'degraded', still 200)
 *   GET /metrics                → Prometheus text format
 *   GET /api/v1/quarantine      (admin) ?station=&before=&limit= → refused payloads with their reasons
 */
import type { FastifyInstance } from 'fastify';
import { listQuarantine } from '../../store/quarantine.js';
import { requireRole } from '../plugins/auth.js';
import type { HttpDeps } from '../index.js';

export async function opsRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const { db, metrics, tokens } = deps;
  const started = Date.now();

  app.get('/healthz', async (_request, reply) => {
    let database: 'ok' | 'unreachable' = 'ok';
    try {
      // A blackholed server never answers: give up after a few seconds rather than hang the probe.
      let timer: NodeJS.Timeout | undefined;
      const probe = db.query('SELECT 1').finally(() => clearTimeout(timer));
      // If the timeout wins, the probe's late failure must still be handled.
      probe.catch((err: unknown) => app.log.debug({ err }, 'health check: late database answer'));
      await Promise.race([
        probe,
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no answer to SELECT 1 within 3 s')), 3000))),
      ]);
    } catch (err) {
      database = 'unreachable';
      app.log.warn({ err }, 'health check: database unreachable');
    }
    const storage = deps.ingest?.storage;
    const notifications = deps.notifier?.health();
    const degraded = database !== 'ok' || storage?.degraded === true || notifications?.status === 'degraded';
    reply.code(database === 'ok' ? 200 : 503);
    return {
      status: degraded ? 'degraded' : 'ok',
      database,
      mode: db.mode,
      uptimeSeconds: Math.round((Date.now() - started) / 1000),
      ...(storage ? { storage: { ...storage, since: storage.since === null ? null : new Date(storage.since).toISOString() } } : {}),
      ...(notifications ? { notifications } : {}),
    };
  });

  app.get('/metrics', async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  app.get<{ Querystring: { station?: string; before?: number; limit: number } }>(
    '/api/v1/quarantine',
    {
      preHandler: requireRole(tokens, 'admin'),
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            station: { type: 'string', maxLength: 64 },
            before: { type: 'integer', minimum: 1 },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
      },
    },
    async (request) => {
      const { station, before, limit } = request.query;
      const rows = await listQuarantine(db, { stationId: station, beforeId: before, limit });
      return {
        data: rows.map((r) => ({
          id: r.id,
          receivedAt: r.receivedAt.toISOString(),
          source: r.source,
          stationId: r.stationId,
          topic: r.topic,
          reasonCode: r.reasonCode,
          reason: r.reason,
          details: r.details,
          payload: r.payload.toString('utf8'),
          payloadBytes: r.payload.byteLength,
        })),
        next: rows.length === limit ? rows[rows.length - 1]!.id : null,
      };
    },
  );
}
