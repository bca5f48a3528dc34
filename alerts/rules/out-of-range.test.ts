import { describe, expect, it } from 'vitest';
import { evaluateOutOfRange } from './out-of-range.js';
import { MIN, extend, inputFor, makeRule, series } from './test-support/fixtures.js';
import type { OutOfRangeRule } from './types.js';

const T0 = Date.parse('2025-06-01T00:00:00+07:00');

describe('out_of_range', () => {
  it('defaults to 1 of 1: the newest sample', () => {
    const rule = makeRule<OutOfRangeRule>({ kind: 'out_of_range', metric: 'pm25', name: { en: 'PM2.5 out of sensor range', vi: 'PM2,5 ngoài dải đo' } });
    expect(rule).toMatchObject({ count: 1, of: 1 });
    const c = evaluateOutOfRange(inputFor(rule, extend(series(T0, MIN, [10]), MIN, [1200.5], 'out_of_range')));
    expect(c?.active).toBe(true);
    expect(c?.message.en).toBe("PM2.5 out of sensor range: 1 of the last 1 readings outside the sensor's range, latest 1,201");
    expect(c?.message.vi).toBe('PM2,5 ngoài dải đo: 1/1 giá trị gần nhất nằm ngoài dải đo của thiết bị, gần nhất 1.201');
    expect(evaluateOutOfRange(inputFor(rule, series(T0, MIN, [1200, 10])))?.active).toBe(false);
  });

  it('counts flags among the last `of` samples of any quality', () => {
    const rule = makeRule<OutOfRangeRule>({ kind: 'out_of_range', metric: 'pm25', count: 3, of: 10 });
    let s = series(T0, MIN, [1, 2, 2]);
    s = extend(s, MIN, [-1], 'out_of_range');
    s = extend(s, MIN, [5, 5], 'calibrating');
    s = extend(s, MIN, [-2], 'out_of_range');
    s = extend(s, MIN, [3, 3, 3]);
    expect(evaluateOutOfRange(inputFor(rule, s))?.active).toBe(false);
    s = extend(s, MIN, [-3], 'out_of_range');
    expect(evaluateOutOfRange(inputFor(rule, s))).toMatchObject({ active: true, value: 3 });
    // the first flag leaves the 10-sample window
    s = extend(s, MIN, [3, 3]);
    expect(evaluateOutOfRange(inputFor(rule, s))?.active).toBe(true);
    s = extend(s, MIN, [3]);
    expect(evaluateOutOfRange(inputFor(rule, s))).toMatchObject({ active: false, value: 2 });
  });

  it('is undecided with fewer than `of` samples and too few flags', () => {
    const rule = makeRule<OutOfRangeRule>({ kind: 'out_of_range', metric: 'pm25', count: 2, of: 5 });
    expect(evaluateOutOfRange(inputFor(rule, series(T0, MIN, [1, 2])))).toBeUndefined();
    expect(evaluateOutOfRange(inputFor(rule, series(T0, MIN, [-1, -2], 'out_of_range')))?.active).toBe(true);
  });
});
