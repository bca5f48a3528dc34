/**
 * @module notify/ack-links
 * Acknowledge from the message: a signed, one-use link that expires (24 h by default). The
 * token is random and carries an HMAC (so a forged or mistyped one is refused without a
 * database look-up); the database keeps only its SHA-256, with the alert, the person (the
 * contact point's Quantrac user) and the channel it was sent by. Using it is one atomic UPDATE:
 * a second use is refused with QT_ERR_ACK_LINK_USED, an old one with QT_ERR_ACK_LINK_EXPIRED.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createError } from '../lib/errors.js';
import type { Db } from '../store/db.js';
import { getAckLink, insertAckLink, useAckLink, type AckLink } from '../store/notifications-log.js';

export const DEFAULT_ACK_VALID_HOURS = 24;

export interface AckLinks {
  readonly validHours: number;
  /** Creates a link for an alert sent through a contact point; returns the token (only ever in the message). */
  issue(alertId: number, contactPointId: number | null, channel: string, username: string): Promise<string>;
  /** The link behind a token, if valid now; throws the catalogue error otherwise. */
  check(token: string): Promise<AckLink>;
  /** Marks the link used (once); throws the catalogue error when it cannot be used. */
  consume(token: string): Promise<AckLink>;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

export function createAckLinks(db: Db, key: Buffer, now: () => number, validHours = DEFAULT_ACK_VALID_HOURS): AckLinks {
  const sign = (nonce: string) => createHmac('sha256', key).update(`ack:${nonce}`).digest('base64url').slice(0, 22);

  function verifySignature(token: string): void {
    const [nonce, sig] = token.split('.');
    const expected = nonce ? Buffer.from(sign(nonce)) : Buffer.alloc(0);
    if (!nonce || !sig || Buffer.from(sig).length !== expected.length || !timingSafeEqual(Buffer.from(sig), expected)) {
      throw createError('QT_ERR_ACK_LINK_INVALID');
    }
  }

  function refuse(link: AckLink | undefined): never {
    if (!link) throw createError('QT_ERR_ACK_LINK_INVALID');
    if (link.usedAt) throw createError('QT_ERR_ACK_LINK_USED', undefined, { details: { usedAt: link.usedAt.toISOString() } });
    throw createError('QT_ERR_ACK_LINK_EXPIRED', undefined, { details: { expiredAt: link.expiresAt.toISOString() } });
  }

  return {
    validHours,
    async issue(alertId, contactPointId, channel, username) {
      const nonce = randomBytes(18).toString('base64url');
      const token = `${nonce}.${sign(nonce)}`;
      await insertAckLink(db, { tokenHash: hashOf(token), alertId, contactPointId, channel, username, expiresAt: new Date(now() + validHours * 3_600_000) });
      return token;
    },
    async check(token) {
      verifySignature(token);
      const link = await getAckLink(db, hashOf(token));
      if (!link || link.usedAt || link.expiresAt.getTime() <= now()) refuse(link);
      return link;
    },
    async consume(token) {
      verifySignature(token);
      const used = await useAckLink(db, hashOf(token), new Date(now()));
      if (!used) refuse(await getAckLink(db, hashOf(token)));
      return used;
    },
  };
}
