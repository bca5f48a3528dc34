/**
 * US EPA AQI (EPA AQI Technical Assistance Document; STANDARDS §7), for comparison with VN_AQI
 * and for the published US Embassy series.
 *
 * Two editions of the breakpoint table:
 * - `'2024'` (default): the May 2024 TAD after the PM NAAQS revision of 7 Feb 2024. PM2.5 good
 *   ends at 9.0 µg/m³, and every pollutant has a single 301–500 "Hazardous" row.
 * - `'pre2024'`: the 2018 TAD. PM2.5 breakpoints 12.0 / 35.4 / 55.4 / 150.4 / 250.4 / 350.4 /
 *   500.4, and the 301–500 band split into 301–400 and 401–500 rows for every pollutant. The
 *   published AQI of the Hanoi StateAir files uses this edition.
 *
 * Concentrations are in EPA units: µg/m³ for PM, ppm for O3 and CO, ppb for SO2 and NO2 (convert
 * Quantrac's µg/m³ with `ugm3ToEpaUnit`). Each is truncated first (PM2.5 0.1 µg/m³, PM10 1 µg/m³,
 * O3 0.001 ppm, CO 0.1 ppm, SO2/NO2 1 ppb), which places it in exactly one of the gapped bands.
 * Above the top breakpoint the AQI is "beyond the index" and reported as 500.
 *
 * @module
 */
import { createError } from '../../lib/errors.js';
import { type UsAqiCategory, usAqiCategory } from './categories.js';
import { roundHalfUp, truncateTo } from './rounding.js';

/**
 * US AQI columns. `so2` is the 1-hour mean up to 304 ppb; the TAD defines the rows above it
 * (AQI > 200) on the 24-hour mean, so pass the 24-hour mean when the 1-hour value exceeds 304.
 * `co` is the 8-hour mean.
 */
export type UsAqiPollutant = 'pm25' | 'pm10' | 'o3_8h' | 'o3_1h' | 'co' | 'so2' | 'no2';

/** Which TAD breakpoint table to use. */
export type UsAqiEdition = '2024' | 'pre2024';

/** Options shared by the US AQI functions. */
export interface UsAqiOptions {
  /** Breakpoint table; default `'2024'`. */
  readonly edition?: UsAqiEdition;
}

/** One row of a breakpoint table: concentrations cLo..cHi map linearly to iLo..iHi. */
export interface UsAqiSegment {
  readonly cLo: number;
  readonly cHi: number;
  readonly iLo: number;
  readonly iHi: number;
}

type Row = readonly [cLo: number, cHi: number, iLo: number, iHi: number];
const rows = (table: readonly Row[]): readonly UsAqiSegment[] => Object.freeze(table.map(([cLo, cHi, iLo, iHi]) => Object.freeze({ cLo, cHi, iLo, iHi })));

/** Rows that did not change in 2024: 0–300 for all but PM2.5, and the 8-hour O3 column. */
const O3_8H: readonly Row[] = [
  [0.0, 0.054, 0, 50],
  [0.055, 0.07, 51, 100],
  [0.071, 0.085, 101, 150],
  [0.086, 0.105, 151, 200],
  [0.106, 0.2, 201, 300],
];
const O3_1H_TO_300: readonly Row[] = [
  [0.125, 0.164, 101, 150],
  [0.165, 0.204, 151, 200],
  [0.205, 0.404, 201, 300],
];
const PM10_TO_300: readonly Row[] = [
  [0, 54, 0, 50],
  [55, 154, 51, 100],
  [155, 254, 101, 150],
  [255, 354, 151, 200],
  [355, 424, 201, 300],
];
const CO_TO_300: readonly Row[] = [
  [0.0, 4.4, 0, 50],
  [4.5, 9.4, 51, 100],
  [9.5, 12.4, 101, 150],
  [12.5, 15.4, 151, 200],
  [15.5, 30.4, 201, 300],
];
const SO2_TO_300: readonly Row[] = [
  [0, 35, 0, 50],
  [36, 75, 51, 100],
  [76, 185, 101, 150],
  [186, 304, 151, 200],
  [305, 604, 201, 300],
];
const NO2_TO_300: readonly Row[] = [
  [0, 53, 0, 50],
  [54, 100, 51, 100],
  [101, 360, 101, 150],
  [361, 649, 151, 200],
  [650, 1249, 201, 300],
];

/** Breakpoint tables by edition (EPA TAD 2024, Table 6; EPA TAD 2018, Table 5). */
export const US_AQI_BREAKPOINTS: Readonly<Record<UsAqiEdition, Readonly<Record<UsAqiPollutant, readonly UsAqiSegment[]>>>> = Object.freeze({
  '2024': Object.freeze({
    pm25: rows([
      [0.0, 9.0, 0, 50],
      [9.1, 35.4, 51, 100],
      [35.5, 55.4, 101, 150],
      [55.5, 125.4, 151, 200],
      [125.5, 225.4, 201, 300],
      [225.5, 325.4, 301, 500],
    ]),
    pm10: rows([...PM10_TO_300, [425, 604, 301, 500]]),
    o3_8h: rows(O3_8H),
    o3_1h: rows([...O3_1H_TO_300, [0.405, 0.604, 301, 500]]),
    co: rows([...CO_TO_300, [30.5, 50.4, 301, 500]]),
    so2: rows([...SO2_TO_300, [605, 1004, 301, 500]]),
    no2: rows([...NO2_TO_300, [1250, 2049, 301, 500]]),
  }),
  pre2024: Object.freeze({
    pm25: rows([
      [0.0, 12.0, 0, 50],
      [12.1, 35.4, 51, 100],
      [35.5, 55.4, 101, 150],
      [55.5, 150.4, 151, 200],
      [150.5, 250.4, 201, 300],
      [250.5, 350.4, 301, 400],
      [350.5, 500.4, 401, 500],
    ]),
    pm10: rows([...PM10_TO_300, [425, 504, 301, 400], [505, 604, 401, 500]]),
    o3_8h: rows(O3_8H),
    o3_1h: rows([...O3_1H_TO_300, [0.405, 0.504, 301, 400], [0.505, 0.604, 401, 500]]),
    co: rows([...CO_TO_300, [30.5, 40.4, 301, 400], [40.5, 50.4, 401, 500]]),
    so2: rows([...SO2_TO_300, [605, 804, 301, 400], [805, 1004, 401, 500]]),
    no2: rows([...NO2_TO_300, [1250, 1649, 301, 400], [1650, 2049, 401, 500]]),
  }),
});

