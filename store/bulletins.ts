/**
 * @module store/bulletins
 * Published bulletins (store/migrations/006_bulletins.sql, versions since 009): every version is
 * kept. Publishing a period (kind, period, scope) that already has a bulletin stores a new row
 * with version + 1 (and why: `revision_reason`) and marks the previous one superseded; one current
 * version per period (the partial unique index bulletins_current). Lists show current versions;
 * a period's versions are listed by bulletinVersions.
 */
import type { Db } from './db.js';

import type { BulletinMeta as DomainBulletinMeta } from '../domain/bulletins.js';

/** A stored bulletin's description with its version (the bus's bulletinPublished carries it too). */
export interface BulletinMeta extends DomainBulletinMeta {
  /** 1 for the first publication of the period, + 1 for each revision */
  version: number;
  /** when a newer version replaced it; null for the current one */
  supersededAt: Date | null;
  /** why this version was produced again (a validation change, a request); null for the first */
  revisionReason: string | null;
}

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
  /** why the period is published again (kept with the new version) */
  revisionReason?: string | null | undefined;
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
  version: number;
  superseded_at: Date | null;
  revision_reason: string | null;
}

const META = `id, kind, to_char(period_start, 'YYYY-MM-DD') AS period_start, scope, generated_at, generated_by, pdf IS NOT NULL AS has_pdf, summary,
  version, superseded_at, revision_reason`;

const toMeta = (r: MetaRow): BulletinMeta => ({
  id: Number(r.id),
  kind: r.kind,
  periodStart: r.period_start,
  scope: r.scope,
  generatedAt: r.generated_at,
  generatedBy: r.generated_by,
  hasPdf: r.has_pdf,
  summary: r.summary,
  version: Number(r.version),
  supersededAt: r.superseded_at,
  revisionReason: r.revision_reason,
});

/**
 * Stores a bulletin as the current version of its kind, period and scope: version 1 for a new
 * period; otherwise the current one is marked superseded and this one gets its version + 1.
 */
export async function publishBulletin(db: Db, b: NewBulletin): Promise<BulletinMeta> {
  return db.transaction(async (client) => {
    // one writer per period at a time (another node publishing the same period waits here)
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`bulletin:${b.kind}:${b.periodStart}:${b.scope}`]);
    const { rows: prev } = await client.query<{ version: number }>(
      `UPDATE bulletins SET superseded_at = now() WHERE kind = $1 AND period_start = $2::date AND scope = $3 AND superseded_at IS NULL RETURNING version`,
      [b.kind, b.periodStart, b.scope],
    );
    const { rows: top } = await client.query<{ version: number | null }>(
      `SELECT max(version) AS version FROM bulletins WHERE kind = $1 AND period_start = $2::date AND scope = $3`,
      [b.kind, b.periodStart, b.scope],
    );
    const version = Math.max(Number(top[0]?.version ?? 0), ...prev.map((p) => Number(p.version))) + 1;
    const { rows } = await client.query<MetaRow>(
      `INSERT INTO bulletins (kind, period_start, scope, generated_at, generated_by, html, csv, pdf, summary, version, revision_reason)
       VALUES ($1, $2::date, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       RETURNING ${META}`,
      [b.kind, b.periodStart, b.scope, b.generatedAt, b.generatedBy, b.html, b.csv, b.pdf, JSON.stringify(b.summary), version, version === 1 ? null : (b.revisionReason ?? null)],
    );
    return toMeta(rows[0]!);
  });
}

export async function bulletinExists(db: Db, kind: 'daily' | 'monthly', periodStart: string, scope: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM bulletins WHERE kind = $1 AND period_start = $2::date AND scope = $3', [kind, periodStart, scope]);
  return rows.length > 0;
}

/**
 * The current bulletins whose period overlaps [fromDay, toDay] (local dates, inclusive): daily ones
 * of those days, monthly ones of the months that contain them. What a change of data in that range
 * makes out of date.
 */
export async function currentBulletinsOverlapping(db: Db, fromDay: string, toDay: string): Promise<BulletinMeta[]> {
  const { rows } = await db.query<MetaRow>(
    `SELECT ${META} FROM bulletins
      WHERE superseded_at IS NULL
        AND ((kind = 'daily' AND period_start >= $1::date AND period_start <= $2::date)
          OR (kind = 'monthly' AND period_start >= date_trunc('month', $1::date)::date AND period_start <= $2::date))
      ORDER BY period_start, kind, scope`,
    [fromDay, toDay],
  );
  return rows.map(toMeta);
}

/** Every version of the period of bulletin `id`, newest first. */
export async function bulletinVersions(db: Db, id: number): Promise<BulletinMeta[]> {
  const { rows } = await db.query<MetaRow>(
    `SELECT ${META} FROM bulletins
      WHERE (kind, period_start, scope) = (SELECT kind, period_start, scope FROM bulletins WHERE id = $1) ORDER BY version DESC`,
    [id],
  );
  return rows.map(toMeta);
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

/** Current versions, newest period first. */
export async function listBulletins(db: Db, f: BulletinFilter): Promise<BulletinMeta[]> {
  const { rows } = await db.query<MetaRow>(
    `SELECT ${META} FROM bulletins
      WHERE superseded_at IS NULL AND ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR scope = $2) AND ($3::date IS NULL OR period_start >= $3::date)
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

/** The superseded versions of these bulletins' periods, newest first, by the current bulletin's id. */
export async function olderVersions(db: Db, current: readonly BulletinMeta[]): Promise<Map<number, BulletinMeta[]>> {
  const out = new Map<number, BulletinMeta[]>();
  if (current.length === 0) return out;
  const { rows } = await db.query<MetaRow>(
    `SELECT ${META} FROM bulletins
      WHERE superseded_at IS NOT NULL AND (kind, period_start, scope) IN (SELECT * FROM unnest($1::text[], $2::date[], $3::text[]))
      ORDER BY version DESC`,
    [current.map((b) => b.kind), current.map((b) => b.periodStart), current.map((b) => b.scope)],
  );
  const key = (b: { kind: string; periodStart: string; scope: string }) => `${b.kind}\u0000${b.periodStart}\u0000${b.scope}`;
  const byPeriod = new Map(current.map((b) => [key(b), b.id]));
  for (const r of rows.map(toMeta)) {
    const id = byPeriod.get(key(r));
    if (id !== undefined) out.set(id, [...(out.get(id) ?? []), r]);
  }
  return out;
}
