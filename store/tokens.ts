/**
 * @module store/tokens
 * Analysts' API tokens (`qtk_<id>_<secret>`): only an HMAC of the secret is stored.
 */
import type { Db } from './db.js';

export interface ApiTokenRecord {
  id: string;
  username: string;
  name: string;
  secretHash: string;
  scope: 'read';
  createdBy: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

interface Row {
  id: string;
  username: string;
  name: string;
  secret_hash: string;
  scope: 'read';
  created_by: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = 'id, username, name, secret_hash, scope, created_by, created_at, expires_at, revoked_at';

const toRecord = (r: Row): ApiTokenRecord => ({
  id: r.id,
  username: r.username,
  name: r.name,
  secretHash: r.secret_hash,
  scope: r.scope,
  createdBy: r.created_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
});

export async function insertApiToken(
  db: Db,
  t: { id: string; username: string; name: string; secretHash: string; createdBy: string; expiresAt: Date | null },
): Promise<ApiTokenRecord> {
  const { rows } = await db.query<Row>(`INSERT INTO api_tokens (id, username, name, secret_hash, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`, [
    t.id,
    t.username,
    t.name,
    t.secretHash,
    t.createdBy,
    t.expiresAt,
  ]);
  return toRecord(rows[0]!);
}

export async function getApiToken(db: Db, id: string): Promise<ApiTokenRecord | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM api_tokens WHERE id = $1`, [id]);
  return rows[0] ? toRecord(rows[0]) : undefined;
}

/** Tokens of one user, or of everyone (username undefined), newest first; revoked ones included. */
export async function listApiTokens(db: Db, username?: string): Promise<ApiTokenRecord[]> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM api_tokens WHERE ($1::text IS NULL OR username = $1) ORDER BY created_at DESC, id`, [username ?? null]);
  return rows.map(toRecord);
}

/** Marks the token revoked; returns false when it does not exist or was revoked already. */
export async function revokeApiToken(db: Db, id: string): Promise<boolean> {
  const { rowCount } = await db.query(`UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, [id]);
  return (rowCount ?? 0) > 0;
}
