/**
 * @module store/alerts
 * Alerts and their history, rules, silences. Every alert transition is one transaction: the
 * alert row and its event row change together.
 */
import type { Db } from './db.js';

import type { AlertEvent, AlertEventType, AlertRecord, AlertSeverity, AlertState } from '../domain/alerts.js';

export type { AlertEvent, AlertEventType, AlertRecord, AlertSeverity, AlertState };

const ALERT_COLUMNS = `id, station_id, rule_id, state, severity, level, opened_at, firing_at, clear_since, acked_at, acked_by,
  ack_comment, resolved_at, resolved_by, resolved_reason, value, message, projected_at, silenced, last_reminder_at, updated_at`;

interface AlertRow {
  id: number;
  station_id: string;
  rule_id: string;
  state: AlertState;
  severity: AlertSeverity;
  level: number | null;
  opened_at: Date;
  firing_at: Date | null;
  clear_since: Date | null;
  acked_at: Date | null;
  acked_by: string | null;
  ack_comment: string | null;
  resolved_at: Date | null;
  resolved_by: string | null;
  resolved_reason: string | null;
  value: number | null;
  message: { en: string; vi: string };
  projected_at: Date | null;
  silenced: boolean;
  last_reminder_at: Date | null;
  updated_at: Date;
}

function toAlert(r: AlertRow): AlertRecord {
  return {
    id: r.id,
    stationId: r.station_id,
    ruleId: r.rule_id,
    state: r.state,
    severity: r.severity,
    level: r.level,
    openedAt: r.opened_at,
    firingAt: r.firing_at,
    clearSince: r.clear_since,
    ackedAt: r.acked_at,
    ackedBy: r.acked_by,
    ackComment: r.ack_comment,
    resolvedAt: r.resolved_at,
    resolvedBy: r.resolved_by,
    resolvedReason: r.resolved_reason,
    value: r.value,
    message: r.message,
    projectedAt: r.projected_at,
    silenced: r.silenced,
    lastReminderAt: r.last_reminder_at,
    updatedAt: r.updated_at,
  };
}

function alertParams(a: Omit<AlertRecord, 'id'>): unknown[] {
  return [
    a.stationId,
    a.ruleId,
    a.state,
    a.severity,
    a.level,
    a.openedAt,
    a.firingAt,
    a.clearSince,
    a.ackedAt,
    a.ackedBy,
    a.ackComment,
    a.resolvedAt,
    a.resolvedBy,
    a.resolvedReason,
    a.value,
    JSON.stringify(a.message),
    a.projectedAt,
    a.silenced,
    a.lastReminderAt,
    a.updatedAt,
  ];
}

/**
 * The events as arrays, one per column, from parameter `first` on (unnested in order by the
 * statements below: an alert's change and its events are one statement, atomic without a
 * transaction of their own, and one round trip, which a pass storing thousands of changes counts).
 */
function eventParams(events: readonly AlertEvent[]): unknown[] {
  return [
    events.map((e) => e.at),
    events.map((e) => e.type),
    events.map((e) => e.fromState),
    events.map((e) => e.toState),
    events.map((e) => e.severity),
    events.map((e) => e.actor),
    events.map((e) => e.comment),
    events.map((e) => e.value),
    events.map((e) => (e.evidence === undefined ? null : JSON.stringify(e.evidence))),
  ];
}

/** SELECT of the events given from parameter $n on (eventParams), in their order. */
function eventRows(n: number): string {
  const p = (i: number) => `$${n + i}`;
  return `SELECT e.at, e.type, e.from_state, e.to_state, e.severity, e.actor, e.comment, e.value, e.evidence
            FROM unnest(${p(0)}::timestamptz[], ${p(1)}::text[], ${p(2)}::text[], ${p(3)}::text[], ${p(4)}::text[], ${p(5)}::text[], ${p(6)}::text[],
                        ${p(7)}::float8[], ${p(8)}::jsonb[]) WITH ORDINALITY
                   AS e(at, type, from_state, to_state, severity, actor, comment, value, evidence, n)
           ORDER BY e.n`;
}

/**
 * Inserts a new open alert with its events (the first, and any its rule's times made of it at
 * once); returns its id, or undefined when the station already has an open alert for the rule
 * (the one-open-alert index: another node opened it).
 */
