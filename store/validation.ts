/**
 * @module store/validation
 * A reviewer's work on the readings (issue 18), all SQL of it: the columnar series the review chart
 * draws, invalidate/restore actions (ONE UPDATE of `readings.review` over a station's metrics and
 * range), their undo, and the history. Each action runs in one short transaction on the single
 * connection: one scan for the counts per state before and the prior non-zero review states, the
 * UPDATE (the counts after follow: every reading of the range has the new state), the action row, and the revocation of the approvals of the periods it touched
 * (store/validation-approvals.ts). The monthly report's counts are in store/validation-report.ts.
 *
 * `validation_actions.before` is `{ counts: { [metric]: StateCounts }, prior: { [metric]: { ts:
 * string[], review: number[] } } }`: `prior` lists every reading of the range whose review was not 0,
 * so an undo puts back exactly what was there (every other reading goes back to 0). `after` is the
 * counts. The raw value and `quality` are never touched.
 */
import type pg from 'pg';
import { createError } from '../lib/errors.js';
import { revokeApprovals, type RevokeScope, type Run } from './validation-approvals.js';
import { caggWatermarks } from './cagg-source.js';
import type { Db } from './db.js';

/** How many readings of a metric show each state (domain/validation/codes.ts validationStateOf). */
export interface StateCounts {
  valid: number;
  flagged: number;
  invalidated: number;
  restored: number;
  stationFlag: number;
}
export type MetricCounts = Record<string, StateCounts>;

export type ActionKind = 'invalidate' | 'restore' | 'undo';

export interface ValidationAction {
  id: number;
  stationId: string;
  action: ActionKind;
  metrics: string[];
  from: Date;
  to: Date;
  reason: string | null;
  comment: string | null;
  username: string;
  at: Date;
  undoes: number | null;
  undoneBy: number | null;
  rowsAffected: number;
  before: MetricCounts;
  after: MetricCounts;
}

const runOn =
  (c: pg.PoolClient | Db): Run =>
  (text, params) =>
    (c as Db).query(text, params);

