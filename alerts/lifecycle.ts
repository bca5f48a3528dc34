/**
 * @module alerts/lifecycle
 * The lifecycle of an alert, the part a duty operator has to be able to trust:
 *
 *   condition (rules/<kind>.ts, pure)      lifecycle (here)
 *   ─────────────────────────────────      ──────────────────────────────────────────────────
 *   active, first seen            ──▶      pending   (stored; survives a restart)
 *   still active ≥ pendingSeconds ──▶      firing
 *   operator acknowledges         ──▶      acknowledged (who, when, comment)
 *   inactive ≥ clearSeconds       ──▶      resolved  (automatically; or by hand with a reason)
 *   inactive while pending        ──▶      resolved  ("cancelled": never fired)
 *   firing long enough            ──▶      escalated along the rule's ladder (and back down)
 *
 * One open alert per (station, rule). Every transition is stored with its time, cause and the
 * readings that triggered it, and emitted as `alertChanged` (with notify = false while a silence
 * covers it). The transitions themselves are pure functions in alerts/transitions.ts; this module
 * holds the open alerts, stores each change and announces it. The caller (alerts/engine.ts) runs
 * every call on its serial queue.
 */
import type { EventBus } from '../domain/events.js';
import { createError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Db } from '../store/index.js';
import { createWriteBatch, type WriteBatch } from '../store/write-batch.js';
import { getAlert, insertAlert, listOpenAlerts, updateAlert, type AlertEvent, type AlertEventType, type AlertRecord } from '../store/alerts.js';
import type { Station } from '../store/stations.js';
import { operatorMessage } from '../domain/alerts.js';
import type { Condition, Rule } from './rules/types.js';
import type { Silences } from './silences.js';
import { EVIDENCE_MAX, event, newRecord, resolveRecord, timeTransitions, type OpenAlert } from './transitions.js';

export interface LifecycleDeps {
  db: Db;
  bus: EventBus;
  log: Logger;
  silences: Silences;
  /** Engine clock (epoch ms). */
  now: () => number;
}

export interface Lifecycle {
  /** The open alert of this station and rule, if there is one. */
  openRecord(stationId: string, ruleId: string): AlertRecord | undefined;
  /** Moves the station's alert for `rule` on with the rule's latest condition (undefined: nothing to say). */
  apply(station: Station, rule: Rule, cond: Condition | undefined, at: number): Promise<void>;
  /** The timer's part: silences and time-based transitions (firing, clearing, escalation, reminders) of every open alert. */
  tick(at: number): Promise<void>;
  /** Re-reads the open alerts from the database; one whose rule `ruleOf` does not know is left out. */
  reload(ruleOf: (id: string) => Rule | undefined): Promise<void>;
  /** Points each open alert at its rule's new definition, where `ruleOf` gives one. */
  useRules(ruleOf: (id: string) => Rule | undefined): void;
  /** Resolves every open alert of a rule (the rule was deleted). */
  resolveRule(ruleId: string, reason: string, at: number): Promise<void>;
  acknowledge(id: number, actor: string, comment: string): Promise<AlertRecord>;
  resolve(id: number, actor: string, reason: string): Promise<AlertRecord>;
  /**
   * Runs `fn` (apply and tick calls) with the changes it stores committed in groups
   * (store/write-batch.ts: at most 200 writes or 50 ms a transaction), each group's changes
   * announced once committed. If a write fails, what was not committed is rolled back, the open
   * alerts are read again from the database, and the error is thrown.
   */
  batch<T>(fn: () => Promise<T>): Promise<T>;
}

const key = (stationId: string, ruleId: string) => `${stationId}\u0000${ruleId}`;

