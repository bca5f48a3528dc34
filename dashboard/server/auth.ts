/**
 * @module dashboard/server/auth
 * Bearer tokens for the API: `v1.<payload>.<HMAC-SHA256>`, payload = { sub, role, exp }, signed
 * with a random key generated at first start and kept in the database (settings). Stateless, so
 * checking a token never queues behind ingest on the embedded database's single connection; a
 * role change takes effect when the token expires (AUTH token lifetime, default 12 h).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createError } from '../../lib/errors.js';
import type { Role } from '../../store/users.js';

export interface TokenClaims {
  sub: string;
  role: Role;
  /** expiry, epoch seconds */
  exp: number;
  /** API tokens (`qtk_…`): every write is refused whatever the role. */
  readOnly?: boolean;
  /** id of the API token that authenticated the request */
  tokenId?: string;
}

const ROLE_RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function newTokenKey(): string {
  return randomBytes(32).toString('base64url');
}

export interface TokenService {
  sign(sub: string, role: Role, ttlSeconds: number): { token: string; expiresAt: Date };
  /** Verifies a signed session token (`v1.…`) only. */
  verify(token: string): TokenClaims | undefined;
  /** Verifies a session token or, when an API token verifier is attached, an API token (`qtk_…`). */
  resolve(token: string): Promise<TokenClaims | undefined>;
}

/** Looks up API tokens (dashboard/server/api-tokens.ts). */
export interface ApiTokenVerifier {
  verify(token: string): Promise<TokenClaims | undefined>;
}

export function createTokenService(key: string, now: () => number = Date.now, apiTokens?: ApiTokenVerifier): TokenService {
  const secret = Buffer.from(key, 'base64url');
  const mac = (data: string) => createHmac('sha256', secret).update(data).digest();
  return {
    sign(sub, role, ttlSeconds) {
      const exp = Math.floor(now() / 1000) + ttlSeconds;
      const body = Buffer.from(JSON.stringify({ sub, role, exp } satisfies TokenClaims)).toString('base64url');
      return { token: `v1.${body}.${mac(body).toString('base64url')}`, expiresAt: new Date(exp * 1000) };
    },
    verify(token) {
      const parts = token.split('.');
      if (parts.length !== 3 || parts[0] !== 'v1') return undefined;
      const [, body, sig] = parts as [string, string, string];
      const given = Buffer.from(sig, 'base64url');
      const expected = mac(body);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      let claims: TokenClaims;
      try {
        claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenClaims;
      } catch {
        return undefined;
      }
      if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now() || !(claims.role in ROLE_RANK)) return undefined;
      return claims;
    },
    async resolve(token) {
      if (token.startsWith('qtk_')) return apiTokens ? apiTokens.verify(token) : undefined;
      return this.verify(token);
    },
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    user?: TokenClaims;
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

/**
 * A preHandler that requires a valid bearer token or session cookie carrying at least `role`.
 * A state-changing request authenticated by the cookie must also carry `X-Requested-With`
 * (CSRF): a cross-site form cannot set a custom header, and a cross-site script cannot send one
 * without a CORS preflight this server never grants. SameSite=Strict is the first line.
 */
export function requireRole(tokens: TokenService, role: Role) {
  // Tagged with its role: security/http-audit.ts runs it at onRequest (before the body is even
  // parsed or validated, so an anonymous caller learns nothing about a route's schema) and lists
  // every route's role.
  return Object.assign(requireRoleHook, { requiredRole: role });
  async function requireRoleHook(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const bearer = request.headers.authorization;
    if (bearer?.startsWith('Bearer qtk_')) {
      // An analyst's API token (dashboard/server/api-tokens.ts): role viewer, read-only.
      const claims = await tokens.resolve(bearer.slice(7).trim());
      if (!claims) throw createError('QT_ERR_UNAUTHORIZED', 'The API token is unknown, revoked or expired');
      if (claims.readOnly && UNSAFE_METHODS.has(request.method)) throw createError('QT_ERR_TOKEN_READ_ONLY', 'API tokens are read-only: log in to change anything');
      if (ROLE_RANK[claims.role] < ROLE_RANK[role]) throw createError('QT_ERR_FORBIDDEN', `This needs the ${role} role; API tokens are ${claims.role}`);
      request.user = claims;
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
  }
}
