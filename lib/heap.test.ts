/**
 * lib/heap.ts: Quantrac limits the heap's growth while the live heap is large, unless the operator
 * chose a growing percent.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, SMALL_HEAP_GROWING_PERCENT, limitHeapGrowth, shouldLimit } from './heap.js';

/** A full collection on demand (what --expose-gc gives, without the flag on vitest's command line). */
function fullGc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

const waitFor = async (ok: () => boolean) => {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('limitHeapGrowth', () => {
  it("keeps the percent given on node's command line", () => {
    expect(limitHeapGrowth(['--enable-source-maps', '--heap-growing-percent=50'])).toBeUndefined();
  });

  it('limits the growth at once, harder after a full collection leaves a large heap live, and gives V8 its own factor back when closed', async () => {
    const flags: string[] = [];
    // this process's live heap is well above 1 MB: limited at the first full collection
    const limit = limitHeapGrowth([], { fromLiveMb: 1, belowLiveMb: 0.5, setFlags: (f) => flags.push(f) })!;
    try {
      expect(limit.limited).toBe(false);
      fullGc();
      await waitFor(() => limit.fullCollections > 0);
      expect(limit.limited).toBe(true);
      expect(flags).toEqual([`--heap-growing-percent=${SMALL_HEAP_GROWING_PERCENT}`, `--heap-growing-percent=${HEAP_GROWING_PERCENT}`]);
    } finally {
      limit.close();
    }
    expect(flags.at(-1)).toBe('--heap-growing-percent=0');

    // a live heap far below the bound: the small heap's percent stays
    const small: string[] = [];
    const none = limitHeapGrowth([], { fromLiveMb: 1_000_000, belowLiveMb: 900_000, setFlags: (f) => small.push(f) })!;
    try {
      fullGc();
      await waitFor(() => none.fullCollections > 0);
      expect(none.fullCollections).toBeGreaterThan(0);
      expect(none.limited).toBe(false);
      expect(small).toEqual([`--heap-growing-percent=${SMALL_HEAP_GROWING_PERCENT}`]);
    } finally {
      none.close();
    }
    expect(small.at(-1)).toBe('--heap-growing-percent=0');
  });

  it('limits a quiet app (full collections far apart) whatever its live heap, and lets it grow again only after a run of quick ones', async () => {
    const flags: string[] = [];
    let clock = 0;
    // a live heap far below the large-heap bound: only the time between full collections decides
    const limit = limitHeapGrowth([], {
      fromLiveMb: 1_000_000,
      belowLiveMb: 900_000,
      quietAfterMs: 60_000,
      busyBelowMs: 10_000,
      now: () => clock,
      setFlags: (f) => flags.push(f),
    })!;
    const collect = async (afterMs: number) => {
      clock += afterMs;
      const seen = limit.fullCollections;
      fullGc();
      await waitFor(() => limit.fullCollections > seen);
    };
    try {
      await collect(59_999); // sooner than quietAfterMs after the start: not quiet
      expect(limit.quiet).toBe(false);
      expect(limit.limited).toBe(false);
      await collect(60_000); // a minute after the previous one: quiet
      expect(limit.quiet).toBe(true);
      expect(limit.limited).toBe(true);
      // the tighter heap brings collections sooner: neither 30 s nor two quick ones in a row end the quiet state
      await collect(30_000);
      await collect(1_000);
      await collect(30_000);
      await collect(1_000);
      await collect(1_000);
      expect(limit.quiet).toBe(true);
      expect(limit.limited).toBe(true);
      await collect(1_000); // the third quick one in a row: busy
      expect(limit.quiet).toBe(false);
      expect(limit.limited).toBe(false);
      await collect(90_000); // quiet again
      expect(limit.limited).toBe(true);
      expect(flags).toEqual([
        `--heap-growing-percent=${SMALL_HEAP_GROWING_PERCENT}`,
        `--heap-growing-percent=${HEAP_GROWING_PERCENT}`,
        `--heap-growing-percent=${SMALL_HEAP_GROWING_PERCENT}`,
        `--heap-growing-percent=${HEAP_GROWING_PERCENT}`,
      ]);
    } finally {
      limit.close();
    }
  });

  it('switches with a margin between the bounds, so a heap near one does not flip the flag at every collection', () => {
    expect(shouldLimit(false, 255, 256, 192)).toBe(false);
    expect(shouldLimit(false, 256, 256, 192)).toBe(true);
    expect(shouldLimit(true, 200, 256, 192)).toBe(true);
    expect(shouldLimit(true, 191, 256, 192)).toBe(false);
  });
});
