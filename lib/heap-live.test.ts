import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, limitHeapGrowth, SMALL_HEAP_GROWING_PERCENT } from './heap.js';
import { watchLiveHeap, type LiveHeapWatch } from './heap-live.js';
import { createMetrics } from './metrics.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A full collection, then the observer's callback (it runs after the collection, asynchronously). */
async function collect(watch: LiveHeapWatch): Promise<number> {
  const seen = watch.fullCollections;
  gc();
  for (let i = 0; i < 100 && watch.fullCollections === seen; i++) await sleep(10);
  expect(watch.fullCollections).toBeGreaterThan(seen);
  return watch.liveBytes!;
}

describe('watchLiveHeap', () => {
  let watch: LiveHeapWatch | undefined;
  afterEach(() => watch?.close());

  it('says what a full collection left live: up with what is kept, down once it is let go', async () => {
    const metrics = createMetrics();
    watch = watchLiveHeap(metrics);
    expect(watch.liveBytes).toBeUndefined();
    const before = await collect(watch);
    const holder: { kept?: Array<{ i: number; s: string }> } = {};
    holder.kept = Array.from({ length: 500_000 }, (_, i) => ({ i, s: `reading ${i}` }));
    const holding = await collect(watch);
    expect(holding - before).toBeGreaterThan(20 * 1048576);
    const line = (await metrics.registry.getSingleMetricAsString('quantrac_heap_live_bytes')).split('\n').find((l) => l.startsWith('quantrac_heap_live_bytes '));
    expect(Number(line?.split(' ')[1])).toBeGreaterThanOrEqual(holding);
    expect(holder.kept.length).toBe(500_000);
    delete holder.kept;
    const after = await collect(watch);
    expect(holding - after).toBeGreaterThan(20 * 1048576);
  });

  it('says on /metrics how far the heap may grow and whether the app counts as quiet', async () => {
    const metrics = createMetrics();
    let t = 0;
    // quiet from the first full collection that comes 60 s (on this clock) after the start
    const growth = limitHeapGrowth([], { fromLiveMb: 100_000, now: () => t, setFlags: () => undefined })!;
    const gauge = async (name: string) => {
      const line = (await metrics.registry.getSingleMetricAsString(name)).split('\n').find((l) => l.startsWith(`${name} `));
      return Number(line?.split(' ')[1]);
    };
    try {
      watch = watchLiveHeap(metrics, growth);
      const seen = async (n: number) => {
        for (let i = 0; i < 100 && growth.fullCollections < n; i++) await sleep(10);
      };
      t = 1_000;
      await collect(watch);
      await seen(1);
      expect(await gauge('quantrac_heap_quiet')).toBe(0);
      expect(await gauge('quantrac_heap_growing_percent')).toBe(SMALL_HEAP_GROWING_PERCENT);
      t = 61_000;
      await collect(watch);
      await seen(2);
      expect(growth.quiet).toBe(true);
      expect(await gauge('quantrac_heap_quiet')).toBe(1);
      expect(await gauge('quantrac_heap_growing_percent')).toBe(HEAP_GROWING_PERCENT);
    } finally {
      growth.close();
    }
  });
});
