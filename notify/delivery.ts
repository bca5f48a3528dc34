/**
 * @module notify/delivery
 * Sending, off the bus path: a bounded pool of attempts, each with its own timeout, retried
 * with exponential backoff; every attempt lands in the delivery log (channel, recipient,
 * status, error). Metrics `quantrac_notifications_total{channel,status}` and
 * `quantrac_notification_delivery_seconds{channel}` (alert change → accepted by the server).
 * Health: a contact point failing `failAfter` attempts in a row is `failing`: /healthz shows
 * it as degraded with its last error, the bus carries `notificationChannelFailing`, and the
 * log says so at error level; its next success recovers it. Nothing fails silently.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { EventBus } from '../domain/events.js';
import { createError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Db } from '../store/db.js';
import { setContactPointHealth } from '../store/notifications.js';
import { insertDelivery, type DeliveryReason, type DeliveryStatus } from '../store/notifications-log.js';
import { CHANNELS, type ResolvedContactPoint } from './channels/index.js';
import { recipientOf } from './channels/types.js';
import type { Message } from './messages.js';

export interface DeliveryOptions {
  /** Attempts per message, the first included. */
  maxAttempts: number;
  /** Wait before the 2nd attempt; doubles each time. */
  backoffMs: number;
  /** One attempt (connect, send, answer) gives up after this long. */
  attemptTimeoutMs: number;
  /** Consecutive failed attempts that make a contact point `failing`. */
  failAfter: number;
  /** Attempts in flight at once. */
  concurrency: number;
}

export const DEFAULT_DELIVERY: DeliveryOptions = { maxAttempts: 4, backoffMs: 2_000, attemptTimeoutMs: 10_000, failAfter: 3, concurrency: 8 };

export interface DeliveryJob {
  contactPointId: number;
  reason: DeliveryReason;
  policyId: number | null;
  alertIds: number[];
  /** Renders the message for the contact point (once; a failure counts as an attempt). */
  build(cp: ResolvedContactPoint): Promise<Message>;
  /** performance.now() of the alert change, for the latency histogram. */
  changedAt?: number | undefined;
}

export interface AttemptResult {
  status: DeliveryStatus;
  recipient: string;
  error: string | null;
  durationMs: number;
  detail?: string | undefined;
}

export interface ChannelHealth {
  contactPointId: number;
  name: string;
  channel: string;
  failures: number;
  lastError: string | null;
  since: string | null;
}

export interface Delivery {
  enqueue(job: DeliveryJob): void;
  /** Records messages a mute timing held (delivery log status `muted`, counted). */
  logMuted(contactPointId: number, reason: DeliveryReason, policyId: number | null, alertIds: number[]): void;
  /** One attempt now, without retries (the "send test" button). */
  attemptNow(job: DeliveryJob): Promise<AttemptResult>;
  /** Contact points now failing. */
  failing(): ChannelHealth[];
  /** Resolves when nothing is queued, waiting or in flight. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface DeliveryDeps {
  db: Db;
  bus: EventBus;
  logger: Logger;
  registry: Registry;
  resolve(contactPointId: number): ResolvedContactPoint | undefined;
  options?: Partial<DeliveryOptions>;
}

function metricsOn(registry: Registry) {
  const sent =
    (registry.getSingleMetric('quantrac_notifications_total') as Counter<'channel' | 'status'> | undefined) ??
    new Counter({
      name: 'quantrac_notifications_total',
      help: 'Notification attempts by channel and status (sent, failed, gave_up, muted)',
      labelNames: ['channel', 'status'] as const,
      registers: [registry],
    });
  const latency =
    (registry.getSingleMetric('quantrac_notification_delivery_seconds') as Histogram<'channel'> | undefined) ??
    new Histogram({
      name: 'quantrac_notification_delivery_seconds',
      help: 'From the alert change to the message accepted by the server (SMTP, gateway, webhook)',
      labelNames: ['channel'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [registry],
    });
  return { sent, latency };
}

export function createDelivery(deps: DeliveryDeps): Delivery {
  const o: DeliveryOptions = { ...DEFAULT_DELIVERY, ...deps.options };
  const log = deps.logger.child({ component: 'notify' });
  const m = metricsOn(deps.registry);
  const health = new Map<number, { failures: number; lastError: string | null; since: number | null; failing: boolean; name: string; channel: string }>();
  const waiting: Array<{ job: DeliveryJob; attempt: number; message?: Message }> = [];
  const retryTimers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<{ controller: AbortController; done: Promise<void> }>();
  let closed = false;
  let idleWaiters: Array<() => void> = [];

  function checkIdle(): void {
    if (waiting.length === 0 && retryTimers.size === 0 && inFlight.size === 0) for (const w of idleWaiters.splice(0)) w();
  }

  function record(cp: ResolvedContactPoint, ok: boolean, error: string | null): void {
    const h = health.get(cp.id) ?? { failures: 0, lastError: null, since: null, failing: false, name: cp.name, channel: cp.kind };
    h.name = cp.name;
    h.channel = cp.kind;
    const at = Date.now();
    if (ok) {
      if (h.failing) {
        log.warn({ contactPoint: cp.name, channel: cp.kind }, 'notification contact point recovered');
        deps.bus.emit('notificationChannelRecovered', { contactPointId: cp.id, name: cp.name, channel: cp.kind, at });
      }
      const changed = h.failures !== 0;
      Object.assign(h, { failures: 0, since: null, failing: false });
      if (changed) setContactPointHealth(deps.db, cp.id, 0, null, new Date(at)).catch((err: unknown) => log.error({ err }, 'recording contact point health failed'));
    } else {
      h.failures += 1;
      h.lastError = error;
      h.since ??= at;
      if (!h.failing && h.failures >= o.failAfter) {
        h.failing = true;
        log.error({ contactPoint: cp.name, channel: cp.kind, failures: h.failures, lastError: error }, 'notification contact point is failing');
        deps.bus.emit('notificationChannelFailing', { contactPointId: cp.id, name: cp.name, channel: cp.kind, failures: h.failures, lastError: error ?? '', at });
      }
      setContactPointHealth(deps.db, cp.id, h.failures, error, new Date(at)).catch((err: unknown) => log.error({ err }, 'recording contact point health failed'));
    }
    health.set(cp.id, h);
  }

  /** One attempt: build (once), send within the timeout, log. */
  async function attempt(entry: { job: DeliveryJob; attempt: number; message?: Message }, final: boolean, signal: AbortSignal): Promise<AttemptResult> {
    const { job } = entry;
    const cp = deps.resolve(job.contactPointId);
    const t0 = performance.now();
    if (!cp) return { status: 'gave_up', recipient: '', error: `contact point ${job.contactPointId} no longer exists`, durationMs: 0 };
    let result: AttemptResult;
    try {
      entry.message ??= await job.build(cp);
      const sent = await CHANNELS[cp.kind](cp, entry.message, { signal, timeoutMs: o.attemptTimeoutMs });
      result = { status: 'sent', recipient: sent.recipient, error: null, durationMs: Math.round(performance.now() - t0), detail: sent.detail };
      if (job.changedAt !== undefined) m.latency.observe({ channel: cp.kind }, (performance.now() - job.changedAt) / 1000);
      record(cp, true, null);
    } catch (err) {
      const error = signal.aborted ? `no answer within ${o.attemptTimeoutMs} ms` : (err as Error).message || String(err);
      result = { status: final ? 'gave_up' : 'failed', recipient: recipientOf(cp), error, durationMs: Math.round(performance.now() - t0) };
      log.warn({ contactPoint: cp.name, channel: cp.kind, attempt: entry.attempt, error, final }, 'notification attempt failed');
      record(cp, false, error);
    }
    m.sent.inc({ channel: cp.kind, status: result.status });
    await insertDelivery(deps.db, {
      at: new Date(),
      contactPointId: cp.id,
      contactPointName: cp.name,
      channel: cp.kind,
      recipient: result.recipient,
      status: result.status,
      attempt: entry.attempt,
      reason: job.reason,
      alertIds: job.alertIds,
      policyId: job.policyId,
      error: result.error,
      durationMs: result.durationMs,
    }).catch((err: unknown) => log.error({ err }, 'writing the delivery log failed'));
    return result;
  }

