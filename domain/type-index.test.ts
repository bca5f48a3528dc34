import { describe, expect, it } from 'vitest';
import {
  boundsFromThresholds,
  complianceIndex,
  floodIndex,
  floodLevelsOf,
  permitLimitsOf,
  salinityIndex,
  stationTypeIndex,
  typeIndexKey,
  typeIndexKindOf,
  typeIndexTables,
  wastewaterLimits,
  type RuleLike,
} from './type-index.js';

describe('typeIndexKindOf', () => {
  it('names the per-type index of hydromet, salinity and wastewater only', () => {
    expect(typeIndexKindOf('hydromet')).toBe('flood');
    expect(typeIndexKindOf('salinity')).toBe('salinity');
    expect(typeIndexKindOf('wastewater')).toBe('compliance');
    expect(typeIndexKindOf('air-quality')).toBeUndefined();
    expect(typeIndexKindOf('surface-water')).toBeUndefined();
  });
});

describe('floodLevelsOf / floodIndex (BĐ I/II/III at the station’s own levels)', () => {
  it('reads numbers or { value } objects, sorted; refuses malformed or empty ones', () => {
    expect(floodLevelsOf({ floodLevels: [10.5, 9.5, 11.5] })).toEqual([9.5, 10.5, 11.5]);
    expect(floodLevelsOf({ floodLevels: [{ value: 3 }, { value: 4, label: { en: 'x', vi: 'x' } }] })).toEqual([3, 4]);
    expect(floodLevelsOf({ floodLevels: [] })).toBeUndefined();
    expect(floodLevelsOf({ floodLevels: [1, 'x'] })).toBeUndefined();
    expect(floodLevelsOf({})).toBeUndefined();
    expect(floodLevelsOf(undefined)).toBeUndefined();
  });
  it.each([
    [9.0, 0],
    [9.5, 1],
    [10.7, 2],
    [11.5, 3],
    [14, 3],
  ])('%s m against [9.5, 10.5, 11.5] is level %i', (value, level) => {
    expect(floodIndex(value, [9.5, 10.5, 11.5])).toEqual({ kind: 'flood', level, value, unit: 'm' });
  });
  it('is null without levels or without a value', () => {
    expect(floodIndex(10, undefined)).toBeNull();
    expect(floodIndex(10, [])).toBeNull();
    expect(floodIndex(null, [1, 2, 3])).toBeNull();
  });
});

describe('salinityIndex (1‰ and 4‰ lines of alerts/packs/salinity.json)', () => {
  it.each([
    [0.4, 'fresh'],
    [1, 'brackish'],
    [3.99, 'brackish'],
    [4, 'saline'],
    [30, 'saline'],
  ])('%s ‰ is %s', (value, cls) => {
    expect(salinityIndex(value)).toEqual({ kind: 'salinity', class: cls, value, unit: '‰' });
  });
  it('takes other lines, and is null without a value', () => {
    expect(salinityIndex(3, [2, 5])?.class).toBe('brackish');
    expect(salinityIndex(undefined)).toBeNull();
  });
});

describe('wastewater limits and compliance', () => {
  const B = boundsFromThresholds([
    { metric: 'cod', op: 'above', raise: 150 },
    { metric: 'ph', op: 'below', raise: 5.5 },
    { metric: 'ph', op: 'above', raise: 9 },
  ]);
  const A = boundsFromThresholds([
    { metric: 'cod', op: 'above', raise: 75 },
    { metric: 'ph', op: 'below', raise: 6 },
    { metric: 'ph', op: 'above', raise: 9 },
  ]);
  it('parses permitLimits (a number is a maximum)', () => {
    expect(permitLimitsOf({ permitLimits: { cod: 75, ph: { min: 6, max: 9 }, bad: 'x' } })).toEqual(
      new Map([
        ['cod', { max: 75 }],
        ['ph', { min: 6, max: 9 }],
      ]),
    );
    expect(permitLimitsOf({}).size).toBe(0);
  });
  it('uses column B by default, the chosen column with Kq × Kf (not on pH), and the permit over both', () => {
    expect(wastewaterLimits({}, { A, B }).get('cod')).toEqual({ max: 150 });
    const a = wastewaterLimits({ qcvn40Column: 'a', kq: 0.9, kf: 1.1 }, { A, B });
    expect(a.get('cod')).toEqual({ max: 74.25 });
    expect(a.get('ph')).toEqual({ min: 6, max: 9 });
    expect(wastewaterLimits({ qcvn40Column: 'A', permitLimits: { cod: 50 } }, { A, B }).get('cod')).toEqual({ max: 50 });
    expect(wastewaterLimits({ permitLimits: { cod: 50 } }, {}).size).toBe(1);
  });
  it('counts the metrics over a maximum or under a minimum, of those with a limit', () => {
    const limits = new Map([
      ['cod', { max: 75 }],
      ['ph', { min: 6, max: 9 }],
      ['tss', { max: 50 }],
    ]);
    expect(
      complianceIndex(
        new Map([
          ['cod', 90],
          ['ph', 7],
        ]),
        limits,
      ),
    ).toEqual({ kind: 'compliance', exceeded: 1, of: 3 });
    expect(complianceIndex(new Map([['ph', 5.9]]), limits)).toEqual({ kind: 'compliance', exceeded: 1, of: 3 });
    expect(complianceIndex(new Map([['cod', 75]]), limits)).toEqual({ kind: 'compliance', exceeded: 0, of: 3 });
    expect(complianceIndex(new Map(), new Map())).toBeNull();
  });
});

