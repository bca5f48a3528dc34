/**
 * VN_AQI, Decision 1459/QĐ-TCMT (12 Nov 2019), for automatic continuous ambient air stations
 * (STANDARDS §1): breakpoint table (Bảng 2), sub-index (formulas 1 and 2), hourly AQI (§1.5) and
 * daily AQI (§1.6). Builders for the inputs from hourly means are in `vn-aqi-input.ts`.
 *
 * Rounding: sub-indices are kept unrounded in `subIndices` (so a consumer can show 59.35 or
 * re-rank); the reported `aqi` is the maximum sub-index rounded half up to an integer, as the
 * decision's daily example does (109.5 → 110).
 *
 * @module
 */
import { type VnAqiCategory, vnAqiCategory } from './categories.js';
import { roundHalfUp } from './rounding.js';

/** VN_AQI pollutants, as Quantrac metric keys. All concentrations in µg/m³ (CO included). */
export type VnAqiPollutant = 'pm25' | 'pm10' | 'so2' | 'no2' | 'co' | 'o3';

/** The columns of Bảng 2. O3 has a 1-hour and an 8-hour column; every other pollutant one. */
export type VnAqiColumn = 'o3_1h' | 'o3_8h' | 'co' | 'so2' | 'no2' | 'pm10' | 'pm25';

/** I_i of Bảng 2: the index value at each breakpoint row. */
export const VN_AQI_LEVELS: readonly number[] = Object.freeze([0, 50, 100, 150, 200, 300, 400, 500]);

/**
 * BP_i of QĐ 1459 Bảng 2, µg/m³, aligned with `VN_AQI_LEVELS`. Segments are contiguous (BP_i to
 * BP_i+1, no EPA-style +0.1 gap). The O3 8-hour column stops at I = 300 (400 µg/m³).
 */
export const VN_AQI_BREAKPOINTS: Readonly<Record<VnAqiColumn, readonly number[]>> = Object.freeze({
  o3_1h: Object.freeze([0, 160, 200, 300, 400, 800, 1000, 1200]),
  o3_8h: Object.freeze([0, 100, 120, 170, 210, 400]),
  co: Object.freeze([0, 10000, 30000, 45000, 60000, 90000, 120000, 150000]),
  so2: Object.freeze([0, 125, 350, 550, 800, 1600, 2100, 2630]),
  no2: Object.freeze([0, 100, 200, 700, 1200, 2350, 3100, 3850]),
  pm10: Object.freeze([0, 50, 150, 250, 350, 420, 500, 600]),
  pm25: Object.freeze([0, 25, 50, 80, 150, 250, 350, 500]),
});

/** Top of the index. */
export const VN_AQI_MAX = 500;

/** QĐ 1459 §1.6: a max 8-hour O3 mean above this skips the 8-hour sub-index. */
export const O3_8H_LIMIT_UGM3 = 400;

const DEFAULT_COLUMN: Readonly<Record<VnAqiPollutant, VnAqiColumn>> = {
  pm25: 'pm25',
  pm10: 'pm10',
  so2: 'so2',
  no2: 'no2',
  co: 'co',
  o3: 'o3_1h',
};

function columnBelongsTo(pollutant: VnAqiPollutant, column: VnAqiColumn): boolean {
  return pollutant === 'o3' ? column === 'o3_1h' || column === 'o3_8h' : column === pollutant;
}

/**
 * Sub-index AQI_x of one pollutant, unrounded: QĐ 1459 formula 1,
 * `(I_{i+1} − I_i)/(BP_{i+1} − BP_i) × (C − BP_i) + I_i`. For the hourly PM sub-index pass the
 * NowCast (formula 2); for the daily one, the 24-hour mean.
 *
 * - At or above the top breakpoint the result is capped at 500. The decision does not say what
 *   happens there; capping is our implementation choice, matching EPA practice.
 * - A negative concentration (analyser noise near zero) counts as 0.
 *
 * @param column Bảng 2 column; defaults to the pollutant's own, `o3_1h` for O3.
 * @throws RangeError for a non-finite concentration, a column of another pollutant, or an 8-hour
 *   O3 mean above 400 µg/m³ (the column is not defined there; §1.6 says use the 1-hour one).
 * @example subIndex('pm25', 50) // 100
 * @example subIndex('o3', 89.3, 'o3_8h') // 44.65
 */
export function subIndex(pollutant: VnAqiPollutant, concentration: number, column: VnAqiColumn = DEFAULT_COLUMN[pollutant]): number {
  if (!Number.isFinite(concentration)) {
    throw new RangeError(`subIndex: invalid ${pollutant} concentration ${concentration}`);
  }
  if (!columnBelongsTo(pollutant, column)) {
    throw new RangeError(`subIndex: column ${column} is not a ${pollutant} column`);
  }
  const bp = VN_AQI_BREAKPOINTS[column];
  const c = Math.max(concentration, 0);
  if (column === 'o3_8h' && c > O3_8H_LIMIT_UGM3) {
    throw new RangeError(`subIndex: the O3 8-hour column is undefined above ${O3_8H_LIMIT_UGM3} µg/m³ (got ${c})`);
  }
  for (let i = 0; i < bp.length - 1; i += 1) {
    const lo = bp[i] as number;
    const hi = bp[i + 1] as number;
    if (c <= hi) {
      const iLo = VN_AQI_LEVELS[i] as number;
      const iHi = VN_AQI_LEVELS[i + 1] as number;
      return ((iHi - iLo) / (hi - lo)) * (c - lo) + iLo;
    }
  }
  // Above the top breakpoint (the 8-hour O3 column never gets here: it was rejected above 400).
  return VN_AQI_MAX;
}

