import { describe, expect, it } from 'vitest';
import { EXPORT_PAGE_TARGET_MS, nextPageRows } from './export.js';

describe('export page sizing', () => {
  it('shrinks a page that held the connection longer than the target, toward the target', () => {
    expect(nextPageRows(10_000, 4 * EXPORT_PAGE_TARGET_MS, 10_000)).toBe(2_500);
  });
  it('grows a fast page at most twice, never past the configured size', () => {
    expect(nextPageRows(1_000, 1, 10_000)).toBe(2_000);
    expect(nextPageRows(8_000, 1, 10_000)).toBe(10_000);
  });
  it('never cuts below 500 rows, or below the configured size when that is smaller', () => {
    expect(nextPageRows(1_000, 100_000, 10_000)).toBe(500);
    expect(nextPageRows(100, 100_000, 100)).toBe(100);
  });
});
