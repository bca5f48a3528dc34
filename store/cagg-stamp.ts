/**
 * @module store/cagg-stamp
 * A stamp of the rows a continuous aggregate's materialized hypertable holds for some stations,
 * metrics and buckets: it changes whenever one of those rows is inserted, updated or deleted,
 * so an answer computed from them can be served again while the stamp is the same
 * (analytics/answer-cache.ts).
 *
 * The rows change only when a refresh rewrites them (TimescaleDB deletes a refreshed range's rows
 * and inserts the new ones, or updates them in place). Every row written gets its transaction's id
 * (`xmin`), newer than any row already there: the stamp is the count of the rows, the sum and the
 * largest of their transaction ids. A row deleted lowers the count; a row inserted or updated
 * brings a new transaction id, which changes the sum (whatever else changed with it, the new id is
 * unlike the ids it replaces) and, until the ids wrap around after about four billion
 * transactions, the largest. Something that changes the stamp without changing the rows (a
 * VACUUM FREEZE on an old server, which may report frozen ids) only costs an answer computed again.
 *
 * Reading the stamp costs the index scan of the rows without their packing: 24,000 hourly rows
 * about 10 ms against about 55 ms for the packed answer (embedded database).
 */
import type { Db } from './db.js';

export interface StampQuery {
  /** the materialized hypertable (schema-qualified, quoted; store/cagg-source.ts materializedTable) */
  table: string;
  stationIds: readonly string[];
  metrics: readonly string[];
  from: Date;
  to: Date;
}

/** The stamp of the rows of `q.table` for these stations and metrics whose bucket is in [from, to). */
export async function caggRowsStamp(db: Db, q: StampQuery): Promise<string> {
  const { rows } = await db.query<{ stamp: string }>(
    `SELECT count(*)::text || ':' || coalesce(sum(xmin::text::int8), 0)::text || ':' || coalesce(max(xmin::text::int8), 0)::text AS stamp
       FROM ${q.table} WHERE station_id = ANY($1::text[]) AND metric = ANY($2::text[]) AND bucket >= $3 AND bucket < $4`,
    [q.stationIds, q.metrics, q.from, q.to],
  );
  return rows[0]?.stamp ?? '';
}
