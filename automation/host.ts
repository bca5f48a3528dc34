/**
 * @module automation/host
 * The in-process API the Quantrac Node-RED nodes use. Everything a flow can do goes through
 * here, so a flow has exactly the platform's own guarantees: alert actions land in the alert
 * history with the flow as the actor, commands go only to `stations/{id}/commands` through the
 * broker (a flow cannot publish readings as a station), and events reach flows asynchronously
 * (setImmediate), so a slow or throwing flow never holds up ingest.
 */
import { localDayRange, timeZoneOr } from '../lib/time.js';
import { createError } from '../lib/errors.js';
import { onEveryTick } from '../lib/loop-watch.js';
import type { AlertEngine } from '../alerts/engine.js';
import type { Broker } from '../broker/index.js';
import { isStationId } from '../domain/topics.js';
import type { LoadedProfile } from '../device-profiles/index.js';
import type { StationDirectory } from '../stations/directory.js';
import type { AcceptedReading, EventBus, EventMap } from '../domain/events.js';
import type { Logger } from '../lib/logger.js';
import type { AlertRecord, Silence } from '../store/alerts.js';
import type { Db } from '../store/index.js';
import type { Station } from '../store/stations.js';
import { hourlyStats, queryReadings } from '../store/readings.js';
import { completeness, type CompletenessRow } from '../analytics/completeness.js';
import type { Config } from '../config/index.js';

export interface StationInfo {
  id: string;
  name: string;
  profile: string;
  province: string | null;
  lat: number;
  lon: number;
}

export type { CompletenessRow };

export interface QuantracHost {
  onReadings(owner: string, fn: (readings: readonly AcceptedReading[]) => void): () => void;
  onAlert(owner: string, fn: (e: EventMap['alertChanged']) => void): () => void;
  /** Bulletins as they are published (bulletins/), with their renderings. */
  onBulletin(owner: string, fn: (e: EventMap['bulletinPublished']) => void): () => void;
  /** Link to a bulletin download in the operations center's API. */
  bulletinLink(id: number, format: 'html' | 'csv' | 'pdf'): string;
  acknowledge(alertId: number, actor: string, comment: string): Promise<AlertRecord>;
  resolve(alertId: number, actor: string, reason: string): Promise<AlertRecord>;
  silence(s: { station?: string; rule?: string; minutes: number; comment: string; actor: string }): Promise<Silence>;
  query(q: { station: string; metric?: string; from: Date; to: Date; aggregate: 'raw' | 'hourly'; limit?: number }): Promise<unknown[]>;
  /** Data completeness of a local day (each station's own calendar day, in its zone), per station and metric (the analyst API's completeness report). */
  completeness(day: string): Promise<CompletenessRow[]>;
  command(stationId: string, command: Record<string, unknown>): Promise<void>;
  station(id: string): StationInfo | undefined;
  rule(id: string): { id: string; kind: string; name: { en: string; vi: string }; metric: string | null } | undefined;
  /** Link to an alert in the operations center. */
  alertLink(alertId: number): string;
  close(): void;
}

export interface HostDeps {
  config: Readonly<Config>;
  db: Db;
  bus: EventBus;
  alerts: AlertEngine;
  broker: Broker;
  directory: StationDirectory;
  profiles: ReadonlyMap<string, LoadedProfile>;
  logger: Logger;
  baseUrl: string;
}

/**
 * Flows run on the main thread, beside the broker and ingest. When the event loop falls behind
 * (a flow doing heavy synchronous work on every reading), readings stop being delivered to flows
 * until it recovers: flows lose readings (counted and logged), ingest keeps storing them.
 * Alert transitions are rare and always delivered.
 */
export interface LoadShedder {
  readonly shedding: boolean;
  readonly dropped: number;
  close(): void;
}

export function createLoadShedder(logger: Logger, { maxLagMs = 100, sampleMs = 200, recoverSamples = 5 } = {}): LoadShedder & { drop(): void } {
  let shedding = false;
  let calm = 0;
  let dropped = 0;
  let droppedSinceLog = 0;
  const stop = onEveryTick(sampleMs, (lag) => {
    if (lag > maxLagMs) {
      calm = 0;
      if (!shedding) logger.warn({ lagMs: Math.round(lag) }, 'event loop overloaded: readings are not delivered to Node-RED flows until it recovers');
      shedding = true;
    } else if (shedding && ++calm >= recoverSamples) {
      shedding = false;
      logger.warn({ dropped: droppedSinceLog }, 'event loop recovered: delivering readings to Node-RED flows again');
      droppedSinceLog = 0;
    }
  });
  return {
    get shedding() {
      return shedding;
    },
    get dropped() {
      return dropped;
    },
    drop() {
      dropped++;
      droppedSinceLog++;
    },
    close: stop,
  };
}

