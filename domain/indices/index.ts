/**
 * Air and water quality indices for Quantrac alerts: VN_AQI (QĐ 1459/QĐ-TCMT), VN_WQI
 * (QĐ 1460/QĐ-TCMT), the US EPA AQI, and the PM NowCast they share. Pure functions: no I/O,
 * no clock.
 *
 * @module
 */
export {
  type IndexCategory,
  type UsAqiCategory,
  type VnAqiCategory,
  type VnWqiClass,
  US_AQI_CATEGORIES,
  VN_AQI_CATEGORIES,
  VN_WQI_CLASSES,
  usAqiCategory,
  vnAqiCategory,
  vnWqiClass,
} from './categories.js';
export { NOWCAST_HOURS, nowcast } from './nowcast.js';
export { roundHalfUp, truncateTo } from './rounding.js';
export {
  type DailyVnAqiInput,
  type HourlyVnAqiInput,
  type VnAqiColumn,
  type VnAqiPollutant,
  type VnAqiResult,
  O3_8H_LIMIT_UGM3,
  VN_AQI_BREAKPOINTS,
  VN_AQI_LEVELS,
  VN_AQI_MAX,
  VN_AQI_POLLUTANTS,
  dailyVnAqi,
  hourlyVnAqi,
  subIndex,
} from './vn-aqi.js';
export {
  type DailyVnAqiInputOptions,
  type HourlySeries,
  type VnAqiDaySeries,
  DEFAULT_DAILY_OPTIONS,
  HOURS_PER_DAY,
  O3_WINDOW_HOURS,
  buildDailyVnAqiInput,
  buildHourlyVnAqiInput,
  eightHourMeans,
} from './vn-aqi-input.js';
export {
  type UsAqiEdition,
  type UsAqiInput,
  type UsAqiOptions,
  type UsAqiPollutant,
  type UsAqiResult,
  type UsAqiSegment,
  US_AQI_BREAKPOINTS,
  US_AQI_MAX,
  US_AQI_POLLUTANTS,
  US_AQI_TRUNCATION_DECIMALS,
  usAqi,
  usAqiSubIndex,
} from './us-aqi.js';
export { type GasMetric, MOLAR_MASS_G_PER_MOL, MOLAR_VOLUME_25C_L_PER_MOL, ugm3ToEpaUnit, ugm3ToPpb, ugm3ToPpm } from './gas-units.js';
export { type VnWqiMetric, type WqiCurve, DO_SATURATION_CURVE, VN_WQI_CURVES, doPercentSaturation, doSaturation, evaluateCurve, wqiSubIndex } from './vn-wqi-subindex.js';
export {
  type VnWqiComputed,
  type VnWqiFormula,
  type VnWqiGroup,
  type VnWqiGroupValues,
  type VnWqiInput,
  type VnWqiInsufficient,
  type VnWqiOptions,
  type VnWqiRejection,
  type VnWqiResult,
  MIN_GROUPS,
  MIN_GROUP_IV_PARAMETERS,
  VN_WQI_GROUPS,
  vnWqi,
} from './vn-wqi.js';
