import { describe, expect, it } from 'vitest';
import { decimalsOf, difference } from './decimal.js';

describe('decimal', () => {
  it('counts the decimals a value is written with, at most 6', () => {
    expect([50, 10.5, 0.3, 12.25, 0.001, 1 / 3].map(decimalsOf)).toEqual([0, 1, 1, 2, 3, 6]);
  });

  it('subtracts as written, where binary floating point is off in the last bits', () => {
    expect(2.3 - 1.8).not.toBe(0.5);
    expect(difference(2.3, 1.8)).toBe(0.5);
    expect(difference(12.3, 8.1)).toBe(4.2);
    expect(difference(0.3, 0.2)).toBe(0.1);
    expect(difference(8.1, 12.3)).toBe(-4.2);
    expect(difference(7.25, 7)).toBe(0.25);
    expect(Object.is(difference(5, 5), 0)).toBe(true);
  });
});
