/**
 * @module store/qc-config
 * The check configuration as data (`qc_config`, issue 18): one row per scope, 'default',
 * 'profile:<id>' or 'station:<id>', each a partial configuration (domain/validation/config.ts)
 * that the effective configuration of a station merges, default < profile < station. The row's
 * version goes up by one on every put; the checks whose parameters changed get their own version
 * raised (bumpVersions), which every flag they set records.
 */
import { bumpVersions, type QcConfigPatch } from '../domain/validation/config.js';
import type { Db } from './db.js';

export interface QcConfigScope {
  scope: string;
  config: QcConfigPatch;
  version: number;
  updatedBy: string;
  updatedAt: Date;
}

interface Row {
  scope: string;
  config: QcConfigPatch;
  version: number;
  updated_by: string;
  updated_at: Date;
}

const toScope = (r: Row): QcConfigScope => ({ scope: r.scope, config: r.config, version: r.version, updatedBy: r.updated_by, updatedAt: r.updated_at });

/** True for 'default', 'profile:<id>' and 'station:<id>' (the table's CHECK). */
export function isQcScope(scope: string): boolean {
  return scope === 'default' || /^(profile|station):[A-Za-z0-9_.-]{1,64}$/.test(scope);
}

/** Every stored scope, 'default' first, then profiles, then stations. */
export async function listQcConfig(db: Db): Promise<QcConfigScope[]> {
  const { rows } = await db.query<Row>(
    `SELECT scope, config, version, updated_by, updated_at FROM qc_config
      ORDER BY CASE WHEN scope = 'default' THEN 0 WHEN scope LIKE 'profile:%' THEN 1 ELSE 2 END, scope`,
  );
  return rows.map(toScope);
}

export async function getQcConfig(db: Db, scope: string): Promise<QcConfigScope | undefined> {
  const { rows } = await db.query<Row>(`SELECT scope, config, version, updated_by, updated_at FROM qc_config WHERE scope = $1`, [scope]);
  return rows[0] ? toScope(rows[0]) : undefined;
}

/**
 * Replaces a scope's configuration (already checked with checkQcConfig) and raises its version;
 * the versions of the checks it changes are raised too. Concurrent puts of one scope are
 * serialised by the row lock.
 */
export async function putQcConfig(db: Db, scope: string, config: QcConfigPatch, username: string): Promise<QcConfigScope> {
  return db.transaction(async (tx) => {
    const { rows: prev } = await tx.query<Row>(`SELECT scope, config, version, updated_by, updated_at FROM qc_config WHERE scope = $1 FOR UPDATE`, [scope]);
    const next = bumpVersions(prev[0]?.config, config);
    const { rows } = await tx.query<Row>(
      `INSERT INTO qc_config (scope, config, version, updated_by, updated_at) VALUES ($1, $2, 1, $3, now())
       ON CONFLICT (scope) DO UPDATE SET config = EXCLUDED.config, version = qc_config.version + 1, updated_by = EXCLUDED.updated_by, updated_at = now()
       RETURNING scope, config, version, updated_by, updated_at`,
      [scope, JSON.stringify(next), username],
    );
    return toScope(rows[0]!);
  });
}

/** Removes a scope (its stations fall back to the wider scopes); false when there was none. */
export async function deleteQcConfig(db: Db, scope: string): Promise<boolean> {
  const res = await db.query(`DELETE FROM qc_config WHERE scope = $1`, [scope]);
  return (res.rowCount ?? 0) > 0;
}
