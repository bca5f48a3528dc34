/**
 * @module api/routes/tokens
 * Analysts' API tokens (read-only, role viewer), created and revoked by their owner or an admin:
 *   POST   /api/v1/tokens        { name, username?, expiresInDays? } → 201 { token (shown once), … }
 *   GET    /api/v1/tokens        ?user=  own tokens; an admin sees everyone's (or one user's)
 *   DELETE /api/v1/tokens/{id}   revoke (owner or admin) → 204
 * An API token cannot manage tokens: they are read-only, and these are writes.
 */
import type { FastifyInstance } from 'fastify';
import { createError } from '../../lib/errors.js';
import type { ApiTokenRecord } from '../../store/tokens.js';
import { getUserByName } from '../../store/users.js';
import { analystRateLimit } from '../plugins/analytics-rate-limit.js';
import type { HttpDeps } from '../index.js';
import { NO_CONTENT } from '../schemas/common.js';

const tokenJson = (t: ApiTokenRecord) => ({
  id: t.id,
  name: t.name,
  username: t.username,
  scope: t.scope,
  role: 'viewer' as const,
  createdBy: t.createdBy,
  createdAt: t.createdAt.toISOString(),
  expiresAt: t.expiresAt?.toISOString() ?? null,
  revokedAt: t.revokedAt?.toISOString() ?? null,
});

const TOKEN_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    username: { type: 'string' },
    scope: { type: 'string' },
    role: { type: 'string' },
    createdBy: { type: 'string' },
    createdAt: { type: 'string' },
    expiresAt: { type: ['string', 'null'] },
    revokedAt: { type: ['string', 'null'] },
  },
} as const;

export async function tokenRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const { apiTokens, db, config } = deps;
  analystRateLimit(app, config);

  app.post<{ Body: { name: string; username?: string; expiresInDays?: number } }>(
    '/api/v1/tokens',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['tokens'],
        summary: 'Create a read-only API token (the token is shown once)',
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200 },
            username: { type: 'string', minLength: 1, maxLength: 100, description: 'admin only: create for another user' },
            expiresInDays: { type: 'integer', minimum: 1, maximum: 3650, description: 'default: never expires (revoke it)' },
          },
        },
        response: { 201: { type: 'object', properties: { token: { type: 'string' }, ...TOKEN_SCHEMA.properties } } },
      },
    },
    async (request, reply) => {
      const me = request.user!;
      const username = request.body.username ?? me.sub;
      if (username !== me.sub) {
        if (me.role !== 'admin') throw createError('QT_ERR_FORBIDDEN', 'body.username: only an admin creates tokens for another user');
        if (!(await getUserByName(db, username))) throw createError('QT_ERR_NOT_FOUND', `body.username: user ${username} does not exist`);
      }
      const days = request.body.expiresInDays;
      const { token, record } = await apiTokens.create({
        username,
        name: request.body.name,
        createdBy: me.sub,
        expiresAt: days === undefined ? null : new Date(Date.now() + days * 86_400_000),
      });
      reply.code(201);
      return { token, ...tokenJson(record) };
    },
  );

  app.get<{ Querystring: { user?: string } }>(
    '/api/v1/tokens',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['tokens'],
        summary: 'List API tokens (own; an admin sees all)',
        querystring: { type: 'object', additionalProperties: false, properties: { user: { type: 'string', maxLength: 100 } } },
        response: { 200: { type: 'object', properties: { data: { type: 'array', items: TOKEN_SCHEMA } } } },
      },
    },
    async (request) => {
      const me = request.user!;
      if (request.query.user !== undefined && request.query.user !== me.sub && me.role !== 'admin') {
        throw createError('QT_ERR_FORBIDDEN', "user: only an admin lists another user's tokens");
      }
      const username = me.role === 'admin' ? request.query.user : me.sub;
      return { data: (await apiTokens.list(username)).map(tokenJson) };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/tokens/:id',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['tokens'],
        summary: 'Revoke an API token (owner or admin)',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[0-9a-f]{16}$' } } },
        response: NO_CONTENT,
      },
    },
    async (request, reply) => {
      const me = request.user!;
      const t = await apiTokens.get(request.params.id);
      if (!t || (t.username !== me.sub && me.role !== 'admin')) throw createError('QT_ERR_NOT_FOUND', `Token ${request.params.id} does not exist`);
      if (!(await apiTokens.revoke(t.id))) throw createError('QT_ERR_CONFLICT', `Token ${t.id} is already revoked`);
      reply.code(204);
      return null;
    },
  );
}
