/**
 * @module store/alert-windows
 * The queries behind the alert engine's in-memory sample windows (alerts/windows.ts): the recent
 * readings of many stations and metrics in one round trip (refill at start-up), and the stored
 * readings of the hours late readings fell into (their hourly sums and hourly quantile sketches
 * are recomputed from them).
 */
import { qualityName, type QualityName } from '../domain/quality.js';
import type { Db } from './db.js';

export interface RecentSample {
  stationId: string;
  metric: string;
  ts: Date;
  value: number | null;
  quality: QualityName;
}

/**
 * The readings of `stationIds` × `metrics` newer than `since`, ordered by station and time.
 *
 * @example const samples = await recentSamples(db, ['HN-01', 'HN-02'], ['pm25'], new Date(Date.now() - 3_600_000));
 */
export async function recentSamples(db: Db, stationIds: readonly string[], metrics: readonly string[], since: Date): Promise<RecentSample[]> {
  const { rows } = await db.query<{ station_id: string; metric: string; ts: Date; value: number | null; quality: number }>(
    `SELECT station_id, metric, ts, value, quality FROM readings WHERE station_id = ANY($1) AND metric = ANY($2) AND ts > $3 ORDER BY station_id, ts`,
    [stationIds, metrics, since],
  );
  return rows.map((r) => ({ stationId: r.station_id, metric: r.metric, ts: r.ts, value: r.value, quality: qualityName(r.quality) }));
}

/** A time range of one station and metric: ts in (after, until] and ts < before. */
export interface StoredRange {
  stationId: string;
  metric: string;
  after: Date;
  until: Date;
  before: Date;
}

/**
 * The stored readings in each of `ranges` (one round trip), each row tagged with the index of
 * its range: the alert engine re-reads the hours late readings fell into (alerts/windows.ts).
 *
 * @example const rows = await storedInRanges(db, [{ stationId: 'HN-01', metric: 'pm25', after: new Date('2026-01-01T00:00Z'), until: new Date('2026-01-01T01:00Z'), before: new Date('2026-01-01T00:40Z') }]);
 */
export async function storedInRanges(db: Db, ranges: readonly StoredRange[]): Promise<Array<{ range: number; ts: Date; value: number | null; quality: QualityName }>> {
  if (ranges.length === 0) return [];
  const { rows } = await db.query<{ i: number; ts: Date; value: number | null; quality: number }>(
    `SELECT k.i::int AS i, r.ts, r.value, r.quality
       FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[]) WITH ORDINALITY AS k(station_id, metric, after, until, before, i)
       JOIN readings r ON r.station_id = k.station_id AND r.metric = k.metric AND r.ts > k.after AND r.ts <= k.until AND r.ts < k.before`,
    [ranges.map((r) => r.stationId), ranges.map((r) => r.metric), ranges.map((r) => r.after), ranges.map((r) => r.until), ranges.map((r) => r.before)],
  );
  return rows.map((r) => ({ range: r.i - 1, ts: r.ts, value: r.value, quality: qualityName(r.quality) }));
}

/** A time range of one station and metric: ts in [from, to). */
export interface StoredHourRange {
  stationId: string;
  metric: string;
  from: Date;
  to: Date;
}

/**
 * The stored readings in each of `ranges`, ts in [from, to) (one round trip), each row tagged
 * with the index of its range: the alert engine re-reads the hour sketches late readings fell
 * into (alerts/windows.ts; sketch hours are open at their end, unlike the sums' hours).
 *
 * @example const rows = await storedInHourRanges(db, [{ stationId: 'HN-01', metric: 'pm25', from: new Date('2026-01-01T00:00Z'), to: new Date('2026-01-01T00:40Z') }]);
 */
export async function storedInHourRanges(db: Db, ranges: readonly StoredHourRange[]): Promise<Array<{ range: number; ts: Date; value: number | null; quality: QualityName }>> {
  if (ranges.length === 0) return [];
  const { rows } = await db.query<{ i: number; ts: Date; value: number | null; quality: number }>(
    `SELECT k.i::int AS i, r.ts, r.value, r.quality
       FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[]) WITH ORDINALITY AS k(station_id, metric, t_from, t_to, i)
       JOIN readings r ON r.station_id = k.station_id AND r.metric = k.metric AND r.ts >= k.t_from AND r.ts < k.t_to`,
    [ranges.map((r) => r.stationId), ranges.map((r) => r.metric), ranges.map((r) => r.from), ranges.map((r) => r.to)],
  );
  return rows.map((r) => ({ range: r.i - 1, ts: r.ts, value: r.value, quality: qualityName(r.quality) }));
}
