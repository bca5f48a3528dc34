/**
 * @module lib/heap
 * How far the V8 heap may grow past what is live (issue 20). V8's own factor goes up to 4× while
 * allocation is fast: at 10,000 connected stations the main heap held 513 MB for 310 MB live
 * (`node --expose-gc --import tsx bench/fleet-memory.ts DIR --stations 10000`). Measured on
 * 2026-12-02 (`npm run bench`, and `npx tsx bench/suite.ts --until latency` back to back with
 * `node --heap-growing-percent=N`):
 * - 20 %: 10,000 connected stations 1,032 and 936 MB RSS in two runs (1,382 before this and the
 *   paged alert refill);
 *   ingest at saturation 3–9 % below V8's own factor, publish→commit p99 at 5,000 readings/s
 *   111 ms (40 ms).
 * - 10 %: 891–953 MB, but ingest 12–24 % lower and a 1-metric saturation p99 of 2.8–3.0 s: more
 *   than the memory is worth.
 * The flag is process-wide (the embedded database's worker thread too) and read at every full
 * collection, so setting it before the app starts is enough.
 */
import { setFlagsFromString } from 'node:v8';

/** Percent the heap may grow over what a full collection left live before the next one. */
export const HEAP_GROWING_PERCENT = 20;

/**
 * Sets the heap growing percent unless the operator chose one (`node --heap-growing-percent=N
 * dist/main.js`; node refuses it in NODE_OPTIONS). Returns the percent in force, or undefined for
 * the operator's.
 */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv): number | undefined {
  if (execArgv.some((a) => a.startsWith('--heap-growing-percent'))) return undefined;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return HEAP_GROWING_PERCENT;
}
