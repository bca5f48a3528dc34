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
}

const ROLE_RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function newTokenKey(): string {
  return randomBytes(32).toString('base64url');
}

export interface TokenService {
  sign(sub: string, role: Role, ttlSeconds: number): { token: string; expiresAt: Date };
  verify(token: string): TokenClaims | undefined;
}

export function createTokenService(key: string, now: () => number = Date.now): TokenService {
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
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    user?: TokenClaims;
  }
}

/** A preHandler that requires a valid bearer token carrying at least `role`. */
export function requireRole(tokens: TokenService, role: Role) {
  return async function requireRoleHook(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const claims = token ? tokens.verify(token) : undefined;
    if (!claims) throw createError('QT_ERR_UNAUTHORIZED', 'A valid bearer token is required (POST /api/v1/auth/login)');
    if (ROLE_RANK[claims.role] < ROLE_RANK[role]) throw createError('QT_ERR_FORBIDDEN', `This needs the ${role} role; you are ${claims.role}`);
    request.user = claims;
  };
}
