import { describe, expect, it } from 'vitest';
import { doPercentSaturation, doSaturation, wqiSubIndex } from './vn-wqi-subindex.js';

describe('doSaturation (QĐ 1460 polynomial)', () => {
  it('gives 8.18 mg/L at 25 °C', () => {
    // 14.652 − 0.41022·25 + 0.0079910·625 − 0.000077774·15625
    //   = 14.652 − 10.2555 + 4.994375 − 1.21521875 = 8.17565625.
    // The brief expected "≈ 8.26", the tabulated (APHA) value; the decision's polynomial runs
    // ~0.08 mg/L low at 25 °C. We keep the decision's formula (see doSaturation's note).
    expect(doSaturation(25)).toBeCloseTo(8.17565625, 8);
    expect(Math.abs(doSaturation(25) - 8.26)).toBeLessThan(0.1);
    expect(doSaturation(0)).toBeCloseTo(14.652, 10);
    expect(doSaturation(20)).toBeCloseTo(9.0218, 4);
  });

  it('converts to % saturation', () => {
    expect(doPercentSaturation(doSaturation(25), 25)).toBeCloseTo(100, 10);
    expect(doPercentSaturation(4.0878, 25)).toBeCloseTo(50, 2);
  });
});

describe('wqiSubIndex (QĐ 1460 tables, STANDARDS §3.2)', () => {
  it('falling five-point tables', () => {
    expect(wqiSubIndex('bod5', 3)).toBe(100);
    expect(wqiSubIndex('bod5', 4)).toBe(100);
    expect(wqiSubIndex('bod5', 6)).toBe(75);
    expect(wqiSubIndex('bod5', 10)).toBeCloseTo(75 - (25 * 4) / 9, 10); // 63.89
    expect(wqiSubIndex('bod5', 50)).toBe(10);
    expect(wqiSubIndex('bod5', 80)).toBe(10);
    expect(wqiSubIndex('cod', 40)).toBeCloseTo(37.5, 10); // between 30→50 and 50→25
    expect(wqiSubIndex('po4', 2.25)).toBeCloseTo(17.5, 10); // between 0.5→25 and 4→10
    expect(wqiSubIndex('cr6', 0.075)).toBeCloseTo(17.5, 10);
  });

  it('tables whose first point is q = 75 step down from 100', () => {
    expect(wqiSubIndex('nh4', 0.29)).toBe(100);
    expect(wqiSubIndex('nh4', 0.3)).toBe(75);
    expect(wqiSubIndex('nh4', 0.45)).toBeCloseTo(62.5, 10);
    expect(wqiSubIndex('nh4', 5.1)).toBe(10);
    expect(wqiSubIndex('hg', 0.00125)).toBeCloseTo(62.5, 10);
    expect(wqiSubIndex('cd', 0.004)).toBe(100);
    expect(wqiSubIndex('pb', 0.03)).toBeCloseTo(62.5, 10);
  });

  it('four-point tables drop to 10 above their last point', () => {
    expect(wqiSubIndex('no3', 15)).toBe(25);
    expect(wqiSubIndex('no3', 15.01)).toBe(10);
    expect(wqiSubIndex('as', 0.1)).toBe(25);
    expect(wqiSubIndex('as', 0.11)).toBe(10);
    expect(wqiSubIndex('coliform', 6250)).toBeCloseTo(62.5, 10);
    expect(wqiSubIndex('ecoli', 201)).toBe(10);
  });

  it('pass/fail parameters', () => {
    expect(wqiSubIndex('no2_water', 0.05)).toBe(100);
    expect(wqiSubIndex('no2_water', 0.051)).toBe(10);
    expect(wqiSubIndex('aldrin', 0.1)).toBe(100);
    expect(wqiSubIndex('aldrin', 0.2)).toBe(10);
    expect(wqiSubIndex('bhc', 0.03)).toBe(10);
    expect(wqiSubIndex('ddts', 1)).toBe(100);
    expect(wqiSubIndex('heptachlor', 0.21)).toBe(10);
  });

  it('pH rises 5.5 → 6 and falls 8.5 → 9', () => {
    expect(wqiSubIndex('ph', 5.4)).toBe(10);
    expect(wqiSubIndex('ph', 5.5)).toBe(50);
    expect(wqiSubIndex('ph', 5.75)).toBeCloseTo(75, 10);
    expect(wqiSubIndex('ph', 7)).toBe(100);
    expect(wqiSubIndex('ph', 8.75)).toBeCloseTo(75, 10);
    expect(wqiSubIndex('ph', 9)).toBe(50);
    expect(wqiSubIndex('ph', 9.1)).toBe(10);
  });

  it('DO via % saturation at the given temperature', () => {
    const sat = doSaturation(25);
    expect(wqiSubIndex('do', sat, 25)).toBe(100); // 100 %
    expect(wqiSubIndex('do', sat * 0.5, 25)).toBeCloseTo(50, 10); // 50 %
    expect(wqiSubIndex('do', sat * 0.815, 25)).toBeCloseTo(87.5, 8); // 81.5 %: 75 + 25·6.5/13
    expect(wqiSubIndex('do', sat * 1.185, 25)).toBeCloseTo(87.5, 8); // 118.5 %: falling side
    expect(wqiSubIndex('do', sat * 2, 25)).toBeCloseTo(25, 8);
    expect(wqiSubIndex('do', sat * 2.01, 25)).toBe(10);
    expect(wqiSubIndex('do', sat * 0.19, 25)).toBe(10);
    expect(() => wqiSubIndex('do', 7)).toThrow(RangeError);
    expect(() => wqiSubIndex('cod', Number.NaN)).toThrow(RangeError);
  });
});
