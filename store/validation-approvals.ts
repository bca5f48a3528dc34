/**
 * @module store/validation-approvals
 * Approvals of a station's validated data (issue 18), all SQL of them: a day or a month, level 1
 * (reviewed) or 2 (approved by a second person). Level 2 needs a current level 1 of the same
 * period given by another user; one current approval per (station, period, level) (a unique
 * index). A later flag change inside a period revokes its approvals (`revokeApprovals`, run in
 * the action's transaction), which stay listed with who revoked them and why. A day's level is
 * the highest current approval of the day or of its month (a month approval covers its days).
 * Periods are local calendar dates of the station (the caller computes them).
 */
import type pg from 'pg';
import { addDays } from '../lib/time.js';
import { createError } from '../lib/errors.js';
import type { Db } from './db.js';

/** One statement, on the pool or on a transaction's client. */
export type Run = <R extends pg.QueryResultRow>(text: string, params: unknown[]) => Promise<pg.QueryResult<R>>;

export interface Approval {
  id: number;
  stationId: string;
  kind: 'day' | 'month';
  /** 'YYYY-MM-DD' (day) or 'YYYY-MM' (month) */
  period: string;
  level: 1 | 2;
  username: string;
  comment: string | null;
  at: Date;
  revokedAt: Date | null;
  revokedBy: string | null;
  revokedReason: string | null;
}

/** The local days and months whose approvals a change revokes: [fromDay, toDay] and [fromMonth, toMonth] (YYYY-MM), inclusive. */
export interface RevokeScope {
  fromDay: string;
  toDay: string;
  fromMonth: string;
  toMonth: string;
}

interface ApprovalRow {
  id: number;
  station_id: string;
  period_kind: 'day' | 'month';
  period: string;
  level: 1 | 2;
  username: string;
  comment: string | null;
  at: Date;
  revoked_at: Date | null;
  revoked_by: string | null;
  revoked_reason: string | null;
}

const COLUMNS = `id, station_id, period_kind, to_char(period_start, 'YYYY-MM-DD') AS period, level, username, comment, at, revoked_at, revoked_by, revoked_reason`;

function toApproval(r: ApprovalRow): Approval {
  return {
    id: r.id,
    stationId: r.station_id,
    kind: r.period_kind,
    period: r.period_kind === 'month' ? r.period.slice(0, 7) : r.period,
    level: r.level,
    username: r.username,
    comment: r.comment,
    at: r.at,
    revokedAt: r.revoked_at,
    revokedBy: r.revoked_by,
    revokedReason: r.revoked_reason,
  };
}

/** The first day (YYYY-MM-DD) a period is stored under. */
const periodStart = (kind: 'day' | 'month', period: string) => (kind === 'month' ? `${period}-01` : period);

/**
 * Records an approval. Refused: level 2 without a current level 1 of the period
 * (QT_ERR_APPROVAL_ORDER) or by the user who gave it (QT_ERR_APPROVAL_SAME_USER); a current
 * approval of that level already there (QT_ERR_CONFLICT). One transaction.
 */
export async function createApproval(
  db: Db,
  a: { stationId: string; kind: 'day' | 'month'; period: string; level: 1 | 2; username: string; comment: string | null },
): Promise<Approval> {
  const start = periodStart(a.kind, a.period);
  return db.transaction(async (client) => {
    const { rows: current } = await client.query<ApprovalRow>(
      `SELECT ${COLUMNS} FROM validation_approvals WHERE station_id = $1 AND period_kind = $2 AND period_start = $3::date AND revoked_at IS NULL FOR UPDATE`,
      [a.stationId, a.kind, start],
    );
    const same = current.find((r) => r.level === a.level);
    if (same) throw createError('QT_ERR_CONFLICT', `${a.period} already has a current level ${a.level} approval (by ${same.username})`);
    if (a.level === 2) {
      const first = current.find((r) => r.level === 1);
      if (!first) throw createError('QT_ERR_APPROVAL_ORDER', `${a.period}: level 1 (reviewed) must be given before level 2`);
      if (first.username === a.username) throw createError('QT_ERR_APPROVAL_SAME_USER', `${a.period}: level 1 was given by ${a.username}; level 2 needs another reviewer`);
    }
    try {
      const { rows } = await client.query<ApprovalRow>(
        `INSERT INTO validation_approvals (station_id, period_kind, period_start, level, username, comment) VALUES ($1, $2, $3::date, $4, $5, $6) RETURNING ${COLUMNS}`,
        [a.stationId, a.kind, start, a.level, a.username, a.comment],
      );
      return toApproval(rows[0]!);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw createError('QT_ERR_CONFLICT', `${a.period} already has a current level ${a.level} approval`, { cause: err });
      throw err;
    }
  });
}