/** Decimal places kept by the TAD truncation rule, per column. */
export const US_AQI_TRUNCATION_DECIMALS: Readonly<Record<UsAqiPollutant, number>> = Object.freeze({
  pm25: 1,
  pm10: 0,
  o3_8h: 3,
  o3_1h: 3,
  co: 1,
  so2: 0,
  no2: 0,
});

/** Top of the index; higher concentrations are reported as this. */
export const US_AQI_MAX = 500;

/**
 * US AQI sub-index of one pollutant, unrounded (EPA reports it rounded to an integer; the
 * aggregate `usAqi` does that).
 *
 * Returns `null` where the TAD leaves the column undefined: 1-hour O3 below 0.125 ppm (the 8-hour
 * value governs there) and 8-hour O3 above 0.200 ppm (use the 1-hour value). A negative reading
 * (analyser noise around zero) counts as 0.
 *
 * @throws RangeError for a non-finite concentration.
 * @example usAqiSubIndex('pm25', 35.4) // 100
 * @example usAqiSubIndex('pm25', 35.4, { edition: 'pre2024' }) // 100
 */
export function usAqiSubIndex(pollutant: UsAqiPollutant, concentration: number, options: UsAqiOptions = {}): number | null {
  if (!Number.isFinite(concentration)) {
    throw new RangeError(`usAqiSubIndex: invalid ${pollutant} concentration ${concentration}`);
  }
  const { edition = '2024' } = options;
  const table = US_AQI_BREAKPOINTS[edition][pollutant];
  const c = truncateTo(Math.max(concentration, 0), US_AQI_TRUNCATION_DECIMALS[pollutant]);
  const first = table[0];
  const last = table[table.length - 1];
  if (first === undefined || last === undefined) throw createError('QT_ERR_INTERNAL', `usAqiSubIndex: empty table for ${pollutant}`);
  if (c < first.cLo) return null; // only the 1-hour O3 column starts above 0
  if (c > last.cHi) return pollutant === 'o3_8h' ? null : US_AQI_MAX;
  // Truncation leaves no value between one row's cHi and the next row's cLo, so the first row
  // whose cHi is not below c is the one that holds it.
  const seg = table.find((s) => c <= s.cHi) ?? last;
  return ((seg.iHi - seg.iLo) / (seg.cHi - seg.cLo)) * (c - seg.cLo) + seg.iLo;
}

/** Concentrations in EPA units (see the module note); `null`/absent = not measured. */
export type UsAqiInput = Partial<Record<UsAqiPollutant, number | null>>;

/** The reported US AQI. */
export interface UsAqiResult {
  /** max of the sub-indices, rounded half up to an integer, at most 500. */
  readonly aqi: number;
  readonly category: UsAqiCategory;
  /** The pollutant with the highest sub-index (ties go to the earlier key in `US_AQI_POLLUTANTS`). */
  readonly dominant: UsAqiPollutant;
  /** Unrounded sub-indices of the pollutants that have one. */
  readonly subIndices: Partial<Record<UsAqiPollutant, number>>;
}

/** Column order; also the tie-break order for the dominant pollutant. */
export const US_AQI_POLLUTANTS: readonly UsAqiPollutant[] = Object.freeze(['pm25', 'pm10', 'o3_8h', 'o3_1h', 'no2', 'so2', 'co']);

/**
 * US AQI = the maximum sub-index, rounded to an integer. Returns `null` when no pollutant has a
 * defined sub-index.
 *
 * @example usAqi({ pm25: 40, o3_8h: 0.06 })?.aqi // 112 (PM2.5, 2024 edition)
 */
export function usAqi(input: UsAqiInput, options: UsAqiOptions = {}): UsAqiResult | null {
  const subIndices: Partial<Record<UsAqiPollutant, number>> = {};
  let dominant: UsAqiPollutant | undefined;
  let top = -Infinity;
  for (const pollutant of US_AQI_POLLUTANTS) {
    const c = input[pollutant];
    if (c === null || c === undefined) continue;
    const sub = usAqiSubIndex(pollutant, c, options);
    if (sub === null) continue;
    subIndices[pollutant] = sub;
    if (sub > top) {
      top = sub;
      dominant = pollutant;
    }
  }
  if (dominant === undefined) return null;
  const aqi = Math.min(roundHalfUp(top), US_AQI_MAX);
  return { aqi, category: usAqiCategory(aqi), dominant, subIndices };
}
