/**
 * @module lib/decimal
 * Readings are decimals written with a few places (a datalogger sends 2.3 m, 12.3 µg/m³); binary
 * floating point does not hold them exactly, so the difference of two is off in its last bits
 * (2.3 − 1.8 = 0.4999999999999998, 12.3 − 8.1 = 4.200000000000001). An alert rule or a quality
 * check that compares a difference with a limit, or reports it, takes it as written.
 */

/** Decimals written in `x` (0.3 → 1, 10.5 → 1, 50 → 0), at most 6. */
export function decimalsOf(x: number): number {
  for (let d = 0; d < 6; d++) if (Math.abs(Math.round(x * 10 ** d) - x * 10 ** d) < 1e-9) return d;
  return 6;
}

/**
 * `a − b` rounded to the decimals `a` and `b` are written with (at most 6): 2.3 − 1.8 is 0.5, so a
 * rule that raises on a rise of 0.5 m sees it.
 * @example difference(2.3, 1.8) // 0.5
 */
export function difference(a: number, b: number): number {
  const f = 10 ** Math.max(decimalsOf(a), decimalsOf(b));
  return Math.round((a - b) * f) / f + 0;
}
