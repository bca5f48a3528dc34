/**
 * @module dashboard/web/views/review/types
 * The validation API's answers as the review and report pages read them (issue 18: the contract
 * of GET /api/v1/stations/{id}/validation/series, …/validation, …/validation/report and
 * /api/v1/validation/report). Type-only: nothing here is bundled as code.
 */
import type { InvalidationReason, ValidationLevel } from '../../../../../domain/validation/codes';

export interface SeriesMetric {
  metric: string;
  unit: string | null;
  /** epoch ms, ascending */
  ts: number[];
  value: Array<number | null>;
  quality: number[];
  qc: number[];
  review: number[];
}
export interface SeriesFlag {
  metric: string;
  ts: string | number;
  check: string;
  version: number;
  detail: Record<string, unknown> | null;
}
/** A scheduled calibration or maintenance window (metrics null: every metric). */
export interface WindowJson {
  id: number;
  metrics: string[] | null;
  from?: string;
  to?: string;
  startsAt?: string;
  endsAt?: string;
  kind: 'calibration' | 'maintenance';
  comment?: string | null;
  cancelledAt?: string | null;
}
export interface DayLevel {
  day: string;
  level: ValidationLevel;
}
export interface SeriesAnswer {
  stationId: string;
  from: string;
  to: string;
  metrics: SeriesMetric[];
  flags: SeriesFlag[];
  windows: WindowJson[];
  levels: DayLevel[];
}

/** Counts of one metric's readings by state, before or after an action. */
export interface StateCounts {
  valid?: number;
  flagged?: number;
  invalidated?: number;
  restored?: number;
  stationFlag?: number;
}
export interface ActionJson {
  id: number;
  action: 'invalidate' | 'restore' | 'undo';
  metrics: string[];
  from: string;
  to: string;
  reason: InvalidationReason | string | null;
  comment: string | null;
  username: string;
  at: string;
  undoes: number | null;
  undoneBy: number | null;
  rowsAffected: number;
  before: Record<string, StateCounts | unknown>;
  after: Record<string, StateCounts | unknown>;
}
export interface ApprovalJson {
  id: number;
  period: string;
  kind: 'day' | 'month';
  level: 1 | 2;
  username: string;
  comment: string | null;
  at: string;
  revokedAt: string | null;
  revokedBy: string | null;
  revokedReason: string | null;
}
export interface HistoryAnswer {
  stationId: string;
  actions: ActionJson[];
  approvals: ApprovalJson[];
}

export interface ReportMetric {
  metric: string;
  expected: number;
  total: number;
  valid: number;
  /** readings flagged by at least one check (a reading may be flagged by several: not the sum of `flagged`) */
  flaggedAny?: number;
  flagged: Record<string, number>;
  invalidatedAny?: number;
  invalidated: Record<string, number>;
  stationFlags: Record<string, number>;
  restored: number;
  completeness: number | null;
}
export interface StationReport {
  stationId: string;
  month: string;
  metrics: ReportMetric[];
  days: DayLevel[];
  level: ValidationLevel;
}
/** One station's row of the all-stations summary (totals over its metrics). */
export interface SummaryRow {
  stationId: string;
  name?: string;
  province?: string | null;
  expected: number;
  total: number;
  valid: number;
  flaggedAny?: number;
  invalidatedAny?: number;
  flagged: number | Record<string, number>;
  invalidated: number | Record<string, number>;
  stationFlags?: number | Record<string, number>;
  restored?: number;
  completeness: number | null;
  level: ValidationLevel;
  days?: DayLevel[];
}
export interface SummaryAnswer {
  month: string;
  stations: SummaryRow[];
}

/** The station list and profiles as the pages use them. */
export interface StationInfo {
  id: string;
  name: string;
  profile: string;
  province: string | null;
  timezone?: string;
}
export interface ProfileInfo {
  id: string;
  name: { en: string; vi: string };
  metrics: Record<string, { name: { en: string; vi: string }; unit: string; decimals?: number }>;
}
