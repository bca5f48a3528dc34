/**
 * @module dashboard/server/routes/auth
 * POST   /api/v1/auth/login    { username, password } → { token, tokenType, expiresAt, user }
 * POST   /api/v1/auth/session  { username, password } → { expiresAt, user } and sets the session cookie
 * GET    /api/v1/auth/session  → { expiresAt, user } of the current session (401 without one)
 * DELETE /api/v1/auth/session  clears the session cookie (sign-out) → 204
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createError } from '../../../lib/errors.js';
import { verifySecret } from '../../../lib/passwords.js';
import { getUserByName } from '../../../store/users.js';
import type { HttpDeps } from '../index.js';
import { SESSION_COOKIE, authenticate } from '../auth.js';

// A fixed hash to verify against when the user does not exist, so the answer takes as long
// either way and does not reveal which usernames exist.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

const CREDENTIALS_SCHEMA = {
  type: 'object',
  required: ['username', 'password'],
  additionalProperties: false,
  properties: { username: { type: 'string', minLength: 1, maxLength: 100 }, password: { type: 'string', minLength: 1, maxLength: 1000 } },
} as const;

/** The session cookie's attributes; Secure when the request came over HTTPS. */
function sessionCookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
  const attrs = [`${SESSION_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`];
  if (request.protocol === 'https') attrs.push('Secure');
  return attrs.join('; ');
}

export async function authRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const ttlSeconds = deps.config.auth.tokenTtlHours * 3600;

  async function signIn(username: string, password: string) {
    const user = await getUserByName(deps.db, username);
    const ok = await verifySecret(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok) throw createError('QT_ERR_BAD_CREDENTIALS');
    const { token, expiresAt } = deps.tokens.sign(user.username, user.role, ttlSeconds);
    return { token, expiresAt, user: { username: user.username, role: user.role } };
  }

  app.post<{ Body: { username: string; password: string } }>('/api/v1/auth/login', { schema: { body: CREDENTIALS_SCHEMA } }, async (request) => {
    const { token, expiresAt, user } = await signIn(request.body.username, request.body.password);
    return { token, tokenType: 'Bearer', expiresAt: expiresAt.toISOString(), user };
  });

  // Browser sessions: the same signed token, but in an httpOnly cookie that scripts cannot read.
  app.post<{ Body: { username: string; password: string } }>('/api/v1/auth/session', { schema: { body: CREDENTIALS_SCHEMA } }, async (request, reply: FastifyReply) => {
    const { token, expiresAt, user } = await signIn(request.body.username, request.body.password);
    reply.header('set-cookie', sessionCookie(request, token, ttlSeconds));
    return { expiresAt: expiresAt.toISOString(), user };
  });

  app.get('/api/v1/auth/session', async (request) => {
    const found = authenticate(deps.tokens, request);
    if (!found) throw createError('QT_ERR_UNAUTHORIZED', 'No valid session');
    const { sub, role, exp } = found.claims;
    return { expiresAt: new Date(exp * 1000).toISOString(), user: { username: sub, role } };
  });

  app.delete('/api/v1/auth/session', async (request, reply) => {
    reply.header('set-cookie', sessionCookie(request, '', 0));
    reply.code(204);
  });
}
