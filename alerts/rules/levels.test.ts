import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateLevels, levelFor, resolveLevels } from './levels.js';
import { MIN, extend, inputFor, makeRule, series, simulate } from './test-support/fixtures.js';
import type { LevelsRule } from './types.js';

const T0 = Date.parse('2025-10-01T00:00:00+07:00');
const HOURLY = 60 * MIN;
function packRule(file: string, id: string): LevelsRule {
  const pack = JSON.parse(readFileSync(new URL(`../packs/${file}`, import.meta.url), 'utf8')) as { rules: Array<{ id: string }> };
  const r = pack.rules.find((x) => x.id === id);
  if (r === undefined) throw new Error(id);
  return makeRule<LevelsRule>(r);
}
const aqi = packRule('qcvn05-2023-air.json', 'qcvn05.vn-aqi-hourly');
const flood = packRule('flood-levels.json', 'flood.water-level');

describe('levels: VN_AQI (hysteresis 5)', () => {
  it('steps up and down with hysteresis', () => {
    const values = [90, 105, 160, 210, 198, 195, 140, 97, 95, 120];
    const { active, levels, conditions } = simulate(evaluateLevels, aqi, series(T0, HOURLY, values), { expectedIntervalMs: HOURLY });
    expect(active).toEqual([false, true, true, true, true, true, true, true, false, true]);
    expect(levels).toEqual([undefined, 0, 1, 2, 2, 1, 0, 0, undefined, 0]);
    expect(conditions.map((c) => c?.severity)).toEqual([undefined, 'warning', 'warning', 'critical', 'critical', 'warning', 'warning', 'warning', undefined, 'warning']);
    expect(conditions[3]?.message).toEqual({
      en: 'Hourly VN_AQI 210 reached Very bad (201) (QĐ 1459/QĐ-TCMT, Bảng 1)',
      vi: 'VN_AQI giờ 210 đạt Rất xấu (201) (QĐ 1459/QĐ-TCMT, Bảng 1)',
    });
    expect(conditions[4]?.message.vi).toContain('vẫn ở Rất xấu');
  });

  it('may step down several levels at once', () => {
    const { levels } = simulate(evaluateLevels, aqi, series(T0, HOURLY, [320, 120]), { expectedIntervalMs: HOURLY });
    expect(levels).toEqual([3, 0]);
  });

  it('active without a known level holds from the band', () => {
    const c = evaluateLevels(inputFor(aqi, series(T0, HOURLY, [148]), { active: true, expectedIntervalMs: HOURLY }));
    expect(c).toMatchObject({ active: true, level: 1 });
  });

  it('calibration suppression: a calibrating 999 is never a level', () => {
    const s = extend(series(T0, HOURLY, [80]), HOURLY, [999], 'calibrating');
    expect(evaluateLevels(inputFor(aqi, s, { expectedIntervalMs: HOURLY }))?.active).toBe(false);
    const stale = extend(series(T0, HOURLY, [80]), HOURLY, [999, 999, 999], 'calibrating');
    expect(evaluateLevels(inputFor(aqi, stale, { expectedIntervalMs: HOURLY }))).toBeUndefined();
  });

  it('levelFor: reached levels and hysteresis bands', () => {
    const ls = aqi.levels;
    expect(levelFor(ls, 100.9, -1, 5)).toBe(-1);
    expect(levelFor(ls, 101, -1, 5)).toBe(0);
    expect(levelFor(ls, 96, 0, 5)).toBe(0);
    expect(levelFor(ls, 95.9, 0, 5)).toBe(-1);
    expect(levelFor(ls, 500, 0, 5)).toBe(3);
  });

  it('levelFor: the lower edge of the band as written holds (0.2 − 0.05 is 0.15000000000000002 in binary)', () => {
    const ls = [{ value: 0.2 }, { value: 0.28 }].map((l) => ({ ...l, severity: 'warning' as const, label: { en: '', vi: '' } }));
    expect(levelFor(ls, 0.15, 0, 0.05)).toBe(0);
    expect(levelFor(ls, 0.14, 0, 0.05)).toBe(-1);
    expect(levelFor(ls, 0.23, 1, 0.05)).toBe(1);
  });
});

