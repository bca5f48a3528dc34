import { describe, expect, it } from 'vitest';
import { doSaturation } from './vn-wqi-subindex.js';
import { vnWqi } from './vn-wqi.js';

describe('vnWqi (QĐ 1460, STANDARDS §3.2)', () => {
  // Case A, all five kinds of aggregation except group II:
  //   I   pH 7 → 100
  //   II  none → counts as 100
  //   III Cu 0.2 → 75, Zn 0.5 → 100; geometric mean √(75·100) = 86.6025
  //   IV  BOD5 6 → 75, COD 30 → 50, NH4 0.6 → 50, PO4 0.1 → 100; mean 275/4 = 68.75
  //   V   coliform 5000 → 75, E. coli 50 → 75; mean 75
  //   (b) 1 · 1 · 0.866025 · ∛(68.75²·75) = 0.866025 · ∛354492.1875 = 0.866025 · 70.7734 = 61.29 → 61
  //   (a) 1 · 1 · 0.866025 · √(68.75·75)  = 0.866025 · √5156.25     = 0.866025 · 71.8071 = 62.19 → 62
  const caseA = { ph: 7, cu: 0.2, zn: 0.5, bod5: 6, cod: 30, nh4: 0.6, po4: 0.1, coliform: 5000, ecoli: 50 };

  it('case A, default variant (b): 61, Trung bình', () => {
    const r = vnWqi(caseA);
    if (r.wqi === null) throw new Error(r.message);
    expect(r.formula).toBe('b');
    expect(r.groups).toEqual({ I: 100, II: null, III: expect.closeTo(86.6025, 4), IV: 68.75, V: 75 });
    expect(r.wqiExact).toBeCloseTo(61.2914, 4);
    expect(r.wqi).toBe(61);
    expect(r.class.nameVi).toBe('Trung bình');
    expect(r.subIndices.cod).toBe(50);
  });

  it('case A, variant (a): 62', () => {
    const r = vnWqi(caseA, { formula: 'a' });
    if (r.wqi === null) throw new Error(r.message);
    expect(r.wqiExact).toBeCloseTo(62.1867, 4);
    expect(r.wqi).toBe(62);
  });

  it('case B, no group V: both variants reduce to factor · WQI_IV', () => {
    // I pH 8.75 → 75; III As 0.02 → 75; IV BOD5 4 → 100, COD 15 → 75, TOC 15 → 50 → 75.
    // 0.75 · 1 · 0.75 · 75 = 42.1875 → 42, Xấu.
    const input = { ph: 8.75, as: 0.02, bod5: 4, cod: 15, toc: 15 };
    for (const formula of ['a', 'b'] as const) {
      const r = vnWqi(input, { formula });
      if (r.wqi === null) throw new Error(r.message);
      expect(r.wqiExact).toBeCloseTo(42.1875, 10);
      expect(r.wqi).toBe(42);
      expect(r.class.nameVi).toBe('Xấu');
    }
  });

  it('case C, pesticides and DO: geometric mean punishes one failing pesticide', () => {
    // I pH 7 → 100; II aldrin 0.2 → 10, BHC 0.01 → 100 → √1000 = 31.623
    // IV DO at 50 % saturation (25 °C) → 50, BOD5 4 → 100, NH4 0.2 → 100 → 250/3 = 83.333
    // 1 · 0.31623 · 1 · 83.333 = 26.35 → 26, Xấu.
    const r = vnWqi({ ph: 7, aldrin: 0.2, bhc: 0.01, do: doSaturation(25) / 2, temp: 25, bod5: 4, nh4: 0.2 });
    if (r.wqi === null) throw new Error(r.message);
    expect(r.groups.II).toBeCloseTo(31.6228, 4);
    expect(r.groups.IV).toBeCloseTo(83.3333, 4);
    expect(r.wqiExact).toBeCloseTo(26.352, 3);
    expect(r.wqi).toBe(26);
  });

  it('is null when group IV has fewer than 3 parameters, whatever else there is', () => {
    const r = vnWqi({ ph: 7, aldrin: 0.01, cu: 0.1, bod5: 3, cod: 8, coliform: 100 });
    expect(r.wqi).toBeNull();
    if (r.wqi !== null) return;
    expect(r.reason).toBe('group-iv-too-few');
    expect(r.message).toMatch(/group IV/);
  });

  it('does not count DO without a temperature, and says so', () => {
    const r = vnWqi({ ph: 7, cu: 0.1, do: 7, bod5: 3, cod: 8 });
    expect(r.wqi).toBeNull();
    expect(r.unused.do).toMatch(/temperature/);
    if (r.wqi === null) expect(r.reason).toBe('group-iv-too-few');
    expect(vnWqi({ ph: 7, cu: 0.1, do: 7, temp: 25, bod5: 3, cod: 8 }).wqi).not.toBeNull();
  });

  it('is null with fewer than 3 groups', () => {
    const r = vnWqi({ ph: 7, bod5: 3, cod: 8, toc: 3, no3: 1 });
    expect(r.wqi).toBeNull();
    if (r.wqi === null) expect(r.reason).toBe('too-few-groups');
  });

  it('reaches 100 for clean water', () => {
    const r = vnWqi({ ph: 7, bod5: 2, cod: 5, nh4: 0.1, coliform: 100, ecoli: 5 });
    expect(r.wqi).toBe(100);
    if (r.wqi !== null) expect(r.class.nameVi).toBe('Rất tốt');
  });
});
