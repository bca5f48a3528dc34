import { linearRegression } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { evaluateForecast, trend } from './forecast.js';
import type { ValidSample } from './samples.js';
import { MIN, extend, inputFor, makeRule, series } from './test-support/fixtures.js';
import type { ForecastRule } from './types.js';

const T0 = Date.parse('2025-12-15T06:00:00+07:00');
const rule = makeRule<ForecastRule>({
  kind: 'forecast',
  metric: 'pm25',
  windowMinutes: 60,
  minPoints: 30,
  op: 'above',
  limit: 150,
  horizonMinutes: 60,
  name: { en: 'PM2.5 early warning', vi: 'Cảnh báo sớm PM2,5' },
});
/** 61 samples, one a minute, linear from `from` by `perMin`. */
const line = (from: number, perMin: number): ReturnType<typeof series> =>
  series(
    T0,
    MIN,
    Array.from({ length: 61 }, (_, i) => from + i * perMin),
  );

describe('forecast', () => {
  it('projects the crossing time of a rising trend', () => {
    // 100 → 130 over the hour (0.5/min): 150 is reached 40 min after the newest sample (07:00)
    const c = evaluateForecast(inputFor(rule, line(100, 0.5)));
    expect(c?.active).toBe(true);
    expect(c?.projectedAt).toBe(T0 + 100 * MIN);
    expect(c?.value).toBeCloseTo(160, 6);
    expect(c?.message.en).toBe('PM2.5 early warning: early warning, 130 trending 30/h, projected to reach 150 at 2025-12-15 07:40 (UTC+7, in 40 min)');
    expect(c?.message.vi).toBe('Cảnh báo sớm PM2,5: cảnh báo sớm, 130 đang tăng 30/giờ, dự báo chạm 150 lúc 2025-12-15 07:40 (giờ Việt Nam, sau 40 phút)');
  });

  it('is inactive when the crossing is beyond the horizon', () => {
    expect(evaluateForecast(inputFor(rule, line(100, 0.25)))?.active).toBe(false); // 115 now, 140 min away
  });

  it('is inactive when the slope points away from the limit', () => {
    const c = evaluateForecast(inputFor(rule, line(140, -0.1)));
    expect(c?.active).toBe(false);
    expect(c?.projectedAt).toBeUndefined();
  });

  it('is inactive once the limit is crossed (the threshold rule takes over)', () => {
    const c = evaluateForecast(inputFor(rule, line(120, 0.6)));
    expect(c?.active).toBe(false);
    expect(c?.message.en).toContain('already above 150');
  });

  it('mirrors for op below', () => {
    const low = makeRule<ForecastRule>({ ...rule, op: 'below', limit: 4, name: { en: 'DO', vi: 'DO' } });
    const c = evaluateForecast(inputFor(low, line(6, -0.02))); // 4.8 now, 4 in 40 min
    expect(c?.active).toBe(true);
    expect(c?.projectedAt).toBe(T0 + 100 * MIN);
    expect(c?.message.vi).toContain('đang giảm 1,2/giờ');
  });

  it('needs minPoints valid samples in the window', () => {
    expect(
      evaluateForecast(
        inputFor(
          rule,
          series(
            T0,
            3 * MIN,
            Array.from({ length: 21 }, (_, i) => 100 + i * 1.5),
          ),
        ),
      ),
    ).toBeUndefined();
  });

  it('calibration suppression: calibrating 999s do not bend the trend', () => {
    let s = series(T0, MIN, Array<number>(50).fill(40));
    s = extend(s, MIN, [999], 'calibrating');
    s = extend(s, MIN, [40]);
    s = extend(s, MIN, [999, 999], 'calibrating');
    expect(evaluateForecast(inputFor(rule, s))?.active).toBe(false);
  });

  it('fits the same line as simple-statistics, bit for bit, on noisy irregular data', () => {
    // the fit runs in place over the window (no [x, y] pairs built); the library is the judge
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 200; round++) {
      const n = 2 + Math.floor(rand() * 500);
      const samples: ValidSample[] = [];
      let ts = T0;
      for (let i = 0; i < n; i++) {
        ts += 1000 + Math.floor(rand() * 120_000);
        samples.push({ ts, value: 1e-3 + rand() * 10 ** (rand() * 4), quality: 'valid' });
      }
      const from = Math.floor(rand() * (n - 1));
      const origin = samples.at(-1)!.ts;
      const expected = linearRegression(samples.slice(from).map((s) => [(s.ts - origin) / 60_000, s.value]));
      const got = trend(samples, from, n, origin);
      expect(got.m).toBe(expected.m);
      expect(got.b).toBe(expected.b);
    }
  });
});
