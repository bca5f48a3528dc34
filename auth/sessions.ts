/**
 * @module auth/sessions
 * Browser sessions that stay signed in while in use (a control room's wall screen, an operator's
 * shift): a session token is renewed when less than half of its lifetime (TOKEN_TTL_HOURS) is
 * left, and a renewal re-reads the user, so a role change applies at the next renewal and a
 * deleted user's session is not renewed. A read-only API token (`qtk_…`, e.g. an admin's wall
 * token) can be exchanged once for a viewer session; that session carries the token's id,
 * renews like any other and ends as soon as the token is revoked (TokenService.stillValid).
 */
import type { Db } from '../store/index.js';
import { getUserByName, type Role } from '../store/users.js';
import type { TokenClaims, TokenService } from './tokens.js';

export interface IssuedSession {
  token: string;
  expiresAt: Date;
  claims: TokenClaims;
}

export interface SessionService {
  /** Seconds a session token lives (TOKEN_TTL_HOURS). */
  readonly ttlSeconds: number;
  /** A new session for a user who just signed in. */
  issue(user: { username: string; role: Role }): IssuedSession;
  /** Whether `claims` are past half their lifetime (a request through the cookie then renews them). */
  renewalDue(claims: TokenClaims): boolean;
  /**
   * A fresh session for the holder of `claims` (verified by the caller), with the user's current
   * role; undefined when the user no longer exists or the API token behind it was revoked.
   */
  renew(claims: TokenClaims): Promise<IssuedSession | undefined>;
  /** A viewer session (read-only) for a valid API token; undefined when it is unknown, revoked or expired. */
  exchange(apiToken: string): Promise<IssuedSession | undefined>;
}

export function createSessionService({ db, tokens, ttlSeconds }: { db: Db; tokens: TokenService; ttlSeconds: number }): SessionService {
  function issue(sub: string, role: Role, extra: Pick<TokenClaims, 'readOnly' | 'tokenId'> = {}): IssuedSession {
    const { token, expiresAt } = tokens.sign(sub, role, ttlSeconds, extra);
    return { token, expiresAt, claims: { sub, role, exp: Math.floor(expiresAt.getTime() / 1000), ...extra } };
  }
  return {
    ttlSeconds,
    issue: (user) => issue(user.username, user.role),
    renewalDue(claims) {
      return claims.exp * 1000 - tokens.now() < (ttlSeconds * 1000) / 2;
    },
    async renew(claims) {
      if (claims.tokenId !== undefined) {
        // a session made from an API token: viewer and read-only, for as long as the token is active
        if (!(await tokens.stillValid(claims))) return undefined;
        return issue(claims.sub, 'viewer', { readOnly: true, tokenId: claims.tokenId });
      }
      const user = await getUserByName(db, claims.sub);
      return user ? issue(user.username, user.role) : undefined;
    },
    async exchange(apiToken) {
      if (!apiToken.startsWith('qtk_')) return undefined;
      const claims = await tokens.resolve(apiToken);
      if (!claims?.tokenId) return undefined;
      return issue(claims.sub, 'viewer', { readOnly: true, tokenId: claims.tokenId });
    },
  };
}
