/**
 * @module notify
 * Notifications and on-call (issue 19): an alert reaches the right person when nobody is
 * watching the screen. `createNotifier(deps)` listens to `alertChanged` and only enqueues:
 * routing (notify/policies.ts), grouping and repeats (notify/grouping.ts), mute timings
 * (notify/mute.ts), escalation chains with on-call schedules (notify/escalation.ts,
 * notify/oncall.ts), messages (notify/messages.ts) and sending with retries and a delivery
 * log (notify/delivery.ts) all run off the bus path, so a hanging gateway never delays ingest
 * or the alert engine. Time comes from `now()` and the timer from `tickMs` (0: tests call tick()).
 */
import type { AlertEngine } from '../alerts/engine.js';
import type { LoadedProfile } from '../device-profiles/index.js';
import type { AlertRecord } from '../domain/alerts.js';
import type { EventBus, EventMap } from '../domain/events.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { StationDirectory } from '../stations/directory.js';
import type { Db } from '../store/db.js';
import { getNotifyBaseUrl, listContactPoints, setNotifyBaseUrl } from '../store/notifications.js';
import { purgeAckLinks, type AckLink, type DeliveryReason } from '../store/notifications-log.js';
import {
  listEscalationChains,
  listMuteTimings,
  listPolicies,
  listSchedules,
  type EscalationChain,
  type MuteTiming,
  type Policy,
  type Schedule,
} from '../store/notifications-routing.js';
import { createAckLinks, DEFAULT_ACK_VALID_HOURS } from './ack-links.js';
import type { ResolvedContactPoint } from './channels/index.js';
import { createDelivery, type AttemptResult, type ChannelHealth, type DeliveryOptions } from './delivery.js';
import { createEscalationTracker, type DueLevel } from './escalation.js';
import { createGrouper, createRepeatTracker, type Group } from './grouping.js';
import { renderMessage } from './messages.js';
import { isHeld } from './mute.js';
import { onCallAt } from './oncall.js';
import { alertKind, matchPolicies, type AlertContext } from './policies.js';
import { createSecretBox, loadSecretKey, type SecretBox } from './secrets.js';

export interface NotifierDeps {
  db: Db;
  bus: EventBus;
  logger: Logger;
  metrics: Pick<Metrics, 'registry'>;
  directory: StationDirectory;
  profiles: ReadonlyMap<string, LoadedProfile>;
  alerts: Pick<AlertEngine, 'getRule' | 'acknowledge'>;
  /** DATA_DIR: holds notify-secret.key. */
  dataDir: string;
  /** Base URL of links in messages until an admin sets one (PUT /api/v1/notifications/settings). */
  defaultBaseUrl: string;
  now?: () => number;
  /** Timer for grouping windows, escalations and repeats; 0 = none (tests call tick()). Default 1000. */
  tickMs?: number;
  delivery?: Partial<DeliveryOptions>;
  ackValidHours?: number;
}

export interface NotifierHealth {
  status: 'ok' | 'degraded';
  failing: ChannelHealth[];
}

export interface Notifier {
  readonly secrets: SecretBox;
  /** Re-reads contact points, policies, mute timings, schedules and chains (after an admin change). */
  reload(): Promise<void>;
  /** The timer's work now: due groups, escalation levels, repeats. */
  tick(): Promise<void>;
  /** Resolves when routing and sending have nothing left to do (retries waiting count as work). */
  idle(): Promise<void>;
  health(): NotifierHealth;
  sendTest(contactPointId: number): Promise<AttemptResult>;
  /** The link behind a token if it can be used (for the confirmation page). */
  checkAckLink(token: string): Promise<AckLink>;
  /** Uses a one-use link: acknowledges its alert as the contact point's user, naming the channel. */
  acknowledgeFromLink(token: string): Promise<AlertRecord>;
  baseUrl(): string;
  setBaseUrl(url: string): Promise<void>;
  /** Who is on call in a schedule at `at` (contact point id). */
  onCall(scheduleId: number, at: number): number | undefined;
  /** Escalation chains running now. */
  escalations(): Array<{ alertId: number; policyId: number; chainId: number; levelsNotified: number }>;
  close(): Promise<void>;
}

