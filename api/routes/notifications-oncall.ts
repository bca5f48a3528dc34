/**
 * @module api/routes/notifications-oncall
 * On-call schedules and escalation chains, role admin:
 *   GET|POST /api/v1/notifications/schedules, PUT|DELETE …/schedules/{id}
 *   GET      /api/v1/notifications/schedules/{id}/on-call?at=ISO   who is on call (default: now)
 *   GET|POST /api/v1/notifications/escalation-chains, PUT|DELETE …/escalation-chains/{id}
 */
import type { FastifyInstance } from 'fastify';
import { createError } from '../../lib/errors.js';
import { onCallAt, shiftEndsAt } from '../../notify/oncall.js';
import { invalid, validateLevels, validateRotation, validateTimeZone } from '../../notify/validate.js';
import { listContactPoints } from '../../store/notifications.js';
import {
  deleteEscalationChain,
  deleteSchedule,
  listEscalationChains,
  listSchedules,
  saveEscalationChain,
  saveSchedule,
  type EscalationChain,
  type Schedule,
} from '../../store/notifications-routing.js';
import { requireRole } from '../plugins/auth.js';
import type { NotifyHttpDeps } from './notifications.js';
import * as S from './notifications-schemas.js';

const iso = <T extends { updatedAt: Date }>(x: T) => ({ ...x, updatedAt: x.updatedAt.toISOString() });
const taken = (err: { code?: string }) => {
  if (err.code === '23505') return undefined;
  throw err;
};

export async function oncallRoutes(app: FastifyInstance, deps: NotifyHttpDeps): Promise<void> {
  const { db, notifier } = deps;
  const admin = requireRole(deps.tokens, 'admin');
  const P = '/api/v1/notifications';
  const tags = ['notifications'];
  const contactPointIds = async () => new Set((await listContactPoints(db)).map((c) => c.id));

  type ScheduleBody = Omit<Schedule, 'id' | 'updatedAt'>;
  async function saveSched(body: ScheduleBody, id?: number) {
    validateTimeZone('timeZone', body.timeZone);
    const cps = await contactPointIds();
    validateRotation(body.rotation, body.overrides, (cp) => cps.has(cp));
    const saved = await saveSchedule(db, body, id).catch(taken);
    if (!saved)
      throw id === undefined
        ? createError('QT_ERR_CONFLICT', `A schedule named ${body.name} already exists`)
        : createError('QT_ERR_NOT_FOUND', `Schedule ${id} does not exist (or the name is taken)`);
    await notifier.reload();
    return iso(saved);
  }
  app.get(`${P}/schedules`, { preHandler: admin, schema: { summary: 'List on-call schedules', tags, response: S.listOf(S.obj()) } }, async () => {
    const at = Date.now();
    return { data: (await listSchedules(db)).map((s) => ({ ...iso(s), onCallNow: onCallAt(s, at) ?? null })) };
  });
  app.post<{ Body: ScheduleBody }>(
    `${P}/schedules`,
    { preHandler: admin, schema: { summary: 'Create an on-call schedule (rotation and overrides)', tags, body: S.scheduleBody, response: { 201: S.obj() } } },
    async (request, reply) => {
      const saved = await saveSched(request.body);
      reply.code(201);
      return saved;
    },
  );
  app.put<{ Params: { id: number }; Body: ScheduleBody }>(
    `${P}/schedules/:id`,
    { preHandler: admin, schema: { summary: 'Replace an on-call schedule', tags, params: S.idParam, body: S.scheduleBody, response: { 200: S.obj() } } },
    async (request) => saveSched(request.body, request.params.id),
  );
  app.delete<{ Params: { id: number } }>(
    `${P}/schedules/:id`,
    { preHandler: admin, schema: { summary: 'Delete an on-call schedule', tags, params: S.idParam } },
    async (request, reply) => {
      if (!(await deleteSchedule(db, request.params.id))) throw createError('QT_ERR_NOT_FOUND', `Schedule ${request.params.id} does not exist`);
      await notifier.reload();
      reply.code(204);
    },
  );
  app.get<{ Params: { id: number }; Querystring: { at?: string } }>(
    `${P}/schedules/:id/on-call`,
    {
      preHandler: admin,
      schema: {
        summary: 'Who is on call at a time (now by default)',
        tags,
        params: S.idParam,
        querystring: { type: 'object', additionalProperties: false, properties: { at: { type: 'string', maxLength: 40 } } },
        response: { 200: S.obj({ at: { type: 'string' }, contactPoint: S.obj(), shiftEndsAt: { type: ['string', 'null'] } }) },
      },
    },
    async (request) => {
      const at = request.query.at === undefined ? Date.now() : Date.parse(request.query.at);
      if (!Number.isFinite(at)) invalid('at', 'must be an ISO 8601 time');
      const s = (await listSchedules(db)).find((x) => x.id === request.params.id);
      if (!s) throw createError('QT_ERR_NOT_FOUND', `Schedule ${request.params.id} does not exist`);
      const id = onCallAt(s, at);
      const cp = id === undefined ? undefined : (await listContactPoints(db)).find((c) => c.id === id);
      const ends = shiftEndsAt(s, at);
      return {
        at: new Date(at).toISOString(),
        contactPoint: cp ? { id: cp.id, name: cp.name, kind: cp.kind, username: cp.username } : null,
        shiftEndsAt: ends === undefined ? null : new Date(ends).toISOString(),
      };
    },
  );

  // ---- escalation chains ----
  type ChainBody = Omit<EscalationChain, 'id' | 'updatedAt'>;
  async function saveChain(body: ChainBody, id?: number) {
    const cps = await contactPointIds();
    const scheds = new Set((await listSchedules(db)).map((s) => s.id));
    validateLevels(
      body.levels,
      (cp) => cps.has(cp),
      (s) => scheds.has(s),
    );
    const saved = await saveEscalationChain(db, body, id).catch(taken);
    if (!saved)
      throw id === undefined
        ? createError('QT_ERR_CONFLICT', `An escalation chain named ${body.name} already exists`)
        : createError('QT_ERR_NOT_FOUND', `Escalation chain ${id} does not exist (or the name is taken)`);
    await notifier.reload();
    return iso(saved);
  }
  app.get(`${P}/escalation-chains`, { preHandler: admin, schema: { summary: 'List escalation chains', tags, response: S.listOf(S.obj()) } }, async () => ({
    data: (await listEscalationChains(db)).map(iso),
  }));
  app.post<{ Body: ChainBody }>(
    `${P}/escalation-chains`,
    { preHandler: admin, schema: { summary: 'Create an escalation chain', tags, body: S.chainBody, response: { 201: S.obj() } } },
    async (request, reply) => {
      const saved = await saveChain(request.body);
      reply.code(201);
      return saved;
    },
  );
  app.put<{ Params: { id: number }; Body: ChainBody }>(
    `${P}/escalation-chains/:id`,
    { preHandler: admin, schema: { summary: 'Replace an escalation chain', tags, params: S.idParam, body: S.chainBody, response: { 200: S.obj() } } },
    async (request) => saveChain(request.body, request.params.id),
  );
  app.delete<{ Params: { id: number } }>(
    `${P}/escalation-chains/:id`,
    { preHandler: admin, schema: { summary: 'Delete an escalation chain', tags, params: S.idParam } },
    async (request, reply) => {
      if (!(await deleteEscalationChain(db, request.params.id))) throw createError('QT_ERR_NOT_FOUND', `Escalation chain ${request.params.id} does not exist`);
      await notifier.reload();
      reply.code(204);
    },
  );
}
