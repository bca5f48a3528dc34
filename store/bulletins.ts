/**
 * @module store/bulletins
 * Published bulletins (store/migrations/006_bulletins.sql): one row per kind, period and scope;
 * publishing the same period again replaces the row and keeps its id.
 */
import type { Db } from './db.js';

import type { BulletinMeta } from '../domain/bulletins.js';

export type { BulletinMeta };

export interface NewBulletin {
  kind: 'daily' | 'monthly';
  periodStart: string;
  scope: string;
  generatedAt: Date;
  generatedBy: string;
  html: string;
  csv: string;
  pdf: Buffer | null;
  summary: unknown;
}

interface MetaRow {
  id: string | number;
  kind: 'daily' | 'monthly';
  period_start: string;
  scope: string;
  generated_at: Date;
  generated_by: string;
  has_pdf: boolean;
  summary: unknown;
}

const META = `id, kind, to_char(period_start, 'YYYY-MM-DD') AS period_start, scope, generated_at, generated_by, pdf IS NOT NULL AS has_pdf, summary`;

const toMeta = (r: MetaRow): BulletinMeta => ({
  id: Number(r.id),
  kind: r.kind,
  periodStart: r.period_start,
  scope: r.scope,
  generatedAt: r.generated_at,
  generatedBy: r.generated_by,
  hasPdf: r.has_pdf,
  summary: r.summary,
});

/** Stores a bulletin, replacing the one of the same kind, period and scope. */
export async function upsertBulletin(db: Db, b: NewBulletin): Promise<BulletinMeta> {
  const { rows } = await db.query<MetaRow>(
    `INSERT INTO bulletins (kind, period_start, scope, generated_at, generated_by, html, csv, pdf, summary)
     VALUES ($1, $2::date, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (kind, period_start, scope) WHERE superseded_at IS NULL DO UPDATE SET generated_at = EXCLUDED.generated_at, generated_by = EXCLUDED.generated_by,
       html = EXCLUDED.html, csv = EXCLUDED.csv, pdf = EXCLUDED.pdf, summary = EXCLUDED.summary
     RETURNING ${META}`,
    [b.kind, b.periodStart, b.scope, b.generatedAt, b.generatedBy, b.html, b.csv, b.pdf, JSON.stringify(b.summary)],
  );
  return toMeta(rows[0]!);
}

export async function bulletinExists(db: Db, kind: 'daily' | 'monthly', periodStart: string, scope: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM bulletins WHERE kind = $1 AND period_start = $2::date AND scope = $3', [kind, periodStart, scope]);
  return rows.length > 0;
}

export interface BulletinFilter {
  kind?: 'daily' | 'monthly' | undefined;
  scope?: string | undefined;
  /** period_start ≥ from (YYYY-MM-DD) */
  from?: string | undefined;
  /** period_start ≤ to (YYYY-MM-DD) */
  to?: string | undefined;
  limit: number;
  offset: number;
}

/** Newest period first. */
export async function listBulletins(db: Db, f: BulletinFilter): Promise<BulletinMeta[]> {
  const { rows } = await db.query<MetaRow>(
    `SELECT ${META} FROM bulletins
      WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR scope = $2) AND ($3::date IS NULL OR period_start >= $3::date)
        AND ($4::date IS NULL OR period_start <= $4::date)
      ORDER BY period_start DESC, kind, scope LIMIT $5 OFFSET $6`,
    [f.kind ?? null, f.scope ?? null, f.from ?? null, f.to ?? null, f.limit, f.offset],
  );
  return rows.map(toMeta);
}

export async function getBulletinMeta(db: Db, id: number): Promise<BulletinMeta | undefined> {
  const { rows } = await db.query<MetaRow>(`SELECT ${META} FROM bulletins WHERE id = $1`, [id]);
  return rows[0] ? toMeta(rows[0]) : undefined;
}

/** One rendering of a bulletin; undefined when the bulletin (or its PDF) does not exist. */
export async function getBulletinFile(db: Db, id: number, format: 'html' | 'csv' | 'pdf'): Promise<{ meta: BulletinMeta; body: string | Buffer } | undefined> {
  const { rows } = await db.query<MetaRow & { body: string | Buffer | null }>(`SELECT ${META}, ${format} AS body FROM bulletins WHERE id = $1`, [id]);
  const r = rows[0];
  if (!r || r.body === null) return undefined;
  return { meta: toMeta(r), body: r.body };
}
