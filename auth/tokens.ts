/**
 * @module auth/tokens
 * Bearer tokens for the API: `v1.<payload>.<HMAC-SHA256>`, payload = { sub, role, exp }, signed
 * with a random key generated at first start and kept in the database (settings). Stateless, so
 * checking a token never queues behind ingest on the embedded database's single connection; a
 * role change takes effect when the token expires (AUTH token lifetime, default 12 h) or when a
 * browser session is renewed (auth/sessions.ts re-reads the user). A session made from an API
 * token (a control room's wall screen) carries that token's id and stops when it is revoked.
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
export const ROLE_RANK: Record<Role, number> = { viewer: 1, operator: 2, reviewer: 3, admin: 4 };

export function newTokenKey(): string {
  return randomBytes(32).toString('base64url');
}

/** Claims a session token may carry besides sub, role and exp. */
export type ExtraClaims = Pick<TokenClaims, 'readOnly' | 'tokenId'>;

export interface TokenService {
  sign(sub: string, role: Role, ttlSeconds: number, extra?: ExtraClaims): { token: string; expiresAt: Date };
  /** Verifies a signed session token (`v1.…`) only. */
  verify(token: string): TokenClaims | undefined;
  /** Verifies a session token or, when an API token verifier is attached, an API token (`qtk_…`). */
  resolve(token: string): Promise<TokenClaims | undefined>;
  /**
   * Whether verified claims still hold beyond their signature: a session made from an API token
   * (`tokenId`) ends when that token is revoked or expires; any other session holds until `exp`.
   */
  stillValid(claims: TokenClaims): Promise<boolean>;
  /** The clock tokens are checked against (epoch ms). */
  now(): number;
}

/** Looks up API tokens (auth/api-tokens.ts). */
export interface ApiTokenVerifier {
  verify(token: string): Promise<TokenClaims | undefined>;
  /** Whether the API token with this id exists, is not revoked and has not expired. */
  isActive?(id: string): Promise<boolean>;
}

export function createTokenService(key: string, now: () => number = Date.now, apiTokens?: ApiTokenVerifier): TokenService {
  const secret = Buffer.from(key, 'base64url');
  const mac = (data: string) => createHmac('sha256', secret).update(data).digest();
  return {
    sign(sub, role, ttlSeconds, extra = {}) {
      const exp = Math.floor(now() / 1000) + Math.max(1, Math.round(ttlSeconds));
      const claims: TokenClaims = { sub, role, exp, ...(extra.readOnly ? { readOnly: true } : {}), ...(extra.tokenId ? { tokenId: extra.tokenId } : {}) };
      const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
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
    async stillValid(claims) {
      if (claims.tokenId === undefined) return true;
      return apiTokens?.isActive ? apiTokens.isActive(claims.tokenId) : false;
    },
    now,
  };
}
