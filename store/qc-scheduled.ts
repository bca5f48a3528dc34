/**
 * @module store/qc-scheduled
 * The SQL of the scheduled checks (validation/scheduled.ts, issue 18): the hourly means of every
 * station's readings the station itself called valid (quality = 0, whatever the checks or a
 * reviewer said: the raw view a check judges, not the validated aggregate), the times of the
 * readings to flag, the flags a check already set over a range (and the stations it set them on), and the check's high-water mark
 * (the `settings` table) so that a restart neither skips nor repeats hours. Each function but the
 * hourly means is one statement whatever the number of stations.
 */
import { CHECK_BITS, type CheckCode } from '../domain/validation/codes.js';
import { HOUR_MS } from '../lib/time.js';
import type { Db } from './db.js';

/** One station's mean of one metric over one UTC hour, with where the station is. */
export interface StationHourMean {
  stationId: string;
  profileId: string;
  lat: number;
  lon: number;
  metric: string;
  /** start of the UTC hour, ms */
  hour: number;
  mean: number;
  /** readings averaged */
  n: number;
}

/**
 * Stations whose hour of readings one statement of hourlyStationMeans averages. The whole fleet's
 * hour in one statement (600,000 readings at 1,000 stations × 10 metrics a minute) held the one
 * embedded connection for about 5 s (soak of 2026-12-07, "health check: database busy"): the
 * operations center's reads and the live stream's commits waited behind it once an hour.
 */
export const MEANS_STATIONS_PER_STATEMENT = 100;

/**
 * The hourly means of the station-valid readings (quality = 0, a value present) of every enabled
 * station over the UTC hours in [from, to), optionally of some metrics only. Summed as numeric
 * (exact), so a mean does not depend on the order the rows are read in: a double sum did, and an
 * hour judged again could give a flag's detail another last digit and rewrite flags nothing had
 * changed (about 13 % more time for this query than a double sum, measured over 600,000 readings).
 * Read an hour and `stationsPerStatement` stations at a time (in the order of the primary key),
 * so other work gets the connection between the statements.
 */
export async function hourlyStationMeans(
  db: Db,
  from: Date,
  to: Date,
  metrics?: readonly string[],
  stationsPerStatement = MEANS_STATIONS_PER_STATEMENT,
): Promise<StationHourMean[]> {
  const { rows: stations } = await db.query<{ id: string; profile_id: string; lat: number; lon: number }>(
    `SELECT id, profile_id, lat, lon FROM stations WHERE enabled ORDER BY id`,
  );
  const out: StationHourMean[] = [];
  const size = Math.max(1, Math.floor(stationsPerStatement));
  for (let h = from.getTime(); h < to.getTime(); h = Math.floor(h / HOUR_MS) * HOUR_MS + HOUR_MS) {
    const end = Math.min(to.getTime(), Math.floor(h / HOUR_MS) * HOUR_MS + HOUR_MS);
    for (let i = 0; i < stations.length; i += size) {
      const chunk = new Map(stations.slice(i, i + size).map((s) => [s.id, s]));
      const { rows } = await db.query<{ station_id: string; metric: string; hour: Date; mean: number; n: number }>(
        `SELECT station_id, metric, time_bucket(INTERVAL '1 hour', ts) AS hour, avg(value::numeric)::float8 AS mean, count(*)::int AS n
           FROM readings
          WHERE station_id = ANY($1::text[]) AND ts >= $2 AND ts < $3 AND quality = 0 AND value IS NOT NULL
            AND ($4::text[] IS NULL OR metric = ANY($4::text[]))
          GROUP BY station_id, metric, hour`,
        [[...chunk.keys()], new Date(h), new Date(end), metrics ?? null],
      );
      for (const r of rows) {
        const s = chunk.get(r.station_id)!;
        out.push({ stationId: r.station_id, profileId: s.profile_id, lat: s.lat, lon: s.lon, metric: r.metric, hour: r.hour.getTime(), mean: Number(r.mean), n: r.n });
      }
    }
  }
  return out;
}

/** A station's metric over one UTC hour. */
export interface SeriesHour {
  stationId: string;
  metric: string;
  /** start of the UTC hour, ms */
  hour: number;
}

