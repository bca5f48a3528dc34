import { describe, expect, it } from 'vitest';
import { loadProfiles } from '../device-profiles/index.js';
import type { StoredRule } from '../store/alerts.js';
import type { Station } from '../store/stations.js';
import { createRuleIndex } from './rule-index.js';
import { createWindows } from './windows.js';

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

describe('createWindows', () => {
  it('keeps samples in time order, first write wins, trimmed to the lookback; other metrics keep only the latest', () => {
    const rules = createRuleIndex(profiles);
    rules.replace([stored('a.profile', {})]);
    const windows = createWindows(rules);
    const s = station('S1');
    const lookback = rules.lookbackFor(s, 'pm25');
    const t0 = Date.parse('2025-06-01T00:00:00Z');
    windows.record(s, { metric: 'pm25', ts: t0 + 120_000, value: 3, quality: 'valid' }, 1);
    windows.record(s, { metric: 'pm25', ts: t0, value: 1, quality: 'valid' }, 2);
    windows.record(s, { metric: 'pm25', ts: t0 + 60_000, value: 2, quality: 'valid' }, 3);
    windows.record(s, { metric: 'pm25', ts: t0 + 60_000, value: 99, quality: 'valid' }, 4);
    windows.record(s, { metric: 'pm10', ts: t0, value: 40, quality: 'valid' }, 5);
    const w = windows.of('S1');
    expect(w.byMetric.get('pm25')!.map((x) => x.value)).toEqual([1, 2, 3]);
    expect(w.byMetric.has('pm10')).toBe(false);
    expect(w.latestByMetric.get('pm10')).toEqual({ ts: t0, value: 40, quality: 'valid' });
    expect(w.lastReceivedAt).toBe(5);
    windows.record(s, { metric: 'pm25', ts: t0 + lookback + 60_000, value: 4, quality: 'valid' }, 6);
    expect(w.byMetric.get('pm25')!.map((x) => x.value)).toEqual([2, 3, 4]);
    windows.noteRemote('S1', 'pm25', 3);
    expect(w.lastReceivedByMetric.get('pm25')).toBe(6);
  });
});
