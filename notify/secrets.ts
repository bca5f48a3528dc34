/**
 * @module notify/secrets
 * Contact point secrets (SMTP passwords, gateway and chat headers) encrypted at rest with
 * AES-256-GCM. The 32-byte key is generated at first start into DATA_DIR/notify-secret.key
 * (mode 0600) and never stored in the database: a database dump alone does not reveal the
 * secrets; back the key file up with the data directory. The same key signs acknowledgement
 * links (notify/ack-links.ts).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createError } from '../lib/errors.js';

export const KEY_FILE = 'notify-secret.key';

/** Secret values of one contact point: 'password', or 'headers.<Name>'. */
export type SecretValues = Record<string, string>;

export interface SecretBox {
  /** The raw key (also used to sign acknowledgement links). */
  readonly key: Buffer;
  encrypt(values: SecretValues): string | null;
  decrypt(blob: string | null): SecretValues;
}

/** Reads the key file in dataDir, creating it (0600) at first start. */
export function loadSecretKey(dataDir: string): Buffer {
  const file = join(dataDir, KEY_FILE);
  if (existsSync(file)) {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw createError('QT_ERR_INTERNAL', `${file} does not hold a 32-byte base64 key`);
    return key;
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return key;
}

export function createSecretBox(key: Buffer): SecretBox {
  return {
    key,
    encrypt(values) {
      if (Object.keys(values).length === 0) return null;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(JSON.stringify(values), 'utf8'), cipher.final()]);
      return [iv, cipher.getAuthTag(), data].map((b) => b.toString('base64')).join('.');
    },
    decrypt(blob) {
      if (!blob) return {};
      const [iv, tag, data] = blob.split('.').map((p) => Buffer.from(p, 'base64'));
      if (!iv || !tag || !data) throw createError('QT_ERR_INTERNAL', 'malformed secret blob');
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAuthTag(tag);
      return JSON.parse(Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8')) as SecretValues;
    },
  };
}
