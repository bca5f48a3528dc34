import { describe, expect, it } from 'vitest';
import { roundHalfUp, truncateTo } from './rounding.js';

describe('roundHalfUp', () => {
  it('rounds .5 up, including a float-noisy 109.5 from interpolation', () => {
    expect(roundHalfUp(109.5)).toBe(110);
    expect(roundHalfUp((50 / 30) * (55.7 - 50) + 100)).toBe(110);
    expect(roundHalfUp(59.35)).toBe(59);
    expect(roundHalfUp(42.53)).toBe(43);
    expect(roundHalfUp(0)).toBe(0);
  });
});

describe('truncateTo', () => {
  it('floors to the given decimals without float slips', () => {
    expect(truncateTo(35.49, 1)).toBe(35.4);
    expect(truncateTo(35.4, 1)).toBe(35.4);
    expect(truncateTo(0.0549, 3)).toBe(0.054);
    expect(truncateTo(304.9, 0)).toBe(304);
  });
});
