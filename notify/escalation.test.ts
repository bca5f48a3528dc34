import { describe, expect, it } from 'vitest';
import type { Policy } from '../store/notifications-routing.js';
import { createEscalationTracker } from './escalation.js';
import { createGrouper, createRepeatTracker } from './grouping.js';
import type { AlertContext } from './policies.js';

const chain = {
  id: 1,
  name: 'c',
  updatedAt: new Date(),
  levels: [
    { afterMinutes: 0, contactPointIds: [1], scheduleIds: [] },
    { afterMinutes: 15, contactPointIds: [2], scheduleIds: [] },
  ],
};
const policy = { id: 7, groupBy: 'station', groupWaitSeconds: 30, repeatIntervalMinutes: 60 } as Policy;
const ctx = (id: number, stationId = 'S1') => ({ alert: { id, stationId }, station: undefined, rule: undefined, pack: null, kind: 'observed' }) as unknown as AlertContext;

describe('escalation chains', () => {
  it('notifies level 1 at once, level 2 after its minutes unacknowledged, each once', () => {
    const e = createEscalationTracker();
    e.start(1, 7, chain, 0);
    expect(e.takeDue(0).map((d) => d.level)).toEqual([1]);
    expect(e.takeDue(14 * 60_000)).toEqual([]);
    expect(e.takeDue(15 * 60_000).map((d) => d.level)).toEqual([2]);
    expect(e.takeDue(60 * 60_000)).toEqual([]);
  });
  it('stops when the alert is acknowledged or resolved', () => {
    const e = createEscalationTracker();
    e.start(1, 7, chain, 0);
    e.takeDue(0);
    e.stop(1);
    expect(e.takeDue(30 * 60_000)).toEqual([]);
    expect(e.running()).toEqual([]);
  });
});

describe('grouping and repeats', () => {
  it('collects alerts of one station within the wait into one group', () => {
    const g = createGrouper();
    for (let i = 1; i <= 5; i++) expect(g.add(policy, ctx(i), 'firing', i * 1000)).toBeUndefined();
    g.add(policy, ctx(6, 'S2'), 'firing', 1000);
    expect(g.takeDue(29_000)).toEqual([]);
    const due = g.takeDue(31_000);
    expect(due.map((x) => x.alerts.size)).toEqual([5, 1]);
  });
  it('repeats while firing and stops when acknowledged', () => {
    const r = createRepeatTracker();
    r.sent(7, 1, 0);
    expect(r.due(policy, 59 * 60_000)).toEqual([]);
    expect(r.due(policy, 60 * 60_000)).toEqual([1]);
    r.stop(1);
    expect(r.due(policy, 120 * 60_000)).toEqual([]);
    expect(r.wasNotified(7, 1)).toBe(true);
  });
});
