/**
 * @module ingest/quality
 * Quality flags stored with every reading. A reading is never dropped for being suspect: it is
 * stored with its flag, and analysts, indices and alert rules count only `valid` ones unless asked.
 *
 * | code | name          | cause                                                              |
 * |------|---------------|--------------------------------------------------------------------|
 * | 0    | valid         | status 00 (measuring) and inside the metric's physical range       |
 * | 1    | calibrating   | status 01 of Circular 10/2021/TT-BTNMT                             |
 * | 2    | fault         | status 02 (device fault), with or without a value                 |
 * | 3    | out_of_range  | status 00 but outside the profile's physically possible range      |
 * | 4    | maintenance   | status 03, sent by some loggers though not in Circular 10/2021     |
 *
 * Precedence when several apply: fault > calibrating > maintenance > out_of_range.
 */

export const QUALITY = { valid: 0, calibrating: 1, fault: 2, out_of_range: 3, maintenance: 4 } as const;
export type QualityName = keyof typeof QUALITY;
export type QualityCode = (typeof QUALITY)[QualityName];

const NAMES: readonly QualityName[] = ['valid', 'calibrating', 'fault', 'out_of_range', 'maintenance'];

export function qualityName(code: number): QualityName {
  return NAMES[code] ?? 'fault';
}

export const QUALITY_NAMES = NAMES;

/** Derives the flag from the station's status code and the profile range. */
export function qualityOf(status: string | undefined, value: number | null, range: { min: number; max: number }): QualityCode {
  if (status === '02') return QUALITY.fault;
  if (status === '01') return QUALITY.calibrating;
  if (status === '03') return QUALITY.maintenance;
  if (value === null) return QUALITY.fault;
  if (value < range.min || value > range.max) return QUALITY.out_of_range;
  return QUALITY.valid;
}
