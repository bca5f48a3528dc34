/**
 * Builds the VN_AQI inputs (QĐ 1459 §1.5, §1.6) from hourly means: the NowCast and latest 1-hour
 * means for the hourly AQI, and the 24-hour means, daily maxima and 8-hour O3 means for the
 * daily AQI.
 *
 * Data completeness is not regulated by QĐ 1459 (STANDARDS §1.8: only the NowCast 2-of-3 rule is).
 * These are PROJECT CHOICES following EPA/WHO practice, configurable via `DailyVnAqiInputOptions`:
 * - a daily aggregate needs at least 18 of its 24 hours (`minHoursPerDay`). We apply it to the
 *   24-hour PM means and also to the daily maxima of SO2, NO2, CO and O3 (a "max" over a few
 *   hours would understate the day); for the max 8-hour O3 it counts valid 8-hour means;
 * - an 8-hour mean needs at least 6 of its 8 hours (`minHoursPer8h`).
 *
 * @module
 */
import { NOWCAST_HOURS, nowcast } from './nowcast.js';
import { type DailyVnAqiInput, type HourlyVnAqiInput, VN_AQI_POLLUTANTS, type VnAqiPollutant } from './vn-aqi.js';

/** Hourly means in µg/m³, `null` for a missing hour. */
export type HourlySeries = readonly (number | null | undefined)[];

/** Hours in a VN_AQI day, hour-ending 01:00 → 00:00 of the next day (QĐ 1459 §1.6). */
export const HOURS_PER_DAY = 24;

/** Hours in an O3 rolling mean. */
export const O3_WINDOW_HOURS = 8;

/** Completeness rules for the daily input (project choices, see the module note). */
export interface DailyVnAqiInputOptions {
  /** Present hours (or valid 8-hour means, for O3 8h) a daily aggregate needs; default 18 of 24. */
  readonly minHoursPerDay?: number;
  /** Present hours an 8-hour O3 mean needs; default 6 of 8. */
  readonly minHoursPer8h?: number;
}

/** Default completeness: 75 %, the usual EPA/WHO convention. */
export const DEFAULT_DAILY_OPTIONS: Readonly<Required<DailyVnAqiInputOptions>> = Object.freeze({
  minHoursPerDay: 18,
  minHoursPer8h: 6,
});

const isPresent = (v: number | null | undefined): v is number => v !== null && v !== undefined;

