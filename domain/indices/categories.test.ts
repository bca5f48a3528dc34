import { describe, expect, it } from 'vitest';
import { US_AQI_CATEGORIES, VN_AQI_CATEGORIES, VN_WQI_CLASSES, usAqiCategory, vnAqiCategory, vnWqiClass } from './categories.js';

describe('vnAqiCategory (QĐ 1459 Bảng 1)', () => {
  it.each([
    [0, 'Tốt'],
    [50, 'Tốt'],
    [50.4, 'Tốt'],
    [50.5, 'Trung bình'],
    [51, 'Trung bình'],
    [100, 'Trung bình'],
    [101, 'Kém'],
    [150, 'Kém'],
    [151, 'Xấu'],
    [200, 'Xấu'],
    [201, 'Rất xấu'],
    [300, 'Rất xấu'],
    [301, 'Nguy hại'],
    [500, 'Nguy hại'],
    [750, 'Nguy hại'],
  ])('%d → %s', (aqi, name) => {
    expect(vnAqiCategory(aqi).nameVi).toBe(name);
  });

  it('carries the official colours and both languages', () => {
    expect(VN_AQI_CATEGORIES.map((c) => c.colorHex)).toEqual(['#00E400', '#FFFF00', '#FF7E00', '#FF0000', '#8F3F97', '#7E0023']);
    expect(vnAqiCategory(120).nameEn).toBe('Poor');
    for (const c of VN_AQI_CATEGORIES) {
      expect(c.adviceVi.length).toBeGreaterThan(10);
      expect(c.adviceEn.length).toBeGreaterThan(10);
    }
  });

  it('rejects negative and NaN', () => {
    expect(() => vnAqiCategory(-1)).toThrow(RangeError);
    expect(() => vnAqiCategory(Number.NaN)).toThrow(RangeError);
  });
});

describe('vnWqiClass (QĐ 1460)', () => {
  it.each([
    [100, 'Rất tốt'],
    [91, 'Rất tốt'],
    [90, 'Tốt'],
    [76, 'Tốt'],
    [75, 'Trung bình'],
    [51, 'Trung bình'],
    [50, 'Xấu'],
    [26, 'Xấu'],
    [25, 'Kém'],
    [10, 'Kém'],
    [9, 'Ô nhiễm rất nặng'],
    [0, 'Ô nhiễm rất nặng'],
  ])('%d → %s', (wqi, name) => {
    expect(vnWqiClass(wqi).nameVi).toBe(name);
  });

  it('has the blue top class and rejects >100', () => {
    expect(VN_WQI_CLASSES[0]?.colorHex).toBe('#3333FF');
    expect(() => vnWqiClass(101)).toThrow(RangeError);
  });
});

describe('usAqiCategory', () => {
  it('classifies the EPA bands', () => {
    expect(usAqiCategory(50).key).toBe('good');
    expect(usAqiCategory(51).key).toBe('moderate');
    expect(usAqiCategory(101).nameEn).toBe('Unhealthy for Sensitive Groups');
    expect(usAqiCategory(151).nameEn).toBe('Unhealthy');
    expect(usAqiCategory(300).nameEn).toBe('Very Unhealthy');
    expect(usAqiCategory(301).nameEn).toBe('Hazardous');
    expect(US_AQI_CATEGORIES).toHaveLength(6);
  });
});