const RANGE = `station_id = $1 AND metric = ANY($2::text[]) AND ts >= $3 AND ts < $4`;
const TS_TEXT = `to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Readings per state (domain/validation/codes.ts validationStateOf: invalidated first, then the station's flag). */
const COUNT_COLUMNS = `count(*) FILTER (WHERE review < 10 AND quality = 0 AND review = 0 AND qc = 0) AS valid,
       count(*) FILTER (WHERE review < 10 AND quality = 0 AND review = 0 AND qc <> 0) AS flagged,
       count(*) FILTER (WHERE review >= 10) AS invalidated,
       count(*) FILTER (WHERE review < 10 AND quality = 0 AND review = 1) AS restored,
       count(*) FILTER (WHERE review < 10 AND quality <> 0) AS station_flag`;

/** Counts per state of each metric over [from, to) (metrics without readings count zeros). */
async function countStates(run: Run, stationId: string, metrics: readonly string[], from: Date, to: Date): Promise<MetricCounts> {
  const { rows } = await run<{ metric: string; valid: number; flagged: number; invalidated: number; restored: number; station_flag: number }>(
    `SELECT metric, ${COUNT_COLUMNS} FROM readings WHERE ${RANGE} GROUP BY metric`,
    [stationId, metrics, from, to],
  );
  const out: MetricCounts = {};
  for (const m of metrics) out[m] = { valid: 0, flagged: 0, invalidated: 0, restored: 0, stationFlag: 0 };
  for (const r of rows) out[r.metric] = { valid: r.valid, flagged: r.flagged, invalidated: r.invalidated, restored: r.restored, stationFlag: r.station_flag };
  return out;
}

interface ActionRow {
  id: number;
  station_id: string;
  action: ActionKind;
  metrics: string[];
  from_ts: Date;
  to_ts: Date;
  reason: string | null;
  comment: string | null;
  username: string;
  at: Date;
  undoes: number | null;
  undone_by: number | null;
  rows_affected: number;
  before: { counts?: MetricCounts; prior?: Prior };
  after: MetricCounts;
}
type Prior = Record<string, { ts: string[]; review: number[] }>;

const ACTION_COLUMNS = `id, station_id, action, metrics, from_ts, to_ts, reason, comment, username, at, undoes, undone_by, rows_affected, before, after`;

function toAction(r: ActionRow): ValidationAction {
  return {
    id: r.id,
    stationId: r.station_id,
    action: r.action,
    metrics: r.metrics,
    from: r.from_ts,
    to: r.to_ts,
    reason: r.reason,
    comment: r.comment,
    username: r.username,
    at: r.at,
    undoes: r.undoes,
    undoneBy: r.undone_by,
    rowsAffected: r.rows_affected,
    before: r.before.counts ?? {},
    after: r.after,
  };
}

async function insertAction(
  run: Run,
  a: {
    stationId: string;
    action: ActionKind;
    metrics: readonly string[];
    from: Date;
    to: Date;
    reason: string | null;
    comment: string | null;
    username: string;
    undoes: number | null;
  },
  rowsAffected: number,
  before: { counts: MetricCounts; prior: Prior },
  after: MetricCounts,
): Promise<ValidationAction> {
  const { rows } = await run<ActionRow>(
    `INSERT INTO validation_actions (station_id, action, metrics, from_ts, to_ts, reason, comment, username, undoes, rows_affected, before, after)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${ACTION_COLUMNS}`,
    [a.stationId, a.action, a.metrics, a.from, a.to, a.reason, a.comment, a.username, a.undoes, rowsAffected, JSON.stringify(before), JSON.stringify(after)],
  );
  return toAction(rows[0]!);
}

export interface ReviewChange {
  stationId: string;
  action: 'invalidate' | 'restore';
  metrics: readonly string[];
  from: Date;
  to: Date;
  /** the `review` value every reading of the range gets (10 + reason index, or 1) */
  review: number;
  reason: string | null;
  comment: string | null;
  username: string;
}

/**
 * Sets `review` on every reading of the metrics over [from, to) in ONE UPDATE, recording the action
 * with the counts before/after and the prior non-zero review states; revokes the approvals of
 * `revoke`'s periods. One transaction.
 */
export async function applyReview(db: Db, c: ReviewChange, revoke: RevokeScope): Promise<{ action: ValidationAction; revoked: number }> {
  return db.transaction(async (client) => {
    const run = runOn(client);
    const params = [c.stationId, c.metrics, c.from, c.to];
    const { counts, prior, stationFlagged } = await scanRange(run, c.metrics, params);
    const updated = await run(`UPDATE readings SET review = $5 WHERE ${RANGE} AND review <> $5`, [...params, c.review]);
    // every reading of the range now has c.review: the counts after follow from the scan before
    const after: MetricCounts = {};
    for (const [m, n] of Object.entries(counts)) {
      const total = n.valid + n.flagged + n.invalidated + n.restored + n.stationFlag;
      const flaggedByStation = stationFlagged[m] ?? 0;
      after[m] =
        c.review >= 10
          ? { valid: 0, flagged: 0, invalidated: total, restored: 0, stationFlag: 0 }
          : { valid: 0, flagged: 0, invalidated: 0, restored: total - flaggedByStation, stationFlag: flaggedByStation };
    }
    const action = await insertAction(run, { ...c, undoes: null }, updated.rowCount ?? 0, { counts, prior }, after);
    const revoked = await revokeApprovals(run, c.stationId, revoke, c.username, `validation action ${action.id} (${c.action})`);
    return { action, revoked };
  });
}

/**
 * One scan of the range before a change: the counts per state, the readings whose review is not 0
 * (to undo exactly) and how many carry a station flag whatever their review.
 */
async function scanRange(run: Run, metrics: readonly string[], params: unknown[]): Promise<{ counts: MetricCounts; prior: Prior; stationFlagged: Record<string, number> }> {
  const { rows } = await run<{
    metric: string;
    valid: number;
    flagged: number;
    invalidated: number;
    restored: number;
    station_flag: number;
    station_any: number;
    ts: string[] | null;
    review: number[] | null;
  }>(
    `SELECT metric, ${COUNT_COLUMNS}, count(*) FILTER (WHERE quality <> 0) AS station_any,
            array_agg(${TS_TEXT} ORDER BY ts) FILTER (WHERE review <> 0) AS ts, array_agg(review ORDER BY ts) FILTER (WHERE review <> 0) AS review
       FROM readings WHERE ${RANGE} GROUP BY metric`,
    params,
  );
  const counts: MetricCounts = {};
  const prior: Prior = {};
  const stationFlagged: Record<string, number> = {};
  for (const m of metrics) counts[m] = { valid: 0, flagged: 0, invalidated: 0, restored: 0, stationFlag: 0 };
  for (const r of rows) {
    counts[r.metric] = { valid: r.valid, flagged: r.flagged, invalidated: r.invalidated, restored: r.restored, stationFlag: r.station_flag };
    stationFlagged[r.metric] = r.station_any;
    if (r.ts && r.review) prior[r.metric] = { ts: r.ts, review: r.review };
  }
  return { counts, prior, stationFlagged };
}

/**
 * Undoes an action: every reading of its metrics and range gets back the review state it had
 * before (ONE UPDATE), recorded as a new action `undoes` the first. Refused (QT_ERR_CONFLICT) when
 * the action is already undone or a later action not undone overlaps it (undo that one first);
 * an undo itself cannot be undone (QT_ERR_VALIDATION_INVALID: apply the action again).
 */
export async function undoReview(
  db: Db,
  stationId: string,
  actionId: number,
  who: { username: string; comment: string | null },
  revoke: (a: ValidationAction) => RevokeScope,
): Promise<{ action: ValidationAction; undone: ValidationAction; revoked: number }> {
  return db.transaction(async (client) => {
    const run = runOn(client);
    const found = await run<ActionRow>(`SELECT ${ACTION_COLUMNS} FROM validation_actions WHERE id = $1 AND station_id = $2 FOR UPDATE`, [actionId, stationId]);
    const row = found.rows[0];
    if (!row) throw createError('QT_ERR_NOT_FOUND', `Validation action ${actionId} of station ${stationId} does not exist`);
    if (row.action === 'undo') throw createError('QT_ERR_VALIDATION_INVALID', `action ${actionId} is an undo: apply the action again instead`);
    if (row.undone_by !== null) throw createError('QT_ERR_CONFLICT', `action ${actionId} was already undone by action ${row.undone_by}`);
    const later = await run<{ id: number }>(
      `SELECT id FROM validation_actions WHERE station_id = $1 AND id > $2 AND action <> 'undo' AND undone_by IS NULL
         AND metrics && $3::text[] AND from_ts < $5 AND to_ts > $4 ORDER BY id DESC LIMIT 1`,
      [stationId, actionId, row.metrics, row.from_ts, row.to_ts],
    );
    if (later.rows[0]) throw createError('QT_ERR_CONFLICT', `action ${later.rows[0].id} changed the same readings later: undo it first`);
    const params = [stationId, row.metrics, row.from_ts, row.to_ts];
    const { counts, prior: current } = await scanRange(run, row.metrics, params);
    const prior = row.before.prior ?? {};
    const pm: string[] = [];
    const pt: string[] = [];
    const pr: number[] = [];
    for (const [metric, p] of Object.entries(prior)) {
      for (let i = 0; i < p.ts.length; i++) {
        pm.push(metric);
        pt.push(p.ts[i]!);
        pr.push(p.review[i]!);
      }
    }
    const updated = await run(
      `UPDATE readings r SET review = x.want
         FROM (SELECT q.metric, q.ts, coalesce(p.review, 0) AS want FROM readings q
                 LEFT JOIN unnest($5::text[], $6::timestamptz[], $7::int2[]) AS p(metric, ts, review) ON p.metric = q.metric AND p.ts = q.ts
                WHERE q.station_id = $1 AND q.metric = ANY($2::text[]) AND q.ts >= $3 AND q.ts < $4 AND q.review <> coalesce(p.review, 0)) x
        WHERE r.station_id = $1 AND r.metric = x.metric AND r.ts = x.ts`,
      [...params, pm, pt, pr],
    );
    const after = await countStates(run, stationId, row.metrics, row.from_ts, row.to_ts);
    const action = await insertAction(
      run,
      { stationId, action: 'undo', metrics: row.metrics, from: row.from_ts, to: row.to_ts, reason: row.reason, comment: who.comment, username: who.username, undoes: actionId },
      updated.rowCount ?? 0,
      { counts, prior: current },
      after,
    );
    await run(`UPDATE validation_actions SET undone_by = $2 WHERE id = $1`, [actionId, action.id]);
    const undone = toAction({ ...row, undone_by: action.id });
    const revoked = await revokeApprovals(run, stationId, revoke(undone), who.username, `validation action ${action.id} (undo of ${actionId})`);
    return { action, undone, revoked };
  });
}

/** A station's actions newest first; with a range, those that overlap it. */
export async function listActions(db: Db, stationId: string, from?: Date, to?: Date, limit = 500): Promise<ValidationAction[]> {
  const { rows } = await db.query<ActionRow>(
    `SELECT ${ACTION_COLUMNS} FROM validation_actions
      WHERE station_id = $1 AND ($2::timestamptz IS NULL OR to_ts > $2) AND ($3::timestamptz IS NULL OR from_ts < $3)
      ORDER BY at DESC, id DESC LIMIT $4`,
    [stationId, from ?? null, to ?? null, limit],
  );
  return rows.map(toAction);
}

/** One action (undefined when it is not the station's). */
export async function getAction(db: Db, stationId: string, id: number): Promise<ValidationAction | undefined> {
  const { rows } = await db.query<ActionRow>(`SELECT ${ACTION_COLUMNS} FROM validation_actions WHERE id = $1 AND station_id = $2`, [id, stationId]);
  return rows[0] ? toAction(rows[0]) : undefined;
}

/** The readings of a station's metrics over [from, to), columnar per metric (the review chart). */
export interface ColumnarSeries {
  metric: string;
  ts: number[];
  value: Array<number | null>;
  quality: number[];
  qc: number[];
  review: number[];
}

export async function validationSeries(db: Db, stationId: string, metrics: readonly string[], from: Date, to: Date): Promise<ColumnarSeries[]> {
  const { rows } = await db.query<{ metric: string; ts: number[]; value: Array<number | null>; quality: number[]; qc: number[]; review: number[] }>(
    `SELECT metric, array_agg((extract(epoch FROM ts) * 1000)::float8 ORDER BY ts) AS ts, array_agg(value ORDER BY ts) AS value,
            array_agg(quality ORDER BY ts) AS quality, array_agg(qc ORDER BY ts) AS qc, array_agg(review ORDER BY ts) AS review
       FROM readings WHERE ${RANGE} GROUP BY metric`,
    [stationId, metrics, from, to],
  );
  const found = new Map(rows.map((r) => [r.metric, r]));
  return metrics.map((metric) => {
    const r = found.get(metric);
    return r
      ? { metric, ts: r.ts.map((t) => Math.round(t)), value: r.value, quality: r.quality, qc: r.qc, review: r.review }
      : { metric, ts: [], value: [], quality: [], qc: [], review: [] };
  });
}

/** The watermark (ms) of each continuous aggregate, read now (store/cagg-source.ts reads them for the analyst API too). */
export const aggregateWatermarks = caggWatermarks;