/** The times of the station-valid readings (quality = 0, a value present) of each series hour given. */
export async function readingTimesOf(db: Db, hours: readonly SeriesHour[]): Promise<Array<SeriesHour & { ts: number }>> {
  if (hours.length === 0) return [];
  const { rows } = await db.query<{ station_id: string; metric: string; hour: Date; ts: Date }>(
    `SELECT r.station_id, r.metric, h.hour, r.ts
       FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS h(station_id, metric, hour)
       JOIN readings r ON r.station_id = h.station_id AND r.metric = h.metric AND r.ts >= h.hour AND r.ts < h.hour + INTERVAL '1 hour'
      WHERE r.quality = 0 AND r.value IS NOT NULL`,
    [hours.map((h) => h.stationId), hours.map((h) => h.metric), hours.map((h) => new Date(h.hour))],
  );
  return rows.map((r) => ({ stationId: r.station_id, metric: r.metric, hour: r.hour.getTime(), ts: r.ts.getTime() }));
}

/** A flag a check set: which reading, with which version of the check. */
export interface ExistingFlag {
  stationId: string;
  metric: string;
  ts: number;
  version: number;
  /** what the check saw (null for a bit without its detail row) */
  detail: Record<string, unknown> | null;
}

/**
 * The flags `check` set over [from, to) on `stations` (every station when omitted): the detail
 * rows, and the readings that carry the check's bit without one (a reading whose bit is set is
 * flagged whatever happened to its detail row; version 0 then, so that the next run writes it again).
 */
export async function listCheckFlags(db: Db, check: CheckCode, from: Date, to: Date, stations?: readonly string[]): Promise<ExistingFlag[]> {
  const { rows } = await db.query<{ station_id: string; metric: string; ts: Date; version: number; detail: Record<string, unknown> | null }>(
    `SELECT f.station_id, f.metric, f.ts, f.check_version AS version, f.detail
       FROM qc_flags f WHERE f.check_code = $1 AND f.ts >= $2 AND f.ts < $3 AND ($5::text[] IS NULL OR f.station_id = ANY($5::text[]))
     UNION ALL
     SELECT r.station_id, r.metric, r.ts, 0 AS version, NULL::jsonb AS detail
       FROM readings r
      WHERE r.ts >= $2 AND r.ts < $3 AND (r.qc & $4::int2) <> 0 AND ($5::text[] IS NULL OR r.station_id = ANY($5::text[]))
        AND NOT EXISTS (SELECT 1 FROM qc_flags f WHERE f.station_id = r.station_id AND f.metric = r.metric AND f.ts = r.ts AND f.check_code = $1)`,
    [check, from, to, CHECK_BITS[check], stations ?? null],
  );
  return rows.map((r) => ({ stationId: r.station_id, metric: r.metric, ts: r.ts.getTime(), version: r.version, detail: r.detail }));
}

/** The stations `check` flagged a reading of over [from, to) (a detail row, or the bit alone). */
export async function stationsWithCheckFlags(db: Db, check: CheckCode, from: Date, to: Date): Promise<string[]> {
  const { rows } = await db.query<{ station_id: string }>(
    `SELECT DISTINCT f.station_id FROM qc_flags f WHERE f.check_code = $1 AND f.ts >= $2 AND f.ts < $3
     UNION
     SELECT DISTINCT r.station_id FROM readings r WHERE r.ts >= $2 AND r.ts < $3 AND (r.qc & $4::int2) <> 0`,
    [check, from, to, CHECK_BITS[check]],
  );
  return rows.map((r) => r.station_id);
}

const markKey = (check: string) => `qc.scheduled.${check}.evaluated_through`;

/** The end (exclusive, ms) of the hours a scheduled check has evaluated, or undefined before its first run. */
export async function getEvaluatedThrough(db: Db, check: string): Promise<number | undefined> {
  const { rows } = await db.query<{ value: string }>(`SELECT value FROM settings WHERE key = $1`, [markKey(check)]);
  const v = rows[0] ? Date.parse(rows[0].value) : NaN;
  return Number.isFinite(v) ? v : undefined;
}

/** Stores the end (exclusive) of the hours a scheduled check has evaluated; never moves it back. */
export async function setEvaluatedThrough(db: Db, check: string, through: number): Promise<void> {
  await db.query(
    `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, now())
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()
      WHERE settings.value::timestamptz < EXCLUDED.value::timestamptz`,
    [markKey(check), new Date(through).toISOString()],
  );
}
