/**
 * @module api/routes/notifications
 * The notification admin API (issue 19), role admin unless noted:
 *   GET    /api/v1/notifications/contact-points            list (secrets as names: secretsSet)
 *   POST   /api/v1/notifications/contact-points            { name, kind, settings, secrets?, username?, language?, enabled? }
 *   PUT    /api/v1/notifications/contact-points/{id}       same; absent secrets are kept, null removes one
 *   DELETE /api/v1/notifications/contact-points/{id}
 *   POST   /api/v1/notifications/contact-points/{id}/test  sends a test message now → the attempt's result
 *   GET    /api/v1/notifications/deliveries                (operator) ?contactPoint=&status=&channel=&alert=&before=&limit=
 *   GET    /api/v1/notifications/settings                  { baseUrl }
 *   PUT    /api/v1/notifications/settings                  { baseUrl } used for links in messages
 * Policies and mute timings: notifications-routing.ts; schedules and chains:
 * notifications-oncall.ts; acknowledgement links: notifications-ack.ts.
 */
import type { FastifyInstance } from 'fastify';
import { createError } from '../../lib/errors.js';
import type { Notifier } from '../../notify/index.js';
import { contactPointJson, saveContactPoint, type ContactPointBody } from '../../notify/contact-points.js';
import { deleteContactPoint, listContactPoints } from '../../store/notifications.js';
import { listDeliveries, type DeliveryStatus } from '../../store/notifications-log.js';
import { requireRole } from '../plugins/auth.js';
import type { HttpDeps } from '../index.js';
import { ackRoutes } from './notifications-ack.js';
import { oncallRoutes } from './notifications-oncall.js';
import { routingRoutes } from './notifications-routing.js';
import * as S from './notifications-schemas.js';

export type NotifyHttpDeps = HttpDeps & { notifier: Notifier };

export async function notificationRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  if (!deps.notifier) return;
  const d = deps as NotifyHttpDeps;
  const { db, notifier } = d;
  const admin = requireRole(deps.tokens, 'admin');
  const operator = requireRole(deps.tokens, 'operator');
  const P = '/api/v1/notifications';
  const tags = ['notifications'];

  app.get(
    `${P}/contact-points`,
    { preHandler: admin, schema: { summary: 'List contact points (secrets never shown: only the names of those set)', tags, response: S.listOf(S.contactPointJson) } },
    async () => ({ data: (await listContactPoints(db)).map(contactPointJson) }),
  );

  app.post<{ Body: ContactPointBody }>(
    `${P}/contact-points`,
    {
      preHandler: admin,
      schema: { summary: 'Create a contact point (e-mail, SMS gateway, chat/Zalo or webhook)', tags, body: S.contactPointBody, response: { 201: S.contactPointJson } },
    },
    async (request, reply) => {
      const saved = await saveContactPoint(db, notifier.secrets, request.body);
      await notifier.reload();
      reply.code(201);
      return contactPointJson(saved);
    },
  );

  app.put<{ Params: { id: number }; Body: ContactPointBody }>(
    `${P}/contact-points/:id`,
    {
      preHandler: admin,
      schema: { summary: 'Replace a contact point; omitted secrets are kept', tags, params: S.idParam, body: S.contactPointBody, response: { 200: S.contactPointJson } },
    },
    async (request) => {
      const saved = await saveContactPoint(db, notifier.secrets, request.body, request.params.id);
      await notifier.reload();
      return contactPointJson(saved);
    },
  );

  app.delete<{ Params: { id: number } }>(
    `${P}/contact-points/:id`,
    { preHandler: admin, schema: { summary: 'Delete a contact point', tags, params: S.idParam } },
    async (request, reply) => {
      if (!(await deleteContactPoint(db, request.params.id))) throw createError('QT_ERR_NOT_FOUND', `Contact point ${request.params.id} does not exist`);
      await notifier.reload();
      reply.code(204);
    },
  );

  app.post<{ Params: { id: number } }>(
    `${P}/contact-points/:id/test`,
    {
      preHandler: admin,
      schema: {
        summary: 'Send a test message now; answers with the delivery result',
        tags,
        params: S.idParam,
        response: {
          200: S.obj({
            status: { type: 'string' },
            recipient: { type: 'string' },
            error: { type: ['string', 'null'] },
            durationMs: { type: 'integer' },
            detail: { type: 'string' },
          }),
        },
      },
    },
    async (request) => {
      const exists = (await listContactPoints(db)).some((c) => c.id === request.params.id);
      if (!exists) throw createError('QT_ERR_NOT_FOUND', `Contact point ${request.params.id} does not exist`);
      return notifier.sendTest(request.params.id);
    },
  );

  app.get<{ Querystring: { contactPoint?: number; status?: DeliveryStatus; channel?: string; alert?: number; before?: number; limit: number } }>(
    `${P}/deliveries`,
    {
      preHandler: operator,
      schema: {
        summary: 'The delivery log: every attempt with channel, recipient, status and error',
        tags,
        querystring: S.deliveriesQuery,
        response: { 200: S.obj({ data: { type: 'array', items: S.obj() }, next: { type: ['integer', 'null'] } }) },
      },
    },
    async (request) => {
      const q = request.query;
      const rows = await listDeliveries(db, { contactPointId: q.contactPoint, status: q.status, channel: q.channel, alertId: q.alert, beforeId: q.before, limit: q.limit });
      return { data: rows.map((r) => ({ ...r, at: r.at.toISOString() })), next: rows.length === q.limit ? rows[rows.length - 1]!.id : null };
    },
  );

  const settingsJson = S.obj({ baseUrl: { type: 'string' }, health: S.obj() });
  app.get(
    `${P}/settings`,
    { preHandler: admin, schema: { summary: 'Notification settings (base URL of links in messages) and health', tags, response: { 200: settingsJson } } },
    async () => ({ baseUrl: notifier.baseUrl(), health: notifier.health() }),
  );
  app.put<{ Body: { baseUrl: string } }>(
    `${P}/settings`,
    { preHandler: admin, schema: { summary: 'Set the base URL used for links in messages', tags, body: S.settingsBody, response: { 200: settingsJson } } },
    async (request) => {
      await notifier.setBaseUrl(request.body.baseUrl);
      return { baseUrl: notifier.baseUrl(), health: notifier.health() };
    },
  );

  await routingRoutes(app, d);
  await oncallRoutes(app, d);
  await ackRoutes(app, d);
}
