/**
 * VN_WQI sub-indices (WQI_SI) per parameter, Decision 1460/QĐ-TCMT (12 Nov 2019), as compiled in
 * STANDARDS §3.2. The official text was not reachable: the tables are corroborated by two to three
 * independent implementations ("C"), not read from the gazette. Check against the PDF before
 * publishing official figures.
 *
 * Every table is a piecewise-linear curve through (BP_i, q_i) points. QĐ 1460's falling formula
 * `q = (q_i − q_{i+1})/(BP_{i+1} − BP_i)·(BP_{i+1} − C) + q_{i+1}` and its rising mirror (pH, DO)
 * are both exactly linear interpolation between neighbouring points, so one routine serves all.
 * Outside the points a constant applies (`below`, `above`). Some curves start with a step: NH4,
 * Cd, Pb, Hg are 100 below their first point, which is q = 75; N-NO3, As, coliform and E. coli
 * drop from 25 to 10 just above their last point.
 *
 * Units: mg/L unless noted; pesticides µg/L; coliform and E. coli MPN/100 mL; pH unitless;
 * DO mg/L with water temperature in °C.
 *
 * @module
 */
import { createError } from '../../lib/errors.js';

/** VN_WQI parameters, as Quantrac metric keys (`no2_water` is nitrite N-NO2, not air NO2). */
export type VnWqiMetric =
  | 'ph'
  | 'aldrin'
  | 'bhc'
  | 'dieldrin'
  | 'ddts'
  | 'heptachlor'
  | 'as'
  | 'cd'
  | 'pb'
  | 'cr6'
  | 'cu'
  | 'zn'
  | 'hg'
  | 'do'
  | 'bod5'
  | 'cod'
  | 'toc'
  | 'nh4'
  | 'no3'
  | 'no2_water'
  | 'po4'
  | 'coliform'
  | 'ecoli';

/** A sub-index curve: linear between `points` (ascending concentration), constant outside. */
export interface WqiCurve {
  readonly points: readonly (readonly [concentration: number, q: number])[];
  /** q for a value below the first point. */
  readonly below: number;
  /** q for a value above the last point. */
  readonly above: number;
}

const curve = (points: ReadonlyArray<readonly [number, number]>, below: number, above: number): WqiCurve =>
  Object.freeze({ points: Object.freeze(points.map((p) => Object.freeze([p[0], p[1]] as const))), below, above });

/** q values of the five-point "falling" tables. */
const FALLING = [100, 75, 50, 25, 10] as const;
const falling = (bps: readonly number[]): WqiCurve =>
  curve(
    bps.map((bp, i) => [bp, FALLING[i] ?? 10] as const),
    100,
    10,
  );
/** Tables whose first point is q = 75 (NH4, Cd, Pb, Hg): 100 strictly below it. */
const fromSeventyFive = (bps: readonly number[]): WqiCurve =>
  curve(
    bps.map((bp, i) => [bp, FALLING[i + 1] ?? 10] as const),
    100,
    10,
  );
/** Pass/fail parameters (nitrite, group II): 100 up to the threshold, 10 above. */
const threshold = (limit: number): WqiCurve => curve([[limit, 100]], 100, 10);

/**
 * Sub-index curves of QĐ 1460 (STANDARDS §3.2 tables), all but DO, which is a curve over
 * % saturation (`DO_SATURATION_CURVE`).
 */
