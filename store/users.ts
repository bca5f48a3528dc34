/**
 * @module store/users
 * Users of the API and dashboard (viewer, operator, admin) and small key/value settings.
 */
import type { Db } from './db.js';

export type Role = 'viewer' | 'operator' | 'reviewer' | 'admin';

export interface User {
  id: number;
  username: string;
  passwordHash: string;
  role: Role;
}

export async function getUserByName(db: Db, username: string): Promise<User | undefined> {
  const { rows } = await db.query<{ id: number; username: string; password_hash: string; role: Role }>(`SELECT id, username, password_hash, role FROM users WHERE username = $1`, [
    username,
  ]);
  const r = rows[0];
  return r ? { id: r.id, username: r.username, passwordHash: r.password_hash, role: r.role } : undefined;
}

/** Creates the user, or sets the password and role of an existing one. */
export async function upsertUser(db: Db, username: string, passwordHash: string, role: Role): Promise<void> {
  await db.query(
    `INSERT INTO users (username, password_hash, role) VALUES ($1, $2, $3)
     ON CONFLICT (username) DO UPDATE SET password_hash = EXCLUDED.password_hash, role = EXCLUDED.role`,
    [username, passwordHash, role],
  );
}

export async function getSetting(db: Db, key: string): Promise<string | undefined> {
  const { rows } = await db.query<{ value: string }>(`SELECT value FROM settings WHERE key = $1`, [key]);
  return rows[0]?.value;
}

/** Sets the value only if the key is absent; returns the value now stored (first writer wins). */
export async function initSetting(db: Db, key: string, value: string): Promise<string> {
  await db.query(`INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, [key, value]);
  return (await getSetting(db, key)) ?? value;
}

export async function listUsers(db: Db): Promise<Array<{ username: string; role: Role; createdAt: string }>> {
  const { rows } = await db.query<{ username: string; role: Role; created_at: Date }>(`SELECT username, role, created_at FROM users ORDER BY username`);
  return rows.map((r) => ({ username: r.username, role: r.role, createdAt: r.created_at.toISOString() }));
}
