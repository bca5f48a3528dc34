/**
 * @module lib/passwords
 * Memory-hard hashing (scrypt, node:crypto) of user passwords, station secrets and API tokens.
 * Format: `scrypt$N$r$p$<salt b64>$<hash b64>`, so parameters can be raised later without
 * breaking stored hashes. scrypt runs on libuv's thread pool, not on the event loop.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const KEY_LENGTH = 32;
/** N=2^15, r=8, p=1: 32 MiB and ~60 ms per hash on this class of machine (OWASP minimum is 2^17 with r=8 for 128 MiB; see docs). */
const DEFAULT_PARAMS = { N: 1 << 15, r: 8, p: 1 } as const;

function scryptAsync(secret: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashSecret(secret: string, params: { N: number; r: number; p: number } = DEFAULT_PARAMS): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt, KEY_LENGTH, { ...params, maxmem: 256 * params.N * params.r });
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const N = Number(parts[1]);
  const r = Number(parts[2]);
  const p = Number(parts[3]);
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const expected = Buffer.from(parts[5] ?? '', 'base64');
  if (!Number.isInteger(N) || !Number.isInteger(r) || !Number.isInteger(p) || expected.length === 0) return false;
  const key = await scryptAsync(secret, salt, expected.length, { N, r, p, maxmem: 256 * N * r });
  return timingSafeEqual(key, expected);
}

/** A random secret for a station or user, URL-safe, 24 bytes of entropy. */
export function generateSecret(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}
