/**
 * @module api/plugins/auth
 * How the API finds its caller: `Authorization: Bearer` (a session token or an analyst's API
 * token, auth/tokens.ts) or the browser's session cookie, and the role check (`checkRole`) that
 * api/plugins/roles.ts runs at onRequest for every route declaring `config: { role }`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createError } from '../../lib/errors.js';
import type { Role } from '../../store/users.js';
import { ROLE_RANK, type TokenClaims, type TokenService } from '../../auth/tokens.js';

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

/** Name of the browser session cookie (httpOnly, SameSite=Strict) that carries a signed token. */
export const SESSION_COOKIE = 'qt_session';

/** Methods that change state; a cookie-authenticated request using one must prove it is not cross-site. */
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Reads one cookie from a Cookie header without a parser plugin (the token alphabet needs no decoding). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

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
  if (ROLE_RANK[claims.role] < ROLE_RANK[role]) throw createError('QT_ERR_FORBIDDEN', `This needs the ${role} role; you are ${claims.role}`);
  request.user = claims;
  checked.set(request, role);
}

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
