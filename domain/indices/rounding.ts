/**
 * Rounding rules shared by the index calculators.
 *
 * @module
 */

/**
 * Tolerance added before flooring. Breakpoint interpolation produces values such as
 * 109.49999999999999 for an exact 109.5 (QĐ 1459 §1.7 daily example), or 353.99999999999994
 * for 35.4 × 10; without it those would round or truncate one step too low.
 */
const FLOAT_TOLERANCE = 1e-9;

/**
 * Rounds half up to an integer (109.5 → 110), the rule QĐ 1459/QĐ-TCMT implies for the final
 * AQI ("làm tròn thành số nguyên"; the decision's daily example gives 109.5 → 110).
 * Only meant for non-negative index values.
 *
 * @example roundHalfUp(109.5) // 110
 */
export function roundHalfUp(value: number): number {
  return Math.floor(value + 0.5 + FLOAT_TOLERANCE);
}

/**
 * Truncates (floors) a non-negative value to `decimals` places, as the US EPA TAD requires for
 * concentrations before the AQI lookup (PM2.5 to 0.1 µg/m³, CO to 0.1 ppm, …).
 *
 * @example truncateTo(35.49, 1) // 35.4
 */
export function truncateTo(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.floor(value * scale + FLOAT_TOLERANCE) / scale;
}
