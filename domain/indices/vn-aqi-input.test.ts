import { describe, expect, it } from 'vitest';
import { buildDailyVnAqiInput, buildHourlyVnAqiInput, eightHourMeans } from './vn-aqi-input.js';
import { dailyVnAqi, hourlyVnAqi } from './vn-aqi.js';

const constant = (value: number, length = 24): number[] => Array.from({ length }, () => value);

describe('buildHourlyVnAqiInput', () => {
  it('takes the NowCast for PM and the current hour for gases (newest first)', () => {
    const pm25 = [20.6, 19.6, 22.4, 20.3, 16.5, 19.0, 16.5, 19.5, 23.5, 20.5, 24.7, 26.9, 99, 99];
    const input = buildHourlyVnAqiInput({ pm25, no2: [118.7, 300], o3: [136.1] });
    // Only the 12 newest PM hours count: 20.27 as in §1.7, despite the 99s beyond.
    expect(input.pm25).toBeCloseTo(20.27, 2);
    expect(input.no2).toBe(118.7);
    expect(input.o3).toBe(136.1);
    expect(input.pm10).toBeUndefined();
    // NowCast 20.27 → 40.5; NO2 59.35 → AQI 59.
    expect(hourlyVnAqi(input)?.aqi).toBe(59);
  });

  it('propagates "no data" from the 2-of-3 rule and a missing current gas hour', () => {
    const input = buildHourlyVnAqiInput({ pm25: [null, null, 30, 30], so2: [null, 40] });
    expect(input.pm25).toBeNull();
    expect(input.so2).toBeNull();
    expect(hourlyVnAqi(input)).toBeNull();
  });
});

describe('eightHourMeans', () => {
  it('labels each window by its ending hour, using the 7 previous hours', () => {
    // previous 18:00…00:00 = 10 (×7); day 01:00 = 90, then 0.
    const day = [90, ...constant(0, 23)];
    const means = eightHourMeans(day, constant(10, 7));
    expect(means).toHaveLength(24);
    expect(means[0]).toBeCloseTo((7 * 10 + 90) / 8, 10); // 18:00…01:00 = 20
    expect(means[1]).toBeCloseTo((6 * 10 + 90) / 8, 10); // 19:00…02:00
    expect(means[7]).toBeCloseTo(90 / 8, 10); // 01:00…08:00
    expect(means[8]).toBe(0); // 02:00…09:00
  });

  it('needs 6 of 8 hours (project choice), configurable', () => {
    const day = constant(40);
    // Without previous hours, 01:00…05:00 see 1…5 hours: null; 06:00 sees 6.
    const means = eightHourMeans(day);
    expect(means.slice(0, 5)).toEqual([null, null, null, null, null]);
    expect(means[5]).toBe(40);
    // Hours ending 11:00 and 12:00 missing: the window ending 12:00 (05:00…12:00) has 6 of 8.
    const twoMissing = [...constant(40, 10), null, null, ...constant(40, 12)];
    expect(eightHourMeans(twoMissing)[11]).toBe(40);
    expect(eightHourMeans(twoMissing, [], 7)[11]).toBeNull();
    // A third missing hour leaves 5 of 8 in every window that spans the gap.
    const threeMissing = [...constant(40, 10), null, null, null, ...constant(40, 11)];
    expect(eightHourMeans(threeMissing)[12]).toBeNull();
    expect(eightHourMeans(threeMissing, [], 5)[12]).toBe(40);
  });

  it('rejects wrong lengths', () => {
    expect(() => eightHourMeans(constant(1, 23))).toThrow(RangeError);
    expect(() => eightHourMeans(constant(1), constant(1, 8))).toThrow(RangeError);
  });
});

describe('buildDailyVnAqiInput', () => {
  it('means PM, maxes the gases and O3, and feeds dailyVnAqi', () => {
    const no2 = constant(50);
    no2[13] = 130.8;
    const o3 = constant(60);
    o3[14] = 114.6;
    const input = buildDailyVnAqiInput({ pm25: constant(55.7), no2, o3, o3Previous7h: constant(60, 7) });
    expect(input.pm25).toBeCloseTo(55.7, 10);
    expect(input.no2).toBe(130.8);
    expect(input.o3_1h).toBe(114.6);
    // Any 8-hour window holding the 114.6 hour: (7·60 + 114.6)/8 = 66.825
    expect(input.o3_8h).toBeCloseTo(66.825, 10);
    expect(dailyVnAqi(input)?.aqi).toBe(110);
  });

  it('applies the 18-of-24 rule (project choice), configurable', () => {
    const pm = [...constant(30, 18), ...Array<null>(6).fill(null)];
    expect(buildDailyVnAqiInput({ pm25: pm }).pm25).toBe(30);
    const sparse = [...constant(30, 17), ...Array<null>(7).fill(null)];
    expect(buildDailyVnAqiInput({ pm25: sparse }).pm25).toBeNull();
    expect(buildDailyVnAqiInput({ pm25: sparse, co: sparse }).co).toBeNull();
    expect(buildDailyVnAqiInput({ pm25: sparse }, { minHoursPerDay: 12 }).pm25).toBe(30);
    expect(dailyVnAqi(buildDailyVnAqiInput({ pm25: sparse }))).toBeNull();
  });

  it('rejects a series that is not one VN_AQI day, and bad options', () => {
    expect(() => buildDailyVnAqiInput({ pm25: constant(1, 23) })).toThrow(RangeError);
    expect(() => buildDailyVnAqiInput({ pm25: constant(1) }, { minHoursPerDay: 25 })).toThrow(RangeError);
    expect(() => buildDailyVnAqiInput({ pm25: constant(1) }, { minHoursPer8h: 0 })).toThrow(RangeError);
  });
});
