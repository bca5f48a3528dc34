/**
 * @module notify/policies
 * Routing: which policies an alert change goes to. A policy matches when every matcher it sets
 * holds (severity, province, station profile, rule pack, station, kind observed/forecast; an
 * empty list matches anything). Policies are tried in order; the first match wins unless it
 * says `continueMatching`, like Grafana's notification policies.
 */
import type { AlertRecord } from '../domain/alerts.js';
import type { Rule } from '../alerts/rules/types.js';
import type { Station } from '../store/stations.js';
import type { AlertKind, Policy, PolicyMatchers } from '../store/notifications-routing.js';

/** What matching (and the message) needs to know about an alert. */
export interface AlertContext {
  alert: AlertRecord;
  station: Station | undefined;
  rule: Rule | undefined;
  pack: string | null;
  kind: AlertKind;
}

/** A forecast rule warns ahead of time; everything else reports what was observed. */
export function alertKind(rule: Rule | undefined): AlertKind {
  return rule?.kind === 'forecast' ? 'forecast' : 'observed';
}

const fits = <T>(list: readonly T[] | undefined, value: T | null | undefined): boolean =>
  !list || list.length === 0 || (value !== null && value !== undefined && list.includes(value));

export function matches(m: PolicyMatchers, ctx: AlertContext): boolean {
  return (
    fits(m.severities, ctx.alert.severity) &&
    fits(m.provinces, ctx.station?.province) &&
    fits(m.profiles, ctx.station?.profileId) &&
    fits(m.packs, ctx.pack) &&
    fits(m.stations, ctx.alert.stationId) &&
    fits(m.kinds, ctx.kind)
  );
}

/** The policies an alert goes to, in order. */
export function matchPolicies(policies: readonly Policy[], ctx: AlertContext): Policy[] {
  const out: Policy[] = [];
  for (const p of policies) {
    if (!p.enabled || !matches(p.matchers, ctx)) continue;
    out.push(p);
    if (!p.continueMatching) break;
  }
  return out;
}
