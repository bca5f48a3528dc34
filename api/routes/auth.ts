/**
 * @module api/routes/auth
 * POST   /api/v1/auth/login    { username, password } → { token, tokenType, expiresAt, user }
 * POST   /api/v1/auth/session  { username, password } → { expiresAt, user } and sets the session cookie
 * GET    /api/v1/auth/session  → { expiresAt, user } of the current session (401 without one)
 * DELETE /api/v1/auth/session  clears the session cookie (sign-out) → 204
 * POST   /api/v1/auth/session/renew  (cookie + X-Requested-With) a fresh session cookie now → { expiresAt, user }
 * POST   /api/v1/auth/session/token  { token: 'qtk_…' } → a read-only viewer session cookie (a wall screen's `/wall?token=`)
 * A request through the cookie past half the session's lifetime also gets a fresh cookie
 * (api/plugins/auth.ts `sessionRenewal`, auth/sessions.ts), so a page in use stays signed in.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createError } from '../../lib/errors.js';
import { verifySecret } from '../../lib/passwords.js';
import { getUserByName } from '../../store/users.js';
import type { HttpDeps } from '../index.js';
import { NO_CONTENT, TIME } from '../schemas/common.js';
import { SESSION_COOKIE, authenticate, setSessionCookie } from '../plugins/auth.js';
import { createSessionService } from '../../auth/sessions.js';
import type { TokenClaims } from '../../auth/tokens.js';

// A fixed hash to verify against when the user does not exist, so the answer takes as long
// either way and does not reveal which usernames exist.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

const CREDENTIALS_SCHEMA = {
  type: 'object',
  required: ['username', 'password'],
  additionalProperties: false,
  properties: { username: { type: 'string', minLength: 1, maxLength: 100 }, password: { type: 'string', minLength: 1, maxLength: 1000 } },
} as const;

const USER = { type: 'object', required: ['username', 'role'], properties: { username: { type: 'string' }, role: { enum: ['viewer', 'operator', 'reviewer', 'admin'] } } } as const;
const SESSION = {
  type: 'object',
  required: ['expiresAt', 'user'],
  properties: { expiresAt: TIME, user: USER, readOnly: { type: 'boolean', description: 'a session made from an API token (a wall screen): reads only' } },
} as const;

/** The session cookie's attributes; Secure when the request came over HTTPS. */
function sessionCookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
  const attrs = [`${SESSION_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`];
  if (request.protocol === 'https') attrs.push('Secure');
  return attrs.join('; ');
}

