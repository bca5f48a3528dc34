/**
 * @module device-profiles/types
 * The shape of a device profile (see profile.schema.json, which is the source of truth).
 */

export interface LocalizedText {
  en: string;
  vi: string;
}

export interface MetricDefinition {
  name: LocalizedText;
  unit: string;
  /** Physically possible range; values outside are stored with the out_of_range quality flag. */
  range: { min: number; max: number };
  /** Overrides the profile's expectedIntervalSeconds for this metric. */
  intervalSeconds?: number;
  /** Parameter symbol of Circular 10/2021/TT-BTNMT (Appendix 15, Table 34). */
  symbol?: string;
  decimals?: number;
}

export interface DeviceProfile {
  id: string;
  version: number;
  name: LocalizedText;
  description?: LocalizedText;
  expectedIntervalSeconds: number;
  metrics: Record<string, MetricDefinition>;
}

/** Station status codes of Circular 10/2021/TT-BTNMT: 00 measuring, 01 calibrating, 02 device fault; 03 (maintenance) is sent by some loggers though not in the Circular. */
export type StationStatusCode = '00' | '01' | '02' | '03';

/** One reading as a station publishes it on `stations/{id}/readings` (a payload is one of these or an array). */
export interface ReadingPayload {
  /** ISO 8601 with an offset, e.g. 2026-11-22T09:00:00+07:00 */
  ts: string;
  values: Record<string, number>;
  status?: Record<string, StationStatusCode>;
}
