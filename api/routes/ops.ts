/**
 * @module dashboard/server/routes/ops
 *   GET /healthz                → { status, database, mode, uptimeSeconds, storage }
 *                                 status 'degraded' when the database is unreachable (503) or
 *                                 acknowledged readings wait in the local spool (200);
 *                                 storage = { degraded, reason, since, spoolBytes, spoolMaxBytes, spoolRows }
 *                                 notifications = { status, failing: [{ contactPointId, name, channel, failures, lastError, since }] }
 *                                 (a failing contact point makes status 'degraded', still 200)
 *                                 jobs = { degraded, checkedAt, failing: [{ job, name, lastError, since, consecutiveFailures }], late: [{ job, name, lastRunAt, since }] }
 *                                 (a failing or late database job makes status 'degraded', still 200; store/job-monitor.ts)
 *   GET /metrics                → Prometheus text format
 *   GET /api/v1/quarantine      (admin) ?station=&before=&limit= → refused payloads with their reasons
 */
import { createError } from '../../lib/errors.js';
import type { FastifyInstance } from 'fastify';
import { listQuarantine } from '../../store/quarantine.js';
import { requireRole } from '../plugins/auth.js';
import type { HttpDeps } from '../index.js';
import { BEFORE, FREE_OBJECT, LIMIT, NEXT, TIME } from '../schemas/common.js';

const HEALTH = {
  type: 'object',
  required: ['status', 'database', 'mode', 'uptimeSeconds'],
  properties: {
    status: { enum: ['ok', 'degraded'] },
    database: { enum: ['ok', 'unreachable'] },
    mode: { type: 'string', description: 'embedded or server' },
    uptimeSeconds: { type: 'integer' },
    storage: { ...FREE_OBJECT, description: 'the ingest spool: degraded, reason, since, spoolBytes, spoolMaxBytes, spoolRows' },
    notifications: { ...FREE_OBJECT, description: 'status and failing contact points' },
    jobs: { ...FREE_OBJECT, description: 'failing or late database jobs' },
  },
} as const;

const QUARANTINE = {
  type: 'object',
  required: ['data', 'next'],
  properties: {
    data: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          receivedAt: TIME,
          source: { type: 'string' },
          stationId: { type: ['string', 'null'] },
          topic: { type: ['string', 'null'] },
          reasonCode: { type: 'string' },
          reason: { type: 'string' },
          details: {},
          payload: { type: 'string', description: 'the refused payload, as UTF-8 text' },
          payloadBytes: { type: 'integer' },
        },
      },
    },
    next: NEXT,
  },
} as const;

export async function opsRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const { db, metrics, tokens } = deps;
  const started = Date.now();

  app.get(
    '/healthz',
    {
      schema: {
        tags: ['ops'],
        summary: 'Health: database, ingest spool, notifications, database jobs (503 when the database is unreachable)',
        security: [],
        response: { 200: HEALTH, 503: HEALTH },
      },
    },
    async (_request, reply) => {
      let database: 'ok' | 'unreachable' = 'ok';
      try {
        // A blackholed server never answers: give up after a few seconds rather than hang the probe.
        let timer: NodeJS.Timeout | undefined;
        const probe = db.query('SELECT 1').finally(() => clearTimeout(timer));
        // If the timeout wins, the probe's late failure must still be handled.
        probe.catch((err: unknown) => app.log.debug({ err }, 'health check: late database answer'));
        await Promise.race([
          probe,
          new Promise((_, reject) => (timer = setTimeout(() => reject(createError('QT_ERR_STORE_UNAVAILABLE', 'no answer to SELECT 1 within 3 s')), 3000))),
        ]);
      } catch (err) {
        database = 'unreachable';
        app.log.warn({ err }, 'health check: database unreachable');
      }
      const storage = deps.ingest?.storage;
      const notifications = deps.notifier?.health();
      const jobs = deps.jobs?.status();
      const degraded = database !== 'ok' || storage?.degraded === true || notifications?.status === 'degraded' || jobs?.degraded === true;
      reply.code(database === 'ok' ? 200 : 503);
      return {
        status: degraded ? 'degraded' : 'ok',
        database,
        mode: db.mode,
        uptimeSeconds: Math.round((Date.now() - started) / 1000),
        ...(storage ? { storage: { ...storage, since: storage.since === null ? null : new Date(storage.since).toISOString() } } : {}),
        ...(notifications ? { notifications } : {}),
        ...(jobs ? { jobs } : {}),
      };
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['ops'],
        summary: 'Prometheus metrics (text exposition format)',
        security: [],
        response: { 200: { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
    async (_request, reply) => {
      reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );

  app.get<{ Querystring: { station?: string; before?: number; limit: number } }>(
    '/api/v1/quarantine',
    {
      preHandler: requireRole(tokens, 'admin'),
      schema: {
        tags: ['ops'],
        summary: 'Refused payloads with their reasons (admin), newest first; paged by `before`',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            station: { type: 'string', maxLength: 64 },
            before: BEFORE,
            limit: LIMIT,
          },
        },
        response: { 200: QUARANTINE },
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
