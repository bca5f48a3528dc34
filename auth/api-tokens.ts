/**
 * @module auth/api-tokens
 * Analysts' API tokens (and a control room's wall token: the same kind, made by an admin): `qtk_<id>_<secret>`, id = 16 hex characters (public, the lookup key),
 * secret = 32 random bytes (base64url). Only HMAC-SHA256(server key, secret) is stored.
 *
 * Why a fast hash is enough here: the secret has 256 bits of entropy, so nobody can guess it
 * offline even at billions of HMACs per second; a memory-hard hash (scrypt, argon2) protects
 * low-entropy passwords and would only add ~60 ms per request. A verified token is remembered
 * (SHA-256 of the whole token, for `tokenCacheMs`) so most requests never reach the database;
 * a revocation through this process drops the remembered entry at once.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../store/index.js';
import { getApiToken, insertApiToken, listApiTokens, revokeApiToken, type ApiTokenRecord } from '../store/tokens.js';
import type { TokenClaims } from './tokens.js';

const TOKEN_RE = /^qtk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export function isApiToken(token: string): boolean {
  return token.startsWith('qtk_');
}

/** The public id of a well-formed API token (for rate-limit keys), without verifying it. */
export function apiTokenId(token: string): string | undefined {
  return TOKEN_RE.exec(token)?.[1];
}

export interface ApiTokenService {
  create(input: { username: string; name: string; createdBy: string; expiresAt: Date | null }): Promise<{ token: string; record: ApiTokenRecord }>;
  verify(token: string): Promise<TokenClaims | undefined>;
  /** Whether token `id` exists, is not revoked and has not expired (remembered for `tokenCacheMs`; a revocation here forgets it). */
  isActive(id: string): Promise<boolean>;
  get(id: string): Promise<ApiTokenRecord | undefined>;
  list(username?: string): Promise<ApiTokenRecord[]>;
  revoke(id: string): Promise<boolean>;
}

interface CacheEntry {
  digest: Buffer;
  claims: TokenClaims;
  until: number;
}

export function createApiTokenService(db: Db, key: string, cacheMs: number, now: () => number = Date.now): ApiTokenService {
  const hmacKey = Buffer.from(key, 'base64url');
  const hashSecret = (secret: string) => createHmac('sha256', hmacKey).update(secret).digest('hex');
  const cache = new Map<string, CacheEntry>();
  const MAX_CACHE = 10_000;
  /** id → until when the token is known active (sessions made from API tokens check it per request). */
  const active = new Map<string, number>();

  return {
    async create({ username, name, createdBy, expiresAt }) {
      const id = randomBytes(8).toString('hex');
      const secret = randomBytes(32).toString('base64url');
      const record = await insertApiToken(db, { id, username, name, secretHash: hashSecret(secret), createdBy, expiresAt });
      return { token: `qtk_${id}_${secret}`, record };
    },

    async verify(token) {
      const m = TOKEN_RE.exec(token);
      if (!m) return undefined;
      const [, id, secret] = m as unknown as [string, string, string];
      const digest = createHash('sha256').update(token).digest();
      const hit = cache.get(id);
      if (hit && hit.until > now() && timingSafeEqual(hit.digest, digest)) {
        if (hit.claims.exp * 1000 <= now()) return undefined;
        return hit.claims;
      }
      const record = await getApiToken(db, id);
      if (!record || record.revokedAt) return undefined;
      const given = Buffer.from(hashSecret(secret), 'hex');
      const stored = Buffer.from(record.secretHash, 'hex');
      if (given.length !== stored.length || !timingSafeEqual(given, stored)) return undefined;
      const exp = record.expiresAt ? Math.floor(record.expiresAt.getTime() / 1000) : Number.MAX_SAFE_INTEGER;
      if (exp * 1000 <= now()) return undefined;
      const claims: TokenClaims = { sub: record.username, role: 'viewer', exp, readOnly: true, tokenId: id };
      if (cache.size >= MAX_CACHE) cache.delete(cache.keys().next().value!);
      if (cacheMs > 0) cache.set(id, { digest, claims, until: now() + cacheMs });
      return claims;
    },

    async isActive(id) {
      const until = active.get(id);
      if (until !== undefined && until > now()) return true;
      const record = await getApiToken(db, id);
      const ok = !!record && !record.revokedAt && (!record.expiresAt || record.expiresAt.getTime() > now());
      if (!ok) {
        active.delete(id);
        return false;
      }
      if (active.size >= MAX_CACHE) active.delete(active.keys().next().value!);
      if (cacheMs > 0) active.set(id, Math.min(now() + cacheMs, record.expiresAt?.getTime() ?? Number.MAX_SAFE_INTEGER));
      return true;
    },

    get: (id) => getApiToken(db, id),
    list: (username) => listApiTokens(db, username),

    async revoke(id) {
      cache.delete(id);
      active.delete(id);
      return revokeApiToken(db, id);
    },
  };
}
