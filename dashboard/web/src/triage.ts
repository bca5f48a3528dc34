/**
 * @module dashboard/web/triage
 * What needs attention first: the worst open alert of each station (severity, then firing before
 * pending before acknowledged), and the order of stations on the overview and the wall: a firing
 * critical alert, then a firing warning, then the index category (worse first), then staleness
 * (offline, stale, online), then the name.
 */
import type { AlertJson, LiveState, StationLive } from '../../../domain/live';
import { SEVERITY_RANK, stationIndex } from './common';

const STATE_WEIGHT: Record<AlertJson['state'], number> = { firing: 2, pending: 1, acknowledged: 0, resolved: -1 };
const STALENESS: Record<LiveState, number> = { offline: 2, stale: 1, online: 0 };
export const SEVERITY_COLOUR = { critical: '#d32f2f', warning: '#f59e0b', info: '#1e88e5' } as const;

/** Higher is worse. */
export function alertRank(a: AlertJson): number {
  return SEVERITY_RANK[a.severity] * 3 + STATE_WEIGHT[a.state];
}

/** Each station's worst open alert. */
export function worstAlerts(open: Iterable<AlertJson>): Map<string, AlertJson> {
  const worst = new Map<string, AlertJson>();
  for (const a of open) {
    if (a.state === 'resolved') continue;
    const w = worst.get(a.station);
    if (!w || alertRank(a) > alertRank(w) || (alertRank(a) === alertRank(w) && (a.firingAt ?? a.openedAt) > (w.firingAt ?? w.openedAt))) worst.set(a.station, a);
  }
  return worst;
}

/** Per station, 2: a firing critical alert, 1: a firing warning (none: neither). */
export function firingWeights(open: Iterable<AlertJson>): Map<string, number> {
  const weights = new Map<string, number>();
  for (const a of open) {
    const w = a.state !== 'firing' ? 0 : a.severity === 'critical' ? 2 : a.severity === 'warning' ? 1 : 0;
    if (w > (weights.get(a.station) ?? 0)) weights.set(a.station, w);
  }
  return weights;
}

const collator = new Intl.Collator('vi');

/** A comparator for Array.sort: the station needing attention first. */
export function byAttention(open: Iterable<AlertJson>): (a: StationLive, b: StationLive) => number {
  const firing = firingWeights(open);
  return (a, b) =>
    (firing.get(b.id) ?? 0) - (firing.get(a.id) ?? 0) ||
    stationIndex(b).level - stationIndex(a).level ||
    STALENESS[b.state] - STALENESS[a.state] ||
    collator.compare(a.name, b.name);
}

/** `stations` in attention order (as byAttention), each one's keys computed once: for long lists. */
export function sortByAttention(stations: Iterable<StationLive>, open: Iterable<AlertJson>): StationLive[] {
  const firing = firingWeights(open);
  const keyed = [...stations].map((s) => ({ s, f: firing.get(s.id) ?? 0, l: stationIndex(s).level, st: STALENESS[s.state] }));
  keyed.sort((a, b) => b.f - a.f || b.l - a.l || b.st - a.st || collator.compare(a.s.name, b.s.name));
  return keyed.map((k) => k.s);
}
