/**
 * @module api/routes/notifications-routing
 * Routing policies (ordered) and mute timings, role admin:
 *   GET    /api/v1/notifications/policies                 in matching order
 *   POST   /api/v1/notifications/policies                 appended at the end
 *   PUT    /api/v1/notifications/policies/{id}
 *   DELETE /api/v1/notifications/policies/{id}
 *   POST   /api/v1/notifications/policies/{id}/move       { direction: 'up' | 'down' }
 *   GET|POST /api/v1/notifications/mute-timings, PUT|DELETE …/mute-timings/{id}
 */
import type { FastifyInstance } from 'fastify';
import { createError } from '../../lib/errors.js';
import { validateIntervals, validateTimeZone, invalid } from '../../notify/validate.js';
import { listContactPoints } from '../../store/notifications.js';
import {
  deleteMuteTiming,
  deletePolicy,
  insertPolicy,
  listEscalationChains,
  listMuteTimings,
  listPolicies,
  movePolicy,
  saveMuteTiming,
  updatePolicy,
  type MuteTiming,
  type Policy,
  type PolicyInput,
} from '../../store/notifications-routing.js';
import { requireRole } from '../plugins/auth.js';
import type { NotifyHttpDeps } from './notifications.js';
import * as S from './notifications-schemas.js';

const policyJson = (p: Policy) => ({ ...p, updatedAt: p.updatedAt.toISOString() });
const muteJson = (m: MuteTiming) => ({ ...m, updatedAt: m.updatedAt.toISOString() });

export async function routingRoutes(app: FastifyInstance, deps: NotifyHttpDeps): Promise<void> {
  const { db, notifier } = deps;
  const admin = requireRole(deps.tokens, 'admin');
  const P = '/api/v1/notifications';
  const tags = ['notifications'];

  async function checkPolicy(p: PolicyInput): Promise<void> {
    const cps = new Set((await listContactPoints(db)).map((c) => c.id));
    const mutes = new Set((await listMuteTimings(db)).map((m) => m.id));
    const chains = new Set((await listEscalationChains(db)).map((c) => c.id));
    p.contactPointIds.forEach((id, i) => cps.has(id) || invalid(`contactPointIds[${i}]`, `contact point ${id} does not exist`));
    p.muteTimingIds.forEach((id, i) => mutes.has(id) || invalid(`muteTimingIds[${i}]`, `mute timing ${id} does not exist`));
    if (p.escalationChainId !== null && !chains.has(p.escalationChainId)) invalid('escalationChainId', `escalation chain ${p.escalationChainId} does not exist`);
    if (p.contactPointIds.length === 0 && p.escalationChainId === null) invalid('contactPointIds', 'a policy needs a contact point or an escalation chain');
  }

  app.get(`${P}/policies`, { preHandler: admin, schema: { summary: 'List routing policies in the order they are matched', tags, response: S.listOf(S.obj()) } }, async () => ({
    data: (await listPolicies(db)).map(policyJson),
  }));
  app.post<{ Body: PolicyInput }>(
    `${P}/policies`,
    { preHandler: admin, schema: { summary: 'Create a routing policy (added last)', tags, body: S.policyBody, response: { 201: S.obj() } } },
    async (request, reply) => {
      await checkPolicy(request.body);
      const saved = await insertPolicy(db, request.body);
      await notifier.reload();
      reply.code(201);
      return policyJson(saved);
    },
  );
  app.put<{ Params: { id: number }; Body: PolicyInput }>(
    `${P}/policies/:id`,
    { preHandler: admin, schema: { summary: 'Replace a routing policy', tags, params: S.idParam, body: S.policyBody, response: { 200: S.obj() } } },
    async (request) => {
      await checkPolicy(request.body);
      const saved = await updatePolicy(db, request.params.id, request.body);
      if (!saved) throw createError('QT_ERR_NOT_FOUND', `Policy ${request.params.id} does not exist`);
      await notifier.reload();
      return policyJson(saved);
    },
  );
  app.delete<{ Params: { id: number } }>(
    `${P}/policies/:id`,
    { preHandler: admin, schema: { summary: 'Delete a routing policy', tags, params: S.idParam } },
    async (request, reply) => {
      if (!(await deletePolicy(db, request.params.id))) throw createError('QT_ERR_NOT_FOUND', `Policy ${request.params.id} does not exist`);
      await notifier.reload();
      reply.code(204);
    },
  );
  app.post<{ Params: { id: number }; Body: { direction: 'up' | 'down' } }>(
    `${P}/policies/:id/move`,
    {
      preHandler: admin,
      schema: {
        summary: 'Move a routing policy up or down in the matching order',
        tags,
        params: S.idParam,
        body: { type: 'object', required: ['direction'], additionalProperties: false, properties: { direction: { enum: ['up', 'down'] } } },
        response: S.listOf(S.obj()),
      },
    },
    async (request) => {
      if (!(await movePolicy(db, request.params.id, request.body.direction)))
        throw createError('QT_ERR_CONFLICT', `Policy ${request.params.id} does not exist or is already at the ${request.body.direction === 'up' ? 'top' : 'bottom'}`);
      await notifier.reload();
      return { data: (await listPolicies(db)).map(policyJson) };
    },
  );

  // ---- mute timings ----
  type MuteBody = Omit<MuteTiming, 'id' | 'updatedAt'>;
  async function saveMute(body: MuteBody, id?: number) {
    validateTimeZone('timeZone', body.timeZone);
    validateIntervals(body.intervals);
    const saved = await saveMuteTiming(db, body, id).catch((err: { code?: string }) => {
      if (err.code === '23505') return undefined;
      throw err;
    });
    if (!saved)
      throw id === undefined
        ? createError('QT_ERR_CONFLICT', `A mute timing named ${body.name} already exists`)
        : createError('QT_ERR_NOT_FOUND', `Mute timing ${id} does not exist (or the name is taken)`);
    await notifier.reload();
    return muteJson(saved);
  }
  app.get(`${P}/mute-timings`, { preHandler: admin, schema: { summary: 'List mute timings (quiet hours)', tags, response: S.listOf(S.obj()) } }, async () => ({
    data: (await listMuteTimings(db)).map(muteJson),
  }));
  app.post<{ Body: MuteBody }>(
    `${P}/mute-timings`,
    { preHandler: admin, schema: { summary: 'Create a mute timing', tags, body: S.muteTimingBody, response: { 201: S.obj() } } },
    async (request, reply) => {
      const saved = await saveMute(request.body);
      reply.code(201);
      return saved;
    },
  );
  app.put<{ Params: { id: number }; Body: MuteBody }>(
    `${P}/mute-timings/:id`,
    { preHandler: admin, schema: { summary: 'Replace a mute timing', tags, params: S.idParam, body: S.muteTimingBody, response: { 200: S.obj() } } },
    async (request) => saveMute(request.body, request.params.id),
  );
  app.delete<{ Params: { id: number } }>(
    `${P}/mute-timings/:id`,
    { preHandler: admin, schema: { summary: 'Delete a mute timing', tags, params: S.idParam } },
    async (request, reply) => {
      if (!(await deleteMuteTiming(db, request.params.id))) throw createError('QT_ERR_NOT_FOUND', `Mute timing ${request.params.id} does not exist`);
      await notifier.reload();
      reply.code(204);
    },
  );
}
