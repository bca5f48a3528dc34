/**
 * @module api/plugins/auth
 * How the API finds its caller: `Authorization: Bearer` (a session token or an analyst's API
 * token, auth/tokens.ts) or the browser's session cookie, and the role check (`checkRole`) that
 * api/plugins/roles.ts runs at onRequest for every route declaring `config: { role }`; and the
 * sliding renewal of the session cookie (`sessionRenewal`, registered at the root after roles).
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createError } from '../../lib/errors.js';
import type { Role } from '../../store/users.js';
import { ROLE_RANK, type TokenClaims, type TokenService } from '../../auth/tokens.js';
import { SESSION_COOKIE, cookieValue, sessionCookieHeader } from '../../auth/session-cookie.js';
import type { SessionService } from '../../auth/sessions.js';

export { SESSION_COOKIE, cookieValue };

declare module 'fastify' {
  interface FastifyRequest {
    user?: TokenClaims;
  }
  interface FastifyContextConfig {
    /**
     * The least role the route requires, checked at onRequest by api/plugins/roles.ts (before the
     * body is parsed); absent = public, or the route authenticates its caller itself (login, station ingest).
     */
    role?: Role;
  }
}

/** Methods that change state; a cookie-authenticated request using one must prove it is not cross-site. */
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The caller's claims, from `Authorization: Bearer` or else the session cookie, with how they
 * were found; undefined when neither carries a valid token.
 */
export function authenticate(tokens: TokenService, request: FastifyRequest): { claims: TokenClaims; via: 'bearer' | 'cookie' } | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) {
    const claims = tokens.verify(header.slice(7).trim());
    return claims ? { claims, via: 'bearer' } : undefined;
  }
  const cookie = cookieValue(request.headers.cookie, SESSION_COOKIE);
  const claims = cookie ? tokens.verify(cookie) : undefined;
  return claims ? { claims, via: 'cookie' } : undefined;
}

/** The role each request was checked for (by `checkRole`), so that a `requireRole` hook running later does not check it again. */
const checked = new WeakMap<FastifyRequest, Role>();
/** Requests `checkRole` authenticated by the session cookie, with their claims (`sessionRenewal` renews those). */
const cookieSessions = new WeakMap<FastifyRequest, TokenClaims>();

/**
 * Requires a valid bearer token or session cookie carrying at least `role`, and sets
 * `request.user`. A state-changing request authenticated by the cookie must also carry
 * `X-Requested-With` (CSRF): a cross-site form cannot set a custom header, and a cross-site script
 * cannot send one without a CORS preflight this server never grants. SameSite=Strict is the first line.
 */
export async function checkRole(tokens: TokenService, request: FastifyRequest, role: Role): Promise<void> {
  const bearer = request.headers.authorization;
  if (bearer?.startsWith('Bearer qtk_')) {
    // An analyst's API token (auth/api-tokens.ts): role viewer, read-only.
    const claims = await tokens.resolve(bearer.slice(7).trim());
    if (!claims) throw createError('QT_ERR_UNAUTHORIZED', 'The API token is unknown, revoked or expired');
    if (claims.readOnly && UNSAFE_METHODS.has(request.method)) throw createError('QT_ERR_TOKEN_READ_ONLY', 'API tokens are read-only: log in to change anything');
    if (ROLE_RANK[claims.role] < ROLE_RANK[role]) throw createError('QT_ERR_FORBIDDEN', `This needs the ${role} role; API tokens are ${claims.role}`);
    request.user = claims;
    checked.set(request, role);
    return;
  }
  const found = authenticate(tokens, request);
  if (!found) throw createError('QT_ERR_UNAUTHORIZED', 'A valid bearer token or session is required (POST /api/v1/auth/login or /api/v1/auth/session)');
  const { claims, via } = found;
  if (via === 'cookie' && UNSAFE_METHODS.has(request.method) && !request.headers['x-requested-with']) {
    throw createError('QT_ERR_FORBIDDEN', 'A request authenticated by the session cookie must carry the X-Requested-With header');
  }
  // a session made from an API token (a wall screen): read-only, and over once the token is revoked
  if (claims.tokenId !== undefined && !(await tokens.stillValid(claims))) throw createError('QT_ERR_UNAUTHORIZED', 'The API token behind this session was revoked or expired');
  if (claims.readOnly && UNSAFE_METHODS.has(request.method))
    throw createError('QT_ERR_TOKEN_READ_ONLY', 'This session is read-only (made from an API token): log in to change anything');
  if (ROLE_RANK[claims.role] < ROLE_RANK[role]) throw createError('QT_ERR_FORBIDDEN', `This needs the ${role} role; you are ${claims.role}`);
  request.user = claims;
  checked.set(request, role);
  if (via === 'cookie') cookieSessions.set(request, claims);
}

/** Sets the session cookie on `reply` (Secure over HTTPS). */
export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, maxAgeSeconds: number): void {
  reply.header('set-cookie', sessionCookieHeader(token, maxAgeSeconds, request.protocol === 'https'));
}

/**
 * Sliding sessions: a request that `checkRole` authenticated by the session cookie, past half of
 * the session's lifetime, gets a fresh cookie with the answer (auth/sessions.ts `renew`: the
 * user's current role; none for a deleted user or a revoked API token). Registered at the root
 * after api/plugins/roles.ts, so its onRequest hook runs after the role check.
 */
export const sessionRenewal = fp(
  async function sessionRenewal(app: FastifyInstance, { sessions }: { sessions: SessionService }) {
    app.addHook('onRequest', async function renewSession(request, reply) {
      const claims = cookieSessions.get(request);
      if (!claims || !sessions.renewalDue(claims)) return;
      const renewed = await sessions.renew(claims);
      if (renewed) setSessionCookie(request, reply, renewed.token, sessions.ttlSeconds);
    });
  },
  { name: 'quantrac-session-renewal', fastify: '5.x' },
);

/**
 * The older way to declare a role: a preHandler tagged with it (`requiredRole`). New routes
 * declare `config: { role }` instead. api/plugins/roles.ts reads the tag as data when the route
 * is added, lists the route's role and checks it at onRequest like `config.role`; this hook then
 * finds the request checked and returns. Without that plugin it checks the role itself.
 */
export function requireRole(tokens: TokenService, role: Role) {
  return Object.assign(requireRoleHook, { requiredRole: role });
  async function requireRoleHook(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const done = checked.get(request);
    if (done !== undefined && ROLE_RANK[done] >= ROLE_RANK[role]) return;
    await checkRole(tokens, request, role);
  }
}
