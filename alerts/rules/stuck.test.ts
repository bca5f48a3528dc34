import { describe, expect, it } from 'vitest';
import { evaluateStuck } from './stuck.js';
import { MIN, extend, inputFor, makeRule, series } from './test-support/fixtures.js';
import type { StuckRule } from './types.js';

const T0 = Date.parse('2025-06-01T00:00:00+07:00');
const rule = makeRule<StuckRule>({ kind: 'stuck', metric: 'pm25', readings: 30, tolerance: 0, name: { en: 'PM2.5 sensor stuck', vi: 'PM2,5: cảm biến treo' } });

describe('stuck', () => {
  it('is active when the last `readings` valid values are identical', () => {
    const s = extend(series(T0, MIN, [10, 11]), MIN, Array<number>(30).fill(23.4));
    const c = evaluateStuck(inputFor(rule, s));
    expect(c).toMatchObject({ active: true, value: 0 });
    expect(c?.message.en).toContain('last 30 valid readings unchanged at 23.4');
    expect(c?.message.vi).toContain('không đổi ở mức 23,4');
    expect(c?.evidence).toHaveLength(20);
  });

  it('is inactive when they vary beyond the tolerance', () => {
    const s = series(T0, MIN, [...Array<number>(29).fill(23.4), 23.5]);
    expect(evaluateStuck(inputFor(rule, s))?.active).toBe(false);
    const tolerant = makeRule<StuckRule>({ ...rule, tolerance: 0.1 });
    expect(evaluateStuck(inputFor(tolerant, s))?.active).toBe(true);
  });

  it('counts the oldest of the last `readings` and nothing before it', () => {
    // 30 readings: the oldest of them differs, so it varies; one reading more and it has left the last 30
    const varies = series(T0, MIN, [23.9, ...Array<number>(29).fill(23.4)]);
    expect(evaluateStuck(inputFor(rule, varies))).toMatchObject({ active: false, value: expect.closeTo(0.5, 9) });
    expect(evaluateStuck(inputFor(rule, extend(varies, MIN, [23.4])))).toMatchObject({ active: true, value: 0 });
  });

  it('reports the spread as the readings write it, and a spread equal to the tolerance holds', () => {
    // 12.3 − 8.1 is 4.200000000000001 in binary floating point
    const wide = series(T0, MIN, [8.1, ...Array<number>(28).fill(10), 12.3]);
    expect(evaluateStuck(inputFor(rule, wide))).toMatchObject({ active: false, value: 4.2 });
    // 0.3 − 0.2 is 0.09999999999999998 and 23.5 − 23.4 is 0.10000000000000142: both are 0.1
    const tolerant = makeRule<StuckRule>({ ...rule, tolerance: 0.1 });
    for (const [low, high] of [
      [0.2, 0.3],
      [23.4, 23.5],
    ] as const) {
      const s = series(T0, MIN, [...Array<number>(29).fill(low), high]);
      expect(evaluateStuck(inputFor(tolerant, s))).toMatchObject({ active: true, value: 0.1 });
    }
  });

  it('needs exactly `readings` valid samples', () => {
    expect(evaluateStuck(inputFor(rule, series(T0, MIN, Array<number>(29).fill(5))))).toBeUndefined();
    // calibrating samples do not count towards the 30
    const s = extend(series(T0, MIN, Array<number>(28).fill(5)), MIN, [5, 5], 'calibrating');
    expect(evaluateStuck(inputFor(rule, extend(s, MIN, [5])))).toBeUndefined();
  });

  it('a calibrating run of identical 999s is not a stuck sensor', () => {
    const s = extend(series(T0, MIN, [10, 12, 11]), MIN, Array<number>(30).fill(999), 'calibrating');
    expect(evaluateStuck(inputFor(rule, s))).toBeUndefined();
  });
});
