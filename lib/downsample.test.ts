import { describe, expect, it } from 'vitest';
import { lttbIndices } from './downsample.js';

describe('lttbIndices', () => {
  it('keeps everything when there are fewer points than the threshold', () => {
    expect(
      lttbIndices(
        [
          { x: 0, y: 1 },
          { x: 1, y: 2 },
        ],
        10,
      ),
    ).toEqual([0, 1]);
  });

  it('reduces a month of 1-minute points to the threshold, keeps the ends and a single spike', () => {
    const n = 31 * 24 * 60;
    const pts = Array.from({ length: n }, (_, i) => ({ x: i * 60_000, y: 20 + Math.sin(i / 100) }));
    pts[12_345] = { x: 12_345 * 60_000, y: 900 };
    const kept = lttbIndices(pts, 1000);
    expect(kept).toHaveLength(1000);
    expect(kept[0]).toBe(0);
    expect(kept.at(-1)).toBe(n - 1);
    expect(kept).toContain(12_345);
    for (let i = 1; i < kept.length; i++) expect(kept[i]!).toBeGreaterThan(kept[i - 1]!);
  });
});
