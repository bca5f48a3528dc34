import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateThreshold } from './threshold.js';
import { HOUR, MIN, inputFor, makeRule, series, simulate, extend } from './test-support/fixtures.js';
import type { ThresholdRule } from './types.js';

const T0 = Date.parse('2025-06-01T00:00:00+07:00');

const raw = makeRule<ThresholdRule>({ kind: 'threshold', metric: 'pm25', op: 'above', raise: 50, clear: 45, over: 'raw', name: { en: 'PM2.5', vi: 'PM2,5' } });

describe('threshold raw', () => {
  it('raises above raise, holds until below clear (hysteresis)', () => {
    const values = [40, 51, 48, 52, 46, 49, 44, 48, 50, 50.5];
    const { active } = simulate(evaluateThreshold, raw, series(T0, MIN, values));
    expect(active).toEqual([false, true, true, true, true, true, false, false, false, true]);
  });

  it('does not flap on a series oscillating between clear and raise', () => {
    const values = [51, ...Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 45.5 : 49.9))];
    const { active } = simulate(evaluateThreshold, raw, series(T0, MIN, values));
    expect(active.every(Boolean)).toBe(true);
    // …while a station that was never active does not raise on the same oscillation
    const calm = simulate(evaluateThreshold, raw, series(T0, MIN, values.slice(1)));
    expect(calm.active.some(Boolean)).toBe(false);
  });

  it('mirrors for op below', () => {
    const rule = makeRule<ThresholdRule>({ kind: 'threshold', metric: 'do', op: 'below', raise: 4, clear: 4.2, over: 'raw' });
    const { active } = simulate(evaluateThreshold, rule, series(T0, MIN, [5, 3.9, 4.1, 4.19, 4.3, 4.0]));
    expect(active).toEqual([false, true, true, true, false, false]);
  });

  it('says why in both languages', () => {
    const c = evaluateThreshold(inputFor(raw, series(T0, MIN, [52.34])));
    expect(c?.message.en).toBe('PM2.5 52.3 above 50');
    expect(c?.message.vi).toBe('PM2,5 52,3 vượt 50');
    const held = evaluateThreshold(inputFor(raw, series(T0, MIN, [47]), { active: true }));
    expect(held?.active).toBe(true);
    expect(held?.message.en).toContain('not yet below the clear level 45');
  });

  it('returns undefined without samples', () => {
    expect(evaluateThreshold(inputFor(raw, []))).toBeUndefined();
  });
});

describe('calibration suppression', () => {
  it('a calibrating 999 never raises: the newest valid value decides', () => {
    const s = extend(series(T0, MIN, [20, 21, 22]), MIN, [999], 'calibrating');
    const c = evaluateThreshold(inputFor(raw, s));
    expect(c?.active).toBe(false);
    expect(c?.value).toBe(22);
    expect(c?.evidence.map((e) => e.value)).toEqual([22]);
  });

  it('a long calibration gives no verdict (engine keeps state), never active', () => {
    const s = extend(series(T0, MIN, [20, 21]), MIN, [999, 999, 999, 999, 999], 'calibrating');
    const { active, conditions } = simulate(evaluateThreshold, raw, s);
    expect(active.some(Boolean)).toBe(false);
    expect(conditions.at(-1)).toBeUndefined();
  });

  it('faulty and out_of_range samples are ignored in the mean', () => {
    const rule = makeRule<ThresholdRule>({ kind: 'threshold', metric: 'pm25', op: 'above', raise: 50, clear: 45, over: 'mean', windowMinutes: 60 });
    let s = series(T0, MIN, Array<number>(50).fill(30));
    s = extend(s, MIN, Array<number>(5).fill(999), 'calibrating');
    s = extend(s, MIN, Array<number>(3).fill(2000), 'out_of_range');
    s = extend(s, MIN, [30, 30]);
    const c = evaluateThreshold(inputFor(rule, s));
    expect(c).toMatchObject({ active: false, value: 30 });
  });
});

