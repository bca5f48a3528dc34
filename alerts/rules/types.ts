/**
 * @module alerts/rules/types
 * The contract between the alert engine (alerts/engine.ts and its parts: evaluator.ts, lifecycle.ts) and
 * the rule evaluators (alerts/rules/<kind>.ts: pure functions). A rule is data (JSON, validated
 * by alerts/rules/schema.ts); an evaluator looks at one station's recent samples of the rule's
 * metric and says whether the rule's condition holds *now*. Pending periods, clear periods,
 * escalation, acknowledgement and silences are the engine's job, never an evaluator's.
 */
import type { QualityName } from '../../domain/quality.js';
import type { HourSketch } from './hour-sketch.js';
import type { HourSum } from './hourly.js';

export type Severity = 'info' | 'warning' | 'critical';
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];

export type RuleKind = 'threshold' | 'rate_of_change' | 'stuck' | 'out_of_range' | 'no_data' | 'device_status' | 'anomaly' | 'forecast' | 'levels';

export interface LocalizedText {
  en: string;
  vi: string;
}

export type RuleScope = { profile: string } | { station: string };

interface RuleCommon {
  /** ^[a-z0-9][a-z0-9._-]{0,79}$, unique */
  id: string;
  name: LocalizedText;
  scope: RuleScope;
  severity: Severity;
  enabled: boolean;
  /** The condition must hold this long before the alert fires (pending → firing). Default 0. */
  pendingSeconds: number;
  /** The condition must be absent this long before the alert resolves by itself (keep-firing). Default 0. */
  clearSeconds: number;
  /** While firing, raise the severity after so long (a ladder; de-escalates when the condition's own severity drops). */
  escalation?: Array<{ afterMinutes: number; severity: Severity }>;
  /** The rule applies only to readings timestamped in [validFrom, validUntil) (e.g. QCVN 05:2023 PM2.5 24 h: 50 until 2025-12-31, 45 from 2026-01-01). ISO 8601. */
  validFrom?: string;
  validUntil?: string;
  /** Where the limit comes from, e.g. "QCVN 05:2023/BTNMT, Bảng 1". */
  source?: string;
}

export interface ThresholdRule extends RuleCommon {
  kind: 'threshold';
  metric: string;
  /** 'above': active when value > raise, inactive again when value < clear (clear ≤ raise). 'below': mirrored. */
  op: 'above' | 'below';
  raise: number;
  clear: number;
  /**
   * 'raw': the newest valid sample; 'mean': the mean of valid samples over the trailing windowMinutes
   * (ending at the newest sample; over an hour, in whole hours: rules/hourly.ts).
   */
  over: 'raw' | 'mean';
  windowMinutes?: number;
  /** For 'mean': minimum fraction of expected samples present in the window (default 0.75). Below it: not enough data. */
  minCoverage?: number;
}

export interface RateOfChangeRule extends RuleCommon {
  kind: 'rate_of_change';
  metric: string;
  /** Active when the value rose ('rise') or fell ('fall') by at least delta within perMinutes. */
  op: 'rise' | 'fall';
  delta: number;
  perMinutes: number;
}

export interface StuckRule extends RuleCommon {
  kind: 'stuck';
  metric: string;
  /** Active when the last `readings` valid samples vary by no more than `tolerance` (max − min). */
  readings: number;
  tolerance: number;
}

export interface OutOfRangeRule extends RuleCommon {
  kind: 'out_of_range';
  metric: string;
  /** Active when at least `count` of the last `of` samples are flagged out_of_range (defaults 1 of 1). */
  count?: number;
  of?: number;
}

export interface NoDataRule extends RuleCommon {
  kind: 'no_data';
  /** Optional: watch one metric; without it, any reading of the station counts. */
  metric?: string;
  /** Active when nothing arrived for factor × the expected interval (profile's, or the metric's). */
  factor: number;
  /** While active, the engine records a reminder this often (0 = none). */
  remindEveryMinutes: number;
}

export interface DeviceStatusRule extends RuleCommon {
  kind: 'device_status';
  /** Optional: one metric; without it, any metric of the station. */
  metric?: string;
  /** Active while the newest sample (of the metric, or of any metric) is flagged fault (status 02). */
}

export interface AnomalyRule extends RuleCommon {
  kind: 'anomaly';
  metric: string;
  /** Robust z-score |x − median| / (1.4826 · MAD) of the newest valid sample against the history. */
  threshold: number;
  /** History used: the last windowHours of valid samples (excluding the newest). */
  windowHours: number;
  /** With sameHourOfDay, only history samples within ±1 h of the newest sample's local hour of day (the station's zone). */
  sameHourOfDay: boolean;
  minSamples: number;
}

