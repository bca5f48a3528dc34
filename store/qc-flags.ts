/**
 * @module store/qc-flags
 * Writes and reads the automatic checks' flags (issue 18): the bit of each check in
 * `readings.qc` (domain/validation/codes.ts) and, per flagged reading and check, the detail row in
 * `qc_flags` (check version, what the check saw). Shared by the ingest-time checks (ingest/) and
 * the scheduled ones (validation/). The raw value and `quality` are never touched.
 */
import { CHECK_BITS, type CheckCode } from '../domain/validation/codes.js';
import type { Db } from './db.js';

export interface QcFlag {
  stationId: string;
  metric: string;
  /** ms since the epoch (the reading's own time) */
  ts: number;
  check: CheckCode;
  version: number;
  /** what the check saw, e.g. { median: 20, mad: 1.2, limit: 30 } */
  detail?: Record<string, unknown> | undefined;
}

/**
 * Records flags: the detail rows (a repeat of the same reading and check keeps the first) and the
 * check's bit on the readings that exist. One statement each, whatever the number of flags.
 * @returns how many readings got a bit they did not have.
 */
export async function recordQcFlags(db: Db, flags: readonly QcFlag[]): Promise<number> {
  if (flags.length === 0) return 0;
  const s = flags.map((f) => f.stationId);
  const m = flags.map((f) => f.metric);
  const t = flags.map((f) => new Date(f.ts).toISOString());
  const c = flags.map((f) => f.check);
  const b = flags.map((f) => CHECK_BITS[f.check]);
  const v = flags.map((f) => f.version);
  const d = flags.map((f) => (f.detail ? JSON.stringify(f.detail) : null));
  await db.query(
    `INSERT INTO qc_flags (station_id, metric, ts, check_code, check_version, detail)
     SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::int4[], $6::jsonb[])
     ON CONFLICT DO NOTHING`,
    [s, m, t, c, v, d],
  );
  const res = await db.query(
    `UPDATE readings r SET qc = r.qc | f.bit
       FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::int2[]) AS f(station_id, metric, ts, bit)
      WHERE r.station_id = f.station_id AND r.metric = f.metric AND r.ts = f.ts AND (r.qc & f.bit) = 0`,
    [s, m, t, b],
  );
  return res.rowCount ?? 0;
}

/**
 * Clears one check's flags of a station over [from, to) (a scheduled check run again, or a window
 * cancelled): the bit on the readings and the detail rows.
 */
export async function clearQcFlags(db: Db, stationId: string, check: CheckCode, from: Date, to: Date, metrics?: readonly string[]): Promise<number> {
  const bit = CHECK_BITS[check];
  const res = await db.query(
    `UPDATE readings SET qc = qc & ~$2::int2
      WHERE station_id = $1 AND ts >= $3 AND ts < $4 AND ($5::text[] IS NULL OR metric = ANY($5::text[])) AND (qc & $2::int2) <> 0`,
    [stationId, bit, from, to, metrics ?? null],
  );
  await db.query(`DELETE FROM qc_flags WHERE station_id = $1 AND check_code = $2 AND ts >= $3 AND ts < $4 AND ($5::text[] IS NULL OR metric = ANY($5::text[]))`, [
    stationId,
    check,
    from,
    to,
    metrics ?? null,
  ]);
  return res.rowCount ?? 0;
}

export interface StoredQcFlag {
  metric: string;
  ts: Date;
  check: string;
  version: number;
  detail: Record<string, unknown> | null;
  flaggedAt: Date;
}

/** The detail rows of a station over [from, to), in time order. */
export async function listQcFlags(db: Db, stationId: string, from: Date, to: Date, metrics?: readonly string[]): Promise<StoredQcFlag[]> {
  const { rows } = await db.query<{ metric: string; ts: Date; check_code: string; check_version: number; detail: Record<string, unknown> | null; flagged_at: Date }>(
    `SELECT metric, ts, check_code, check_version, detail, flagged_at FROM qc_flags
      WHERE station_id = $1 AND ts >= $2 AND ts < $3 AND ($4::text[] IS NULL OR metric = ANY($4::text[]))
      ORDER BY ts, metric, check_code`,
    [stationId, from, to, metrics ?? null],
  );
  return rows.map((r) => ({ metric: r.metric, ts: r.ts, check: r.check_code, version: r.check_version, detail: r.detail, flaggedAt: r.flagged_at }));
}