const CHANNEL_WORDS: Record<string, string> = { email: 'e-mail', sms: 'SMS', chat: 'chat', webhook: 'webhook' };

export async function createNotifier(deps: NotifierDeps): Promise<Notifier> {
  const { db, bus, directory, profiles } = deps;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ component: 'notify' });
  const secrets = createSecretBox(loadSecretKey(deps.dataDir));
  const ackLinks = createAckLinks(db, secrets.key, now, deps.ackValidHours ?? DEFAULT_ACK_VALID_HOURS);

  let contactPoints = new Map<number, ResolvedContactPoint & { enabled: boolean }>();
  let policies: Policy[] = [];
  let policyById = new Map<number, Policy>();
  let mutes = new Map<number, MuteTiming>();
  let schedules = new Map<number, Schedule>();
  let chains = new Map<number, EscalationChain>();
  let base = deps.defaultBaseUrl;

  const delivery = createDelivery({
    db,
    bus,
    logger: deps.logger,
    registry: deps.metrics.registry,
    resolve: (id) => contactPoints.get(id),
    ...(deps.delivery ? { options: deps.delivery } : {}),
  });
  const grouper = createGrouper();
  const repeats = createRepeatTracker();
  const escalation = createEscalationTracker();
  /** Open alerts seen firing, by id (the newest snapshot). */
  const active = new Map<number, AlertContext>();
  /** Policies an alert was routed to (sent or muted), and those that actually sent it. */
  const routed = new Map<number, Set<number>>();
  const notified = new Map<number, Set<number>>();
  const latestAqi = new Map<string, number>();
  const inbox: Array<{ e: EventMap['alertChanged']; changedAt: number }> = [];
  let work: Promise<void> = Promise.resolve();
  let drainScheduled = false;
  let timer: NodeJS.Timeout | undefined;
  let lastPurge = 0;
  let closed = false;

  function serial(what: string, fn: () => void | Promise<void>): Promise<void> {
    work = work.then(fn).catch((err: unknown) => log.error({ err, what }, 'notifier step failed'));
    return work;
  }

  async function reload(): Promise<void> {
    const [cps, ps, ms, ss, cs, url] = await Promise.all([
      listContactPoints(db),
      listPolicies(db),
      listMuteTimings(db),
      listSchedules(db),
      listEscalationChains(db),
      getNotifyBaseUrl(db),
    ]);
    const next = new Map<number, ResolvedContactPoint & { enabled: boolean }>();
    for (const c of cps) {
      let values = {};
      try {
        values = secrets.decrypt(c.secretsEnc);
      } catch (err) {
        log.error({ err, contactPoint: c.name }, 'cannot decrypt the secrets of a contact point (was notify-secret.key replaced?)');
      }
      next.set(c.id, { id: c.id, name: c.name, kind: c.kind, settings: c.settings, secrets: values, language: c.language, username: c.username, enabled: c.enabled });
    }
    contactPoints = next;
    policies = ps;
    policyById = new Map(ps.map((p) => [p.id, p]));
    mutes = new Map(ms.map((m) => [m.id, m]));
    schedules = new Map(ss.map((s) => [s.id, s]));
    chains = new Map(cs.map((c) => [c.id, c]));
    base = (url || deps.defaultBaseUrl).replace(/\/+$/, '');
  }

  function contextOf(alert: AlertRecord): AlertContext {
    const view = deps.alerts.getRule(alert.ruleId);
    return { alert, station: directory.get(alert.stationId), rule: view?.rule, pack: view?.pack ?? null, kind: alertKind(view?.rule) };
  }

  const addTo = (m: Map<number, Set<number>>, alertId: number, policyId: number) => m.set(alertId, (m.get(alertId) ?? new Set()).add(policyId));

  /** Enqueues one message for a contact point; rendering (and the ack links) happen in delivery, off this path. */
  function send(contactPointId: number, reason: DeliveryReason, policyId: number | null, ctxs: AlertContext[], changedAt?: number, level?: number): void {
    const target = contactPoints.get(contactPointId);
    if (!target?.enabled) return;
    delivery.enqueue({
      contactPointId,
      reason,
      policyId,
      alertIds: ctxs.map((c) => c.alert.id),
      changedAt,
      build: async (cp) => {
        const items = [];
        for (const ctx of ctxs) {
          const ackable = reason !== 'resolved' && ctx.alert.state === 'firing';
          const token = ackable ? await ackLinks.issue(ctx.alert.id, cp.id, cp.kind, cp.username ?? cp.name) : undefined;
          items.push({ ctx, alertUrl: `${base}/alerts?id=${ctx.alert.id}`, ackUrl: token ? `${base}/ack/${token}` : undefined, vnAqi: latestAqi.get(ctx.alert.stationId) });
        }
        return renderMessage({ reason, language: cp.language, items, level, ackValidHours: ackLinks.validHours }, profiles);
      },
    });
  }

  function flush(g: Group, at: number, changedAt?: number): void {
    const ctxs = [...g.alerts.values()];
    for (const cp of g.policy.contactPointIds) send(cp, g.reason, g.policy.id, ctxs, changedAt);
    if (g.reason === 'resolved') return;
    for (const c of ctxs) {
      repeats.sent(g.policy.id, c.alert.id, at);
      addTo(notified, c.alert.id, g.policy.id);
    }
  }

  function route(ctx: AlertContext, at: number, changedAt: number): void {
    const id = ctx.alert.id;
    for (const p of matchPolicies(policies, ctx)) {
      if (routed.get(id)?.has(p.id)) continue;
      addTo(routed, id, p.id);
      const chain = p.escalationChainId === null ? undefined : chains.get(p.escalationChainId);
      if (chain) escalation.start(id, p.id, chain, ctx.alert.firingAt?.getTime() ?? at);
      if (isHeld(p, mutes, ctx.alert.severity, at)) {
        for (const cp of p.contactPointIds) delivery.logMuted(cp, 'firing', p.id, [id]);
        // once the mute ends, the repeat interval (if any) sends it
        if (p.repeatIntervalMinutes > 0) repeats.sent(p.id, id, -Infinity);
        continue;
      }
      const g = grouper.add(p, ctx, 'firing', at);
      if (g) flush(g, at, changedAt);
    }
  }

  function escalate(d: DueLevel, at: number): void {
    const ctx = active.get(d.alertId);
    const policy = policyById.get(d.policyId);
    if (!ctx || ctx.alert.state !== 'firing') return;
    const targets = new Set(d.target.contactPointIds);
    for (const sid of d.target.scheduleIds) {
      const s = schedules.get(sid);
      const who = s ? onCallAt(s, at) : undefined;
      if (who !== undefined) targets.add(who);
      else log.warn({ schedule: sid, alert: d.alertId }, 'nobody on call in this schedule');
    }
    const reason: DeliveryReason = d.level === 1 ? 'firing' : 'escalation';
    if (policy && isHeld(policy, mutes, ctx.alert.severity, at)) {
      for (const cp of targets) delivery.logMuted(cp, reason, d.policyId, [d.alertId]);
      return;
    }
    for (const cp of targets) send(cp, reason, d.policyId, [ctx], undefined, d.level);
  }

  function onAlertChanged({ alert, transition, notify }: EventMap['alertChanged'], changedAt: number): void {
    const id = alert.id;
    const at = now();
    if (transition === 'acknowledged' || transition === 'resolved' || transition === 'cancelled') {
      escalation.stop(id);
      repeats.stop(id);
      grouper.forget(id, 'firing');
    }
    if (transition === 'resolved' || transition === 'cancelled') {
      const ctx = contextOf(alert);
      active.delete(id);
      for (const pid of notified.get(id) ?? []) {
        const p = policyById.get(pid);
        if (!p?.sendResolved || !notify) continue;
        const g = grouper.add(p, ctx, 'resolved', at);
        if (g) flush(g, at, changedAt);
      }
      routed.delete(id);
      notified.delete(id);
      repeats.remove(id);
      return;
    }
    if (alert.state === 'firing' || alert.state === 'acknowledged') active.set(id, contextOf(alert));
    if (!notify) return;
    if (transition === 'firing' || transition === 'escalated') {
      route(active.get(id)!, at, changedAt);
      for (const d of escalation.takeDue(at)) escalate(d, at);
    }
  }

  function drain(): void {
    drainScheduled = false;
    for (const { e, changedAt } of inbox.splice(0)) {
      try {
        onAlertChanged(e, changedAt);
      } catch (err) {
        log.error({ err, alert: e.alert.id }, 'routing an alert change failed');
      }
    }
  }

  async function tickNow(): Promise<void> {
    const at = now();
    for (const g of grouper.takeDue(at)) flush(g, at);
    for (const d of escalation.takeDue(at)) escalate(d, at);
    for (const p of policies) {
      for (const id of repeats.due(p, at)) {
        const ctx = active.get(id);
        if (!ctx || ctx.alert.state !== 'firing' || isHeld(p, mutes, ctx.alert.severity, at)) continue;
        for (const cp of p.contactPointIds) send(cp, 'repeat', p.id, [ctx]);
        repeats.sent(p.id, id, at);
        addTo(notified, id, p.id);
      }
    }
    if (at - lastPurge > 3_600_000) {
      lastPurge = at;
      await purgeAckLinks(db, new Date(at - 7 * 86_400_000));
    }
  }

  await reload();
  bus.on('notify', 'alertChanged', (e) => {
    if (closed) return;
    // Only enqueue: the engine's emit returns at once, whatever the gateways do.
    inbox.push({ e, changedAt: performance.now() });
    if (!drainScheduled) {
      drainScheduled = true;
      setImmediate(() => void serial('route', drain));
    }
  });
  bus.on('notify', 'indexUpdated', ({ stationId, vnAqi }) => {
    if (vnAqi !== null) latestAqi.set(stationId, vnAqi);
  });
  const tickMs = deps.tickMs ?? 1000;
  if (tickMs > 0) {
    timer = setInterval(() => void serial('tick', tickNow), tickMs);
    timer.unref();
  }

  return {
    secrets,
    reload: () => serial('reload', reload),
    tick: () => serial('tick', tickNow),
    async idle() {
      // routing may enqueue sends, and sends settle; loop until both are quiet
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setImmediate(r));
        await work;
        await delivery.idle();
        if (inbox.length === 0 && !drainScheduled) return;
      }
    },
    health() {
      const failing = delivery.failing();
      return { status: failing.length > 0 ? 'degraded' : 'ok', failing };
    },
    async sendTest(contactPointId) {
      if (!contactPoints.has(contactPointId)) await reload();
      return delivery.attemptNow({
        contactPointId,
        reason: 'test',
        policyId: null,
        alertIds: [],
        build: async (cp) => renderMessage({ reason: 'test', language: cp.language, items: [], ackValidHours: ackLinks.validHours }, profiles),
      });
    },
    checkAckLink: (token) => ackLinks.check(token),
    async acknowledgeFromLink(token) {
      const link = await ackLinks.check(token);
      await ackLinks.consume(token);
      return deps.alerts.acknowledge(link.alertId, link.username, `acknowledged from ${CHANNEL_WORDS[link.channel] ?? link.channel}`);
    },
    baseUrl: () => base,
    async setBaseUrl(url) {
      await setNotifyBaseUrl(db, url);
      base = url.replace(/\/+$/, '');
    },
    onCall(scheduleId, at) {
      const s = schedules.get(scheduleId);
      return s ? onCallAt(s, at) : undefined;
    },
    escalations: () => escalation.running(),
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      bus.removeOwner('notify');
      await work;
      await delivery.close();
    },
  };
}

export type { AttemptResult, ChannelHealth } from './delivery.js';
