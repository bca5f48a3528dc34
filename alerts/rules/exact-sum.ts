/**
 * @module alerts/rules/exact-sum
 * A correctly rounded floating-point sum (Shewchuk's non-overlapping partials, as Python's
 * math.fsum): the sum does not depend on the order the values were added in or on how they were
 * grouped. That is what lets the alert engine keep a long mean window as hourly partial sums
 * (alerts/series-window.ts) and still return, bit for bit, the mean a computation over every raw
 * value gives, whatever order late and out-of-order readings arrived in.
 *
 * Partials stay few: about one per 53 bits of exponent range the values span (1–3 for sensor data).
 */

/** Adds `x` (finite) to the partials in place. */
export function addExact(partials: number[], x: number): void {
  let i = 0;
  for (let j = 0; j < partials.length; j++) {
    let y = partials[j]!;
    if (Math.abs(x) < Math.abs(y)) {
      // not `[x, y] = [y, x]`: inlined into the long means' evaluation (rules/hourly.ts), V8 did
      // not elide that array, one per value added (bench/alert-eval.ts)
      const t = x;
      x = y;
      y = t;
    }
    const hi = x + y;
    const lo = y - (hi - x);
    if (lo !== 0) partials[i++] = lo;
    x = hi;
  }
  // in place while the count of partials stays (1–3 for sensor data): shrinking the length and
  // pushing again gave the array a new backing store at every value added
  if (i < partials.length) {
    partials[i] = x;
    if (partials.length > i + 1) partials.length = i + 1;
  } else partials.push(x);
}

/** Adds every partial of `from` to `into` (exact: the result is the partials of both sums). */
export function mergeExact(into: number[], from: readonly number[]): void {
  for (const p of from) addExact(into, p);
}

/** The correctly rounded value of the partials' sum (round half to even, as math.fsum). */
export function exactTotal(partials: readonly number[]): number {
  let n = partials.length;
  if (n === 0) return 0;
  let hi = partials[--n]!;
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = partials[--n]!;
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  // Half-way case: the rest of the partials decides whether to round away from even.
  if (n > 0 && ((lo < 0 && partials[n - 1]! < 0) || (lo > 0 && partials[n - 1]! > 0))) {
    const y = lo * 2;
    const x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi;
}

/** The correctly rounded sum of `values`. */
export function exactSum(values: Iterable<number>): number {
  const partials: number[] = [];
  for (const v of values) addExact(partials, v);
  return exactTotal(partials);
}
