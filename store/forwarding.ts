/**
 * @module store/forwarding
 * What forwarding reads: readings of some stations that were received (committed) inside a
 * window of arrival time, whatever their measurement time, so that late files are forwarded too;
 * and the readings of a station's measurement times whose validation a reviewer changed.
 */
import type { Db } from './db.js';

export interface ForwardRow {
  stationId: string;
  metric: string;
  ts: Date;
  value: number | null;
  quality: number;
  /** the automatic checks' bits and a reviewer's decision (domain/validation/codes.ts) */
  qc: number;
  review: number;
}

type Row = { station_id: string; metric: string; ts: Date; value: number | null; quality: number; qc: number; review: number };
const toRow = (r: Row): ForwardRow => ({ stationId: r.station_id, metric: r.metric, ts: r.ts, value: r.value, quality: r.quality, qc: r.qc, review: r.review });

/**
 * The database's clock minus a margin: the upper end of a window. A transaction's rows carry
 * `received_at = now()` of its start, so rows of a transaction still committing are older than
 * the moment they become visible; the margin lets such a group commit finish first.
 */
export async function receivedUpperBound(db: Db, marginMs: number): Promise<Date> {
  const { rows } = await db.query<{ upper: Date }>(`SELECT now() - make_interval(secs => $1::float8 / 1000) AS upper`, [marginMs]);
  return rows[0]!.upper;
}

/** Readings received in (after, upTo] with a measurement time after `tsAfter`, oldest measurement first. */
export async function readingsReceivedBetween(db: Db, q: { stationIds: readonly string[]; after: Date; upTo: Date; tsAfter: Date }): Promise<ForwardRow[]> {
  if (q.stationIds.length === 0) return [];
  const { rows } = await db.query<Row>(
    `SELECT station_id, metric, ts, value, quality, qc, review FROM readings
      WHERE station_id = ANY($1::text[]) AND received_at > $2 AND received_at <= $3 AND ts > $4
      ORDER BY ts, station_id, metric`,
    [q.stationIds, q.after, q.upTo, q.tsAfter],
  );
  return rows.map(toRow);
}

/**
 * Every reading of a station at the measurement times in [from, to) at which one of `metrics`
 * has a reading (all metrics of those times: a file carries them all), oldest first, at most
 * `limit` times. For sending again after a reviewer changed those readings' validation.
 */
export async function readingsAtTimesOf(db: Db, q: { stationId: string; metrics: readonly string[]; from: Date; to: Date; limit: number }): Promise<ForwardRow[]> {
  const { rows } = await db.query<Row>(
    `SELECT r.station_id, r.metric, r.ts, r.value, r.quality, r.qc, r.review FROM readings r
      WHERE r.station_id = $1 AND r.ts IN (
        SELECT DISTINCT ts FROM readings WHERE station_id = $1 AND metric = ANY($2::text[]) AND ts >= $3 AND ts < $4 ORDER BY ts LIMIT $5)
      ORDER BY r.ts, r.metric`,
    [q.stationId, q.metrics, q.from, q.to, q.limit],
  );
  return rows.map(toRow);
}
