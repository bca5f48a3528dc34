/**
 * @module store/conflicts
 * Duplicate timestamps with different values (migration 007). The readings table keeps the
 * first write; a later reading with the same (station, metric, ts) but another value or quality
 * is recorded in `reading_conflicts`.
 */
import type { Db } from './db.js';
import { qualityName, type QualityName } from '../domain/quality.js';
import type { ReadingColumns } from './readings.js';

/**
 * Records, for the rows of one batch that the insert skipped, those whose stored twin differs.
 * Run only when the insert stored fewer rows than it was given, so the normal path pays nothing.
 * Rows the same batch did store match themselves and are not recorded; two rows with one key in
 * one batch: the first was stored, the second is recorded if it differs.
 * @returns the number of conflicts recorded.
 */
export async function recordConflicts(db: Db, cols: ReadingColumns, sources: string[]): Promise<number> {
  const result = await db.query(
    `INSERT INTO reading_conflicts (station_id, metric, ts, stored_value, stored_quality, value, quality, source)
     SELECT b.station_id, b.metric, b.ts, r.value, r.quality, b.value, b.quality, b.source
       FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::float8[], $5::int2[], $6::text[])
            AS b(station_id, metric, ts, value, quality, source)
       JOIN readings r ON r.station_id = b.station_id AND r.metric = b.metric AND r.ts = b.ts
      WHERE r.value IS DISTINCT FROM b.value OR r.quality <> b.quality`,
    [cols.stationIds, cols.metrics, cols.ts, cols.values, cols.quality, sources],
  );
  return result.rowCount ?? 0;
}

export interface ConflictEntry {
  id: number;
  metric: string;
  ts: Date;
  storedValue: number | null;
  storedQuality: QualityName;
  value: number | null;
  quality: QualityName;
  receivedAt: Date;
  source: string;
}

export async function listConflicts(db: Db, q: { stationId: string; beforeId?: number | undefined; limit: number }): Promise<ConflictEntry[]> {
  const { rows } = await db.query<{
    id: number;
    metric: string;
    ts: Date;
    stored_value: number | null;
    stored_quality: number;
    value: number | null;
    quality: number;
    received_at: Date;
    source: string;
  }>(
    `SELECT id, metric, ts, stored_value, stored_quality, value, quality, received_at, source
       FROM reading_conflicts
      WHERE station_id = $1 AND ($2::int8 IS NULL OR id < $2)
      ORDER BY id DESC LIMIT $3`,
    [q.stationId, q.beforeId ?? null, q.limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    metric: r.metric,
    ts: r.ts,
    storedValue: r.stored_value,
    storedQuality: qualityName(r.stored_quality),
    value: r.value,
    quality: qualityName(r.quality),
    receivedAt: r.received_at,
    source: r.source,
  }));
}