describe('threshold mean', () => {
  const rule = makeRule<ThresholdRule>({
    kind: 'threshold',
    metric: 'pm25',
    op: 'above',
    raise: 50,
    clear: 47.5,
    over: 'mean',
    windowMinutes: 60,
    name: { en: 'PM2.5 1 h mean', vi: 'PM2,5 trung bình 1 giờ' },
    source: 'QCVN 05:2023',
  });

  it('averages valid samples in (newest − window, newest]', () => {
    // 30 samples of 10 just outside the window, then 60 of 52.3 inside it
    const s = extend(series(T0, MIN, Array<number>(30).fill(10)), MIN, Array<number>(60).fill(52.3));
    const c = evaluateThreshold(inputFor(rule, s));
    expect(c?.active).toBe(true);
    expect(c?.value).toBeCloseTo(52.3, 9);
    expect(c?.message).toEqual({ en: 'PM2.5 1 h mean 52.3 above 50 (QCVN 05:2023)', vi: 'PM2,5 trung bình 1 giờ 52,3 vượt 50 (QCVN 05:2023)' });
    expect(c?.evidence).toHaveLength(20);
  });

  it('coverage below minCoverage (default 0.75) gives undefined', () => {
    // 44 of 60 expected = 0.73; samples every minute for the last 44 minutes only
    expect(evaluateThreshold(inputFor(rule, series(T0, MIN, Array<number>(44).fill(80))))).toBeUndefined();
    expect(evaluateThreshold(inputFor(rule, series(T0, MIN, Array<number>(45).fill(80))))?.active).toBe(true);
    // gaps count: 60 minutes with one sample every 2 minutes = 0.5
    expect(evaluateThreshold(inputFor(rule, series(T0, 2 * MIN, Array<number>(30).fill(80))))).toBeUndefined();
  });

  it('honours a rule-specific minCoverage', () => {
    const loose = makeRule<ThresholdRule>({ ...rule, minCoverage: 0.5 });
    expect(evaluateThreshold(inputFor(loose, series(T0, 2 * MIN, Array<number>(30).fill(80))))?.active).toBe(true);
  });
});

describe('validFrom/validUntil: QCVN 05:2023 PM2.5 24 h, 50 until 2025, 45 from 2026', () => {
  const pack = JSON.parse(readFileSync(new URL('../packs/qcvn05-2023-air.json', import.meta.url), 'utf8')) as { rules: Array<{ id: string }> };
  const byId = (id: string): ThresholdRule => {
    const r = pack.rules.find((x) => x.id === id);
    if (r === undefined) throw new Error(id);
    return makeRule<ThresholdRule>(r);
  };
  const until2025 = byId('qcvn05.pm25-24h-until-2025');
  const from2026 = byId('qcvn05.pm25-24h-from-2026');
  const day = (endLocal: string): ReturnType<typeof series> => {
    const end = Date.parse(endLocal);
    return series(end - 24 * HOUR + MIN, MIN, Array<number>(1440).fill(47));
  };

  it('on 2026-01-02 a 24 h mean of 47 is active under 45 and not under 50', () => {
    const s = day('2026-01-02T12:00:00+07:00');
    expect(evaluateThreshold(inputFor(from2026, s))).toMatchObject({ active: true, value: 47 });
    const old = evaluateThreshold(inputFor(until2025, s));
    expect(old?.active).toBe(false);
    expect(old?.message.en).toContain('not in force');
  });

  it('on 2025-12-31 the 50 rule applies (47 is within) and the 45 rule is not in force', () => {
    const s = day('2025-12-31T12:00:00+07:00');
    expect(evaluateThreshold(inputFor(until2025, s))).toMatchObject({ active: false, value: 47 });
    expect(evaluateThreshold(inputFor(from2026, s))?.message.vi).toContain('không áp dụng');
  });

  it('switches exactly at local midnight, 2026-01-01T00:00+07:00 (validFrom inclusive, validUntil exclusive)', () => {
    const atMidnight = day('2026-01-01T00:00:00+07:00');
    expect(evaluateThreshold(inputFor(from2026, atMidnight))?.active).toBe(true);
    expect(evaluateThreshold(inputFor(until2025, atMidnight))?.message.en).toContain('not in force');
    const minuteBefore = day('2025-12-31T23:59:00+07:00');
    expect(evaluateThreshold(inputFor(from2026, minuteBefore))?.active).toBe(false);
    expect(evaluateThreshold(inputFor(until2025, minuteBefore))).toMatchObject({ active: false, value: 47 });
  });
});
