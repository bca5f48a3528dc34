import { describe, expect, it } from 'vitest';
import { exactSum } from './exact-sum.js';
import { hourEndOf, hourlyWindowMs, hourlyWindowStart } from './hourly.js';
import { HOUR, MIN, inputFor, makeRule, series } from './test-support/fixtures.js';
import { evaluateThreshold } from './threshold.js';
import type { ThresholdRule } from './types.js';

const T0 = Date.parse('2025-06-01T00:00:00Z');
const mean = (windowMinutes: number) => makeRule<ThresholdRule>({ kind: 'threshold', metric: 'pm25', op: 'above', raise: 50, clear: 45, over: 'mean', windowMinutes });

describe('exact sums', () => {
  it('are correctly rounded whatever the order', () => {
    expect(exactSum([1e16, 1, -1e16])).toBe(1);
    expect(exactSum(Array<number>(10).fill(0.1))).toBe(1);
    expect(exactSum([0.1, 0.2, 0.3])).toBe(exactSum([0.3, 0.2, 0.1]));
    expect(exactSum([])).toBe(0);
  });
});

describe('hourly mean windows', () => {
  it('apply to means longer than an hour', () => {
    expect(hourlyWindowMs(mean(60))).toBeUndefined();
    expect(hourlyWindowMs(mean(61))).toBe(61 * MIN);
    expect(hourlyWindowMs(mean(1440))).toBe(1440 * MIN);
  });

  it('count whole hours closed at their end', () => {
    expect(hourEndOf(T0)).toBe(T0);
    expect(hourEndOf(T0 + 1)).toBe(T0 + HOUR);
    expect(hourlyWindowStart(T0 + 24 * HOUR, 24 * HOUR)).toBe(T0);
    expect(hourlyWindowStart(T0 + 24 * HOUR + 20 * MIN, 24 * HOUR)).toBe(T0 + HOUR);
  });

  it('hourly data stamped on the hour: the same 24 values as the sliding window', () => {
    // 30 hourly values; the 24 newest are 60, the older ones 0
    const s = series(T0, HOUR, [...Array<number>(6).fill(0), ...Array<number>(24).fill(60)]);
    const c = evaluateThreshold(inputFor(mean(1440), s, { expectedIntervalMs: HOUR }));
    expect(c).toMatchObject({ active: true, value: 60 });
    expect(c?.evidence).toHaveLength(20);
  });

  it('newest reading inside an hour: from the hour 23 h before, coverage over that span', () => {
    // one a minute for 30 h, ending at 30:20; 100 in the minutes (6:20, 7:00], 10 after
    const s = series(
      T0 + MIN,
      MIN,
      Array.from({ length: 30 * 60 + 20 }, (_, i) => (i + 1 <= 7 * 60 && i + 1 > 6 * 60 + 20 ? 100 : 10)),
    );
    const c = evaluateThreshold(inputFor(mean(1440), s));
    // the window is (7:00, 30:20]: the 100s are outside it, and it is full (1,400 of 1,400 expected)
    expect(c).toMatchObject({ active: false, value: 10 });
    const sparse = s.filter((_, i) => i % 4 !== 0); // 3 of every 4 minutes
    expect(evaluateThreshold(inputFor({ ...mean(1440), minCoverage: 0.74 }, sparse))?.value).toBe(10);
    expect(evaluateThreshold(inputFor({ ...mean(1440), minCoverage: 0.76 }, sparse))).toBeUndefined();
  });
});
