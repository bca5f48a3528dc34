/**
 * @module lib/downsample
 * Largest-Triangle-Three-Buckets (Sveinn Steinarsson, "Downsampling Time Series for Visual
 * Representation", 2013): keeps the first and last point and, from each of `threshold − 2`
 * equal buckets in between, the point that forms the largest triangle with the point kept from
 * the previous bucket and the mean of the next bucket. Peaks survive, which is what a limit
 * line on a chart is about; a plain mean per bucket would flatten them.
 */

/**
 * Picks at most `threshold` points of `points` (sorted by x) by LTTB; returns the kept indices,
 * ascending. With threshold ≥ length (or < 3) every index is kept.
 *
 * @example lttbIndices([{x:0,y:0},{x:1,y:5},{x:2,y:0},{x:3,y:1}], 3) // [0, 1, 3]
 */
export function lttbIndices(points: ReadonlyArray<{ x: number; y: number }>, threshold: number): number[] {
  const n = points.length;
  if (threshold >= n || threshold < 3) return points.map((_, i) => i);
  const kept: number[] = [0];
  const every = (n - 2) / (threshold - 2);
  let a = 0;
  for (let i = 0; i < threshold - 2; i++) {
    // mean of the next bucket (the last point for the final bucket)
    const nextStart = Math.floor((i + 1) * every) + 1;
    const nextEnd = Math.min(Math.floor((i + 2) * every) + 1, n);
    let avgX = 0;
    let avgY = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      avgX += points[j]!.x;
      avgY += points[j]!.y;
    }
    const count = nextEnd - nextStart;
    if (count > 0) {
      avgX /= count;
      avgY /= count;
    } else {
      avgX = points[n - 1]!.x;
      avgY = points[n - 1]!.y;
    }
    const start = Math.floor(i * every) + 1;
    const end = Math.floor((i + 1) * every) + 1;
    const pa = points[a]!;
    let maxArea = -1;
    let chosen = start;
    for (let j = start; j < end; j++) {
      const p = points[j]!;
      const area = Math.abs((pa.x - avgX) * (p.y - pa.y) - (pa.x - p.x) * (avgY - pa.y));
      if (area > maxArea) {
        maxArea = area;
        chosen = j;
      }
    }
    kept.push(chosen);
    a = chosen;
  }
  kept.push(n - 1);
  return kept;
}
