/**
 * @module api/realtime/frames
 * Batching: bus events only queue what changed; `flush()` (every `frameMs`) sends one frame per
 * room. socket.io with one emit per reading costs ~11× more CPU than arrays every 20 ms
 * (docs/STACK-NOTES), and a chart gains nothing from more than a few frames a second.
 *
 * - `readings` to `station:<id>`: the readings of that station since the last frame;
 * - `alerts` to `alerts`: every alert that changed, once, with its transition;
 * - `overview` to `overview`: the stations whose state, connection, AQI, WQI, per-type index (flood
 *   level, salinity class, compliance: domain/type-index.ts), name, place, enabled flag
 *   or whole-percent completeness changed,
 *   and the KPIs when they changed. States go stale by the clock, not by events, so every flush
 *   recomputes every station (1,000 in well under 1 ms) and sends the changes.
 */
import type { Server } from 'socket.io';
import type { AcceptedReading } from '../../domain/events.js';
import type { AlertsFrame, LiveReading, OverviewFrame, ReadingsFrame, StationLive } from '../../domain/live.js';
import type { LiveStore } from './live-state.js';
import { typeIndexKey } from '../../domain/type-index.js';

export type FrameCounts = Record<'overview' | 'readings' | 'alerts', number>;

export interface FrameBatcher {
  /** Frames sent since start, by event name. */
  readonly framesSent: Readonly<FrameCounts>;
  queueReadings(readings: readonly AcceptedReading[]): void;
  queueAlert(entry: AlertsFrame['alerts'][number]): void;
  /** Sends what changed since the last call. */
  flush(): void;
}

export interface FrameDeps {
  io: Server;
  state: LiveStore;
  now: () => number;
  /**
   * Members of a room, or 1 when they cannot be counted here: with the Redis adapter a room's
   * members may be on other nodes, so this node sends every frame and the adapter delivers it
   * wherever the room has members.
   */
  roomSize(room: string): number;
}

export function createFrameBatcher({ io, state, now, roomSize }: FrameDeps): FrameBatcher {
  const pendingReadings = new Map<string, LiveReading[]>();
  const pendingAlerts = new Map<number, AlertsFrame['alerts'][number]>();
  const sentStations = new Map<string, string>();
  const framesSent: FrameCounts = { overview: 0, readings: 0, alerts: 0 };
  let lastKpi = '';
  const localRoomSize = (room: string) => io.sockets.adapter.rooms.get(room)?.size ?? 0;

  /** The stations whose shown state changed since the last frame (and forgets deleted ones). */
  function changedStations(stations: readonly StationLive[]): StationLive[] {
    const changed: StationLive[] = [];
    const present = new Set<string>();
    for (const s of stations) {
      present.add(s.id);
      const key = `${s.state}|${s.connected}|${s.reporting}|${s.aqi}|${s.vnWqi}|${typeIndexKey(s.typeIndex)}|${s.typeIndexMissing ?? ''}|${s.name}|${s.enabled}|${s.lat},${s.lon}|${s.completenessToday == null ? '' : Math.round(s.completenessToday)}`;
      if (sentStations.get(s.id) !== key) {
        sentStations.set(s.id, key);
        changed.push(s);
      }
    }
    for (const id of sentStations.keys()) if (!present.has(id)) sentStations.delete(id);
    return changed;
  }

  return {
    framesSent,
    queueReadings(readings) {
      for (const r of readings) {
        if (roomSize(`station:${r.stationId}`) === 0) continue;
        const list = pendingReadings.get(r.stationId) ?? [];
        list.push({ metric: r.metric, ts: r.ts, value: r.value, quality: r.quality });
        pendingReadings.set(r.stationId, list);
      }
    },
    queueAlert(entry) {
      if (roomSize('alerts') > 0) pendingAlerts.set(entry.alert.id, entry);
    },
    flush() {
      const at = now();
      for (const [station, readings] of pendingReadings) {
        io.to(`station:${station}`).emit('readings', { station, readings } satisfies ReadingsFrame);
        framesSent.readings += 1;
      }
      pendingReadings.clear();
      if (pendingAlerts.size > 0) {
        io.to('alerts').emit('alerts', { alerts: [...pendingAlerts.values()] } satisfies AlertsFrame);
        framesSent.alerts += 1;
        pendingAlerts.clear();
      }
      const stations = state.stations(at);
      const changed = changedStations(stations);
      const k = state.kpi(stations, at);
      const kKey = JSON.stringify(k);
      // Every node keeps the whole overview (remote receipts included) and sends it to its own clients only.
      if ((changed.length > 0 || kKey !== lastKpi) && localRoomSize('overview') > 0) {
        io.local.to('overview').emit('overview', { stations: changed, kpi: k } satisfies OverviewFrame);
        framesSent.overview += 1;
      }
      lastKpi = kKey;
    },
  };
}
