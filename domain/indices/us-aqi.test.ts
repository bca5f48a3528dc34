import { describe, expect, it } from 'vitest';
import { roundHalfUp } from './rounding.js';
import { loadHanoiPm25 } from './test-support/hanoi-pm25.js';
import { usAqi, usAqiSubIndex } from './us-aqi.js';

describe('usAqiSubIndex (EPA TAD, STANDARDS §7)', () => {
  it('uses the 2024 PM2.5 breakpoints by default', () => {
    expect(usAqiSubIndex('pm25', 9.0)).toBe(50);
    expect(usAqiSubIndex('pm25', 9.1)).toBe(51);
    expect(usAqiSubIndex('pm25', 35.4)).toBeCloseTo(100, 10);
    expect(usAqiSubIndex('pm25', 125.4)).toBeCloseTo(200, 10);
    expect(usAqiSubIndex('pm25', 225.5)).toBe(301);
    expect(usAqiSubIndex('pm25', 325.4)).toBeCloseTo(500, 10);
  });

  it('selects the pre-2024 PM2.5 table, with its split 301–400 / 401–500 rows', () => {
    const pre = { edition: 'pre2024' } as const;
    expect(usAqiSubIndex('pm25', 12.0, pre)).toBe(50);
    expect(usAqiSubIndex('pm25', 12.1, pre)).toBe(51);
    expect(usAqiSubIndex('pm25', 150.4, pre)).toBeCloseTo(200, 10);
    expect(usAqiSubIndex('pm25', 350.4, pre)).toBeCloseTo(400, 10);
    expect(usAqiSubIndex('pm25', 350.5, pre)).toBe(401);
    expect(usAqiSubIndex('pm10', 504, pre)).toBeCloseTo(400, 10);
    // 2024 merges that band: PM10 504 → 301 + 199/179·79 = 388.83
    expect(usAqiSubIndex('pm10', 504)).toBeCloseTo(301 + (199 / 179) * 79, 10);
  });

  it('truncates before the lookup', () => {
    // 35.49 → 35.4 (AQI 100), not the 101 band that starts at 35.5.
    expect(roundHalfUp(usAqiSubIndex('pm25', 35.49) ?? NaN)).toBe(100);
    expect(usAqiSubIndex('pm10', 54.9)).toBe(50);
    expect(usAqiSubIndex('o3_8h', 0.0549)).toBe(50);
    expect(usAqiSubIndex('co', 4.49)).toBe(50);
    expect(usAqiSubIndex('no2', 53.9)).toBe(50);
    expect(usAqiSubIndex('so2', 35.99)).toBe(50);
  });

  it('reports 500 above the top breakpoint, for both editions', () => {
    expect(usAqiSubIndex('pm25', 325.5)).toBe(500);
    expect(usAqiSubIndex('pm25', 900)).toBe(500);
    expect(usAqiSubIndex('pm25', 500.5, { edition: 'pre2024' })).toBe(500);
    expect(usAqiSubIndex('no2', 5000)).toBe(500);
  });

  it('leaves the ozone columns undefined where the TAD does', () => {
    expect(usAqiSubIndex('o3_1h', 0.1)).toBeNull();
    expect(usAqiSubIndex('o3_1h', 0.125)).toBe(101);
    expect(usAqiSubIndex('o3_8h', 0.2)).toBeCloseTo(300, 10);
    expect(usAqiSubIndex('o3_8h', 0.25)).toBeNull();
  });

  it('counts a negative reading as 0 and rejects NaN', () => {
    expect(usAqiSubIndex('pm25', -1.5)).toBe(0);
    expect(() => usAqiSubIndex('pm25', Number.NaN)).toThrow(RangeError);
  });
});

describe('usAqi', () => {
  it('takes the max sub-index, rounded, with its category', () => {
    // PM2.5 40 → 101 + 49/19.9·4.5 = 112.08; O3 0.060 → 51 + 49/0.015·0.005 = 67.33
    const r = usAqi({ pm25: 40, o3_8h: 0.06, no2: null });
    expect(r?.aqi).toBe(112);
    expect(r?.dominant).toBe('pm25');
    expect(r?.category.nameEn).toBe('Unhealthy for Sensitive Groups');
    expect(r?.subIndices.o3_8h).toBeCloseTo(67.33, 2);
    expect(r?.subIndices.no2).toBeUndefined();
  });

  it('returns null when nothing is defined', () => {
    expect(usAqi({})).toBeNull();
    expect(usAqi({ o3_1h: 0.05 })).toBeNull();
  });
});

describe('pre-2024 US AQI against the published Hanoi StateAir AQI', () => {
  // Observed: 2018 8,100 of 8,100 hours equal; 2019 1,905 of 1,905 equal (max |diff| 0).
  // The published AQI is round-half-up of the pre-2024 PM2.5 sub-index of the published NowCast,
  // and its category name matches ours on every hour.
  it.each(['2018', '2019'])('%s: every published AQI and category is reproduced', (year) => {
    const rows = loadHanoiPm25(new URL(`../../../shared/data/hanoi-pm25/Hanoi_PM2.5_${year}.csv`, import.meta.url));
    let compared = 0;
    let equal = 0;
    let maxAbsDiff = 0;
    const mismatches: string[] = [];
    for (const row of rows) {
      if (row.nowcast === null || row.aqi === null) continue;
      compared += 1;
      const ours = usAqi({ pm25: row.nowcast }, { edition: 'pre2024' });
      if (ours === null) throw new Error(`no AQI for ${row.label}`);
      const diff = Math.abs(ours.aqi - row.aqi);
      maxAbsDiff = Math.max(maxAbsDiff, diff);
      if (diff === 0 && ours.category.nameEn === row.category) equal += 1;
      else mismatches.push(`${row.label}: NowCast ${row.nowcast} → ours ${ours.aqi} ${ours.category.nameEn}, published ${row.aqi} ${row.category}`);
    }
    expect(compared).toBeGreaterThan(year === '2018' ? 8000 : 1800);
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(equal).toBe(compared);
    expect(maxAbsDiff).toBe(0);
  });
});
