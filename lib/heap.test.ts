/** lib/heap.ts: Quantrac limits the heap's growth unless the operator chose a growing percent. */
import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, limitHeapGrowth } from './heap.js';

describe('limitHeapGrowth', () => {
  it('sets its own percent when the operator set none', () => {
    expect(limitHeapGrowth(['--import', 'tsx', '--max-old-space-size=4096'])).toBe(HEAP_GROWING_PERCENT);
  });
  it("keeps the percent given on node's command line", () => {
    expect(limitHeapGrowth(['--enable-source-maps', '--heap-growing-percent=50'])).toBeUndefined();
  });
});