function checkCount(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${name} must be an integer in 1..${max}, got ${value}`);
  }
}

/**
 * Hourly AQI input from the last hourly means per pollutant, NEWEST FIRST (`[0]` is the current
 * hour). PM gets the NowCast of the first 12 values (§1.4); every other pollutant, O3 included,
 * its current 1-hour mean, `[0]`.
 *
 * @example buildHourlyVnAqiInput({ pm25: [20.6, 19.6, 22.4], no2: [118.7] })
 */
export function buildHourlyVnAqiInput(series: Partial<Record<VnAqiPollutant, HourlySeries>>): HourlyVnAqiInput {
  const input: HourlyVnAqiInput = {};
  for (const key of VN_AQI_POLLUTANTS) {
    const hours = series[key];
    if (hours === undefined) continue;
    input[key] = key === 'pm25' || key === 'pm10' ? nowcast(hours.slice(0, NOWCAST_HOURS)) : (hours[0] ?? null);
  }
  return input;
}

/**
 * The 24 rolling 8-hour means of a VN_AQI day, labelled by the hour ending the window (§1.6: the
 * value at 01:00 is the mean of 18:00…01:00). `day` is chronological (`[0]` = hour ending 01:00);
 * `previous7h` holds the 7 hours before it (hour-ending 18:00…00:00, chronological). Without it the
 * first windows only see the day's own hours. A window with fewer than `minHoursPer8h` present
 * hours gives `null`.
 *
 * @throws RangeError when `day` is not 24 hours or `previous7h` longer than 7.
 */
export function eightHourMeans(day: HourlySeries, previous7h: HourlySeries = [], minHoursPer8h: number = DEFAULT_DAILY_OPTIONS.minHoursPer8h): (number | null)[] {
  if (day.length !== HOURS_PER_DAY) throw new RangeError(`eightHourMeans: expected 24 hours, got ${day.length}`);
  if (previous7h.length > O3_WINDOW_HOURS - 1) {
    throw new RangeError(`eightHourMeans: expected at most 7 previous hours, got ${previous7h.length}`);
  }
  checkCount('minHoursPer8h', minHoursPer8h, O3_WINDOW_HOURS);
  // Left-pad so that `hours[k + 7]` is day[k] whether or not all 7 previous hours were given.
  const padding: null[] = Array.from({ length: O3_WINDOW_HOURS - 1 - previous7h.length }, () => null);
  const hours = [...padding, ...previous7h, ...day];
  return day.map((_, k) => {
    const window = hours.slice(k, k + O3_WINDOW_HOURS).filter(isPresent);
    return window.length >= minHoursPer8h ? window.reduce((a, b) => a + b, 0) / window.length : null;
  });
}

function dailyMean(hours: HourlySeries, minHours: number): number | null {
  const values = hours.filter(isPresent);
  return values.length >= minHours ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

function dailyMax(hours: HourlySeries, minHours: number): number | null {
  const values = hours.filter(isPresent);
  return values.length >= minHours ? Math.max(...values) : null;
}

/** One VN_AQI day of hourly means per pollutant, chronological, plus O3's 7 preceding hours. */
export type VnAqiDaySeries = Partial<Record<VnAqiPollutant, HourlySeries>> & {
  /** O3 hours ending 18:00…00:00 before the day (chronological), for the first 8-hour windows. */
  readonly o3Previous7h?: HourlySeries;
};

/**
 * Daily AQI input from one VN_AQI day of hourly means (24 values per pollutant, CHRONOLOGICAL:
 * `[0]` = hour ending 01:00, `[23]` = hour ending 00:00 of the next day; QĐ 1459 §1.6):
 * - PM2.5, PM10: the 24-hour arithmetic mean of the hourly means;
 * - SO2, NO2, CO: the day's maximum 1-hour mean;
 * - O3: the maximum 1-hour mean (`o3_1h`) and the maximum of the 24 rolling 8-hour means (`o3_8h`).
 * Aggregates failing the completeness rules (module note) are `null`.
 *
 * @throws RangeError for a series that is not 24 hours long or invalid options.
 */
export function buildDailyVnAqiInput(day: VnAqiDaySeries, options: DailyVnAqiInputOptions = {}): DailyVnAqiInput {
  const { minHoursPerDay = DEFAULT_DAILY_OPTIONS.minHoursPerDay, minHoursPer8h = DEFAULT_DAILY_OPTIONS.minHoursPer8h } = options;
  checkCount('minHoursPerDay', minHoursPerDay, HOURS_PER_DAY);
  checkCount('minHoursPer8h', minHoursPer8h, O3_WINDOW_HOURS);
  const series = (key: VnAqiPollutant): HourlySeries | undefined => {
    const hours = day[key];
    if (hours !== undefined && hours.length !== HOURS_PER_DAY) {
      throw new RangeError(`buildDailyVnAqiInput: ${key} needs 24 hourly means, got ${hours.length}`);
    }
    return hours;
  };
  const input: DailyVnAqiInput = {};
  for (const key of ['pm25', 'pm10'] as const) {
    const hours = series(key);
    if (hours) input[key] = dailyMean(hours, minHoursPerDay);
  }
  for (const key of ['so2', 'no2', 'co'] as const) {
    const hours = series(key);
    if (hours) input[key] = dailyMax(hours, minHoursPerDay);
  }
  const o3 = series('o3');
  if (o3) {
    input.o3_1h = dailyMax(o3, minHoursPerDay);
    input.o3_8h = dailyMax(eightHourMeans(o3, day.o3Previous7h, minHoursPer8h), minHoursPerDay);
  }
  return input;
}