export async function authRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const ttlSeconds = Math.round(deps.config.auth.tokenTtlHours * 3600);
  const sessions = createSessionService({ db: deps.db, tokens: deps.tokens, ttlSeconds });

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
      throw createError(
        'QT_ERR_RATE_LIMITED',
        `Too many failed logins ${decision.scope === 'source' ? 'from this address' : 'for this account'}; try again in ${decision.retryAfterSeconds} s`,
      );
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
          details: {
            channel: 'http',
            ...(locked.lockedSource ? { sourceSeconds: locked.lockedSource.seconds } : {}),
            ...(locked.lockedAccount ? { accountSeconds: locked.lockedAccount.seconds } : {}),
          },
        });
      }
      throw createError('QT_ERR_BAD_CREDENTIALS');
    }
    security?.guard.success('user', username, source);
    record('ok', user.role);
    const { token, expiresAt } = deps.tokens.sign(user.username, user.role, ttlSeconds);
    return { token, expiresAt, user: { username: user.username, role: user.role } };
  }

  app.post<{ Body: { username: string; password: string } }>(
    '/api/v1/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in: a bearer token for the API (429 after repeated failures, with Retry-After)',
        body: CREDENTIALS_SCHEMA,
        response: {
          200: {
            type: 'object',
            required: ['token', 'tokenType', 'expiresAt', 'user'],
            properties: { token: { type: 'string' }, tokenType: { const: 'Bearer' }, expiresAt: TIME, user: USER },
          },
        },
      },
    },
    async (request, reply) => {
      const { token, expiresAt, user } = await signIn(request, reply, request.body.username, request.body.password, 'auth.login');
      return { token, tokenType: 'Bearer', expiresAt: expiresAt.toISOString(), user };
    },
  );

  // Browser sessions: the same signed token, but in an httpOnly cookie that scripts cannot read.
  app.post<{ Body: { username: string; password: string } }>(
    '/api/v1/auth/session',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in a browser: sets the httpOnly session cookie (429 after repeated failures, with Retry-After)',
        body: CREDENTIALS_SCHEMA,
        response: { 200: SESSION },
      },
    },
    async (request, reply: FastifyReply) => {
      const { token, expiresAt, user } = await signIn(request, reply, request.body.username, request.body.password, 'auth.session');
      reply.header('set-cookie', sessionCookie(request, token, ttlSeconds));
      return { expiresAt: expiresAt.toISOString(), user };
    },
  );

  app.get(
    '/api/v1/auth/session',
    {
      schema: {
        tags: ['auth'],
        summary: 'The current session (bearer token or cookie): its user and expiry; 401 without one',
        security: [{ bearer: [] }, { cookie: [] }],
        response: { 200: SESSION },
      },
    },
    async (request, reply) => {
      const found = authenticate(deps.tokens, request);
      if (!found || !(await deps.tokens.stillValid(found.claims))) throw createError('QT_ERR_UNAUTHORIZED', 'No valid session');
      let claims = found.claims;
      if (found.via === 'cookie' && sessions.renewalDue(claims)) {
        const renewed = await sessions.renew(claims);
        if (renewed) {
          setSessionCookie(request, reply, renewed.token, ttlSeconds);
          claims = renewed.claims;
        }
      }
      return sessionJson(claims);
    },
  );

  app.delete('/api/v1/auth/session', { schema: { tags: ['auth'], summary: 'Sign out: clears the session cookie', response: NO_CONTENT } }, async (request, reply) => {
    reply.header('set-cookie', sessionCookie(request, '', 0));
    reply.code(204);
  });

  // Sliding sessions for pages that stay open (a control room): renew now, whatever is left.
  app.post(
    '/api/v1/auth/session/renew',
    {
      schema: {
        tags: ['auth'],
        summary: 'Renew the browser session now: a fresh session cookie (cookie and X-Requested-With required; 401 when the session is over)',
        security: [{ cookie: [] }],
        response: { 200: SESSION },
      },
    },
    async (request, reply) => {
      const cookie = authenticate(deps.tokens, request);
      if (!cookie || cookie.via !== 'cookie' || !(await deps.tokens.stillValid(cookie.claims))) throw createError('QT_ERR_UNAUTHORIZED', 'No valid session cookie to renew');
      if (!request.headers['x-requested-with']) throw createError('QT_ERR_FORBIDDEN', 'A request authenticated by the session cookie must carry the X-Requested-With header');
      const renewed = await sessions.renew(cookie.claims);
      if (!renewed) throw createError('QT_ERR_UNAUTHORIZED', 'The session cannot be renewed (the user or the API token behind it is gone)');
      setSessionCookie(request, reply, renewed.token, ttlSeconds);
      return sessionJson(renewed.claims);
    },
  );

  // A wall screen opened at /wall?token=qtk_…: the page posts the token once and is then on a cookie session that renews.
  app.post<{ Body: { token: string } }>(
    '/api/v1/auth/session/token',
    {
      schema: {
        tags: ['auth'],
        summary: "Exchange a read-only API token (an admin's wall token) for a viewer session cookie that renews while in use; it ends when the token is revoked",
        body: { type: 'object', required: ['token'], additionalProperties: false, properties: { token: { type: 'string', minLength: 1, maxLength: 200 } } },
        response: { 200: SESSION },
      },
    },
    async (request, reply) => {
      const issued = await sessions.exchange(request.body.token);
      const tokenId = /^qtk_([0-9a-f]{16})_/.exec(request.body.token)?.[1] ?? null;
      security?.audit.record({
        actor: issued?.claims.sub ?? 'unknown',
        role: issued ? 'viewer' : null,
        sourceIp: request.ip,
        action: 'auth.session.token',
        target: tokenId ? `token:${tokenId}` : null,
        outcome: issued ? 'ok' : 'denied',
      });
      if (!issued) throw createError('QT_ERR_UNAUTHORIZED', 'The API token is unknown, revoked or expired');
      setSessionCookie(request, reply, issued.token, ttlSeconds);
      return sessionJson(issued.claims);
    },
  );
}

function sessionJson(claims: TokenClaims) {
  return { expiresAt: new Date(claims.exp * 1000).toISOString(), user: { username: claims.sub, role: claims.role }, ...(claims.readOnly ? { readOnly: true } : {}) };
}
