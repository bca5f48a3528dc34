/**
 * @module store/validation-levels
 * The current (not revoked) approvals of stations' days and months (validation_approvals,
 * migration 009), as the readers downstream of validation need them: the exports' validation
 * level column and the open data's publication rule. A day's level is the highest current
 * approval of the day itself or of its month (a month approval covers each of its days); the
 * periods are local dates of the station's zone, turned into instants by analytics/levels.ts.
 * Approvals are written by the reviewers' service (store/validation.ts). Also the short
 * description of a reviewer action that a revised bulletin gives as its reason.
 */
import type { Db } from './db.js';

export interface ApprovedPeriod {
  stationId: string;
  kind: 'day' | 'month';
  /** the local date the period starts on (YYYY-MM-DD; the 1st for a month) */
  start: string;
  /** the highest current level of that period (1 reviewed, 2 approved by a second person) */
  level: 1 | 2;
}

/**
 * The highest current approval level of each approved day and month of the stations (null = every
 * station), at least `minLevel`, whose period starts on or before `toDay` and, for days, on or
 * after `fromDay` (months: the month containing `fromDay` or later). Both bounds optional.
 */
export async function approvedPeriods(
  db: Db,
  q: { stationIds: readonly string[] | null; minLevel?: number; fromDay?: string | undefined; toDay?: string | undefined },
): Promise<ApprovedPeriod[]> {
  const { rows } = await db.query<{ station_id: string; period_kind: 'day' | 'month'; start: string; level: number }>(
    `SELECT station_id, period_kind, to_char(period_start, 'YYYY-MM-DD') AS start, max(level)::int AS level
       FROM validation_approvals
      WHERE revoked_at IS NULL AND level >= $2 AND ($1::text[] IS NULL OR station_id = ANY($1::text[]))
        AND ($3::date IS NULL OR period_start >= CASE WHEN period_kind = 'month' THEN date_trunc('month', $3::date)::date ELSE $3::date END)
        AND ($4::date IS NULL OR period_start <= $4::date)
      GROUP BY 1, 2, 3 ORDER BY 1, 3, 2`,
    [q.stationIds, q.minLevel ?? 1, q.fromDay ?? null, q.toDay ?? null],
  );
  return rows.map((r) => ({ stationId: r.station_id, kind: r.period_kind, start: r.start, level: r.level === 2 ? 2 : 1 }));
}

/** What a reviewer action did, in a few words (for a revised bulletin's reason); undefined when unknown. */
export async function validationActionSummary(db: Db, id: number): Promise<{ action: string; metrics: string[]; reason: string | null; username: string } | undefined> {
  const { rows } = await db.query<{ action: string; metrics: string[]; reason: string | null; username: string }>(
    'SELECT action, metrics, reason, username FROM validation_actions WHERE id = $1',
    [id],
  );
  return rows[0];
}
