/**
 * @module store/validation-report
 * The counts behind the monthly validation report (issue 18): per metric of a station over a
 * range, how many readings were received, counted as valid (validated statistics: restored ones
 * included), flagged by each check (not reviewed), invalidated for each reason, carried a station
 * flag (calibrating, fault, out of range, maintenance), and were restored by a reviewer. One
 * statement over the station's raw readings (the primary key's range), never the whole table.
 *
 * The categories partition the readings: total = valid + flagged (any check) + invalidated + station
 * flags; a reading flagged by two checks counts once in `flaggedAny` and once under each check.
 */
import { CHECK_BITS, CHECK_CODES, INVALIDATION_REASONS, VALIDATED_SQL, reviewCodeOf, type CheckCode, type InvalidationReason } from '../domain/validation/codes.js';
import type { Db } from './db.js';

export interface StationFlagCounts {
  calibrating: number;
  fault: number;
  out_of_range: number;
  maintenance: number;
}

export interface MetricReportCounts {
  metric: string;
  total: number;
  /** counted in validated statistics (restored ones included) */
  valid: number;
  /** of `valid`, restored by a reviewer */
  restored: number;
  /** flagged by at least one check and not reviewed */
  flaggedAny: number;
  flagged: Record<CheckCode, number>;
  /** invalidated by a reviewer, whatever the station said */
  invalidatedAny: number;
  invalidated: Record<InvalidationReason, number>;
  /** station flags of readings not invalidated */
  stationFlags: StationFlagCounts;
}

const STATION_FLAGS: Array<[keyof StationFlagCounts, number]> = [
  ['calibrating', 1],
  ['fault', 2],
  ['out_of_range', 3],
  ['maintenance', 4],
];

const COLUMNS = [
  `count(*) AS total`,
  `count(*) FILTER (WHERE ${VALIDATED_SQL}) AS valid`,
  `count(*) FILTER (WHERE quality = 0 AND review = 1) AS restored`,
  `count(*) FILTER (WHERE quality = 0 AND review = 0 AND qc <> 0) AS flagged_any`,
  `count(*) FILTER (WHERE review >= 10) AS invalidated_any`,
  ...CHECK_CODES.map((c) => `count(*) FILTER (WHERE quality = 0 AND review = 0 AND (qc & ${CHECK_BITS[c]}) <> 0) AS "check_${c}"`),
  ...INVALIDATION_REASONS.map((r) => `count(*) FILTER (WHERE review = ${reviewCodeOf(r)}) AS "reason_${r}"`),
  ...STATION_FLAGS.map(([k, q]) => `count(*) FILTER (WHERE review < 10 AND quality = ${q}) AS "flag_${k}"`),
].join(',\n  ');

/** Zero counts of a metric without readings. */
export function emptyCounts(metric: string): MetricReportCounts {
  return {
    metric,
    total: 0,
    valid: 0,
    restored: 0,
    flaggedAny: 0,
    flagged: Object.fromEntries(CHECK_CODES.map((c) => [c, 0])) as Record<CheckCode, number>,
    invalidatedAny: 0,
    invalidated: Object.fromEntries(INVALIDATION_REASONS.map((r) => [r, 0])) as Record<InvalidationReason, number>,
    stationFlags: { calibrating: 0, fault: 0, out_of_range: 0, maintenance: 0 },
  };
}

/** Counts per metric of one station over [from, to); every metric asked for is in the answer (zeros when it has no readings). */
export async function reportCounts(db: Db, stationId: string, metrics: readonly string[], from: Date, to: Date): Promise<MetricReportCounts[]> {
  const { rows } = await db.query<Record<string, number> & { metric: string }>(
    `SELECT metric,\n  ${COLUMNS}\nFROM readings WHERE station_id = $1 AND metric = ANY($2::text[]) AND ts >= $3 AND ts < $4 GROUP BY metric`,
    [stationId, metrics, from, to],
  );
  const found = new Map(rows.map((r) => [r.metric, r]));
  return metrics.map((metric) => {
    const r = found.get(metric);
    if (!r) return emptyCounts(metric);
    return {
      metric,
      total: r['total']!,
      valid: r['valid']!,
      restored: r['restored']!,
      flaggedAny: r['flagged_any']!,
      flagged: Object.fromEntries(CHECK_CODES.map((c) => [c, r[`check_${c}`]!])) as Record<CheckCode, number>,
      invalidatedAny: r['invalidated_any']!,
      invalidated: Object.fromEntries(INVALIDATION_REASONS.map((x) => [x, r[`reason_${x}`]!])) as Record<InvalidationReason, number>,
      stationFlags: Object.fromEntries(STATION_FLAGS.map(([k]) => [k, r[`flag_${k}`]!])) as unknown as StationFlagCounts,
    };
  });
}
