import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VN_AQI_CATEGORIES } from '../../domain/indices/index.js';
import type { Rule } from '../rules/types.js';
import { BUILTIN_PACKS_DIR, loadPacks } from './index.js';

const profileMetrics = (profile: string): string[] => {
  const json = JSON.parse(readFileSync(new URL(`../../device-profiles/${profile}.json`, import.meta.url), 'utf8')) as { metrics: Record<string, unknown> };
  return Object.keys(json.metrics);
};
/** Series the engine computes and passes in as samples (types.ts, LevelsRule.metric). */
const ENGINE_SERIES = ['vn_aqi_hourly'];

describe('built-in packs', () => {
  const packs = loadPacks();
  const rules = packs.flatMap((p) => p.rules);
  const byId = (id: string): Rule => {
    const r = rules.find((x) => x.id === id);
    if (r === undefined) throw new Error(id);
    return r;
  };

  it('every pack file loads and every rule validates', () => {
    expect(packs.map((p) => p.pack).sort()).toEqual(['flood', 'qcvn05', 'qcvn08', 'qcvn40', 'qcvn40a', 'salinity']);
    expect(readdirSync(BUILTIN_PACKS_DIR).filter((f) => f.endsWith('.json'))).toHaveLength(packs.length);
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
    for (const p of packs) for (const r of p.rules) expect(r.id.startsWith(`${p.pack}.`)).toBe(true);
  });

  it('every rule is profile-scoped and watches a metric its profile has', () => {
    for (const r of rules) {
      expect('profile' in r.scope, r.id).toBe(true);
      const profile = 'profile' in r.scope ? r.scope.profile : '';
      const metric = 'metric' in r ? r.metric : undefined;
      if (metric !== undefined && !ENGINE_SERIES.includes(metric)) expect(profileMetrics(profile), r.id).toContain(metric);
    }
  });

  it('QCVN 05:2023 limits and averaging times (Bảng 1)', () => {
    const limits = rules
      .filter((r) => r.kind === 'threshold' && r.id.startsWith('qcvn05.'))
      .map((r) => (r.kind === 'threshold' ? [r.metric, r.windowMinutes, r.raise, r.validFrom ?? null, r.validUntil ?? null] : []));
    expect(limits).toEqual([
      ['so2', 60, 350, null, null],
      ['no2', 60, 200, null, null],
      ['o3', 60, 200, null, null],
      ['co', 60, 30000, null, null],
      ['o3', 480, 120, null, null],
      ['co', 480, 10000, null, null],
      ['so2', 1440, 125, null, null],
      ['no2', 1440, 100, null, null],
      ['pm10', 1440, 100, null, null],
      ['pm25', 1440, 50, null, '2026-01-01T00:00:00+07:00'],
      ['pm25', 1440, 45, '2026-01-01T00:00:00+07:00', null],
    ]);
  });

  it('the VN_AQI levels match the categories of QĐ 1459 (alerts/indices)', () => {
    const rule = byId('qcvn05.vn-aqi-hourly');
    if (rule.kind !== 'levels') throw new Error('kind');
    const cats = VN_AQI_CATEGORIES.filter((c) => c.min >= 101);
    expect(rule.levels.map((l) => [l.value, l.label.vi])).toEqual(cats.map((c) => [c.min, c.nameVi]));
    expect(rule.levels.map((l) => l.severity)).toEqual(['warning', 'warning', 'critical', 'critical']);
    expect(rule.hysteresis).toBe(5);
  });

  it('column A rules are disabled by default; column B enabled', () => {
    expect(packs.find((p) => p.pack === 'qcvn40a')?.rules.every((r) => !r.enabled)).toBe(true);
    expect(packs.find((p) => p.pack === 'qcvn40')?.rules.every((r) => r.enabled)).toBe(true);
    expect(packs.find((p) => p.pack === 'qcvn40')?.title.en).toContain('QCVN 40:2025');
  });

  it('flood levels come from the station; salinity marks the M interpretation', () => {
    const flood = byId('flood.water-level');
    expect(flood.kind === 'levels' && flood.levelsFromStationAttribute).toBe('floodLevels');
    expect(packs.find((p) => p.pack === 'flood')?.source).toContain('9.5, 10.5, 11.5');
    expect(packs.find((p) => p.pack === 'salinity')?.source).toContain('[M]');
  });
});

describe('loadPacks errors', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const pack = (id: string, rules: unknown[]): string => JSON.stringify({ pack: id, title: { en: 'T', vi: 'T' }, source: 'S', rules });
  const rule = (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    id,
    kind: 'no_data',
    name: { en: 'n', vi: 'n' },
    scope: { profile: 'air-quality' },
    severity: 'warning',
    factor: 5,
    ...extra,
  });

  it('names the file, the rule id and the errors', () => {
    dir = mkdtempSync(join(tmpdir(), 'packs-'));
    writeFileSync(join(dir, 'bad.json'), pack('bad', [rule('bad.a'), rule('bad.b', { factor: 'five' })]));
    expect(() => loadPacks(dir)).toThrow('bad.json: rule bad.b: factor: must be number');
  });

  it('rejects duplicate rule ids across packs and ids without the pack prefix', () => {
    dir = mkdtempSync(join(tmpdir(), 'packs-'));
    writeFileSync(join(dir, 'a.json'), pack('a', [rule('a.x')]));
    writeFileSync(join(dir, 'b.json'), pack('a', [rule('a.y')]));
    expect(() => loadPacks(dir)).toThrow('b.json: pack id "a" is already used by a.json');
    writeFileSync(join(dir, 'b.json'), pack('b', [rule('a.x')]));
    expect(() => loadPacks(dir)).toThrow('b.json: rule a.x: id: must start with the pack id "b."');
  });

  it('rejects a duplicate rule id (same pack) and a malformed pack', () => {
    dir = mkdtempSync(join(tmpdir(), 'packs-'));
    writeFileSync(join(dir, 'a.json'), pack('a', [rule('a.x'), rule('a.x')]));
    expect(() => loadPacks(dir)).toThrow('a.json: rule a.x: id is already used in a.json');
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ pack: 'a', rules: {} }));
    expect(() => loadPacks(dir)).toThrow('a.json: invalid pack: title: must be { en, vi } with non-empty strings; source: must be a non-empty string; rules: must be an array');
    writeFileSync(join(dir, 'a.json'), '{');
    expect(() => loadPacks(dir)).toThrow(/^a\.json: not valid JSON/);
  });
});
