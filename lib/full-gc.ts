/**
 * @module lib/full-gc
 * Calls a listener after each full (mark-compact) collection of this thread's V8 heap: the moment
 * the heap in use is what is live (lib/heap.ts limits the heap's growth from it, lib/heap-live.ts
 * reports it). The gc observer's callback runs shortly after the collection, not inside it.
 */
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

export function observeFullCollections(listener: () => void): { close(): void } {
  const observer = new PerformanceObserver((list) => {
    // a gc entry's detail.kind says which collection it was (Node's PerformanceEntry type leaves detail out)
    const major = list.getEntries().some((e: PerformanceEntry) => (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR);
    if (major) listener();
  });
  observer.observe({ entryTypes: ['gc'] });
  return { close: () => observer.disconnect() };
}