export const VN_WQI_CURVES: Readonly<Record<Exclude<VnWqiMetric, 'do'>, WqiCurve>> = Object.freeze({
  // Group I. pH: <5.5 or >9 → 10; 5.5 → 50 rising to 6 → 100; 6–8.5 → 100; falling to 9 → 50.
  ph: curve(
    [
      [5.5, 50],
      [6, 100],
      [8.5, 100],
      [9, 50],
    ],
    10,
    10,
  ),
  // Group II, µg/L: ≤ threshold → 100, otherwise 10.
  aldrin: threshold(0.1),
  bhc: threshold(0.02),
  dieldrin: threshold(0.1),
  ddts: threshold(1.0),
  heptachlor: threshold(0.2), // heptachlor & heptachlor epoxide
  // Group III, mg/L.
  as: curve(
    [
      [0.01, 100],
      [0.02, 75],
      [0.05, 50],
      [0.1, 25],
    ],
    100,
    10,
  ),
  cd: fromSeventyFive([0.005, 0.008, 0.01, 0.1]),
  pb: fromSeventyFive([0.02, 0.04, 0.05, 0.5]),
  // Cr6+ follows S5 (0.05 → 25, 0.1 → 10); S6 puts 0.1 at q = 25 instead (STANDARDS §8 open point).
  cr6: falling([0.01, 0.02, 0.04, 0.05, 0.1]),
  cu: falling([0.1, 0.2, 0.5, 1.0, 2.0]),
  zn: falling([0.5, 1.0, 1.5, 2.0, 3.0]),
  hg: fromSeventyFive([0.001, 0.0015, 0.002, 0.01]),
  // Group IV, mg/L (DO separately).
  bod5: falling([4, 6, 15, 25, 50]),
  cod: falling([10, 15, 30, 50, 150]),
  toc: falling([4, 6, 15, 25, 50]),
  nh4: fromSeventyFive([0.3, 0.6, 0.9, 5]),
  no3: curve(
    [
      [2, 100],
      [5, 75],
      [10, 50],
      [15, 25],
    ],
    100,
    10,
  ),
  no2_water: threshold(0.05),
  po4: falling([0.1, 0.2, 0.3, 0.5, 4]),
  // Group V, MPN/100 mL.
  coliform: curve(
    [
      [2500, 100],
      [5000, 75],
      [7500, 50],
      [10000, 25],
    ],
    100,
    10,
  ),
  ecoli: curve(
    [
      [20, 100],
      [50, 75],
      [100, 50],
      [200, 25],
    ],
    100,
    10,
  ),
});

/** DO sub-index over % saturation: 88–112 % → 100; below 20 % or above 200 % → 10. */
export const DO_SATURATION_CURVE: WqiCurve = curve(
  [
    [20, 25],
    [50, 50],
    [75, 75],
    [88, 100],
    [112, 100],
    [125, 75],
    [150, 50],
    [200, 25],
  ],
  10,
  10,
);

/** Evaluates a curve: constant outside, linear interpolation between neighbouring points. */
export function evaluateCurve(c: WqiCurve, value: number): number {
  const first = c.points[0];
  const last = c.points[c.points.length - 1];
  if (first === undefined || last === undefined) throw createError('QT_ERR_INTERNAL', 'evaluateCurve: empty curve');
  if (value < first[0]) return c.below;
  if (value > last[0]) return c.above;
  for (let i = 0; i < c.points.length - 1; i += 1) {
    const [x0, q0] = c.points[i] as readonly [number, number];
    const [x1, q1] = c.points[i + 1] as readonly [number, number];
    if (value <= x1) return q0 + ((q1 - q0) * (value - x0)) / (x1 - x0);
  }
  return last[1]; // value === last point
}

/**
 * Saturated DO (mg/L) at water temperature `tempC` (°C), the polynomial QĐ 1460 prescribes:
 * `14.652 − 0.41022·T + 0.0079910·T² − 0.000077774·T³`.
 *
 * Note that this fit gives 8.18 mg/L at 25 °C, a little under the tabulated 8.26 (APHA); the
 * decision's formula is kept as is so that Quantrac's WQI matches other 1460 implementations.
 *
 * @example doSaturation(25) // 8.1757
 */
export function doSaturation(tempC: number): number {
  return 14.652 - 0.41022 * tempC + 0.007991 * tempC ** 2 - 0.000077774 * tempC ** 3;
}

/**
 * DO as % saturation: DO / DO_sat(T) × 100 (QĐ 1460).
 *
 * @example doPercentSaturation(8.1757, 25) // ≈ 100
 */
export function doPercentSaturation(doMgL: number, tempC: number): number {
  return (doMgL / doSaturation(tempC)) * 100;
}

/**
 * Sub-index WQI_SI (10..100) of one parameter (QĐ 1460; STANDARDS §3.2).
 *
 * @param tempC water temperature, required for `do`.
 * @throws RangeError for a non-finite value, or DO without a temperature.
 * @example wqiSubIndex('bod5', 6) // 75
 * @example wqiSubIndex('do', 7.2, 25) // DO% 88.1 → 100
 */
export function wqiSubIndex(metric: VnWqiMetric, value: number, tempC?: number): number {
  if (!Number.isFinite(value)) throw new RangeError(`wqiSubIndex: invalid ${metric} value ${value}`);
  if (metric === 'do') {
    if (tempC === undefined || !Number.isFinite(tempC)) {
      throw new RangeError('wqiSubIndex: DO needs the water temperature (°C) for % saturation');
    }
    return evaluateCurve(DO_SATURATION_CURVE, doPercentSaturation(value, tempC));
  }
  return evaluateCurve(VN_WQI_CURVES[metric], value);
}
