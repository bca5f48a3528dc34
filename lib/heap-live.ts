/**
 * @module lib/heap-live
 * What the main thread's V8 heap holds live: its size just after the last full (mark-compact)
 * collection, on /metrics as `quantrac_heap_live_bytes`. `nodejs_heap_size_used_bytes` counts the
 * garbage not collected yet too, so a trend of it (or of its minima) over a soak tells allocation
 * rate and collection timing as much as what is kept; this one is what a leak would move
 * (bench/soak.ts reads it). Read in the gc observer's callback, which runs shortly after the
 * collection: what was allocated in between counts as live too (not measured; the gauge can read
 * high, never low, and a burst of work under way at the collection shows as a bump).
 */
import { getHeapStatistics } from 'node:v8';
import { Gauge } from 'prom-client';
import { observeFullCollections } from './full-gc.js';
import { HEAP_GROWING_PERCENT, SMALL_HEAP_GROWING_PERCENT, type HeapGrowthLimit } from './heap.js';
import type { Metrics } from './metrics.js';

export interface LiveHeapWatch {
  /** Heap in use just after the last full collection, bytes; undefined before the first one. */
  readonly liveBytes: number | undefined;
  /** Full collections seen since the watch started. */
  readonly fullCollections: number;
  close(): void;
}

/**
 * Watches the full collections and registers the gauge (before the first full collection it says
 * the heap in use, an upper bound of the live heap, rather than 0). With `growth` (main.ts's
 * lib/heap.ts limit), also how far the heap may grow past what is live now
 * (`quantrac_heap_growing_percent`) and whether the app counts as quiet (`quantrac_heap_quiet`):
 * what an operator reading RSS needs to tell a limited heap from one allowed to double.
 */
export function watchLiveHeap(metrics: Metrics, growth?: HeapGrowthLimit): LiveHeapWatch {
  let liveBytes: number | undefined;
  let fullCollections = 0;
  const observer = observeFullCollections(() => {
    fullCollections++;
    liveBytes = getHeapStatistics().used_heap_size;
  });
  new Gauge({
    name: 'quantrac_heap_live_bytes',
    help: "The main thread's V8 heap in use just after its last full collection: what it keeps live (nodejs_heap_size_used_bytes counts uncollected garbage too)",
    registers: [metrics.registry],
    collect() {
      this.set(liveBytes ?? getHeapStatistics().used_heap_size);
    },
  });
  if (growth) {
    new Gauge({
      name: 'quantrac_heap_growing_percent',
      help: "How far the main thread's V8 heap may grow past what is live before the next full collection, percent: 20 while the live heap is large or the app is quiet, 100 otherwise (lib/heap.ts)",
      registers: [metrics.registry],
      collect() {
        this.set(growth.limited ? HEAP_GROWING_PERCENT : SMALL_HEAP_GROWING_PERCENT);
      },
    });
    new Gauge({
      name: 'quantrac_heap_quiet',
      help: 'Whether the app counts as quiet (1: full collections a minute or more apart, so its heap growth is limited), 0 while busy (lib/heap.ts)',
      registers: [metrics.registry],
      collect() {
        this.set(growth.quiet ? 1 : 0);
      },
    });
  }
  return {
    get liveBytes() {
      return liveBytes;
    },
    get fullCollections() {
      return fullCollections;
    },
    close() {
      observer.close();
    },
  };
}
