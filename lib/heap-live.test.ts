import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
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
});
