import { describe, expect, it } from 'vitest';
import { VN_AQI_BREAKPOINTS, VN_AQI_LEVELS, type VnAqiColumn, type VnAqiPollutant, dailyVnAqi, hourlyVnAqi, subIndex } from './vn-aqi.js';

const POLLUTANT_OF: Record<VnAqiColumn, VnAqiPollutant> = {
  o3_1h: 'o3',
  o3_8h: 'o3',
  co: 'co',
  so2: 'so2',
  no2: 'no2',
  pm10: 'pm10',
  pm25: 'pm25',
};

describe('subIndex (QĐ 1459 Bảng 2, formula 1)', () => {
  it('reproduces the sub-indices of the §1.7 hourly example', () => {
    expect(subIndex('o3', 136.1)).toBeCloseTo(42.53, 2); // 50/160·136.1
    expect(subIndex('no2', 118.7)).toBeCloseTo(59.35, 10); // 50 + 50/100·18.7
    expect(subIndex('pm25', 20.3)).toBeCloseTo(40.6, 10); // 50/25·20.3
  });

  it('hits I_i exactly at every breakpoint of every column (contiguous segments)', () => {
    for (const [column, bps] of Object.entries(VN_AQI_BREAKPOINTS) as Array<[VnAqiColumn, readonly number[]]>) {
      bps.forEach((bp, i) => {
        expect(subIndex(POLLUTANT_OF[column], bp, column), `${column} @ ${bp}`).toBeCloseTo(VN_AQI_LEVELS[i] ?? NaN, 9);
        // No gap: just below and just above a breakpoint stay within 0.01 of I_i.
        if (i > 0) expect(Math.abs(subIndex(POLLUTANT_OF[column], bp - 1e-6, column) - (VN_AQI_LEVELS[i] ?? NaN))).toBeLessThan(0.01);
      });
    }
  });

  it('PM2.5 boundaries: 25 → 50, 50 → 100 exactly, 80 → 150, 500 and above → 500', () => {
    expect(subIndex('pm25', 25)).toBe(50);
    expect(subIndex('pm25', 50)).toBe(100);
    expect(subIndex('pm25', 80)).toBe(150);
    expect(subIndex('pm25', 500)).toBe(500);
    expect(subIndex('pm25', 501)).toBe(500);
    expect(subIndex('pm25', 5000)).toBe(500);
    expect(subIndex('co', 150000)).toBe(500);
    expect(subIndex('o3', 1300)).toBe(500);
  });

  it('treats negative noise as 0, and rejects bad input', () => {
    expect(subIndex('pm10', -0.5)).toBe(0);
    expect(() => subIndex('pm25', Number.NaN)).toThrow(RangeError);
    expect(() => subIndex('pm25', 10, 'o3_8h')).toThrow(RangeError);
    expect(() => subIndex('o3', 401, 'o3_8h')).toThrow(RangeError);
    expect(subIndex('o3', 400, 'o3_8h')).toBe(300);
  });
});

describe('hourlyVnAqi (§1.5)', () => {
  it('gives 59 for the §1.7 example (the decision prints 60 after rounding NO2 up)', () => {
    const r = hourlyVnAqi({ o3: 136.1, no2: 118.7, pm25: 20.3 });
    expect(r?.aqi).toBe(59);
    expect(r?.dominant).toBe('no2');
    expect(r?.category.nameVi).toBe('Trung bình');
    expect(r?.subIndices.no2).toBeCloseTo(59.35, 10);
    expect(r?.subIndices.pm25).toBeCloseTo(40.6, 10);
  });

  it('returns null without PM, even with gases', () => {
    expect(hourlyVnAqi({ o3: 136.1, no2: 118.7 })).toBeNull();
    expect(hourlyVnAqi({ pm25: null, pm10: undefined, co: 5000 })).toBeNull();
  });

  it('works with PM10 alone and prefers PM on ties', () => {
    // PM10 50 → 50; SO2 125 → 50: a tie, reported as PM10.
    const r = hourlyVnAqi({ pm10: 50, so2: 125 });
    expect(r?.aqi).toBe(50);
    expect(r?.dominant).toBe('pm10');
    expect(r?.category.nameVi).toBe('Tốt');
  });

  it('maps AQI boundaries to categories: 51 Trung bình, 101 Kém, 301 Nguy hại', () => {
    // PM2.5 25.5 → 51; 50.3 → 100.5 → 101; 250.1 → 300.1 → 300; 250.5 → 300.5 → 301.
    expect(hourlyVnAqi({ pm25: 25.5 })?.category.nameVi).toBe('Trung bình');
    expect(hourlyVnAqi({ pm25: 50.3 })?.aqi).toBe(101);
    expect(hourlyVnAqi({ pm25: 50.3 })?.category.nameVi).toBe('Kém');
    expect(hourlyVnAqi({ pm25: 250.1 })?.category.nameVi).toBe('Rất xấu');
    expect(hourlyVnAqi({ pm25: 250.5 })?.aqi).toBe(301);
    expect(hourlyVnAqi({ pm25: 250.5 })?.category.nameVi).toBe('Nguy hại');
  });
});

describe('dailyVnAqi (§1.6)', () => {
  it('gives 110 for the §1.7 daily example (PM2.5 109.5 rounds half up)', () => {
    const r = dailyVnAqi({ o3_8h: 89.3, o3_1h: 114.6, no2: 130.8, pm25: 55.7 });
    expect(r?.aqi).toBe(110);
    expect(r?.dominant).toBe('pm25');
    expect(r?.category.nameVi).toBe('Kém');
    expect(r?.subIndices.pm25).toBeCloseTo(109.5, 10);
    expect(r?.subIndices.no2).toBeCloseTo(65.4, 10);
    // O3: max(8h 44.65, 1h 35.81) = the 8-hour one.
    expect(r?.subIndices.o3).toBeCloseTo(44.65, 10);
  });

  it('takes the 1-hour O3 sub-index when it is larger', () => {
    // 1h 400 → 200; 8h 150 → 130
    expect(dailyVnAqi({ pm25: 10, o3_1h: 400, o3_8h: 150 })?.subIndices.o3).toBeCloseTo(200, 10);
  });

  it('skips the 8-hour O3 sub-index above 400 µg/m³', () => {
    // 8h 450 is off the 8h column (it would otherwise win); 1h 500 → 200 + 100/400·100 = 225.
    const r = dailyVnAqi({ pm25: 10, o3_1h: 500, o3_8h: 450 });
    expect(r?.subIndices.o3).toBeCloseTo(225, 10);
    expect(r?.aqi).toBe(225);
    expect(r?.dominant).toBe('o3');
    // With only the (skipped) 8-hour value there is no O3 sub-index at all.
    expect(dailyVnAqi({ pm25: 10, o3_8h: 450 })?.subIndices.o3).toBeUndefined();
  });

  it('returns null without PM', () => {
    expect(dailyVnAqi({ no2: 130.8, o3_1h: 114.6 })).toBeNull();
  });
});
