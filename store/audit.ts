/**
 * @module store/audit
 * The audit log (migration 004): rows are only ever inserted; the database refuses UPDATE,
 * DELETE and TRUNCATE of `audit_log` (trigger), so the application cannot rewrite history.
 */
import type { Db } from './db.js';

export type AuditOutcome = 'ok' | 'denied' | 'locked' | 'failed' | 'throttled' | 'disconnected';

export interface AuditEntry {
  at: Date;
  /** username, station id, or '-' when the caller is unknown */
  actor: string;
  /** viewer, operator, admin, analyst, station; null = anonymous */
  role: string | null;
  sourceIp: string | null;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
  outcome: AuditOutcome;
}

export interface AuditRecord extends AuditEntry {
  id: number;
}

interface Row {
  id: number;
  at: Date;
  actor: string;
  role: string | null;
  source_ip: string | null;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
  outcome: AuditOutcome;
}

/** Inserts entries in one statement (jsonb_to_recordset keeps it to one parameter whatever the count). */
export async function insertAuditEntries(db: Db, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const rows = entries.map((e) => ({
    at: e.at.toISOString(),
    actor: e.actor,
    role: e.role,
    source_ip: e.sourceIp,
    action: e.action,
    target: e.target,
    details: e.details,
    outcome: e.outcome,
  }));
  await db.query(
    `INSERT INTO audit_log (at, actor, role, source_ip, action, target, details, outcome)
     SELECT at, actor, role, source_ip, action, target, coalesce(details, '{}'::jsonb), outcome
     FROM jsonb_to_recordset($1::jsonb) AS x(at timestamptz, actor text, role text, source_ip text, action text, target text, details jsonb, outcome text)`,
    [JSON.stringify(rows)],
  );
}

export interface AuditQuery {
  actor?: string | undefined;
  /** exact action, or a prefix ending in '*' ('auth.*') */
  action?: string | undefined;
  outcome?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** id cursor: rows older than this id */
  before?: number | undefined;
  limit: number;
}

/** Newest first, keyset-paged by id. */
export async function queryAudit(db: Db, q: AuditQuery): Promise<AuditRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (q.actor) add('actor = ?', q.actor);
  if (q.action) {
    if (q.action.endsWith('*'))
      add(
        "action LIKE ? || '%'",
        q.action.slice(0, -1).replace(/[\\%_]/g, (c) => '\\' + c),
      );
    else add('action = ?', q.action);
  }
  if (q.outcome) add('outcome = ?', q.outcome);
  if (q.from) add('at >= ?', q.from);
  if (q.to) add('at < ?', q.to);
  if (q.before !== undefined) add('id < ?', q.before);
  params.push(q.limit);
  const { rows } = await db.query<Row>(
    `SELECT id, at, actor, role, source_ip, action, target, details, outcome FROM audit_log
     ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map((r) => ({
    id: Number(r.id),
    at: r.at,
    actor: r.actor,
    role: r.role,
    sourceIp: r.source_ip,
    action: r.action,
    target: r.target,
    details: r.details,
    outcome: r.outcome,
  }));
}
