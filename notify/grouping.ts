/**
 * @module notify/grouping
 * Grouping and repeats. Alerts a policy groups (by station or province) that arrive within
 * its `groupWaitSeconds` leave as one message; `none` groups nothing (each alert is its own
 * group). While an alert stays firing and unacknowledged, the policy's repeat interval sends it
 * again; a resolved alert that was notified gets a "resolved" message when the policy asks.
 * Pure bookkeeping on a clock passed in: the notifier decides when to look (its tick).
 */
import type { DeliveryReason } from '../store/notifications-log.js';
import type { Policy } from '../store/notifications-routing.js';
import type { AlertContext } from './policies.js';

export interface Group {
  key: string;
  policy: Policy;
  reason: DeliveryReason;
  dueAt: number;
  /** By alert id: the newest context wins. */
  alerts: Map<number, AlertContext>;
}

export function groupKey(policy: Policy, ctx: AlertContext, reason: DeliveryReason): string {
  const by = policy.groupBy === 'station' ? `station:${ctx.alert.stationId}` : policy.groupBy === 'province' ? `province:${ctx.station?.province ?? '-'}` : `alert:${ctx.alert.id}`;
  return `${policy.id}|${reason}|${by}`;
}

export interface Grouper {
  /** Adds an alert to its group; the group is returned when it is due at once (no wait). */
  add(policy: Policy, ctx: AlertContext, reason: DeliveryReason, at: number): Group | undefined;
  /** Removes and returns the groups due at `at`. */
  takeDue(at: number): Group[];
  /** Drops an alert from groups still waiting (it was acknowledged or resolved meanwhile). */
  forget(alertId: number, reason: DeliveryReason): void;
  readonly size: number;
}

export function createGrouper(): Grouper {
  const groups = new Map<string, Group>();
  return {
    add(policy, ctx, reason, at) {
      const key = groupKey(policy, ctx, reason);
      let g = groups.get(key);
      if (!g) {
        g = { key, policy, reason, dueAt: at + policy.groupWaitSeconds * 1000, alerts: new Map() };
        groups.set(key, g);
      }
      g.alerts.set(ctx.alert.id, ctx);
      if (g.dueAt <= at) {
        groups.delete(key);
        return g;
      }
      return undefined;
    },
    takeDue(at) {
      const due: Group[] = [];
      for (const [key, g] of groups) {
        if (g.dueAt > at) continue;
        groups.delete(key);
        if (g.alerts.size > 0) due.push(g);
      }
      return due;
    },
    forget(alertId, reason) {
      for (const g of groups.values()) if (g.reason === reason) g.alerts.delete(alertId);
    },
    get size() {
      return groups.size;
    },
  };
}

/** Per alert and policy: when it was last sent while firing, for the repeat interval. */
export interface RepeatTracker {
  sent(policyId: number, alertId: number, at: number): void;
  /** Alert ids of the policy whose repeat is due at `at`. */
  due(policy: Policy, at: number): number[];
  /** Whether the alert was notified through the policy (a resolved message then makes sense). */
  wasNotified(policyId: number, alertId: number): boolean;
  stop(alertId: number): void;
  /** Forgets the alert entirely (after it resolved). */
  remove(alertId: number): void;
}

export function createRepeatTracker(): RepeatTracker {
  const last = new Map<string, { policyId: number; alertId: number; at: number; stopped: boolean }>();
  const k = (p: number, a: number) => `${p}|${a}`;
  return {
    sent(policyId, alertId, at) {
      last.set(k(policyId, alertId), { policyId, alertId, at, stopped: false });
    },
    due(policy, at) {
      if (policy.repeatIntervalMinutes <= 0) return [];
      const out: number[] = [];
      for (const e of last.values()) if (e.policyId === policy.id && !e.stopped && at - e.at >= policy.repeatIntervalMinutes * 60_000) out.push(e.alertId);
      return out;
    },
    wasNotified: (policyId, alertId) => last.has(k(policyId, alertId)),
    stop(alertId) {
      for (const e of last.values()) if (e.alertId === alertId) e.stopped = true;
    },
    remove(alertId) {
      for (const [key, e] of last) if (e.alertId === alertId) last.delete(key);
    },
  };
}
