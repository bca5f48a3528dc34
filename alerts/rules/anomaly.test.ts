import { describe, expect, it } from 'vitest';
import { evaluateAnomaly, localHour, robustSpread } from './anomaly.js';
import { MIN, extend, inputFor, makeRule, seeded, series } from './test-support/fixtures.js';
import type { AnomalyRule, Sample } from './types.js';

const TEN = 10 * MIN;
const T0 = Date.parse('2025-03-01T00:00:00+07:00');
const rule = makeRule<AnomalyRule>({
  kind: 'anomaly',
  metric: 'pm25',
  threshold: 6,
  windowHours: 168,
  sameHourOfDay: true,
  minSamples: 100,
  name: { en: 'PM2.5 unusual', vi: 'PM2,5 bất thường' },
});
const opts = { expectedIntervalMs: TEN };

/** Seven days every 10 min: a diurnal cycle (morning and evening peaks) plus seeded noise. */
function week(seed = 42): Sample[] {
  const rnd = seeded(seed);
  return series(
    T0,
    TEN,
    Array.from({ length: 7 * 144 }, (_, i) => {
      const h = localHour(T0 + i * TEN);
      const diurnal = h >= 6 && h <= 9 ? 60 : h >= 17 && h <= 21 ? 70 : 30;
      return Math.round((diurnal + (rnd() - 0.5) * 10) * 10) / 10;
    }),
  );
}

describe('anomaly', () => {
  it('localHour is UTC+7', () => {
    expect(localHour(Date.parse('2025-01-01T17:00:00Z'))).toBe(0);
    expect(localHour(Date.parse('2025-01-01T16:59:00Z'))).toBe(23);
  });

  it('a normal value is not anomalous; a spike is, with its z-score', () => {
    const history = week();
    const normal = evaluateAnomaly(inputFor(rule, extend(history, TEN, [31]), opts));
    expect(normal?.active).toBe(false);
    const spike = evaluateAnomaly(inputFor(rule, extend(history, TEN, [150]), opts));
    expect(spike?.active).toBe(true);
    expect(spike?.value).toBeGreaterThan(6);
    expect(spike?.message.en).toMatch(/^PM2\.5 unusual: 150 is unusual \(robust z [\d.]+, median at this hour of day [\d.]+ over 168 h\)$/);
    expect(spike?.message.vi).toContain('bất thường (z ');
    expect(spike?.evidence.at(-1)?.value).toBe(150);
    expect(spike?.evidence).toHaveLength(20);
  });

  it('sameHourOfDay compares with the same hours only: an evening level at night is unusual', () => {
    const history = week();
    const lastTs = history.at(-1)?.ts ?? 0;
    expect(localHour(lastTs + TEN)).toBe(0); // the next sample falls at local midnight, a "30" hour
    expect(evaluateAnomaly(inputFor(rule, extend(history, TEN, [70]), opts))?.active).toBe(true);
    const anyHour = makeRule<AnomalyRule>({ ...rule, sameHourOfDay: false });
    expect(evaluateAnomaly(inputFor(anyHour, extend(history, TEN, [70]), opts))?.active).toBe(false);
  });

  it('fewer history samples than minSamples gives undefined', () => {
    const short = series(T0, TEN, Array<number>(60).fill(30));
    expect(evaluateAnomaly(inputFor(rule, extend(short, TEN, [150]), opts))).toBeUndefined();
  });

  it('calibration suppression: a calibrating 999 is never an anomaly', () => {
    const s = extend(extend(week(), TEN, [31]), TEN, [999], 'calibrating');
    const c = evaluateAnomaly(inputFor(rule, s, opts));
    expect(c?.active).toBe(false);
    expect(c?.evidence.at(-1)?.value).toBe(31);
  });

  it('MAD = 0 falls back to the mean absolute deviation; a constant history is inactive', () => {
    const values = [...Array<number>(60).fill(20), 21, 22, 25, 19, 18];
    expect(robustSpread(values, 20)).toBeCloseTo((1.253314 * (1 + 2 + 5 + 1 + 2)) / values.length, 9);
    const loose = makeRule<AnomalyRule>({ ...rule, sameHourOfDay: false, minSamples: 10 });
    const mostlyFlat = series(T0, TEN, values);
    expect(evaluateAnomaly(inputFor(loose, extend(mostlyFlat, TEN, [40]), opts))?.active).toBe(true);
    const flat = series(T0, TEN, Array<number>(50).fill(20));
    const c = evaluateAnomaly(inputFor(loose, extend(flat, TEN, [40]), opts));
    expect(c).toMatchObject({ active: false, value: 0 });
    expect(c?.message.en).toContain('history constant at 20');
  });
});
