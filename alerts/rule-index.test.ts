import { describe, expect, it } from 'vitest';
import { loadProfiles } from '../device-profiles/index.js';
import type { StoredRule } from '../store/alerts.js';
import type { Station } from '../store/stations.js';
import { AQI_METRIC } from './aqi.js';
import { createRuleIndex } from './rule-index.js';

const profiles = loadProfiles();

function station(id: string, profileId = 'air-quality'): Station {
  return {
    id,
    name: id,
    profileId,
    lat: 21,
    lon: 105.8,
    province: null,
    timezone: 'Asia/Ho_Chi_Minh',
    enabled: true,
    simulated: false,
    connectionState: 'unknown',
    connectionChangedAt: null,
    createdAt: new Date(0),
    attributes: {},
  };
}

function stored(id: string, definition: Record<string, unknown>): StoredRule {
  const base = {
    id,
    name: { en: id, vi: id },
    kind: 'threshold',
    scope: { profile: 'air-quality' },
    metric: 'pm25',
    severity: 'warning',
    op: 'above',
    raise: 100,
    clear: 80,
    over: 'raw',
  };
  return { id, definition: { ...base, ...definition }, origin: 'user', pack: null, updatedAt: new Date(0), updatedBy: 'admin' };
}

describe('createRuleIndex', () => {
  it('indexes enabled rules by profile and station, and reports the invalid ones', () => {
    const rules = createRuleIndex(profiles);
    const invalid = rules.replace([
      stored('a.profile', {}),
      stored('b.station', { scope: { station: 'S1' }, metric: 'pm10' }),
      stored('c.disabled', { enabled: false }),
      stored('d.invalid', { clear: 120 }),
    ]);
    expect(invalid.map((r) => r.id)).toEqual(['d.invalid']);
    expect(rules.rulesFor(station('S1')).map((r) => r.id)).toEqual(['a.profile', 'b.station']);
    expect(rules.rulesFor(station('S2')).map((r) => r.id)).toEqual(['a.profile']);
    expect(rules.hasRuleFor(station('S1'), 'pm10')).toBe(true);
    expect(rules.hasRuleFor(station('S2'), 'pm10')).toBe(false);
    expect(rules.list().map((v) => v.rule.id)).toEqual(['a.profile', 'b.station', 'c.disabled']);
    expect(rules.view('d.invalid')).toBeUndefined();
    expect(rules.view('a.profile')).toMatchObject({ origin: 'user', updatedBy: 'admin', updatedAt: new Date(0).toISOString() });
  });

  it('gives intervals from the profile (hourly for the AQI) and a lookback of at least 10 minutes', () => {
    const rules = createRuleIndex(profiles);
    rules.replace([stored('a.profile', {})]);
    expect(rules.intervalMs(station('S1'), 'pm25')).toBe(60_000);
    expect(rules.intervalMs(station('S1'), AQI_METRIC)).toBe(3_600_000);
    expect(rules.intervalMs(station('S1', 'no-such-profile'), 'pm25')).toBe(60_000);
    expect(rules.lookbackFor(station('S1'), 'pm25')).toBeGreaterThanOrEqual(10 * 60_000);
  });
});