export async function insertAlert(db: Db, a: Omit<AlertRecord, 'id'>, events: readonly AlertEvent[]): Promise<number | undefined> {
  const { rows } = await db.query<{ id: number }>(
    `WITH a AS (
       INSERT INTO alerts (station_id, rule_id, state, severity, level, opened_at, firing_at, clear_since, acked_at, acked_by,
         ack_comment, resolved_at, resolved_by, resolved_reason, value, message, projected_at, silenced, last_reminder_at, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)
       ON CONFLICT (station_id, rule_id) WHERE state <> 'resolved' DO NOTHING
       RETURNING id
     ), e AS (
       INSERT INTO alert_events (alert_id, at, type, from_state, to_state, severity, actor, comment, value, evidence)
       SELECT a.id, ev.* FROM a, (${eventRows(21)}) ev
     )
     SELECT id FROM a`,
    [...alertParams(a), ...eventParams(events)],
  );
  return rows[0]?.id;
}

/** Writes the alert's new state and appends the event(s) describing the change. */
export async function updateAlert(db: Db, a: AlertRecord, events: readonly AlertEvent[]): Promise<void> {
  await db.query(
    `WITH u AS (
       UPDATE alerts SET station_id=$1, rule_id=$2, state=$3, severity=$4, level=$5, opened_at=$6, firing_at=$7, clear_since=$8,
         acked_at=$9, acked_by=$10, ack_comment=$11, resolved_at=$12, resolved_by=$13, resolved_reason=$14, value=$15, message=$16,
         projected_at=$17, silenced=$18, last_reminder_at=$19, updated_at=$20
       WHERE id = $21
       RETURNING id
     )
     INSERT INTO alert_events (alert_id, at, type, from_state, to_state, severity, actor, comment, value, evidence)
     SELECT u.id, ev.* FROM u, (${eventRows(22)}) ev`,
    [...alertParams(a), a.id, ...eventParams(events)],
  );
}

export async function listOpenAlerts(db: Db): Promise<AlertRecord[]> {
  const { rows } = await db.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE state <> 'resolved'`);
  return rows.map(toAlert);
}

export interface AlertFilter {
  states?: AlertState[] | undefined;
  stationId?: string | undefined;
  severity?: AlertSeverity | undefined;
  ruleId?: string | undefined;
  beforeId?: number | undefined;
  limit: number;
}

export async function listAlerts(db: Db, f: AlertFilter): Promise<AlertRecord[]> {
  const { rows } = await db.query<AlertRow>(
    `SELECT ${ALERT_COLUMNS} FROM alerts
      WHERE ($1::text[] IS NULL OR state = ANY($1)) AND ($2::text IS NULL OR station_id = $2)
        AND ($3::text IS NULL OR severity = $3) AND ($4::text IS NULL OR rule_id = $4) AND ($5::int8 IS NULL OR id < $5)
      ORDER BY id DESC LIMIT $6`,
    [f.states ?? null, f.stationId ?? null, f.severity ?? null, f.ruleId ?? null, f.beforeId ?? null, f.limit],
  );
  return rows.map(toAlert);
}

export async function getAlert(db: Db, id: number): Promise<AlertRecord | undefined> {
  const { rows } = await db.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = $1`, [id]);
  return rows[0] ? toAlert(rows[0]) : undefined;
}

export async function listAlertEvents(db: Db, alertId: number): Promise<AlertEvent[]> {
  const { rows } = await db.query<{
    id: number;
    alert_id: number;
    at: Date;
    type: AlertEventType;
    from_state: AlertState | null;
    to_state: AlertState;
    severity: AlertSeverity;
    actor: string | null;
    comment: string | null;
    value: number | null;
    evidence: unknown;
  }>(`SELECT id, alert_id, at, type, from_state, to_state, severity, actor, comment, value, evidence FROM alert_events WHERE alert_id = $1 ORDER BY id`, [alertId]);
  return rows.map((r) => ({
    id: r.id,
    alertId: r.alert_id,
    at: r.at,
    type: r.type,
    fromState: r.from_state,
    toState: r.to_state,
    severity: r.severity,
    actor: r.actor,
    comment: r.comment,
    value: r.value,
    evidence: r.evidence,
  }));
}

// ---- rules ---------------------------------------------------------------------------------

