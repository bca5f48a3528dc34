/**
 * @module alerts/transitions
 * The alert lifecycle's rules as pure functions on an open alert (alerts/lifecycle.ts holds the
 * open alerts, stores and announces what these decide): the target severity along the rule's
 * escalation ladder, firing, resolving, the time-based transitions (pending → firing, clear
 * period, escalation, reminders) and the record of a newly opened alert. Those that change an
 * alert append the events describing the change to `events`.
 */
import type { AlertEvent, AlertEventType, AlertRecord, AlertState } from '../store/alerts.js';
import type { Station } from '../store/stations.js';
import { operatorMessage } from '../domain/alerts.js';
import type { Condition, Rule, Severity } from './rules/types.js';

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
/** The readings kept as evidence with the event that opens an alert. */
export const EVIDENCE_MAX = 20;

/** An open alert as the engine holds it. */
export interface OpenAlert {
  record: AlertRecord;
  rule: Rule;
  /** The latest condition (undefined after a restart until the next evaluation). */
  condition: Condition | undefined;
}

function maxSeverity(a: Severity, b: Severity): Severity {
  return RANK[a] >= RANK[b] ? a : b;
}

export function targetSeverity(a: OpenAlert, at: number): Severity {
  let severity = a.condition?.active && a.condition.severity ? a.condition.severity : a.record.level !== null && !a.condition ? a.record.severity : a.rule.severity;
  if (a.record.firingAt && a.rule.escalation) {
    const firingMinutes = (at - a.record.firingAt.getTime()) / 60_000;
    for (const step of a.rule.escalation) if (firingMinutes >= step.afterMinutes) severity = maxSeverity(severity, step.severity);
  }
  return severity;
}

export function event(a: AlertRecord, type: AlertEventType, from: AlertState | null, at: number, extra: Partial<AlertEvent> = {}): AlertEvent {
  return { at: new Date(at), type, fromState: from, toState: a.state, severity: a.severity, actor: null, comment: null, value: a.value, evidence: null, ...extra };
}

function fire(a: OpenAlert, at: number, events: AlertEvent[]): void {
  const from = a.record.state;
  a.record.state = 'firing';
  a.record.firingAt = new Date(at);
  a.record.severity = targetSeverity(a, at);
  events.push(event(a.record, 'firing', from, at, { evidence: a.condition?.evidence ?? null }));
}

export function resolveRecord(a: OpenAlert, at: number, reason: string, actor: string | null, events: AlertEvent[], type: AlertEventType = 'resolved'): void {
  const from = a.record.state;
  a.record.state = 'resolved';
  a.record.resolvedAt = new Date(at);
  a.record.resolvedBy = actor;
  a.record.resolvedReason = reason;
  events.push(event(a.record, type, from, at, { actor, comment: reason }));
}

/** The time-based part of the lifecycle: pending → firing, clear period, escalation, reminders. */
export function timeTransitions(a: OpenAlert, at: number, events: AlertEvent[]): void {
  const r = a.record;
  if (r.state === 'pending') {
    if (a.condition?.active && at - r.openedAt.getTime() >= a.rule.pendingSeconds * 1000) fire(a, at, events);
    return;
  }
  if (r.state !== 'firing' && r.state !== 'acknowledged') return;
  if (r.clearSince && at - r.clearSince.getTime() >= a.rule.clearSeconds * 1000) {
    resolveRecord(a, at, 'condition cleared', null, events);
    return;
  }
  const severity = targetSeverity(a, at);
  if (severity !== r.severity) {
    const up = RANK[severity] > RANK[r.severity];
    r.severity = severity;
    events.push(event(r, up ? 'escalated' : 'deescalated', r.state, at, { evidence: a.condition?.evidence ?? null }));
  }
  if (a.rule.kind === 'no_data' && a.rule.remindEveryMinutes > 0 && !r.clearSince) {
    const last = (r.lastReminderAt ?? r.firingAt ?? r.openedAt).getTime();
    if (at - last >= a.rule.remindEveryMinutes * 60_000) {
      r.lastReminderAt = new Date(at);
      events.push(event(r, 'reminder', r.state, at));
    }
  }
}

/** A new pending alert, from the condition that opened it. */
export function newRecord(station: Station, rule: Rule, cond: Condition, at: number, silenced: boolean): Omit<AlertRecord, 'id'> {
  return {
    stationId: station.id,
    ruleId: rule.id,
    state: 'pending',
    severity: cond.severity ?? rule.severity,
    level: cond.level ?? null,
    openedAt: new Date(at),
    firingAt: null,
    clearSince: null,
    ackedAt: null,
    ackedBy: null,
    ackComment: null,
    resolvedAt: null,
    resolvedBy: null,
    resolvedReason: null,
    value: cond.value ?? null,
    // the packs' verification tags ([V], [C]…) stay in the rule's source, not in what operators read
    message: operatorMessage(cond.message),
    projectedAt: cond.projectedAt === undefined ? null : new Date(cond.projectedAt),
    silenced,
    lastReminderAt: null,
    updatedAt: new Date(at),
  };
}
