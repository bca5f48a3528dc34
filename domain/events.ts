/**
 * @module domain/events
 * The events Quantrac's components exchange on the in-process bus (lib/events.ts), and the bus
 * typed with them. Payload types live in domain/ so that every layer can name them.
 */
import { TypedEventBus, type ListenerFailure as GenericListenerFailure } from '../lib/events.js';
import type { AlertEventType, AlertRecord } from './alerts.js';
import type { BulletinMeta } from './bulletins.js';
import type { AcceptedReading } from './readings.js';

export type { AcceptedReading };

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
  /**
   * A notification contact point failed N attempts in a row (notify/delivery.ts): shown in
   * /healthz as degraded and logged at error level; `notificationChannelRecovered` follows its
   * next success.
   */
  notificationChannelFailing: { contactPointId: number; name: string; channel: string; failures: number; lastError: string; at: number };
  notificationChannelRecovered: { contactPointId: number; name: string; channel: string; at: number };
  /**
   * A database background job (retention, compression, an aggregate refresh; store/job-monitor.ts)
   * started failing (its last run failed) or running late (not run for two schedule intervals past
   * its due time): emitted once per episode, logged at error level and shown in /healthz as
   * degraded; emitted again with `status: 'recovered'` when it succeeds or runs again.
   * `since`: start of the episode, ms.
   */
  databaseJobFailing: { jobId: number; name: string; status: 'failing' | 'late' | 'recovered'; lastError: string | null; since: number; at: number };
  /**
   * The station directory (stations/directory.ts) stored a change to a station: registered,
   * edited or given a new secret. Emitted after the database write; not emitted by `refresh()`
   * (re-reading a change made elsewhere), so a relay (cluster/) never echoes it back.
   */
  stationChanged: { stationId: string };
  /**
   * The alert engine (alerts/engine.ts) stored a change to its rules or silences (saved, deleted,
   * created). Emitted after the database write; not emitted by `reloadRules()` (re-reading a
   * change made elsewhere), so a relay (cluster/) never echoes it back.
   */
  alertRulesChanged: Record<string, never>;
  /**
   * A reviewer changed validation flags (invalidated, restored, undid) of a station's metrics over
   * [from, to) (ms), or an approval changed: the aggregates are already refreshed when this is
   * emitted; bulletins of the periods it touches are revised (a new version).
   */
  validationChanged: { stationId: string; metrics: readonly string[]; from: number; to: number; actionId: number | null; actor: string };
  /** The check configuration or the scheduled windows changed (ingest reloads its checks). */
  qcConfigChanged: Record<string, never>;
}

export type EventName = keyof EventMap;
export type ListenerFailure = GenericListenerFailure<EventMap>;

/** The bus typed with Quantrac's events. */
export class EventBus extends TypedEventBus<EventMap> {}
