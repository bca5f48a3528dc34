/**
 * @module store/quarantine
 * Refused payloads, kept whole with their reason.
 */
import type { Db } from './db.js';

export interface QuarantineRecord {
  source: string;
  stationId: string | null;
  topic: string | null;
  reasonCode: string;
  reason: string;
  details?: unknown;
  payload: Buffer;
}

export interface QuarantineEntry {
  id: number;
  receivedAt: Date;
  source: string;
  stationId: string | null;
  topic: string | null;
  reasonCode: string;
  reason: string;
  details: unknown;
  payload: Buffer;
}

export async function insertQuarantine(db: Db, records: readonly QuarantineRecord[]): Promise<void> {
  if (records.length === 0) return;
  await db.query(
    `INSERT INTO quarantine (source, station_id, topic, reason_code, reason, details, payload)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::bytea[])`,
    [
      records.map((r) => r.source),
      records.map((r) => r.stationId),
      records.map((r) => r.topic),
      records.map((r) => r.reasonCode),
      records.map((r) => r.reason),
      records.map((r) => (r.details === undefined ? null : JSON.stringify(r.details))),
      records.map((r) => r.payload),
    ],
  );
}

export async function listQuarantine(db: Db, q: { stationId?: string | undefined; beforeId?: number | undefined; limit: number }): Promise<QuarantineEntry[]> {
  const { rows } = await db.query<{
    id: number;
    received_at: Date;
    source: string;
    station_id: string | null;
    topic: string | null;
    reason_code: string;
    reason: string;
    details: unknown;
    payload: Buffer;
  }>(
    `SELECT id, received_at, source, station_id, topic, reason_code, reason, details, payload FROM quarantine
      WHERE ($1::text IS NULL OR station_id = $1) AND ($2::int8 IS NULL OR id < $2)
      ORDER BY id DESC LIMIT $3`,
    [q.stationId ?? null, q.beforeId ?? null, q.limit],
  );
  return rows.map((r) => ({
    id: r.id,
    receivedAt: r.received_at,
    source: r.source,
    stationId: r.station_id,
    topic: r.topic,
    reasonCode: r.reason_code,
    reason: r.reason,
    details: r.details,
    payload: r.payload,
  }));
}
