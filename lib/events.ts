/**
 * @module lib/events
 * The typed in-process event bus between components. Listeners are registered per owner so that
 * `removeOwner()` in a component's close() removes all of its own; a throwing listener (sync or
 * async) is logged with its owner and event, counted, and never breaks the emitter or the other
 * listeners (ingest keeps storing whatever a dashboard or flow does).
 */
import type { QualityName } from '../ingest/quality.js';
import type { AlertEventType, AlertRecord } from '../store/alerts.js';
import type { BulletinMeta } from '../store/bulletins.js';

export interface AcceptedReading {
  stationId: string;
  metric: string;
  /** epoch milliseconds (UTC) */
  ts: number;
  value: number | null;
  quality: QualityName;
}

export interface EventMap {
  /** A batch of readings has been committed to the database (emitted after commit, in commit order). */
  readingsAccepted: { readings: readonly AcceptedReading[] };
  /** A payload (or part of one) was refused and kept in quarantine. */
  payloadQuarantined: { stationId: string | null; source: string; reasonCode: string; reason: string };
  /** A station connected or disconnected (from its state topic, last will or the broker). */
  stationStateChanged: { stationId: string; state: 'online' | 'offline'; at: number };
  /**
   * An alert changed (opened pending, fired, escalated, was acknowledged, resolved, reminded).
   * `notify` is false while a silence covers it: record, do not page anyone.
   */
  alertChanged: { alert: AlertRecord; transition: AlertEventType; notify: boolean; actor: string | null };
  /** A station's hourly indices were (re)computed (VN_AQI/US AQI for air, VN_WQI for surface water). */
  indexUpdated: { stationId: string; hourEnd: number; vnAqi: number | null; usAqi: number | null; vnAqiDaily: number | null; vnWqi: number | null };
  /**
   * Storage became degraded (the database is unreachable or acknowledged readings wait in the
   * local spool) or recovered (the spool is replayed and empty). ingest/writer.ts StorageState.
   */
  storageStateChanged: { degraded: boolean; reason: string | null; since: number | null; spoolBytes: number; spoolMaxBytes: number; spoolRows: number; at: number };
  /**
   * A bulletin was generated and stored (bulletins/): `period` is YYYY-MM-DD or YYYY-MM; the
   * renderings ride along so a flow can send them on (pdf is null where Chromium is not installed).
   */
  bulletinPublished: { bulletin: BulletinMeta; period: string; trigger: 'schedule' | 'request'; html: string; csv: string; pdf: Buffer | null };
  /**
   * Multi-node mode (cluster/): another node committed readings. Per station and metric: the
   * newest reading time, when it was received there, and how many. Never evaluated again here
   * (the ingesting node evaluates); used for no-data checks and the live overview.
   */
  remoteReadingsSeen: { node: string; receipts: ReadonlyArray<{ stationId: string; metric: string; ts: number; receivedAt: number; count: number }> };
}

export type EventName = keyof EventMap;
type Listener<E extends EventName> = (payload: EventMap[E]) => void | Promise<void>;

export interface ListenerFailure {
  owner: string;
  event: EventName;
  error: unknown;
}

export class EventBus {
  private readonly listeners = new Map<EventName, Array<{ owner: string; fn: Listener<EventName> }>>();
  private failures = 0;

  constructor(private readonly onListenerError: (failure: ListenerFailure) => void) {}

  on<E extends EventName>(owner: string, event: E, fn: Listener<E>): void {
    const list = this.listeners.get(event) ?? [];
    list.push({ owner, fn: fn as Listener<EventName> });
    this.listeners.set(event, list);
  }

  emit<E extends EventName>(event: E, payload: EventMap[E]): void {
    const list = this.listeners.get(event);
    if (!list) return;
    for (const { owner, fn } of list) {
      try {
        const result = fn(payload);
        if (result instanceof Promise) result.catch((error: unknown) => this.fail(owner, event, error));
      } catch (error) {
        this.fail(owner, event, error);
      }
    }
  }

  removeOwner(owner: string): void {
    for (const [event, list] of this.listeners) {
      this.listeners.set(
        event,
        list.filter((l) => l.owner !== owner),
      );
    }
  }

  listenerCount(event: EventName): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  get failureCount(): number {
    return this.failures;
  }

  private fail(owner: string, event: EventName, error: unknown): void {
    this.failures += 1;
    this.onListenerError({ owner, event, error });
  }
}