describe('levels: per-station flood levels (QĐ 05/2020/QĐ-TTg)', () => {
  const FIVE = 5 * MIN;
  const longBien = { floodLevels: [9.5, 10.5, 11.5] };
  const sonTay = { floodLevels: [12.4, 13.4, 14.4] };

  it('reads the station attribute and maps labels and severities by index', () => {
    const c = evaluateLevels(inputFor(flood, series(T0, FIVE, [10.62]), { expectedIntervalMs: FIVE, stationAttributes: longBien }));
    expect(c).toMatchObject({ active: true, level: 1, severity: 'warning', value: 10.62 });
    expect(c?.message.en).toBe('Water level 10.62 reached flood alarm level II (BĐ II) (10.5) (QĐ 05/2020/QĐ-TTg)');
    expect(c?.message.vi).toBe('Mực nước 10,62 đạt báo động II (BĐ II) (10,5) (QĐ 05/2020/QĐ-TTg)');
    expect(evaluateLevels(inputFor(flood, series(T0, FIVE, [10.62]), { expectedIntervalMs: FIVE, stationAttributes: sonTay }))?.active).toBe(false);
  });

  it('applies hysteresis 0.05 m on the station levels', () => {
    const values = [9.4, 9.5, 11.6, 11.46, 11.44, 9.46, 9.44];
    const { levels } = simulate(evaluateLevels, flood, series(T0, FIVE, values), { expectedIntervalMs: FIVE, stationAttributes: longBien });
    expect(levels).toEqual([undefined, 0, 2, 2, 1, 0, undefined]);
  });

  it('accepts { value, severity?, label? } objects', () => {
    const attrs = { floodLevels: [{ value: 5.5 }, { value: 6.5, severity: 'critical' }, { value: 7.5, label: { en: 'Level III (Ba Thá)', vi: 'BĐ III (Ba Thá)' } }] };
    const levels = resolveLevels(flood, attrs);
    expect(levels?.map((l) => [l.value, l.severity, l.label.en])).toEqual([
      [5.5, 'info', 'flood alarm level I (BĐ I)'],
      [6.5, 'critical', 'flood alarm level II (BĐ II)'],
      [7.5, 'critical', 'Level III (Ba Thá)'],
    ]);
  });

  it('no levels for the station (missing, malformed, not ascending): undefined', () => {
    const s = series(T0, FIVE, [12]);
    for (const stationAttributes of [{}, { floodLevels: [] }, { floodLevels: 'x' }, { floodLevels: [10, 9, 11] }, { floodLevels: [9, 'a'] }]) {
      expect(evaluateLevels(inputFor(flood, s, { expectedIntervalMs: FIVE, stationAttributes }))).toBeUndefined();
    }
  });
});

describe('levels: salinity', () => {
  it('1‰ warning, 4‰ critical', () => {
    const rule = packRule('salinity.json', 'salinity.salinity-lines');
    const FIVE = 5 * MIN;
    const { levels, conditions } = simulate(evaluateLevels, rule, series(T0, FIVE, [0.5, 1.2, 4.3, 3.95, 3.85, 0.95, 0.85]), { expectedIntervalMs: FIVE });
    expect(levels).toEqual([undefined, 0, 1, 1, 0, 0, undefined]);
    expect(conditions[2]?.severity).toBe('critical');
    expect(conditions[2]?.message.vi).toBe('Độ mặn 4,3 đạt Ranh mặn 4‰ — ngưỡng gây hại cho lúa (4) (QĐ 18/2021/QĐ-TTg (4‰) [V]; crop and domestic-water reading [M])');
  });
});
