import { describe, expect, it } from 'vitest';
import { nowcast } from './nowcast.js';

describe('nowcast (QĐ 1459 §1.4)', () => {
  it('reproduces the worked example of §1.7 (20.27, given as 20.3)', () => {
    // Hours 09:00 → 20:00 in the decision; c1 is the current (latest) hour, 20:00.
    const chronological = [26.9, 24.7, 20.5, 23.5, 19.5, 16.5, 19.0, 16.5, 20.3, 22.4, 19.6, 20.6];
    const result = nowcast([...chronological].reverse());
    expect(result).not.toBeNull();
    expect(result).toBeCloseTo(20.27, 2);
  });

  it('uses w = 0.5 when min/max ≤ 0.5, in the normalised form', () => {
    // min/max = 10/40 → w = 0.5. (40 + 0.5·10) / (1 + 0.5) = 30.
    expect(nowcast([40, 10])).toBeCloseTo(30, 10);
  });

  it('uses w = min/max above 0.5', () => {
    // w = 30/40 = 0.75: (40 + 0.75·30) / 1.75 = 35.714…
    expect(nowcast([40, 30])).toBeCloseTo(62.5 / 1.75, 10);
  });

  it('gives missing hours weight 0 and keeps their exponent position', () => {
    // c2 missing: w = 20/40 = 0.5, weights 1 (c1), 0.25 (c3): (40 + 0.25·20) / 1.25 = 36.
    expect(nowcast([40, null, 20])).toBeCloseTo(36, 10);
  });

  it('requires 2 of the 3 most recent hours', () => {
    expect(nowcast([50, null, null, 40, 40, 40])).toBeNull();
    expect(nowcast([null, null, 30, 40, 40])).toBeNull();
    expect(nowcast([null, 30, 30])).not.toBeNull();
    expect(nowcast([])).toBeNull();
  });

  it('handles all-zero hours without dividing by zero', () => {
    expect(nowcast([0, 0, 0, 0])).toBe(0);
  });

  it('is constant for a constant series', () => {
    expect(nowcast(Array(12).fill(17.3))).toBeCloseTo(17.3, 10);
  });

  it('keeps small negative hours as they are (as the EPA does) and guards an all-negative window', () => {
    // min/max = -2/20 < 0.5 → w = 0.5: (20 − 0.5·2) / 1.5 = 12.667
    expect(nowcast([20, -2])).toBeCloseTo(19 / 1.5, 10);
    // max ≤ 0: plain mean, not a weight > 1.
    expect(nowcast([-1, -3])).toBeCloseTo(-2, 10);
  });

  it('rejects more than 12 hours and non-finite values', () => {
    expect(() => nowcast(Array(13).fill(1))).toThrow(RangeError);
    expect(() => nowcast([1, Number.NaN, 3])).toThrow(RangeError);
  });
});