export function createLifecycle(deps: LifecycleDeps): Lifecycle {
  const { db, bus, log, silences, now } = deps;
  const open = new Map<string, OpenAlert>();
  /** The batch under way (Lifecycle.batch) and the changes it stored but has not committed yet. */
  let batch: WriteBatch | undefined;
  let unannounced: Array<() => void> = [];
  let lastRuleOf: (id: string) => Rule | undefined = () => undefined;

  function emit(a: AlertRecord, transition: AlertEventType, actor: string | null): void {
    const notify = !a.silenced && transition !== 'pending' && transition !== 'cancelled';
    // the record may change again before a batch commits: it is announced as it is now
    const alert = { ...a };
    if (batch) unannounced.push(() => bus.emit('alertChanged', { alert, transition, notify, actor }));
    else bus.emit('alertChanged', { alert, transition, notify, actor });
  }

  /** The database for a write: the batch's transaction while a batch runs. */
  const writeDb = (): Promise<Db> | Db => (batch ? batch.db() : db);

  async function persist(a: OpenAlert, events: AlertEvent[]): Promise<void> {
    if (events.length === 0) return;
    a.record.updatedAt = new Date(events[events.length - 1]!.at);
    await updateAlert(await writeDb(), a.record, events);
    if (a.record.state === 'resolved') open.delete(key(a.record.stationId, a.record.ruleId));
    for (const e of events) emit(a.record, e.type, e.actor);
  }

  /**
   * Opens an alert for a condition that became active: pending, and at once whatever the rule's
   * times make of it (firing when pendingSeconds is 0), stored as one row with its events in one
   * statement. Undefined when the database already holds an open alert for this station and rule
   * (the one-open-alert index: another node opened it).
   */
  async function create(station: Station, rule: Rule, cond: Condition, at: number): Promise<OpenAlert | undefined> {
    const a: OpenAlert = { record: { ...newRecord(station, rule, cond, at, silences.covers(station.id, rule.id, at)), id: 0 }, rule, condition: cond };
    const events = [event(a.record, 'pending', null, at, { evidence: cond.evidence.slice(-EVIDENCE_MAX) })];
    const pending = { ...a.record };
    timeTransitions(a, at, events);
    a.record.updatedAt = new Date(at);
    const id = await insertAlert(await writeDb(), a.record, events);
    if (id === undefined) return undefined;
    a.record.id = pending.id = id;
    emit(pending, 'pending', null);
    for (const e of events.slice(1)) emit(a.record, e.type, e.actor);
    return a;
  }

  /** The open alert of this station and rule that another node stored (create() found it). */
  async function adopt(station: Station, rule: Rule, cond: Condition): Promise<OpenAlert> {
    const existing = (await listOpenAlerts(await writeDb())).find((x) => x.stationId === station.id && x.ruleId === rule.id);
    if (!existing) throw createError('QT_ERR_CONFLICT', `an open alert of ${station.id} for ${rule.id} exists and could not be read`);
    log.info({ alert: existing.id, stationId: station.id, rule: rule.id }, 'adopted an alert opened by another node');
    return { record: existing, rule, condition: cond };
  }

  async function apply(station: Station, rule: Rule, cond: Condition | undefined, at: number): Promise<void> {
    const k = key(station.id, rule.id);
    let a = open.get(k);
    const events: AlertEvent[] = [];
    if (cond) {
      if (a) a.condition = cond;
      if (cond.active) {
        if (!a) {
          const created = await create(station, rule, cond, at);
          if (created) {
            open.set(k, created);
            await batch?.checkpoint();
            return;
          }
          a = await adopt(station, rule, cond);
          open.set(k, a);
        }
        a.record.clearSince = null;
        a.record.value = cond.value ?? a.record.value;
        a.record.message = operatorMessage(cond.message);
        a.record.level = cond.level ?? null;
        a.record.projectedAt = cond.projectedAt === undefined ? null : new Date(cond.projectedAt);
      } else if (a) {
        if (a.record.state === 'pending') {
          resolveRecord(a, at, 'condition cleared before the pending period ended', null, events, 'cancelled');
        } else if (!a.record.clearSince) {
          a.record.clearSince = new Date(at);
          a.record.value = cond.value ?? a.record.value;
        }
      }
    }
    if (a && a.record.state !== 'resolved') {
      a.rule = rule;
      a.record.silenced = silences.covers(station.id, rule.id, at);
      timeTransitions(a, at, events);
    }
    if (a) await persist(a, events);
    await batch?.checkpoint();
  }

  async function reload(ruleOf: (id: string) => Rule | undefined): Promise<void> {
    lastRuleOf = ruleOf;
    open.clear();
    for (const a of await listOpenAlerts(db)) {
      const rule = ruleOf(a.ruleId);
      if (rule) open.set(key(a.stationId, a.ruleId), { record: a, rule, condition: undefined });
    }
  }

  /** An operator's action on an open alert (acknowledge, resolve by hand). */
  async function change(id: number, fn: (a: OpenAlert, at: number, events: AlertEvent[]) => void): Promise<AlertRecord> {
    const found = [...open.values()].find((a) => a.record.id === id);
    if (!found) {
      const existing = await getAlert(db, id);
      if (!existing) throw createError('QT_ERR_NOT_FOUND', `Alert ${id} does not exist`);
      throw createError('QT_ERR_CONFLICT', `Alert ${id} is ${existing.state}`);
    }
    const events: AlertEvent[] = [];
    fn(found, now(), events);
    await persist(found, events);
    return { ...found.record };
  }

  return {
    openRecord: (stationId, ruleId) => open.get(key(stationId, ruleId))?.record,
    apply,
    async tick(at) {
      for (const a of [...open.values()]) {
        const events: AlertEvent[] = [];
        a.record.silenced = silences.covers(a.record.stationId, a.record.ruleId, at);
        timeTransitions(a, at, events);
        await persist(a, events);
        await batch?.checkpoint();
      }
    },
    reload,
    useRules(ruleOf) {
      for (const a of open.values()) {
        const rule = ruleOf(a.rule.id);
        if (rule) a.rule = rule;
      }
    },
    async resolveRule(ruleId, reason, at) {
      for (const a of [...open.values()]) {
        if (a.record.ruleId !== ruleId) continue;
        const events: AlertEvent[] = [];
        resolveRecord(a, at, reason, null, events);
        await persist(a, events);
        await batch?.checkpoint();
      }
    },
    acknowledge(id, actor, comment) {
      return change(id, (a, at, events) => {
        if (a.record.state !== 'firing') throw createError('QT_ERR_CONFLICT', `Only a firing alert can be acknowledged; alert ${id} is ${a.record.state}`);
        a.record.state = 'acknowledged';
        a.record.ackedAt = new Date(at);
        a.record.ackedBy = actor;
        a.record.ackComment = comment;
        events.push(event(a.record, 'acknowledged', 'firing', at, { actor, comment }));
      });
    },
    resolve(id, actor, reason) {
      return change(id, (a, at, events) => resolveRecord(a, at, reason, actor, events));
    },
    async batch(fn) {
      if (batch) return fn();
      const announce = () => {
        const pending = unannounced;
        unannounced = [];
        for (const a of pending) a();
      };
      const current = createWriteBatch(db, { onCommit: announce });
      batch = current;
      try {
        const result = await fn();
        await current.end();
        return result;
      } catch (err) {
        await current.abort(err);
        unannounced = [];
        batch = undefined; // (before the reload: it reads through the database itself)
        // the open alerts in memory may name rows that were rolled back
        await reload(lastRuleOf).catch((reloadErr: unknown) => log.error({ err: reloadErr }, 'reading the open alerts again failed'));
        throw err;
      } finally {
        batch = undefined;
      }
    },
  };
}
