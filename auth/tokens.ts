/**
 * @module auth/tokens
 * Bearer tokens for the API: `v1.<payload>.<HMAC-SHA256>`, payload = { sub, role, exp }, signed
 * with a random key generated at first start and kept in the database (settings). Stateless, so
 * checking a token never queues behind ingest on the embedded database's single connection; a
 * role change takes effect when the token expires (AUTH token lifetime, default 12 h).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from '../store/users.js';

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

/** Roles in order of what they may do: a role may do everything the ones below it may. */
export const ROLE_RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

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
