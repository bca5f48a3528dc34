import { describe, expect, it } from 'vitest';
import { doSaturation, flatlineStep, madOf, medianOf, pairCheck, rateCheck, saturationCheck, spikeCheck, windowAt, type QcWindowSpan } from './checks.js';
import { bumpVersions, checkQcConfig, effectiveQcConfig, metricChecks, QC_CONFIG_SCHEMA, QC_DEFAULTS } from './config.js';

describe('median and MAD', () => {
  it('take the middle value (odd) or the mean of the middle two (even), of the first n values only', () => {
    expect(medianOf([5, 1, 3], 3)).toBe(3);
    expect(medianOf([4, 1, 3, 2], 4)).toBe(2.5);
    expect(medianOf([9, 1, 100, 100], 2)).toBe(5);
    expect(madOf([1, 2, 3, 4, 100], 5, 3)).toBe(1);
  });
});

describe('spike', () => {
  const p = { k: 6, minDelta: 10, minValues: 5 };
  it('flags a value beyond max(k × 1.4826 × MAD, minDelta) from the median of the previous values', () => {
    expect(spikeCheck([20, 21, 19, 20, 22], 5, 95, p)).toEqual({ median: 20, mad: 1, limit: 10 });
    expect(spikeCheck([20, 21, 19, 20, 22], 5, 29.9, p)).toBeNull();
    // a noisy series widens the limit: 6 × 1.4826 × 5 = 44.478
    expect(spikeCheck([10, 20, 30, 20, 15, 25], 6, 60, p)).toBeNull();
    expect(spikeCheck([10, 20, 30, 20, 15, 25], 6, 70, p)?.limit).toBeCloseTo(44.478, 3);
  });
  it('judges nothing with fewer than minValues previous values', () => {
    expect(spikeCheck([20, 20, 20, 20], 4, 500, p)).toBeNull();
  });
  it('flags downward spikes too', () => {
    expect(spikeCheck([50, 50, 51, 49, 50], 5, 2, p)?.median).toBe(50);
  });
});

describe('flat line', () => {
  it('counts a run of equal values, starts again on a change, and never counts an ignored value', () => {
    const run = { value: NaN, count: 0, start: 0 };
    flatlineStep(run, 5, 0, []);
    flatlineStep(run, 5, 60_000, []);
    expect(flatlineStep(run, 5, 120_000, [])).toBe(3);
    expect(run).toEqual({ value: 5, count: 3, start: 0 });
    expect(flatlineStep(run, 6, 180_000, [])).toBe(1);
    expect(run).toEqual({ value: 6, count: 1, start: 180_000 });
    expect(flatlineStep(run, 0, 240_000, [0])).toBe(0);
    expect(flatlineStep(run, 0, 300_000, [0])).toBe(0);
  });
});

describe('rate of change', () => {
  it('divides the change by the minutes between the readings', () => {
    expect(rateCheck(1.2, 0, 3.0, 60_000, 0.2)).toEqual({ change: 1.8, perMinute: 1.8, limit: 0.2 });
    expect(rateCheck(1.2, 0, 3.0, 10 * 60_000, 0.2)).toBeNull(); // 0.18 m/min
    expect(rateCheck(3.0, 0, 1.0, 5 * 60_000, 0.2)?.change).toBe(-2);
    expect(rateCheck(1, 60_000, 9, 60_000, 0.2)).toBeNull(); // same time: no rate
  });

  it('takes the change as the readings write it: exactly the limit passes', () => {
    // 8.3 − 7.8 is 0.5000000000000009 in binary floating point
    expect(rateCheck(7.8, 0, 8.3, 60_000, 0.5)).toBeNull();
    expect(rateCheck(8.3, 0, 7.8, 60_000, 0.5)).toBeNull();
    expect(rateCheck(7.8, 0, 8.31, 60_000, 0.5)).toEqual({ change: 0.51, perMinute: 0.51, limit: 0.5 });
  });
});

describe('cross-parameter', () => {
  it('pairs: the value must not exceed reference × (1 + tolerance) + minDelta', () => {
    expect(pairCheck(60, 50, 0.1, 5)).toBeNull();
    expect(pairCheck(60.1, 50, 0.1, 5)).toEqual({ reference: 50, limit: 60 });
  });
  it('DO saturation follows the formula VN_WQI uses (STANDARDS.md §3.2)', () => {
    expect(doSaturation(0)).toBeCloseTo(14.652, 3);
    expect(doSaturation(25)).toBeCloseTo(8.18, 2);
    expect(saturationCheck(17, 25, 2)).toEqual({ temperature: 25, saturation: 8.1757, limit: 16.3513 });
    expect(saturationCheck(9.5, 25, 2)).toBeNull(); // 116 % saturation: a sunny afternoon
  });
});