  function run(entry: { job: DeliveryJob; attempt: number; message?: Message }, final: boolean): Promise<AttemptResult> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(createError('QT_ERR_INTERNAL', 'attempt timeout')), o.attemptTimeoutMs);
    const p = attempt(entry, final, controller.signal).finally(() => clearTimeout(timer));
    const handle = {
      controller,
      done: p.then(
        () => undefined,
        () => undefined,
      ),
    };
    inFlight.add(handle);
    void handle.done.then(() => {
      inFlight.delete(handle);
      pump();
      checkIdle();
    });
    return p;
  }

  function pump(): void {
    while (!closed && inFlight.size < o.concurrency && waiting.length > 0) {
      const entry = waiting.shift()!;
      const final = entry.attempt >= o.maxAttempts;
      run(entry, final)
        .then((r) => {
          if (r.status !== 'failed' || closed) return;
          const delay = o.backoffMs * 2 ** (entry.attempt - 1);
          const timer = setTimeout(() => {
            retryTimers.delete(timer);
            waiting.push({ ...entry, attempt: entry.attempt + 1 });
            pump();
            checkIdle();
          }, delay);
          timer.unref();
          retryTimers.add(timer);
        })
        .catch((err: unknown) => log.error({ err }, 'notification attempt crashed'));
    }
  }

  return {
    enqueue(job) {
      if (closed) return;
      waiting.push({ job, attempt: 1 });
      pump();
    },
    logMuted(contactPointId, reason, policyId, alertIds) {
      const cp = deps.resolve(contactPointId);
      if (!cp) return;
      m.sent.inc({ channel: cp.kind, status: 'muted' });
      insertDelivery(deps.db, {
        at: new Date(),
        contactPointId: cp.id,
        contactPointName: cp.name,
        channel: cp.kind,
        recipient: recipientOf(cp),
        status: 'muted',
        attempt: 0,
        reason,
        alertIds,
        policyId,
        error: null,
        durationMs: null,
      }).catch((err: unknown) => log.error({ err }, 'writing the delivery log failed'));
    },
    attemptNow: (job) => run({ job, attempt: 1 }, true),
    failing: () =>
      [...health.entries()]
        .filter(([, h]) => h.failing)
        .map(([id, h]) => ({
          contactPointId: id,
          name: h.name,
          channel: h.channel,
          failures: h.failures,
          lastError: h.lastError,
          since: h.since === null ? null : new Date(h.since).toISOString(),
        })),
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        checkIdle();
      }),
    async close() {
      closed = true;
      for (const t of retryTimers) clearTimeout(t);
      retryTimers.clear();
      if (waiting.length > 0) log.warn({ pending: waiting.length }, 'notifier closing with messages not yet sent');
      waiting.length = 0;
      for (const f of inFlight) f.controller.abort(createError('QT_ERR_SHUTTING_DOWN', 'closing'));
      await Promise.all([...inFlight].map((f) => f.done));
      idleWaiters = [];
    },
  };
}