/** Revokes every current approval of the scope's days and months; returns how many. */
export async function revokeApprovals(run: Run, stationId: string, s: RevokeScope, username: string, reason: string): Promise<number> {
  const res = await run(
    `UPDATE validation_approvals SET revoked_at = now(), revoked_by = $6, revoked_reason = $7
      WHERE station_id = $1 AND revoked_at IS NULL
        AND ((period_kind = 'day' AND period_start BETWEEN $2::date AND $3::date) OR (period_kind = 'month' AND period_start BETWEEN $4::date AND $5::date))`,
    [stationId, s.fromDay, s.toDay, `${s.fromMonth}-01`, `${s.toMonth}-01`, username, reason],
  );
  return res.rowCount ?? 0;
}

/** A station's approvals (current and revoked) newest first; with days, those of periods that overlap [fromDay, toDay]. */
export async function listApprovals(db: Db, stationId: string, fromDay?: string, toDay?: string, limit = 1000): Promise<Approval[]> {
  const { rows } = await db.query<ApprovalRow>(
    `SELECT ${COLUMNS} FROM validation_approvals
      WHERE station_id = $1
        AND ($2::date IS NULL OR (period_kind = 'day' AND period_start >= $2::date) OR (period_kind = 'month' AND period_start >= date_trunc('month', $2::date)))
        AND ($3::date IS NULL OR period_start <= $3::date)
      ORDER BY at DESC, id DESC LIMIT $4`,
    [stationId, fromDay ?? null, toDay ?? null, limit],
  );
  return rows.map(toApproval);
}

/** Each local day of [fromDay, toDay] with its validation level (0, 1, 2): its own or its month's, the higher. */
export async function dayLevels(db: Db, stationId: string, fromDay: string, toDay: string): Promise<Array<{ day: string; level: 0 | 1 | 2 }>> {
  const { rows } = await db.query<{ kind: 'day' | 'month'; period: string; level: number }>(
    `SELECT period_kind AS kind, to_char(period_start, 'YYYY-MM-DD') AS period, max(level)::int AS level FROM validation_approvals
      WHERE station_id = $1 AND revoked_at IS NULL
        AND ((period_kind = 'day' AND period_start BETWEEN $2::date AND $3::date)
          OR (period_kind = 'month' AND period_start BETWEEN date_trunc('month', $2::date)::date AND $3::date))
      GROUP BY 1, 2`,
    [stationId, fromDay, toDay],
  );
  const day = new Map<string, number>();
  const month = new Map<string, number>();
  for (const r of rows) (r.kind === 'day' ? day : month).set(r.kind === 'day' ? r.period : r.period.slice(0, 7), r.level);
  const out: Array<{ day: string; level: 0 | 1 | 2 }> = [];
  for (let d = fromDay; d <= toDay; d = addDays(d, 1)) {
    out.push({ day: d, level: Math.max(day.get(d) ?? 0, month.get(d.slice(0, 7)) ?? 0) as 0 | 1 | 2 });
  }
  return out;
}

/** The current level of a station's month approval (0 when none). */
export async function monthLevel(db: Db, stationId: string, month: string): Promise<0 | 1 | 2> {
  const { rows } = await db.query<{ level: number | null }>(
    `SELECT max(level)::int AS level FROM validation_approvals WHERE station_id = $1 AND period_kind = 'month' AND period_start = $2::date AND revoked_at IS NULL`,
    [stationId, `${month}-01`],
  );
  return (rows[0]?.level ?? 0) as 0 | 1 | 2;
}

/** Current month levels of many stations (the all-stations summary). */
export async function monthLevels(db: Db, month: string): Promise<Map<string, 0 | 1 | 2>> {
  const { rows } = await db.query<{ station_id: string; level: number }>(
    `SELECT station_id, max(level)::int AS level FROM validation_approvals WHERE period_kind = 'month' AND period_start = $1::date AND revoked_at IS NULL GROUP BY 1`,
    [`${month}-01`],
  );
  return new Map(rows.map((r) => [r.station_id, r.level as 0 | 1 | 2]));
}
