/**
 * @module store/migrate
 * Versioned, idempotent migrations: `store/migrations/NNN_name.sql`, applied in order at start
 * and recorded in `schema_migrations`. Statements run one by one (TimescaleDB refuses some, such
 * as continuous aggregates, inside a transaction block), so each must be idempotent by itself.
 */
import { createError } from '../lib/errors.js';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

/** Splits a file on `;` at the end of a line; our migrations hold no function bodies. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((s) =>
      s
        .split('\n')
        .filter((line) => !line.trim().startsWith('--'))
        .join('\n')
        .trim(),
    )
    .filter((s) => s.length > 0);
}

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({
      version: Number(f.slice(0, 3)),
      name: f.slice(4, -4),
      statements: splitStatements(readFileSync(dir + f, 'utf8')),
    }));
}

/** Applies what is missing; returns the versions applied now. */
export async function migrate(db: Db, migrations = listMigrations()): Promise<number[]> {
  await db.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  const done = new Set((await db.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
  const applied: number[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    for (const statement of m.statements) {
      try {
        await db.query(statement);
      } catch (err) {
        throw createError('QT_ERR_MIGRATION_FAILED', `migration ${m.version}_${m.name} failed at: ${statement.slice(0, 120)}…: ${(err as Error).message}`, { cause: err });
      }
    }
    await db.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2) ON CONFLICT DO NOTHING', [m.version, m.name]);
    applied.push(m.version);
  }
  return applied;
}
