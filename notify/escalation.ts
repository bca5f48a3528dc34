/**
 * @module notify/escalation
 * Escalation chains, PagerDuty-style: level 1 is notified when the alert fires; when nobody
 * acknowledges within level 2's `afterMinutes`, level 2 is notified, and so on. A chain stops
 * when the alert is acknowledged (from the operations center or a message link) or resolved.
 * This sits beside the alerts' own severity ladder (rule `escalation`): a severity raised by
 * the ladder is routed again (notify/index.ts), which reaches e.g. a critical-only policy.
 * Pure: the notifier's tick passes the clock in.
 */
import type { EscalationChain, EscalationLevel } from '../store/notifications-routing.js';

interface Running {
  alertId: number;
  policyId: number;
  chain: EscalationChain;
  firedAt: number;
  /** Levels (0-based) already notified. */
  notified: number;
}

export interface DueLevel {
  alertId: number;
  policyId: number;
  chainId: number;
  /** 1-based, as people say it. */
  level: number;
  target: EscalationLevel;
}

export interface EscalationTracker {
  /** Starts a chain for an alert that fired at `firedAt` (ignored if one runs for this alert and policy). */
  start(alertId: number, policyId: number, chain: EscalationChain, firedAt: number): void;
  /** Stops every chain of an alert (acknowledged or resolved). */
  stop(alertId: number): void;
  /** The levels now due, marked as notified. */
  takeDue(at: number): DueLevel[];
  /** Chains running now (for the UI and tests). */
  running(): Array<{ alertId: number; policyId: number; chainId: number; levelsNotified: number }>;
}

export function createEscalationTracker(): EscalationTracker {
  const chains = new Map<string, Running>();
  return {
    start(alertId, policyId, chain, firedAt) {
      const key = `${alertId}|${policyId}`;
      if (!chains.has(key) && chain.levels.length > 0) chains.set(key, { alertId, policyId, chain, firedAt, notified: 0 });
    },
    stop(alertId) {
      for (const [key, r] of chains) if (r.alertId === alertId) chains.delete(key);
    },
    takeDue(at) {
      const due: DueLevel[] = [];
      for (const [key, r] of chains) {
        while (r.notified < r.chain.levels.length && at - r.firedAt >= r.chain.levels[r.notified]!.afterMinutes * 60_000) {
          due.push({ alertId: r.alertId, policyId: r.policyId, chainId: r.chain.id, level: r.notified + 1, target: r.chain.levels[r.notified]! });
          r.notified += 1;
        }
        // every level notified: nothing more to wait for
        if (r.notified >= r.chain.levels.length) chains.delete(key);
      }
      return due;
    },
    running: () => [...chains.values()].map((r) => ({ alertId: r.alertId, policyId: r.policyId, chainId: r.chain.id, levelsNotified: r.notified })),
  };
}
