/**
 * @module api/routes/users
 *   GET  /api/v1/users                 (admin) → { data: [{ username, role }] }
 *   POST /api/v1/users                 (admin) { username, password, role } → 201 (creates, or resets password and role)
 */
import type { FastifyInstance } from 'fastify';
import { hashSecret } from '../../lib/passwords.js';
import { listUsers, upsertUser, type Role } from '../../store/users.js';
import type { HttpDeps } from '../index.js';
import { TIME } from '../schemas/common.js';

const ROLE = { enum: ['viewer', 'operator', 'reviewer', 'admin'] } as const;

export async function userRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  app.get(
    '/api/v1/users',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'User accounts and their roles (admin)',
        response: {
          200: {
            type: 'object',
            required: ['data'],
            properties: {
              data: {
                type: 'array',
                items: { type: 'object', required: ['username', 'role', 'createdAt'], properties: { username: { type: 'string' }, role: ROLE, createdAt: TIME } },
              },
            },
          },
        },
      },
    },
    async () => ({ data: await listUsers(deps.db) }),
  );
  app.post<{ Body: { username: string; password: string; role: Role } }>(
    '/api/v1/users',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['users'],
        summary: "Create a user, or reset an existing user's password and role (admin)",
        response: { 201: { type: 'object', required: ['username', 'role'], properties: { username: { type: 'string' }, role: ROLE } } },
        body: {
          type: 'object',
          required: ['username', 'password', 'role'],
          additionalProperties: false,
          properties: {
            username: { type: 'string', pattern: '^[A-Za-z0-9_.@-]{2,64}$' },
            password: { type: 'string', minLength: 8, maxLength: 1000 },
            role: { enum: ['viewer', 'operator', 'reviewer', 'admin'] },
          },
        },
      },
    },
    async (request, reply) => {
      const { username, password, role } = request.body;
      await upsertUser(deps.db, username, await hashSecret(password), role);
      reply.code(201);
      return { username, role };
    },
  );
}
