/**
 * @module broker/auth
 * Verifies a station's secret against its stored scrypt hash. A successful check is remembered
 * as a SHA-256 of the secret for that station, so a reconnecting fleet (10,000 stations after a
 * network blip) does not pay a memory-hard hash per connection; `forget()` drops the memory
 * when a secret is rotated.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Db } from '../store/index.js';
import { getSecretHash } from '../store/stations.js';
import { verifySecret } from '../lib/passwords.js';

export interface StationAuthenticator {
  verify(stationId: string, secret: string): Promise<boolean>;
  forget(stationId: string): void;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();

export function createStationAuthenticator(db: Db): StationAuthenticator {
  const verified = new Map<string, Buffer>();
  return {
    async verify(stationId, secret) {
      const known = verified.get(stationId);
      const digest = sha256(secret);
      if (known && timingSafeEqual(known, digest)) return true;
      const hash = await getSecretHash(db, stationId);
      if (!hash) return false;
      const ok = await verifySecret(secret, hash);
      if (ok) verified.set(stationId, digest);
      return ok;
    },
    forget(stationId) {
      verified.delete(stationId);
    },
  };
}
