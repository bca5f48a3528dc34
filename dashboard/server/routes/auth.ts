/**
 * @module dashboard/server/routes/auth
 * POST /api/v1/auth/login { username, password } → { token, tokenType, expiresAt, user }
 */
import type { FastifyInstance } from 'fastify';
import { createError } from '../../../lib/errors.js';
import { verifySecret } from '../../../lib/passwords.js';
import { getUserByName } from '../../../store/users.js';
import type { HttpDeps } from '../index.js';

// A fixed hash to verify against when the user does not exist, so the answer takes as long
// either way and does not reveal which usernames exist.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

export async function authRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  app.post<{ Body: { username: string; password: string } }>(
    '/api/v1/auth/login',
    {
      schema: {
        body: {
          type: 'object',
          required: ['username', 'password'],
          additionalProperties: false,
          properties: { username: { type: 'string', minLength: 1, maxLength: 100 }, password: { type: 'string', minLength: 1, maxLength: 1000 } },
        },
      },
    },
    async (request) => {
      const { username, password } = request.body;
      const user = await getUserByName(deps.db, username);
      const ok = await verifySecret(password, user?.passwordHash ?? DUMMY_HASH);
      if (!user || !ok) throw createError('QT_ERR_BAD_CREDENTIALS');
      const { token, expiresAt } = deps.tokens.sign(user.username, user.role, deps.config.auth.tokenTtlHours * 3600);
      return { token, tokenType: 'Bearer', expiresAt: expiresAt.toISOString(), user: { username: user.username, role: user.role } };
    },
  );
}
