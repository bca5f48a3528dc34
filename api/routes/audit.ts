/**
 * @module api/routes/audit
 *   GET /api/v1/audit   (admin) the audit log (security/audit-log.ts), newest first, filtered by
 *                       actor, action (exact or a prefix ending in *), outcome and time, paged by `before`.
 * The entries are written by api/plugins/audit.ts (HTTP writes) and by the login guard, the
 * broker and the station limits (security/).
 */
import type { FastifyInstance } from 'fastify';
import { createError } from '../../lib/errors.js';
import { queryAudit } from '../../store/audit.js';
import type { Db } from '../../store/index.js';
import type { AuditLog } from '../../security/audit-log.js';
import { BEFORE, LIMIT } from '../schemas/common.js';

/** GET /api/v1/audit; registered after @fastify/swagger so that it is in the OpenAPI document. */
export async function auditRoutes(app: FastifyInstance, { audit, db }: { audit: AuditLog; db: Db }): Promise<void> {
  app.get<{ Querystring: { actor?: string; action?: string; outcome?: string; from?: string; to?: string; before?: number; limit: number } }>(
    '/api/v1/audit',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['audit'],
        summary: 'The audit log (admin): operator and admin actions, logins, lockouts, station limit events; newest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            actor: { type: 'string', maxLength: 200, description: 'username or station id' },
            action: { type: 'string', maxLength: 200, description: "exact action ('POST /api/v1/alerts/:id/ack', 'auth.login') or a prefix ending in * ('auth.*')" },
            outcome: { enum: ['ok', 'denied', 'locked', 'failed', 'throttled', 'disconnected'] },
            from: { type: 'string', format: 'date-time' },
            to: { type: 'string', format: 'date-time' },
            before: BEFORE,
            limit: LIMIT,
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              data: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'integer' },
                    at: { type: 'string', format: 'date-time' },
                    actor: { type: 'string' },
                    role: { type: 'string', nullable: true },
                    sourceIp: { type: 'string', nullable: true },
                    action: { type: 'string' },
                    target: { type: 'string', nullable: true },
                    details: { type: 'object', additionalProperties: true },
                    outcome: { type: 'string' },
                  },
                },
              },
              next: { type: 'integer', nullable: true },
            },
          },
        },
      },
    },
    async (request) => {
      const q = request.query;
      const from = q.from ? new Date(q.from) : undefined;
      const to = q.to ? new Date(q.to) : undefined;
      if (from && to && from >= to) throw createError('QT_ERR_RANGE_INVALID', '`from` must be before `to`');
      await audit.flush(); // what was just done is in the answer
      const rows = await queryAudit(db, { actor: q.actor, action: q.action, outcome: q.outcome, from, to, before: q.before, limit: q.limit });
      return {
        data: rows.map((r) => ({ ...r, at: r.at.toISOString() })),
        next: rows.length === q.limit ? rows[rows.length - 1]!.id : null,
      };
    },
  );
}
