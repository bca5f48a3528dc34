import { describe, expect, it } from 'vitest';
import { evaluateRateOfChange } from './rate-of-change.js';
import { MIN, extend, inputFor, makeRule, series } from './test-support/fixtures.js';
import type { RateOfChangeRule } from './types.js';

const T0 = Date.parse('2025-09-10T00:00:00+07:00');
const FIVE = 5 * MIN;
const rise = makeRule<RateOfChangeRule>({
  kind: 'rate_of_change',
  metric: 'water_level',
  op: 'rise',
  delta: 0.5,
  perMinutes: 60,
  name: { en: 'Water level', vi: 'Mực nước' },
});
const opts = { expectedIntervalMs: FIVE };
/** 13 samples every 5 min (one hour), rising by `step` each. */
const ramp = (from: number, step: number): ReturnType<typeof series> =>
  series(
    T0,
    FIVE,
    Array.from({ length: 13 }, (_, i) => from + i * step),
  );

describe('rate_of_change', () => {
  it('is active when the value rose by at least delta within perMinutes', () => {
    const c = evaluateRateOfChange(inputFor(rise, ramp(8, 0.05), opts));
    expect(c?.active).toBe(true);
    expect(c?.value).toBeCloseTo(0.6, 9);
    expect(c?.message.en).toMatch(/^Water level: rose 0\.6 in 60 min \(8 → 8\.6\)/);
    expect(c?.message.vi).toMatch(/^Mực nước: tăng 0,6 trong 60 phút \(8 → 8,6\)/);
    expect(c?.evidence.map((s) => s.value)).toEqual([8, expect.closeTo(8.6, 9)]);
  });

  it('takes a rise as the readings write it: 1.8 → 2.3 m is the 0.5 m the rule asks for', () => {
    // 2.3 − 1.8 is 0.4999999999999998 in binary floating point, which missed this flood warning
    const c = evaluateRateOfChange(inputFor(rise, series(T0, FIVE, [1.8, 2.0, 2.3]), opts));
    expect(c).toMatchObject({ active: true, value: 0.5 });
    expect(c?.message.en).toMatch(/^Water level: rose 0\.5 in 10 min \(1\.8 → 2\.3\)/);
    const fall = makeRule<RateOfChangeRule>({ ...rise, op: 'fall' });
    expect(evaluateRateOfChange(inputFor(fall, series(T0, FIVE, [2.3, 2.1, 1.8]), opts))).toMatchObject({ active: true, value: 0.5 });
  });

  it('is inactive for a slow rise', () => {
    expect(evaluateRateOfChange(inputFor(rise, ramp(8, 0.03), opts))?.active).toBe(false);
  });

  it('uses the lowest value of [newest − perMinutes, newest), not older ones', () => {
    // a low value 65 min ago is outside the window
    const s = [{ ts: T0 - FIVE, value: 7, quality: 'valid' as const }, ...ramp(8, 0.02)];
    expect(evaluateRateOfChange(inputFor(rise, s, opts))?.active).toBe(false);
    // a dip inside the window counts even if the value has partly recovered
    const dip = extend(series(T0, FIVE, [8, 7.9, 8.2, 8.3]), FIVE, [8.45]);
    expect(evaluateRateOfChange(inputFor(rise, dip, opts))).toMatchObject({ active: true, value: expect.closeTo(0.55, 9) });
  });

  it('mirrors for fall', () => {
    const fall = makeRule<RateOfChangeRule>({ ...rise, op: 'fall' });
    expect(evaluateRateOfChange(inputFor(fall, ramp(8, -0.05), opts))?.active).toBe(true);
    expect(evaluateRateOfChange(inputFor(fall, ramp(8, 0.05), opts))?.active).toBe(false);
  });

  it('needs an earlier valid sample', () => {
    expect(evaluateRateOfChange(inputFor(rise, series(T0, FIVE, [8]), opts))).toBeUndefined();
  });

  it('a calibrating 999 jump never activates', () => {
    const s = extend(ramp(8, 0.01), FIVE, [999], 'calibrating');
    expect(evaluateRateOfChange(inputFor(rise, s, opts))?.active).toBe(false);
    const long = extend(ramp(8, 0.01), FIVE, [999, 999, 999], 'calibrating');
    expect(evaluateRateOfChange(inputFor(rise, long, opts))).toBeUndefined();
  });
});