/**
 * Inputs of the hourly AQI (§1.5), µg/m³: `pm25`/`pm10` are NowCasts, the gases (O3 included)
 * 1-hour means. `null`/absent = not available.
 */
export type HourlyVnAqiInput = Partial<Record<VnAqiPollutant, number | null>>;

/**
 * Inputs of the daily AQI (§1.6), µg/m³: `pm25`/`pm10` are 24-hour means; `so2`, `no2`, `co`,
 * `o3_1h` the day's maximum 1-hour mean; `o3_8h` the day's maximum 8-hour mean.
 */
export type DailyVnAqiInput = Partial<Record<'pm25' | 'pm10' | 'so2' | 'no2' | 'co' | 'o3_1h' | 'o3_8h', number | null>>;

/** A computed VN_AQI. */
export interface VnAqiResult {
  /** max of the sub-indices, rounded half up to an integer (0..500). */
  readonly aqi: number;
  readonly category: VnAqiCategory;
  /** Pollutant with the highest sub-index; ties go to the earlier key of `VN_AQI_POLLUTANTS`. */
  readonly dominant: VnAqiPollutant;
  /** Unrounded sub-indices of the pollutants that had data. */
  readonly subIndices: Partial<Record<VnAqiPollutant, number>>;
}

/** Pollutant order; PM first, so a tie reports the mandatory PM pollutant as dominant. */
export const VN_AQI_POLLUTANTS: readonly VnAqiPollutant[] = Object.freeze(['pm25', 'pm10', 'o3', 'no2', 'so2', 'co']);

const present = (v: number | null | undefined): v is number => v !== null && v !== undefined;

function aggregate(subIndices: Partial<Record<VnAqiPollutant, number>>): VnAqiResult | null {
  // QĐ 1459 §1: at least one of PM10 or PM2.5 is mandatory.
  if (subIndices.pm25 === undefined && subIndices.pm10 === undefined) return null;
  let dominant: VnAqiPollutant = 'pm25';
  let top = -Infinity;
  for (const pollutant of VN_AQI_POLLUTANTS) {
    const value = subIndices[pollutant];
    if (value !== undefined && value > top) {
      top = value;
      dominant = pollutant;
    }
  }
  const aqi = Math.min(roundHalfUp(top), VN_AQI_MAX);
  return { aqi, category: vnAqiCategory(aqi), dominant, subIndices };
}

/**
 * Hourly VN_AQI (AQI^h, QĐ 1459 §1.5): max of the sub-indices, PM from the NowCast, gases from
 * 1-hour means (O3 on its 1-hour column). Returns `null` when neither PM2.5 nor PM10 is available.
 *
 * @example hourlyVnAqi({ o3: 136.1, no2: 118.7, pm25: 20.3 })?.aqi // 59
 */
export function hourlyVnAqi(input: HourlyVnAqiInput): VnAqiResult | null {
  const subIndices: Partial<Record<VnAqiPollutant, number>> = {};
  for (const pollutant of VN_AQI_POLLUTANTS) {
    const c = input[pollutant];
    if (present(c)) subIndices[pollutant] = subIndex(pollutant, c);
  }
  return aggregate(subIndices);
}

/**
 * Daily VN_AQI (AQI^d, QĐ 1459 §1.6). O3 takes the larger of the sub-indices of the max 1-hour
 * mean (1-hour column) and the max 8-hour mean (8-hour column), skipping the 8-hour one when the
 * max 8-hour mean exceeds 400 µg/m³. Returns `null` when neither PM2.5 nor PM10 is available.
 *
 * @example dailyVnAqi({ o3_8h: 89.3, o3_1h: 114.6, no2: 130.8, pm25: 55.7 })?.aqi // 110
 */
export function dailyVnAqi(input: DailyVnAqiInput): VnAqiResult | null {
  const subIndices: Partial<Record<VnAqiPollutant, number>> = {};
  for (const pollutant of ['pm25', 'pm10', 'so2', 'no2', 'co'] as const) {
    const c = input[pollutant];
    if (present(c)) subIndices[pollutant] = subIndex(pollutant, c);
  }
  const o3: number[] = [];
  if (present(input.o3_1h)) o3.push(subIndex('o3', input.o3_1h, 'o3_1h'));
  if (present(input.o3_8h) && input.o3_8h <= O3_8H_LIMIT_UGM3) o3.push(subIndex('o3', input.o3_8h, 'o3_8h'));
  if (o3.length > 0) subIndices.o3 = Math.max(...o3);
  return aggregate(subIndices);
}
