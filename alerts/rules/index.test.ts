import { describe, expect, it } from 'vitest';
import { evaluate, lookbackMs, ruleMetrics } from './index.js';
import { HOUR, MIN, inputFor, makeRule, series } from './test-support/fixtures.js';
import type { Rule } from './types.js';

const T0 = Date.parse('2025-06-01T00:00:00+07:00');
const rules: Record<Rule['kind'], Rule> = {
  threshold: makeRule({ kind: 'threshold', metric: 'pm25', op: 'above', raise: 50, clear: 45, over: 'raw' }),
  rate_of_change: makeRule({ kind: 'rate_of_change', metric: 'pm25', op: 'rise', delta: 20, perMinutes: 30 }),
  stuck: makeRule({ kind: 'stuck', metric: 'pm25', readings: 5, tolerance: 0 }),
  out_of_range: makeRule({ kind: 'out_of_range', metric: 'pm25', count: 2, of: 4 }),
  no_data: makeRule({ kind: 'no_data', factor: 5 }),
  device_status: makeRule({ kind: 'device_status', metric: 'pm25' }),
  anomaly: makeRule({ kind: 'anomaly', metric: 'pm25', threshold: 6, windowHours: 24, minSamples: 5 }),
  forecast: makeRule({ kind: 'forecast', metric: 'pm25', windowMinutes: 60, minPoints: 5, op: 'above', limit: 150, horizonMinutes: 60 }),
  levels: makeRule({ kind: 'levels', metric: 'pm25', levels: [{ value: 100, severity: 'critical', label: { en: 'High', vi: 'Cao' } }] }),
};

describe('evaluate', () => {
  it('dispatches on kind', () => {
    const s = series(T0, MIN, [10, 20, 30, 40, 160]);
    const active = Object.fromEntries(Object.entries(rules).map(([k, r]) => [k, evaluate(inputFor(r, s))?.active]));
    expect(active).toEqual({
      threshold: true,
      rate_of_change: true,
      stuck: false,
      out_of_range: false,
      no_data: false,
      device_status: false,
      anomaly: undefined,
      forecast: false,
      levels: true,
    });
  });

  it('applies validFrom/validUntil to every kind', () => {
    const later = makeRule({ ...rules.levels, validFrom: '2030-01-01T00:00:00+07:00' });
    const c = evaluate(inputFor(later, series(T0, MIN, [500])));
    expect(c?.active).toBe(false);
    expect(c?.message.en).toContain('not in force');
    // without samples, the engine clock decides (no_data on the timer)
    const noData = makeRule({ ...rules.no_data, validUntil: '2025-01-01T00:00:00+07:00' });
    expect(evaluate(inputFor(noData, [], { now: T0, lastReceivedAt: undefined, watchingSince: T0 - HOUR }))?.active).toBe(false);
  });
});

describe('lookbackMs', () => {
  it('covers each rule window plus the freshness slack', () => {
    const i = MIN;
    expect(lookbackMs(makeRule({ ...rules.threshold, over: 'mean', windowMinutes: 1440 }), i)).toBe(1440 * MIN + 2 * i);
    expect(lookbackMs(rules.threshold, i)).toBe(4 * i);
    expect(lookbackMs(rules.rate_of_change, i)).toBe(30 * MIN + 4 * i);
    expect(lookbackMs(rules.stuck, i)).toBe(5 * i * 2 + 2 * i);
    expect(lookbackMs(rules.out_of_range, i)).toBe(8 * i);
    expect(lookbackMs(rules.anomaly, i)).toBe(24 * HOUR + 2 * i);
    expect(lookbackMs(rules.forecast, i)).toBe(60 * MIN + 2 * i);
    expect(lookbackMs(rules.levels, i)).toBe(4 * i);
    expect(lookbackMs(rules.no_data, i)).toBe(4 * i);
    expect(lookbackMs(rules.device_status, i)).toBe(4 * i);
  });
});

describe('ruleMetrics', () => {
  it('is the metric, or all metrics for station-wide rules', () => {
    expect(ruleMetrics(rules.threshold)).toEqual(['pm25']);
    expect(ruleMetrics(rules.no_data)).toBe('all');
    expect(ruleMetrics(makeRule({ ...rules.no_data, metric: 'pm10' }))).toEqual(['pm10']);
  });
});
