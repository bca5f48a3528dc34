/**
 * @module store/forwarding
 * What forwarding reads: readings of some stations that were received (committed) inside a
 * window of arrival time, whatever their measurement time, so that late files are forwarded too.
 */
import type { Db } from './db.js';

export interface ForwardRow {
  stationId: string;
  metric: string;
  ts: Date;
  value: number | null;
  quality: number;
}

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
  const { rows } = await db.query<{ station_id: string; metric: string; ts: Date; value: number | null; quality: number }>(
    `SELECT station_id, metric, ts, value, quality FROM readings
      WHERE station_id = ANY($1::text[]) AND received_at > $2 AND received_at <= $3 AND ts > $4
      ORDER BY ts, station_id, metric`,
    [q.stationIds, q.after, q.upTo, q.tsAfter],
  );
  return rows.map((r) => ({ stationId: r.station_id, metric: r.metric, ts: r.ts, value: r.value, quality: r.quality }));
}