describe('windows', () => {
  const w = (id: number, metrics: string[] | null, from: number, to: number): QcWindowSpan => ({ id, stationId: 'S', metrics, from, to, kind: 'calibration' });
  it('cover [from, to) of their metrics (null = all)', () => {
    const windows = [w(1, ['pm25'], 100, 200), w(2, null, 300, 400)];
    expect(windowAt(windows, 'pm25', 100)?.id).toBe(1);
    expect(windowAt(windows, 'pm25', 200)).toBeUndefined();
    expect(windowAt(windows, 'pm10', 150)).toBeUndefined();
    expect(windowAt(windows, 'pm10', 399)?.id).toBe(2);
  });
});

describe('the configuration as data', () => {
  it('the defaults satisfy the schema', () => {
    expect(checkQcConfig(QC_DEFAULTS)).toEqual({ ok: true, config: QC_DEFAULTS });
    expect(QC_CONFIG_SCHEMA.$schema).toBe('http://json-schema.org/draft-07/schema#');
  });
  it('names the wrong field by JSON pointer: a typo, a bad value, a bad metric key', () => {
    expect(checkQcConfig({ spike: { kk: 3 } })).toEqual({ ok: false, errors: [{ path: '/spike/kk', message: 'is not a known field' }] });
    expect(checkQcConfig({ spiek: {} })).toEqual({ ok: false, errors: [{ path: '/spiek', message: 'is not a known field' }] });
    const bad = checkQcConfig({ flatline: { count: 1 }, rate: { metrics: { water_level: { maxPerMinute: -1 } } } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors.map((e) => e.path).sort()).toEqual(['/flatline/count', '/rate/metrics/water_level/maxPerMinute']);
    const key = checkQcConfig({ spike: { metrics: { 'PM 2.5': { k: 3 } } } });
    expect(key).toEqual({ ok: false, errors: [{ path: '/spike/metrics/PM 2.5', message: 'is not a metric key' }] });
    expect(checkQcConfig({ cross: { pairs: [{ metric: 'pm25' }] } })).toMatchObject({ ok: false, errors: [{ path: '/cross/pairs/0' }] });
    expect(checkQcConfig([])).toMatchObject({ ok: false, errors: [{ path: '/' }] });
  });
  it('merges default < profile < station per check, per metric in maps, and takes the highest version', () => {
    const eff = effectiveQcConfig(
      QC_DEFAULTS,
      { spike: { k: 8, version: 3, metrics: { pm25: { minDelta: 20 } } } },
      { spike: { metrics: { pm25: { k: 4 } } }, flatline: { enabled: false } },
    );
    expect(eff.spike).toMatchObject({ k: 8, window: 15, version: 3, metrics: { pm25: { minDelta: 20, k: 4 }, rain: { enabled: false } } });
    expect(eff.flatline.enabled).toBe(false);
    expect(eff.flatline.count).toBe(QC_DEFAULTS.flatline.count);
    expect(eff.cross.pairs).toEqual(QC_DEFAULTS.cross.pairs);
    const replaced = effectiveQcConfig(QC_DEFAULTS, undefined, { cross: { pairs: [] } });
    expect(replaced.cross.pairs).toEqual([]);
    expect(QC_DEFAULTS.spike.k).toBe(6); // the defaults are not modified
  });
  it('resolves one metric: its overrides, the range-share floor, rate only with a limit', () => {
    const c = metricChecks(QC_DEFAULTS, 'pm25', { min: 0, max: 1000 });
    expect(c.spike).toMatchObject({ window: 15, k: 6, minDelta: 50 });
    expect(c.rate).toBeNull();
    expect(metricChecks(QC_DEFAULTS, 'rain', { min: 0, max: 500 }).spike).toBeNull();
    expect(metricChecks(QC_DEFAULTS, 'rh', { min: 0, max: 100 }).spike?.minDelta).toBe(15);
    expect(metricChecks(QC_DEFAULTS, 'rain', { min: 0, max: 500 }).flatline?.ignore).toEqual([0]);
    expect(metricChecks(QC_DEFAULTS, 'water_level', { min: -10, max: 100 }).rate).toEqual({ maxPerMinute: 0.2 });
  });
  it('raises the version of a check whose parameters change, not of the others', () => {
    const first = bumpVersions(undefined, { spike: { k: 8 }, window: { enabled: true } });
    expect(first).toEqual({ spike: { k: 8, version: 2 }, window: { enabled: true, version: 2 } });
    const same = bumpVersions(first, { spike: { k: 8 }, window: { enabled: true, version: 2 } });
    expect(same).toEqual(first);
    const changed = bumpVersions(first, { spike: { k: 9 }, window: { enabled: true } });
    expect(changed).toEqual({ spike: { k: 9, version: 3 }, window: { enabled: true, version: 2 } });
    expect(bumpVersions(first, { spike: { k: 9, version: 10 } })).toEqual({ spike: { k: 9, version: 10 } });
  });
});