export function createHostApi(deps: HostDeps): QuantracHost & { shedder: LoadShedder } {
  const { config, db, bus, alerts, broker, directory, profiles, logger, baseUrl } = deps;
  const owners = new Set<string>();
  const shedder = createLoadShedder(logger);
  let seq = 0;

  function listen<E extends 'readingsAccepted' | 'alertChanged' | 'bulletinPublished'>(owner: string, event: E, deliver: (payload: EventMap[E]) => void): () => void {
    const id = `node-red:${owner}:${++seq}`;
    owners.add(id);
    bus.on(id, event, (payload) => {
      if (event === 'readingsAccepted' && shedder.shedding) {
        shedder.drop();
        return;
      }
      setImmediate(() => {
        try {
          deliver(payload);
        } catch (err) {
          logger.error({ err, owner }, 'Node-RED node failed to handle an event');
        }
      });
    });
    return () => {
      bus.removeOwner(id);
      owners.delete(id);
    };
  }

  return {
    shedder,
    onReadings: (owner, fn) => listen(owner, 'readingsAccepted', ({ readings }) => fn(readings)),
    onAlert: (owner, fn) => listen(owner, 'alertChanged', fn),
    onBulletin: (owner, fn) => listen(owner, 'bulletinPublished', fn),
    bulletinLink: (id, format) => `${baseUrl.replace(/\/$/, '')}/api/v1/bulletins/${id}.${format}`,
    acknowledge: (id, actor, comment) => alerts.acknowledge(id, actor, comment),
    resolve: (id, actor, reason) => alerts.resolve(id, actor, reason),
    silence({ station, rule, minutes, comment, actor }) {
      if (!station && !rule) throw createError('QT_ERR_BAD_REQUEST', 'a silence needs a station, a rule, or both');
      const startsAt = new Date();
      return alerts.createSilence({
        stationId: station ?? null,
        ruleId: rule ?? null,
        startsAt,
        endsAt: new Date(startsAt.getTime() + minutes * 60_000),
        comment,
        createdBy: actor,
      });
    },
    async query({ station, metric, from, to, aggregate, limit = 10_000 }) {
      if (!directory.get(station)) throw createError('QT_ERR_NOT_FOUND', `station ${station} does not exist`);
      if (aggregate === 'hourly') {
        return (await hourlyStats(db, station, metric, from, to)).map((r) => ({ ...r, bucket: r.bucket.toISOString() }));
      }
      return (await queryReadings(db, { stationId: station, metric, from, to, limit })).map((r) => ({ ...r, ts: r.ts.toISOString() }));
    },
    async completeness(day) {
      if (!localDayRange(day, config.timezone)) throw createError('QT_ERR_BAD_REQUEST', `day must be YYYY-MM-DD, got ${day}`);
      // Each station's day is the date in its own zone: stations are asked zone by zone.
      const byZone = new Map<string, Station[]>();
      for (const s of directory.all()) {
        const zone = timeZoneOr(s.timezone, config.timezone);
        const group = byZone.get(zone);
        if (group) group.push(s);
        else byZone.set(zone, [s]);
      }
      const rows: CompletenessRow[] = [];
      for (const [zone, stations] of byZone) {
        const { from, to } = localDayRange(day, zone)!;
        // The analyst API's report: one definition of completeness in the platform.
        const report = await completeness(db, config, profiles, { stations, metrics: null, from: new Date(from), to: new Date(to), now: Date.now() });
        rows.push(...report.data);
      }
      return rows;
    },
    async command(stationId, command) {
      if (!isStationId(stationId) || !directory.get(stationId)) throw createError('QT_ERR_NOT_FOUND', `station ${stationId} does not exist`);
      await broker.sendCommand(stationId, command);
    },
    station(id) {
      const s = directory.get(id);
      return s ? { id: s.id, name: s.name, profile: s.profileId, province: s.province, lat: s.lat, lon: s.lon } : undefined;
    },
    rule(id) {
      const r = alerts.getRule(id)?.rule;
      return r ? { id: r.id, kind: r.kind, name: r.name, metric: 'metric' in r && r.metric ? r.metric : null } : undefined;
    },
    alertLink: (alertId) => `${baseUrl.replace(/\/$/, '')}/#/alerts/${alertId}`,
    close() {
      shedder.close();
      for (const id of owners) bus.removeOwner(id);
      owners.clear();
    },
  };
}