export interface StoredRule {
  id: string;
  definition: unknown;
  origin: 'pack' | 'user';
  pack: string | null;
  updatedAt: Date;
  updatedBy: string | null;
}

export async function listStoredRules(db: Db): Promise<StoredRule[]> {
  const { rows } = await db.query<{ id: string; definition: unknown; origin: 'pack' | 'user'; pack: string | null; updated_at: Date; updated_by: string | null }>(
    `SELECT id, definition, origin, pack, updated_at, updated_by FROM rules ORDER BY id`,
  );
  return rows.map((r) => ({ id: r.id, definition: r.definition, origin: r.origin, pack: r.pack, updatedAt: r.updated_at, updatedBy: r.updated_by }));
}

/** Installs or refreshes a shipped rule; a rule an operator edited (origin 'user') is left alone. */
export async function upsertPackRule(db: Db, id: string, definition: unknown, pack: string): Promise<void> {
  await db.query(
    `INSERT INTO rules (id, definition, origin, pack) VALUES ($1, $2, 'pack', $3)
     ON CONFLICT (id) DO UPDATE SET definition = EXCLUDED.definition, pack = EXCLUDED.pack, updated_at = now()
     WHERE rules.origin = 'pack' AND rules.definition IS DISTINCT FROM EXCLUDED.definition`,
    [id, JSON.stringify(definition), pack],
  );
}

/** Creates (insert) or replaces (update) a rule written through the API. Returns false if insert hit an existing id or update found none. */
export async function saveUserRule(db: Db, id: string, definition: unknown, actor: string, mode: 'insert' | 'update'): Promise<boolean> {
  if (mode === 'insert') {
    const r = await db.query(`INSERT INTO rules (id, definition, origin, updated_by) VALUES ($1, $2, 'user', $3) ON CONFLICT (id) DO NOTHING`, [
      id,
      JSON.stringify(definition),
      actor,
    ]);
    return (r.rowCount ?? 0) === 1;
  }
  const r = await db.query(`UPDATE rules SET definition = $2, origin = 'user', updated_at = now(), updated_by = $3 WHERE id = $1`, [id, JSON.stringify(definition), actor]);
  return (r.rowCount ?? 0) === 1;
}

export async function deleteRule(db: Db, id: string): Promise<boolean> {
  const r = await db.query(`DELETE FROM rules WHERE id = $1`, [id]);
  return (r.rowCount ?? 0) === 1;
}

// ---- silences ------------------------------------------------------------------------------

export interface Silence {
  id: number;
  stationId: string | null;
  ruleId: string | null;
  startsAt: Date;
  endsAt: Date;
  comment: string;
  createdBy: string;
  createdAt: Date;
}

interface SilenceRow {
  id: number;
  station_id: string | null;
  rule_id: string | null;
  starts_at: Date;
  ends_at: Date;
  comment: string;
  created_by: string;
  created_at: Date;
}

const toSilence = (r: SilenceRow): Silence => ({
  id: r.id,
  stationId: r.station_id,
  ruleId: r.rule_id,
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  comment: r.comment,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

/** Silences that have not ended by `now`. */
export async function listSilences(db: Db, now: Date): Promise<Silence[]> {
  const { rows } = await db.query<SilenceRow>(
    `SELECT id, station_id, rule_id, starts_at, ends_at, comment, created_by, created_at FROM silences WHERE ends_at > $1 ORDER BY starts_at`,
    [now],
  );
  return rows.map(toSilence);
}

export async function insertSilence(db: Db, s: Omit<Silence, 'id' | 'createdAt'>): Promise<Silence> {
  const { rows } = await db.query<SilenceRow>(
    `INSERT INTO silences (station_id, rule_id, starts_at, ends_at, comment, created_by) VALUES ($1, $2, $3, $4, $5, $6)
     RETURNING id, station_id, rule_id, starts_at, ends_at, comment, created_by, created_at`,
    [s.stationId, s.ruleId, s.startsAt, s.endsAt, s.comment, s.createdBy],
  );
  return toSilence(rows[0]!);
}

export async function deleteSilence(db: Db, id: number): Promise<boolean> {
  const r = await db.query(`DELETE FROM silences WHERE id = $1`, [id]);
  return (r.rowCount ?? 0) === 1;
}
