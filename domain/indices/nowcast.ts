/**
 * NowCast for PM2.5 and PM10, QĐ 1459/QĐ-TCMT §1.4 (STANDARDS §1.4). The same 12-hour algorithm
 * as the US EPA PM NowCast (STANDARDS §7), so it is checked against the published EPA series.
 *
 * @module
 */

/** Hours in the NowCast window (c1..c12). */
export const NOWCAST_HOURS = 12;

/** Lowest weight factor; QĐ 1459 §1.4: if w* ≤ 0.5 then w = 0.5. */
const MIN_WEIGHT = 0.5;

/**
 * NowCast of up to 12 hourly means, newest first: `hourly[0]` is c1 (the current hour),
 * `hourly[11]` is c12. `null`/`undefined` marks a missing hour.
 *
 * - w* = Cmin/Cmax over the present hours; w = max(w*, 0.5).
 * - NowCast = Σ w^(i−1)·c_i / Σ w^(i−1), missing hours weighted 0. The decision writes the
 *   w = 0.5 case as Σ (1/2)^i·c_i; we use the normalised form throughout, as §1.4 recommends.
 * - Returns `null` ("no data") unless at least 2 of c1, c2, c3 are present.
 *
 * The result is not rounded (the EPA publishes it truncated to 0.1; see `truncateTo`).
 *
 * Small negative hourly means (analyser noise near zero, present in real reference data) are used
 * as they are, not clamped or dropped: that is what the published EPA NowCast does (the Hanoi 2018
 * check agrees best that way; see nowcast-hanoi.test.ts). The result can then be slightly negative.
 *
 * @throws RangeError for more than 12 values or a non-finite concentration.
 * @example nowcast([20.6, 19.6, 22.4, 20.3, 16.5, 19.0, 16.5, 19.5, 23.5, 20.5, 24.7, 26.9]) // ≈ 20.27
 */
export function nowcast(hourly: readonly (number | null | undefined)[]): number | null {
  if (hourly.length > NOWCAST_HOURS) {
    throw new RangeError(`nowcast: expected at most ${NOWCAST_HOURS} hourly values, got ${hourly.length}`);
  }
  const present: Array<{ age: number; c: number }> = [];
  hourly.forEach((c, age) => {
    if (c === null || c === undefined) return;
    if (!Number.isFinite(c)) throw new RangeError(`nowcast: invalid concentration ${c} at c${age + 1}`);
    present.push({ age, c });
  });

  // QĐ 1459 §1.4: at least 2 of the 3 most recent hours.
  if (present.filter((p) => p.age < 3).length < 2) return null;

  let min = Infinity;
  let max = -Infinity;
  for (const { c } of present) {
    min = Math.min(min, c);
    max = Math.max(max, c);
  }
  // min/max is only meaningful for a positive max. With max = 0 (all hours 0) it is 0/0, and with
  // max < 0 (all hours slightly negative, instrument noise around zero) it exceeds 1 and would
  // weight old hours more than new ones. Any weight gives 0 for all-zero hours; we use w = 1
  // (a plain mean) for the whole max ≤ 0 case.
  const w = max > 0 ? Math.max(min / max, MIN_WEIGHT) : 1;
  let weighted = 0;
  let weights = 0;
  for (const { age, c } of present) {
    const weight = w ** age;
    weighted += weight * c;
    weights += weight;
  }
  return weighted / weights;
}
