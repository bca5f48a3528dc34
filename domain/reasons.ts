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
  // Circular 10/2021/TT-BTNMT text files (ingest/adapters/circular10.ts): `index` is the line number.
  empty_file: 'file holds no data line',
  malformed_line: 'line does not have the 5 TAB-separated fields symbol, value, unit, time, status',
  invalid_value: 'value is not a decimal number (and not empty with status 01/02/03)',
  invalid_timestamp: 'time is not a valid local yyyyMMddHHmmss',
  invalid_status: 'status is not 00, 01, 02 or 03',
  unit_mismatch: "unit cannot be converted to the profile's unit",
  duplicate_line: 'the same symbol and time appear twice in the file',
  file_refused: 'file name or transfer refused (not a .txt file, resumed upload, outside the station area)',
} as const;

export type RejectCode = keyof typeof REJECT_REASONS;

export interface Refusal {
  /** Index in a backlog array, or null when the whole payload was refused. */
  index: number | null;
  code: RejectCode;
  reason: string;
}