export interface ForecastRule extends RuleCommon {
  kind: 'forecast';
  metric: string;
  /** Linear trend (least squares, simple-statistics) over the trailing windowMinutes of valid samples. */
  windowMinutes: number;
  minPoints: number;
  /** Active when the trend is heading towards `limit` and projects to cross it within horizonMinutes while the newest value is still on the safe side. */
  op: 'above' | 'below';
  limit: number;
  horizonMinutes: number;
}

export interface LevelsRule extends RuleCommon {
  kind: 'levels';
  /**
   * The value compared: a metric's newest valid sample, or the station's hourly index
   * (`vn_aqi_hourly`, computed by the engine and passed in as samples of that name).
   */
  metric: string;
  /** Ascending levels; the highest one reached sets the condition's severity and label. */
  levels: Array<{ value: number; severity: Severity; label: LocalizedText }>;
  /** Take the levels from the station's attributes instead (e.g. "floodLevels": per-station flood alarm levels I/II/III). */
  levelsFromStationAttribute?: string;
  /** A level is left only when the value falls below level − hysteresis. Default 0. */
  hysteresis: number;
}

export type Rule = ThresholdRule | RateOfChangeRule | StuckRule | OutOfRangeRule | NoDataRule | DeviceStatusRule | AnomalyRule | ForecastRule | LevelsRule;

/** One stored reading as the engine keeps it. */
export interface Sample {
  /** epoch ms, UTC */
  ts: number;
  value: number | null;
  quality: QualityName;
  /** Set on the merged samples given to rules without a metric (device_status, no_data). */
  metric?: string;
}

export interface EvalInput<R extends Rule = Rule> {
  rule: R;
  /** Engine clock, epoch ms. */
  now: number;
  /**
   * Samples of rule.metric for this station, ascending by ts, all qualities, covering at least
   * lookbackMs(rule) before the newest (older ones may be present). For rules without a metric
   * (no_data, device_status), the samples of every metric of the station, merged and ascending.
   */
  samples: readonly Sample[];
  /**
   * The sums of the valid samples of rule.metric OLDER than every sample in `samples`, one per hour
   * (hourly.ts), ascending by end: the engine keeps long mean windows this way instead of raw
   * readings. Absent or empty when `samples` hold everything. Only threshold 'mean' over more
   * than an hour reads it.
   */
  hourly?: readonly HourSum[];
  /**
   * Quantile sketches of the valid samples of rule.metric OLDER than every sample in `samples`,
   * one per UTC hour (hour-sketch.ts), ascending by start: the engine keeps the anomaly rule's
   * history this way instead of raw readings. Absent or empty when `samples` hold everything.
   * Only the anomaly rule reads it.
   */
  hourSketches?: readonly HourSketch[];
  /** Whether the engine currently holds an open alert for (station, rule): lets evaluators apply hysteresis. */
  active: boolean;
  /** The level reached when last active (levels rule hysteresis), if any. */
  activeLevel?: number;
  /** Expected reporting interval of the metric (or the station's profile), ms. */
  expectedIntervalMs: number;
  /** Time of the station's newest reading of any metric (or of rule.metric for a metric no_data rule), by arrival; undefined if never. */
  lastReceivedAt?: number;
  /** When the engine started watching (a station silent since before the start is measured from here). */
  watchingSince: number;
  /** The station's attributes (e.g. { floodLevels: [9.5, 10.5, 11.5] }). */
  stationAttributes: Readonly<Record<string, unknown>>;
  /** The station's time zone (its `timezone`, else the agency's) for local hours and times; default Asia/Ho_Chi_Minh. */
  timeZone?: string;
}

export interface Condition {
  active: boolean;
  /** Overrides the rule's severity while active (levels rule). */
  severity?: Severity;
  /** Index of the level reached (levels rule). */
  level?: number;
  /** The value that decided (newest value, window mean, z-score, projected value…). */
  value?: number;
  /** One sentence for the operator, both languages, with the numbers. */
  message: LocalizedText;
  /** The samples that triggered or support the condition (at most 20, newest last). */
  evidence: Sample[];
  /** forecast: when the limit is projected to be crossed, epoch ms. */
  projectedAt?: number;
}

/**
 * Pure: same input, same output. Returns undefined when there is not enough data to say either
 * way (the engine then keeps the alert's current state). Pollution kinds (threshold,
 * rate_of_change, stuck, anomaly, forecast, levels) consider only samples of quality `valid`:
 * a calibrating or faulty station never triggers them.
 */
export type Evaluator<R extends Rule = Rule> = (input: EvalInput<R>) => Condition | undefined;