describe('typeIndexTables / stationTypeIndex', () => {
  const views: RuleLike[] = [
    { pack: 'salinity', rule: { enabled: true, kind: 'levels', metric: 'salinity', scope: { profile: 'salinity' }, levels: [{ value: 2 }, { value: 5 }] } },
    { pack: 'qcvn40', rule: { enabled: true, kind: 'threshold', metric: 'cod', scope: { profile: 'wastewater' }, op: 'above', raise: 150 } },
    { pack: 'qcvn40a', rule: { enabled: false, kind: 'threshold', metric: 'cod', scope: { profile: 'wastewater' }, op: 'above', raise: 75 } },
    { pack: 'qcvn40', rule: { enabled: true, kind: 'rate_of_change', metric: 'cod', scope: { profile: 'wastewater' }, op: 'rise' } },
  ];
  it('reads the salinity lines and both QCVN 40 columns from the rules, with defaults', () => {
    const t = typeIndexTables(views);
    expect(t.salinityLines).toEqual([2, 5]);
    expect(t.columns.B?.get('cod')).toEqual({ max: 150 });
    expect(t.columns.A?.get('cod')).toEqual({ max: 75 });
    expect(typeIndexTables([])).toEqual({ salinityLines: [1, 4], columns: {} });
  });
  it('gives each type its index, or says what the station lacks', () => {
    const t = typeIndexTables(views);
    expect(stationTypeIndex({ profileId: 'hydromet', attributes: { floodLevels: [9.5, 10.5, 11.5] } }, new Map([['water_level', 10.7]]), t)).toEqual({
      typeIndex: { kind: 'flood', level: 2, value: 10.7, unit: 'm' },
    });
    expect(stationTypeIndex({ profileId: 'hydromet', attributes: {} }, new Map([['water_level', 10.7]]), t)).toEqual({ typeIndex: null, typeIndexMissing: 'levels' });
    expect(stationTypeIndex({ profileId: 'salinity' }, new Map([['salinity', 3]]), t)?.typeIndex).toMatchObject({ class: 'brackish' });
    expect(stationTypeIndex({ profileId: 'wastewater', attributes: { permitLimits: { tss: 50 } } }, new Map([['tss', 60]]), t)?.typeIndex).toEqual({
      kind: 'compliance',
      exceeded: 1,
      of: 2,
    });
    expect(stationTypeIndex({ profileId: 'wastewater', attributes: { permitLimits: { tss: 50 } } }, new Map([['tss', 60]]), t, ['cod'])?.typeIndex).toBeNull();
    expect(stationTypeIndex({ profileId: 'wastewater', attributes: {} }, new Map(), typeIndexTables([]))).toEqual({ typeIndex: null, typeIndexMissing: 'limits' });
    expect(stationTypeIndex({ profileId: 'air-quality' }, new Map(), t)).toBeUndefined();
  });
  it('keys what the overview shows', () => {
    expect(typeIndexKey({ kind: 'compliance', exceeded: 1, of: 2 })).toBe('c1/2');
    expect(typeIndexKey(null)).toBe('');
  });
});
