/**
 * @module ingest/reasons
 * Why a payload or one of its readings was refused. The code is stable (metrics label, API,
 * quarantine.reason_code); the reason text names the field and what was expected.
 */
export const REJECT_REASONS = {
  payload_too_large: 'payload is larger than the configured limit',
  invalid_encoding: 'payload is not valid UTF-8 text',
  invalid_json: 'payload is not valid JSON',
  empty_batch: 'backlog array is empty',
  too_many_readings: 'backlog array holds more readings than the configured limit',
  schema: 'reading does not follow the device profile',
  unknown_metric: 'reading names a metric the station profile does not have',
  timestamp_in_future: 'timestamp is too far in the future',
  timestamp_too_old: 'timestamp is before 2000-01-01 (station clock reset?)',
  unknown_station: 'station is not registered',
} as const;

export type RejectCode = keyof typeof REJECT_REASONS;

export interface Refusal {
  /** Index in a backlog array, or null when the whole payload was refused. */
  index: number | null;
  code: RejectCode;
  reason: string;
}
