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
 * The cost is paid in latency at every size, the saving counts only for a large heap: the 20 %
 * limit therefore applies only while the heap left live by the last full collection is at least
 * LIMIT_FROM_LIVE_MB (about 2,500 connected stations and more), and is lifted again below
 * LIFT_BELOW_LIVE_MB. Below it the heap may grow SMALL_HEAP_GROWING_PERCENT past what is live, not
 * V8's own factor (2026-12-04, `bench/fleet-memory.ts --stations 10000` on the same data directory
 * of 10,001 stations each time, and `bench/suite.ts --until latency` back to back):
 * - the start-up's bursts (the alert windows refilled, the bulletins caught up) happen while the
 *   live heap is small, and V8's factor left the heap at 300–361 MB once idle (RSS 698–789 MB
 *   before any station connected; 8 runs) and the connect of 10,000 stations at 927–1,044 MB RSS;
 * - 50 %: idle 215–239 MB (RSS 614–616), 10,000 stations 849–866 MB (2 runs), but ingest at
 *   saturation 16,496 readings/s against 21,499 with V8's factor (1 metric a message: 6,575
 *   against 10,217); in a full run with it the backlog phase recovered at half the rate of the
 *   previous table (not run against V8's factor in the same hour);
 * - 100 % (this): idle 241 MB (RSS 644), 10,000 stations 894–896 MB, ingest at saturation 24,987
 *   and 8,930 readings/s (1 run each);
 * - 50 % while the app starts and V8's factor after: 10,000 stations 965–1,022 MB (the connect's
 *   burst grew the heap to 540 MB before the 20 % applied).
 * - on a quiet machine (2026-12-04 16:57–17:06 UTC, another host), 100 % against V8's factor,
 *   alternating: ingest at saturation the same with 10 metrics a message (39,499 and 38,499
 *   against 39,000 and 38,998 readings/s), about 7 % lower with one (13,592 and 14,071 against
 *   14,566 and 15,413); the compiled start-up 4.7–5.1 s against 4.4–5.0 s (five starts each).
 *   Limiting only once the app had started: 10,000 stations 946 and 1,013 MB against 959 and
 *   1,030 with the limit from the start, no difference; so it is set at once.
 * In 60-minute soaks at an agency's load neither 50 % nor V8's factor made RSS flat (+30.8 and +30
 * MB/hour, the live heap flat; README, Soak).
 * **A quiet app is limited too (2026-12-05).** At an agency's load (1,000 stations × 10 metrics a
 * minute) the old space fills slowly with what outlived the young generation, and with 100 %
 * headroom over the live heap a full collection is long in coming: in the 60-minute soak of
 * 2026-12-04 evening the old space grew +72.6 MB/hour and RSS 271 → 397 MB (+77 MB/hour) while the
 * live heap stayed at 118–129 MB (README, Soak). A full collection at least QUIET_AFTER_MS after the
 * previous one means the app allocates slowly, and a tighter heap costs it next to nothing: the
 * growth is then limited to HEAP_GROWING_PERCENT whatever the live heap's size. The tighter heap
 * brings the next collections sooner (every 40–55 s for 300 simulated stations every 5 s, `node
 * --trace-gc`), so the app stays quiet until BUSY_RUN full collections in a row come less than
 * BUSY_BELOW_MS apart (ingest at saturation, a start-up's burst); a first rule that left the quiet
 * state at the first collection sooner than a minute flipped back to 100 % at once and changed
 * nothing. The 60-minute soak of 2026-12-05 with this rule: RSS 279–303 MB over minutes 10–60,
 * +25.6 MB/hour (README, Soak).
 * V8 reads the flag at every full collection, so switching it after one is enough. The flag is
 * process-wide (the embedded database's worker thread too).
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { observeFullCollections } from './full-gc.js';

/** Percent the heap may grow over what a full collection left live before the next one, while limited. */
export const HEAP_GROWING_PERCENT = 20;
/** Percent the heap may grow over what a full collection left live while the live heap is small. */
export const SMALL_HEAP_GROWING_PERCENT = 100;
/** The live heap (after a full collection) from which the growth is limited to HEAP_GROWING_PERCENT, MB. */
export const LIMIT_FROM_LIVE_MB = 256;
/** The live heap below which SMALL_HEAP_GROWING_PERCENT is back, MB. */
export const LIFT_BELOW_LIVE_MB = 192;
/** A full collection at least this long after the previous one means a quiet app: its growth is limited to HEAP_GROWING_PERCENT, ms. */
export const QUIET_AFTER_MS = 60_000;
/** A quiet app is busy again after BUSY_RUN full collections in a row each less than this after the previous one, ms. */
export const BUSY_BELOW_MS = 10_000;
export const BUSY_RUN = 3;

export interface HeapGrowthOptions {
  fromLiveMb?: number;
  belowLiveMb?: number;
  quietAfterMs?: number;
  busyBelowMs?: number;
  /** a monotonic clock in ms (tests set it) */
  now?: () => number;
  /** sets a V8 flag (tests observe it) */
  setFlags?: (flags: string) => void;
}

export interface HeapGrowthLimit {
  /** Whether the growth is limited to HEAP_GROWING_PERCENT now (SMALL_HEAP_GROWING_PERCENT otherwise). */
  readonly limited: boolean;
  /** Whether the app is quiet: a full collection came QUIET_AFTER_MS or more after the one before (or the start), and no BUSY_RUN came quickly since. */
  readonly quiet: boolean;
  /** Full collections seen. */
  readonly fullCollections: number;
  /** Stops watching (and gives V8 its own factor back). */
  close(): void;
}

/** Whether the growth should be limited after a full collection left `liveMb` live (hysteresis between the bounds). */
export function shouldLimit(limited: boolean, liveMb: number, fromLiveMb = LIMIT_FROM_LIVE_MB, belowLiveMb = LIFT_BELOW_LIVE_MB): boolean {
  return limited ? liveMb >= belowLiveMb : liveMb >= fromLiveMb;
}

/**
 * Limits the heap's growth to SMALL_HEAP_GROWING_PERCENT at once, and watches the full collections
 * to limit it to HEAP_GROWING_PERCENT while the live heap is large or the app is quiet (see the module header), unless the operator chose a percent (`node --heap-growing-percent=N
 * dist/main.js`; node refuses it in NODE_OPTIONS): then returns undefined and leaves it alone.
 */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv, options: HeapGrowthOptions = {}): HeapGrowthLimit | undefined {
  if (execArgv.some((a) => a.startsWith('--heap-growing-percent'))) return undefined;
  const {
    fromLiveMb = LIMIT_FROM_LIVE_MB,
    belowLiveMb = LIFT_BELOW_LIVE_MB,
    quietAfterMs = QUIET_AFTER_MS,
    busyBelowMs = BUSY_BELOW_MS,
    now = () => performance.now(),
    setFlags = setFlagsFromString,
  } = options;
  // `large`: the live heap's own limit (with its hysteresis); `quiet`: full collections far apart (see the header)
  let large = false;
  let quiet = false;
  /** full collections in a row each less than busyBelowMs after the previous one */
  let quick = 0;
  let previousAt = now();
  let fullCollections = 0;
  setFlags(`--heap-growing-percent=${SMALL_HEAP_GROWING_PERCENT}`);
  const observer = observeFullCollections(() => {
    fullCollections++;
    const at = now();
    const wasLimited = large || quiet;
    const since = at - previousAt;
    quick = since < busyBelowMs ? quick + 1 : 0;
    if (since >= quietAfterMs) quiet = true;
    else if (quick >= BUSY_RUN) quiet = false;
    previousAt = at;
    // right after a full collection the heap in use is what it left live
    large = shouldLimit(large, getHeapStatistics().used_heap_size / 1048576, fromLiveMb, belowLiveMb);
    if (large || quiet) {
      if (!wasLimited) setFlags(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    } else if (wasLimited) setFlags(`--heap-growing-percent=${SMALL_HEAP_GROWING_PERCENT}`);
  });
  return {
    get limited() {
      return large || quiet;
    },
    get quiet() {
      return quiet;
    },
    get fullCollections() {
      return fullCollections;
    },
    close() {
      observer.close();
      setFlags('--heap-growing-percent=0');
      large = false;
      quiet = false;
      quick = 0;
    },
  };
}
