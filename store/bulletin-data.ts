/**
 * @module store/bulletin-data
 * What a bulletin is composed from (bulletins/compose.ts), read from stored data and never
 * recomputed: hourly means of valid readings (readings_hourly), the metrics a station reported
 * (readings_daily), daily and hourly VN_AQI (aqi_daily, aqi_hourly) and alert events in a period.
 * The stored bulletins themselves are in store/bulletins.ts; the stations in scope in store/stations.ts.
 */
import type { Db } from './db.js';

/** One hourly mean of valid readings; `bucket` is the start of its hour. */
export interface HourlyMeanRow {
  stationId: string;
  metric: string;
  bucket: Date;
  mean: number;
}

/** Hourly means of valid readings of the stations, buckets starting in [from, to). */
export async function hourlyMeans(db: Db, stationIds: readonly string[], from: Date, to: Date): Promise<HourlyMeanRow[]> {
  if (stationIds.length === 0) return [];
  const { rows } = await db.query<{ station_id: string; metric: string; bucket: Date; avg: number }>(
    `SELECT station_id, metric, bucket, avg FROM readings_hourly
      WHERE station_id = ANY($1::text[]) AND bucket >= $2 AND bucket < $3 AND avg IS NOT NULL`,
    [stationIds, from, to],
  );
  return rows.map((r) => ({ stationId: r.station_id, metric: r.metric, bucket: r.bucket, mean: Number(r.avg) }));
}

/** The metrics each station reported in daily buckets starting in [from, to): station → metrics. */
export async function reportedMetrics(db: Db, stationIds: readonly string[], from: Date, to: Date): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  if (stationIds.length === 0) return out;
  const { rows } = await db.query<{ station_id: string; metric: string }>(
    `SELECT DISTINCT station_id, metric FROM readings_daily WHERE station_id = ANY($1::text[]) AND bucket >= $2 AND bucket < $3`,
    [stationIds, from, to],
  );
  for (const r of rows) {
    let set = out.get(r.station_id);
    if (!set) out.set(r.station_id, (set = new Set()));
    set.add(r.metric);
  }
  return out;
}

export interface DailyAqiRow {
  stationId: string;
  /** local date YYYY-MM-DD */
  day: string;
  aqi: number;
  category: string;
  dominant: string;
}

/** Daily VN_AQI of the stations on local days in [fromDay, toDayExclusive), by station then day. */
export async function dailyVnAqi(db: Db, stationIds: readonly string[], fromDay: string, toDayExclusive: string): Promise<DailyAqiRow[]> {
  if (stationIds.length === 0) return [];
  const { rows } = await db.query<{ station_id: string; day: string; aqi: number; category: string; dominant: string }>(
    `SELECT station_id, to_char(day, 'YYYY-MM-DD') AS day, aqi, category, dominant FROM aqi_daily
      WHERE station_id = ANY($1::text[]) AND index_name = 'vn_aqi' AND day >= $2::date AND day < $3::date ORDER BY station_id, day`,
    [stationIds, fromDay, toDayExclusive],
  );
  return rows.map((r) => ({ stationId: r.station_id, day: r.day, aqi: r.aqi, category: r.category, dominant: r.dominant }));
}

export interface HourlyAqiPeak {
  aqi: number;
  /** hour-ending label */
  ts: Date;
  category: string;
  dominant: string;
}

/** The highest hourly VN_AQI of each station over hour-ending labels in (from, to]; the earliest hour on a tie. */
export async function peakHourlyVnAqi(db: Db, stationIds: readonly string[], from: Date, to: Date): Promise<Map<string, HourlyAqiPeak>> {
  if (stationIds.length === 0) return new Map();
  const { rows } = await db.query<{ station_id: string; aqi: number; ts: Date; category: string; dominant: string }>(
    `SELECT DISTINCT ON (station_id) station_id, aqi, ts, category, dominant FROM aqi_hourly
      WHERE station_id = ANY($1::text[]) AND index_name = 'vn_aqi' AND ts > $2 AND ts <= $3
      ORDER BY station_id, aqi DESC, ts ASC`,
    [stationIds, from, to],
  );
  return new Map(rows.map((r) => [r.station_id, { aqi: r.aqi, ts: r.ts, category: r.category, dominant: r.dominant }]));
}

export interface AlertEventInPeriod {
  type: 'firing' | 'resolved';
  at: Date;
  alertId: number;
  stationId: string;
  ruleId: string;
  severity: string;
  value: number | null;
  message: { vi: string; en: string };
}

/** `firing` and `resolved` events in [from, to) of the stations' alerts, oldest first. */
export async function alertEventsInPeriod(db: Db, stationIds: readonly string[], from: Date, to: Date): Promise<AlertEventInPeriod[]> {
  if (stationIds.length === 0) return [];
  const { rows } = await db.query<{
    type: 'firing' | 'resolved';
    at: Date;
    alert_id: number;
    station_id: string;
    rule_id: string;
    severity: string;
    value: number | null;
    message: { vi: string; en: string };
  }>(
    `SELECT e.type, e.at, e.alert_id, a.station_id, a.rule_id, e.severity, COALESCE(e.value, a.value) AS value, a.message
       FROM alert_events e JOIN alerts a ON a.id = e.alert_id
      WHERE e.type IN ('firing', 'resolved') AND e.at >= $2 AND e.at < $3 AND a.station_id = ANY($1::text[])
      ORDER BY e.at, e.id`,
    [stationIds, from, to],
  );
  return rows.map((r) => ({
    type: r.type,
    at: r.at,
    alertId: Number(r.alert_id),
    stationId: r.station_id,
    ruleId: r.rule_id,
    severity: r.severity,
    value: r.value,
    message: r.message,
  }));
}
