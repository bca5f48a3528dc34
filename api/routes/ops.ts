/**
 * @module dashboard/server/routes/ops
 *   GET /healthz                → { status, database, mode, uptimeSeconds, storage }
 *                                 status 'degraded' when the database is unreachable (503), busy (a statement
 *                                 holds its connection past the probe's 3 s: databaseHeldBy names it; 200) or
 *                                 acknowledged readings wait in the local spool (200);
 *                                 storage = { degraded, reason, since, spoolBytes, spoolMaxBytes, spoolRows }
 *                                 notifications = { status, failing: [{ contactPointId, name, channel, failures, lastError, since }] }
 *                                 (a failing contact point makes status 'degraded', still 200)
 *                                 jobs = { degraded, checkedAt, failing: [{ job, name, lastError, since, consecutiveFailures }], late: [{ job, name, lastRunAt, since }] }
 *                                 (a failing or late database job makes status 'degraded', still 200; store/job-monitor.ts)
 *   GET /metrics                → Prometheus text format
 *   GET /api/v1/quarantine      (admin) ?station=&before=&limit= → refused payloads with their reasons
 */
import type { FastifyInstance } from 'fastify';
import { listQuarantine } from '../../store/quarantine.js';
import { probeDatabase } from '../../store/health-probe.js';
import { requireRole } from '../plugins/auth.js';
import type { HttpDeps } from '../index.js';
import { BEFORE, FREE_OBJECT, LIMIT, NEXT, TIME } from '../schemas/common.js';

const HEALTH = {
  type: 'object',
  required: ['status', 'database', 'mode', 'uptimeSeconds'],
  properties: {
    status: { enum: ['ok', 'degraded'] },
    database: {
      enum: ['ok', 'busy', 'unreachable'],
      description:
        'ok: SELECT 1 answered within 3 s; busy: it waited 3 s for the connection a statement holds (named in databaseHeldBy; 200, status degraded); unreachable: no answer (503), or the connection held past the bound (DB_WRITE_TIMEOUT_MS on a server, 60 s embedded)',
    },
    databaseHeldBy: {
      type: 'object',
      required: ['lane', 'label', 'seconds'],
      additionalProperties: false,
      description: 'with busy (and unreachable behind a statement held too long): the statement holding the database connection',
      properties: { lane: { type: 'string' }, label: { type: 'string' }, seconds: { type: 'number' } },
    },
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

/** How long /healthz waits for SELECT 1, ms. */
const PROBE_TIMEOUT_MS = 3000;
/** On the embedded database, a statement holding its one connection this long makes it unreachable rather than busy, ms. */
const EMBEDDED_BUSY_LIMIT_MS = 60_000;

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
      const probe = await probeDatabase(db, {
        timeoutMs: PROBE_TIMEOUT_MS,
        // a server: the bound after which ingest counts an unanswered insert as an outage (ingest/defer.ts)
        busyLimitMs: db.mode === 'server' ? deps.config.store.writeTimeoutMs : EMBEDDED_BUSY_LIMIT_MS,
        onLateError: (err) => app.log.debug({ err }, 'health check: late database answer'),
      });
      const database = probe.state;
      if (database === 'unreachable') app.log.warn({ error: probe.error, heldBy: probe.heldBy }, 'health check: database unreachable');
      else if (database === 'busy') app.log.info({ heldBy: probe.heldBy }, 'health check: database busy');
      const storage = deps.ingest?.storage;
      const notifications = deps.notifier?.health();
      const jobs = deps.jobs?.status();
      const degraded = database !== 'ok' || storage?.degraded === true || notifications?.status === 'degraded' || jobs?.degraded === true;
      reply.code(database === 'unreachable' ? 503 : 200);
      return {
        status: degraded ? 'degraded' : 'ok',
        database,
        ...(probe.heldBy ? { databaseHeldBy: probe.heldBy } : {}),
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
