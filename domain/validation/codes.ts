/**
 * @module domain/validation/codes
 * The vocabulary of data validation (QA/QC, issue 18), shared by ingest, the store, the checks,
 * the API and the pages. The raw value and the station's own quality flag (domain/quality.ts) are
 * never changed; two more columns of `readings` carry validation (store/migrations/009):
 *
 * - `qc`: a bitmask of the automatic checks that flagged the reading (CHECK_BITS; 0 = none);
 * - `review`: a reviewer's decision: 0 none, 1 restored (valid whatever the checks said),
 *   10 + the index of the reason in INVALIDATION_REASONS = invalidated for that reason.
 *
 * A reading counts in validated statistics (aggregates, indices, bulletins, open data) when
 * VALIDATED_SQL holds: the station said it was measuring and in range, and either a reviewer
 * restored it or no check flagged it and no reviewer invalidated it.
 */

/** The automatic checks, each with its bit in `readings.qc`. `range` stays in `quality` (3). */
export const CHECK_BITS = {
  /** a value far from the median of its neighbours in time (ingest: the previous ones; scheduled: both sides) */
  spike: 1,
  /** the same value for N intervals in a row */
  flatline: 2,
  /** a change from the previous reading faster than the metric's limit per minute */
  rate: 4,
  /** inside a calibration or maintenance window an operator scheduled */
  window: 8,
  /** inconsistent with another metric of the same reading (PM2.5 > PM10, DO above saturation, outlet flow > inlet) */
  cross: 16,
  /** far from the robust consensus (median, MAD) of the station's neighbours within a radius */
  spatial: 32,
} as const;

export type CheckCode = keyof typeof CHECK_BITS;
export const CHECK_CODES = Object.keys(CHECK_BITS) as CheckCode[];

/** The codes of the checks whose bits are set in `qc`. */
export function checksOf(qc: number): CheckCode[] {
  return CHECK_CODES.filter((c) => (qc & CHECK_BITS[c]) !== 0);
}

/** The fixed list a reviewer picks a reason from (the order is stored: append only). */
export const INVALIDATION_REASONS = ['calibration', 'maintenance', 'power_failure', 'instrument_fault', 'interference', 'other'] as const;
export type InvalidationReason = (typeof INVALIDATION_REASONS)[number];

export const REVIEW = { none: 0, restored: 1 } as const;
/** `review` value of a reading invalidated for `reason`. */
export function reviewCodeOf(reason: InvalidationReason): number {
  return 10 + INVALIDATION_REASONS.indexOf(reason);
}
/** The reason of an invalidated reading, null when `review` is 0 or 1. */
export function reasonOfReview(review: number): InvalidationReason | null {
  return review >= 10 ? (INVALIDATION_REASONS[review - 10] ?? 'other') : null;
}

/** The state a reading shows: the station's flag first, then a reviewer's, then the checks'. */
export type ValidationState = 'valid' | 'flagged' | 'invalidated' | 'restored' | 'station_flag';

export function validationStateOf(quality: number, qc: number, review: number): ValidationState {
  if (review >= 10) return 'invalidated';
  if (quality !== 0) return 'station_flag';
  if (review === REVIEW.restored) return 'restored';
  return qc !== 0 ? 'flagged' : 'valid';
}

/** True when the reading counts in validated statistics (the same rule as VALIDATED_SQL). */
export function isValidated(quality: number, qc: number, review: number): boolean {
  return quality === 0 && (review === REVIEW.restored || (review === 0 && qc === 0));
}

/** The SQL predicate of a validated reading, on a row with `quality`, `qc` and `review` (optionally qualified). */
export function validatedSql(alias = ''): string {
  const p = alias ? `${alias}.` : '';
  return `(${p}quality = 0 AND (${p}review = 1 OR (${p}review = 0 AND ${p}qc = 0)))`;
}
export const VALIDATED_SQL = validatedSql();

/**
 * Validation levels of a station's day: 0 raw (not reviewed), 1 reviewed, 2 approved by a second
 * person. A month approval covers each of its days.
 */
export const VALIDATION_LEVELS = [0, 1, 2] as const;
export type ValidationLevel = (typeof VALIDATION_LEVELS)[number];
