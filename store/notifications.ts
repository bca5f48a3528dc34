/**
 * @module store/notifications
 * Contact points of the notifier (notify/): where a message goes (e-mail, SMS gateway, chat
 * webhook, plain webhook), with non-secret settings as jsonb and the secrets as one
 * AES-256-GCM blob the notifier encrypts (the key is a file in DATA_DIR, never here), plus the
 * notifier's settings (the base URL of links in messages). SQL only; no decryption here.
 */
import type { Db } from './db.js';

export type ChannelKind = 'email' | 'sms' | 'chat' | 'webhook';
export type MessageLanguage = 'vi' | 'en';

export interface ContactPoint {
  id: number;
  name: string;
  kind: ChannelKind;
  settings: Record<string, unknown>;
  /** base64(iv).base64(tag).base64(ciphertext) of a JSON object of secret values, or null */
  secretsEnc: string | null;
  /** Names of the secrets set ('password', 'headers.Authorization'): shown instead of values. */
  secretNames: string[];
  /** The Quantrac user an acknowledgement from this contact point is recorded as. */
  username: string | null;
  language: MessageLanguage;
  enabled: boolean;
  consecutiveFailures: number;
  lastError: string | null;
  lastErrorAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type ContactPointInput = Pick<ContactPoint, 'name' | 'kind' | 'settings' | 'secretsEnc' | 'secretNames' | 'username' | 'language' | 'enabled'>;

interface Row {
  id: number;
  name: string;
  kind: ChannelKind;
  settings: Record<string, unknown>;
  secrets_enc: string | null;
  secret_names: string[];
  username: string | null;
  language: MessageLanguage;
  enabled: boolean;
  consecutive_failures: number;
  last_error: string | null;
  last_error_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, name, kind, settings, secrets_enc, secret_names, username, language, enabled, consecutive_failures, last_error, last_error_at, created_at, updated_at';

const toContactPoint = (r: Row): ContactPoint => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  settings: r.settings,
  secretsEnc: r.secrets_enc,
  secretNames: r.secret_names,
  username: r.username,
  language: r.language,
  enabled: r.enabled,
  consecutiveFailures: r.consecutive_failures,
  lastError: r.last_error,
  lastErrorAt: r.last_error_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export async function listContactPoints(db: Db): Promise<ContactPoint[]> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM notify_contact_points ORDER BY name`);
  return rows.map(toContactPoint);
}

export async function getContactPoint(db: Db, id: number): Promise<ContactPoint | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM notify_contact_points WHERE id = $1`, [id]);
  return rows[0] ? toContactPoint(rows[0]) : undefined;
}

/** Inserts a contact point; undefined when the name is taken. */
export async function insertContactPoint(db: Db, c: ContactPointInput): Promise<ContactPoint | undefined> {
  const { rows } = await db.query<Row>(
    `INSERT INTO notify_contact_points (name, kind, settings, secrets_enc, secret_names, username, language, enabled)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (name) DO NOTHING RETURNING ${COLUMNS}`,
    [c.name, c.kind, JSON.stringify(c.settings), c.secretsEnc, c.secretNames, c.username, c.language, c.enabled],
  );
  return rows[0] ? toContactPoint(rows[0]) : undefined;
}

/** Replaces a contact point's fields; undefined when it does not exist. */
export async function updateContactPoint(db: Db, id: number, c: ContactPointInput): Promise<ContactPoint | undefined> {
  const { rows } = await db.query<Row>(
    `UPDATE notify_contact_points SET name = $2, kind = $3, settings = $4, secrets_enc = $5, secret_names = $6, username = $7,
       language = $8, enabled = $9, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, c.name, c.kind, JSON.stringify(c.settings), c.secretsEnc, c.secretNames, c.username, c.language, c.enabled],
  );
  return rows[0] ? toContactPoint(rows[0]) : undefined;
}

export async function deleteContactPoint(db: Db, id: number): Promise<boolean> {
  const r = await db.query(`DELETE FROM notify_contact_points WHERE id = $1`, [id]);
  return (r.rowCount ?? 0) === 1;
}

/** Records a contact point's health after an attempt (0 failures and no error after a success). */
export async function setContactPointHealth(db: Db, id: number, failures: number, error: string | null, at: Date): Promise<void> {
  await db.query(
    `UPDATE notify_contact_points SET consecutive_failures = $2,
       last_error = CASE WHEN $3::text IS NULL THEN last_error ELSE $3 END,
       last_error_at = CASE WHEN $3::text IS NULL THEN last_error_at ELSE $4 END WHERE id = $1`,
    [id, failures, error, at],
  );
}

// ---- settings ------------------------------------------------------------------------------

const BASE_URL_KEY = 'notify.base_url';

export async function getNotifyBaseUrl(db: Db): Promise<string | undefined> {
  const { rows } = await db.query<{ value: string }>(`SELECT value FROM settings WHERE key = $1`, [BASE_URL_KEY]);
  return rows[0]?.value;
}

export async function setNotifyBaseUrl(db: Db, url: string): Promise<void> {
  await db.query(`INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [BASE_URL_KEY, url]);
}
