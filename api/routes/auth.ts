/**
 * @module api/routes/auth
 * POST   /api/v1/auth/login    { username, password } → { token, tokenType, expiresAt, user }
 * POST   /api/v1/auth/session  { username, password } → { expiresAt, user } and sets the session cookie
 * GET    /api/v1/auth/session  → { expiresAt, user } of the current session (401 without one)
 * DELETE /api/v1/auth/session  clears the session cookie (sign-out) → 204
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createError } from '../../lib/errors.js';
import { verifySecret } from '../../lib/passwords.js';
import { getUserByName } from '../../store/users.js';
import type { HttpDeps } from '../index.js';
import { SESSION_COOKIE, authenticate } from '../plugins/auth.js';

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

  const security = deps.security;

  /**
   * Checks the password behind the login guard (security/login-guard.ts): a blocked address or
   * locked account gets 429 with Retry-After before any hashing; every outcome is audited.
   */
  async function signIn(request: FastifyRequest, reply: FastifyReply, username: string, password: string, action: string) {
    const source = request.ip;
    const record = (outcome: 'ok' | 'denied' | 'locked', role: string | null, details: Record<string, unknown> = {}) =>
      security?.audit.record({ actor: username, role, sourceIp: source, action, outcome, details });
    const decision = security?.guard.check('user', username, source);
    if (decision && !decision.allowed) {
      record('locked', null, { scope: decision.scope, retryAfterSeconds: decision.retryAfterSeconds });
      reply.header('retry-after', String(decision.retryAfterSeconds));
      throw createError('QT_ERR_RATE_LIMITED', `Too many failed logins ${decision.scope === 'source' ? 'from this address' : 'for this account'}; try again in ${decision.retryAfterSeconds} s`);
    }
    const user = await getUserByName(deps.db, username);
    const ok = await verifySecret(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok) {
      record('denied', null, { reason: user ? 'wrong password' : 'unknown user' });
      const locked = security?.guard.failure('user', username, source);
      if (locked?.lockedSource || locked?.lockedAccount) {
        security?.audit.record({
          actor: username,
          role: null,
          sourceIp: source,
          action: 'auth.lockout',
          target: locked.lockedAccount ? `user:${username}` : `source:${source}`,
          outcome: 'locked',
          details: { channel: 'http', ...(locked.lockedSource ? { sourceSeconds: locked.lockedSource.seconds } : {}), ...(locked.lockedAccount ? { accountSeconds: locked.lockedAccount.seconds } : {}) },
        });
      }
      throw createError('QT_ERR_BAD_CREDENTIALS');
    }
    security?.guard.success('user', username, source);
    record('ok', user.role);
    const { token, expiresAt } = deps.tokens.sign(user.username, user.role, ttlSeconds);
    return { token, expiresAt, user: { username: user.username, role: user.role } };
  }

  app.post<{ Body: { username: string; password: string } }>('/api/v1/auth/login', { schema: { body: CREDENTIALS_SCHEMA } }, async (request, reply) => {
    const { token, expiresAt, user } = await signIn(request, reply, request.body.username, request.body.password, 'auth.login');
    return { token, tokenType: 'Bearer', expiresAt: expiresAt.toISOString(), user };
  });

  // Browser sessions: the same signed token, but in an httpOnly cookie that scripts cannot read.
  app.post<{ Body: { username: string; password: string } }>('/api/v1/auth/session', { schema: { body: CREDENTIALS_SCHEMA } }, async (request, reply: FastifyReply) => {
    const { token, expiresAt, user } = await signIn(request, reply, request.body.username, request.body.password, 'auth.session');
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
