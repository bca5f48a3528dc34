/**
 * @module store/alerts
 * Alerts and their history, rules, silences. Every alert transition is one transaction: the
 * alert row and its event row change together.
 */
import type pg from 'pg';
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

async function insertEvent(client: pg.PoolClient, alertId: number, e: AlertEvent): Promise<void> {
  await client.query(
    `INSERT INTO alert_events (alert_id, at, type, from_state, to_state, severity, actor, comment, value, evidence)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [alertId, e.at, e.type, e.fromState, e.toState, e.severity, e.actor, e.comment, e.value, e.evidence === undefined ? null : JSON.stringify(e.evidence)],
  );
}

/** Inserts a new open alert with its first event; returns its id. */
export async function insertAlert(db: Db, a: Omit<AlertRecord, 'id'>, event: AlertEvent): Promise<number> {
  return db.transaction(async (client) => {
    const { rows } = await client.query<{ id: number }>(
      `INSERT INTO alerts (station_id, rule_id, state, severity, level, opened_at, firing_at, clear_since, acked_at, acked_by,
         ack_comment, resolved_at, resolved_by, resolved_reason, value, message, projected_at, silenced, last_reminder_at, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20) RETURNING id`,
      alertParams(a),
    );
    const id = rows[0]!.id;
    await insertEvent(client, id, event);
    return id;
  });
}

/** Writes the alert's new state and appends the event(s) describing the change. */
export async function updateAlert(db: Db, a: AlertRecord, events: readonly AlertEvent[]): Promise<void> {
  await db.transaction(async (client) => {
    await client.query(
      `UPDATE alerts SET station_id=$1, rule_id=$2, state=$3, severity=$4, level=$5, opened_at=$6, firing_at=$7, clear_since=$8,
         acked_at=$9, acked_by=$10, ack_comment=$11, resolved_at=$12, resolved_by=$13, resolved_reason=$14, value=$15, message=$16,
         projected_at=$17, silenced=$18, last_reminder_at=$19, updated_at=$20
       WHERE id = $21`,
      [...alertParams(a), a.id],
    );
    for (const e of events) await insertEvent(client, a.id, e);
  });
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
