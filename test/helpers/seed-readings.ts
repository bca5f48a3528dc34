/**
 * Readings written straight into the table for the analyst API's tests (no ingest: quality valid,
 * no check flags), and the continuous aggregates refreshed over them as their policies would.
 */
import type { Db } from '../../store/index.js';
import type { ContinuousAggregate } from '../../store/cagg-source.js';

/** pm25 readings as column arrays, one `add` per reading. */
export class Pm25Rows {
  readonly stations: string[] = [];
  readonly ts: Date[] = [];
  readonly values: number[] = [];
  add(station: string, ms: number, value: number): void {
    this.stations.push(station);
    this.ts.push(new Date(ms));
    this.values.push(value);
  }
}

export async function insertPm25(db: Db, rows: Pm25Rows): Promise<void> {
  await db.query(
    `INSERT INTO readings (station_id, metric, ts, value, quality) SELECT s, 'pm25', ts, v, 0 FROM unnest($1::text[], $2::timestamptz[], $3::float8[]) AS r(s, ts, v)`,
    [rows.stations, rows.ts, rows.values],
  );
}

/** Refreshes each aggregate over [from, to), in the order given (a hierarchical one after its base). */
export async function refreshAggregates(db: Db, views: readonly ContinuousAggregate[], from: number, to: number): Promise<void> {
  for (const view of views) await db.query(`CALL refresh_continuous_aggregate($1::regclass, $2::timestamptz, $3::timestamptz)`, [view, new Date(from), new Date(to)]);
}
