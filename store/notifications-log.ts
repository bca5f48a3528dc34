/**
 * @module store/notifications-log
 * What the notifier did: the delivery log (every attempt, with channel, recipient, status and
 * error) and the one-use acknowledgement links sent in messages (only a hash of each token is
 * kept; using a link is one atomic UPDATE, so a second use is refused).
 */
import type { Db } from './db.js';

export type DeliveryStatus = 'sent' | 'failed' | 'gave_up' | 'muted';
export type DeliveryReason = 'firing' | 'resolved' | 'repeat' | 'escalation' | 'test';

export interface Delivery {
  id: number;
  at: Date;
  contactPointId: number | null;
  contactPointName: string;
  channel: string;
  recipient: string;
  status: DeliveryStatus;
  attempt: number;
  reason: DeliveryReason;
  alertIds: number[];
  policyId: number | null;
  error: string | null;
  durationMs: number | null;
}

export type NewDelivery = Omit<Delivery, 'id'>;

interface DeliveryRow {
  id: number;
  at: Date;
  contact_point_id: number | null;
  contact_point_name: string;
  channel: string;
  recipient: string;
  status: DeliveryStatus;
  attempt: number;
  reason: DeliveryReason;
  alert_ids: string[];
  policy_id: number | null;
  error: string | null;
  duration_ms: number | null;
}

const DELIVERY_COLUMNS = 'id, at, contact_point_id, contact_point_name, channel, recipient, status, attempt, reason, alert_ids, policy_id, error, duration_ms';

const toDelivery = (r: DeliveryRow): Delivery => ({
  id: r.id,
  at: r.at,
  contactPointId: r.contact_point_id,
  contactPointName: r.contact_point_name,
  channel: r.channel,
  recipient: r.recipient,
  status: r.status,
  attempt: r.attempt,
  reason: r.reason,
  alertIds: (r.alert_ids ?? []).map(Number),
  policyId: r.policy_id,
  error: r.error,
  durationMs: r.duration_ms,
});

export async function insertDelivery(db: Db, d: NewDelivery): Promise<Delivery> {
  const { rows } = await db.query<DeliveryRow>(
    `INSERT INTO notify_deliveries (at, contact_point_id, contact_point_name, channel, recipient, status, attempt, reason, alert_ids, policy_id, error, duration_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${DELIVERY_COLUMNS}`,
    [d.at, d.contactPointId, d.contactPointName, d.channel, d.recipient, d.status, d.attempt, d.reason, d.alertIds, d.policyId, d.error, d.durationMs],
  );
  return toDelivery(rows[0]!);
}

export interface DeliveryFilter {
  contactPointId?: number | undefined;
  status?: DeliveryStatus | undefined;
  channel?: string | undefined;
  alertId?: number | undefined;
  beforeId?: number | undefined;
  limit: number;
}

/** Newest first. */
export async function listDeliveries(db: Db, f: DeliveryFilter): Promise<Delivery[]> {
  const { rows } = await db.query<DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM notify_deliveries
      WHERE ($1::int8 IS NULL OR contact_point_id = $1) AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR channel = $3)
        AND ($4::int8 IS NULL OR $4 = ANY(alert_ids)) AND ($5::int8 IS NULL OR id < $5)
      ORDER BY id DESC LIMIT $6`,
    [f.contactPointId ?? null, f.status ?? null, f.channel ?? null, f.alertId ?? null, f.beforeId ?? null, f.limit],
  );
  return rows.map(toDelivery);
}

// ---- acknowledgement links -----------------------------------------------------------------

export interface AckLink {
  tokenHash: string;
  alertId: number;
  contactPointId: number | null;
  channel: string;
  username: string;
  expiresAt: Date;
  usedAt: Date | null;
}

interface AckRow {
  token_hash: string;
  alert_id: number;
  contact_point_id: number | null;
  channel: string;
  username: string;
  expires_at: Date;
  used_at: Date | null;
}

const toAck = (r: AckRow): AckLink => ({
  tokenHash: r.token_hash,
  alertId: Number(r.alert_id),
  contactPointId: r.contact_point_id === null ? null : Number(r.contact_point_id),
  channel: r.channel,
  username: r.username,
  expiresAt: r.expires_at,
  usedAt: r.used_at,
});

export async function insertAckLink(db: Db, l: Omit<AckLink, 'usedAt'>): Promise<void> {
  await db.query(`INSERT INTO notify_ack_links (token_hash, alert_id, contact_point_id, channel, username, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`, [
    l.tokenHash,
    l.alertId,
    l.contactPointId,
    l.channel,
    l.username,
    l.expiresAt,
  ]);
}

export async function getAckLink(db: Db, tokenHash: string): Promise<AckLink | undefined> {
  const { rows } = await db.query<AckRow>(`SELECT token_hash, alert_id, contact_point_id, channel, username, expires_at, used_at FROM notify_ack_links WHERE token_hash = $1`, [
    tokenHash,
  ]);
  return rows[0] ? toAck(rows[0]) : undefined;
}

/** Marks the link used if it is unused and unexpired at `at`; the link, or undefined when it could not be used. */
export async function useAckLink(db: Db, tokenHash: string, at: Date): Promise<AckLink | undefined> {
  const { rows } = await db.query<AckRow>(
    `UPDATE notify_ack_links SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
     RETURNING token_hash, alert_id, contact_point_id, channel, username, expires_at, used_at`,
    [tokenHash, at],
  );
  return rows[0] ? toAck(rows[0]) : undefined;
}

/** Removes links expired before `before` (housekeeping). */
export async function purgeAckLinks(db: Db, before: Date): Promise<number> {
  const r = await db.query(`DELETE FROM notify_ack_links WHERE expires_at < $1`, [before]);
  return r.rowCount ?? 0;
}
