/**
 * @module store/sta
 * SQL of the SensorThings Observations (readings as OGC Observations). The WHERE and ORDER BY
 * fragments come from api/sta/odata/sql.ts, built only from the fixed column names of `readings`
 * with every literal a bind parameter ($1…$n in `params`); this module appends LIMIT/OFFSET.
 */
import type { Db } from './db.js';
import type { RawRow } from './analytics.js';

export interface ObservationSql {
  /** a condition over station_id, metric, ts, value, quality using $1…$n of `params` ('TRUE' for all) */
  where: string;
  params: readonly unknown[];
  /** an ORDER BY list over the same columns */
  orderBy: string;
}

const TS_KEY = `to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
type Row = { station_id: string; metric: string; ts: Date; ts_key: string; value: number | null; quality: number; qc: number; review: number };
const toRaw = (r: Row): RawRow => ({
  stationId: r.station_id,
  metric: r.metric,
  ts: r.ts,
  key: { stationId: r.station_id, ts: r.ts_key, metric: r.metric },
  value: r.value,
  quality: r.quality,
  qc: r.qc,
  review: r.review,
});

/** One page of Observations; ask for one row more than the page to know whether more exist. */
export async function staObservations(db: Db, q: ObservationSql & { limit: number; offset: number }): Promise<RawRow[]> {
  const params = [...q.params, q.limit, q.offset];
  const { rows } = await db.query<Row>(
    `SELECT station_id, metric, ts, ${TS_KEY} AS ts_key, value, quality, qc, review FROM readings
      WHERE ${q.where} ORDER BY ${q.orderBy} LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  return rows.map(toRaw);
}

export async function staCountObservations(db: Db, q: Omit<ObservationSql, 'orderBy'>): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM readings WHERE ${q.where}`, [...q.params]);
  return rows[0]?.n ?? 0;
}
