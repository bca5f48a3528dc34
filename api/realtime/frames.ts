/**
 * @module api/realtime/frames
 * Batching: bus events only queue what changed; a station room's readings frame leaves as soon as
 * there is something to send and its previous frame left at least `frameMs` ago (leading edge),
 * otherwise when that gap has passed (trailing edge, with everything queued meanwhile); the alerts
 * and the overview go every `frameMs`, together, so an alert and the KPIs counting it agree.
 * socket.io with one emit per reading costs ~11× more CPU than arrays every 20 ms
 * (docs/STACK-NOTES), and a chart gains nothing from more than a few frames a second.
 *
 * Why not one timer for every room: with a fixed period a reading waited 0–`frameMs` for the next
 * tick (mean `frameMs`/2) on top of publish → commit, so at 250 ms the p99 of publish → client
 * was at least ~250 ms plus the commit's tail by design. Now a station reporting every few
 * seconds gets each committed batch at once (one frame per commit: the readings of one
 * `readingsAccepted` event and of any other in the same event-loop turn go together), and a busy
 * room still gets at most one frame per `frameMs`. A slow client is protected as before: a room
 * never gets more than one frame per `frameMs`, each frame is encoded once per room (socket.io
 * broadcasts the encoded packet to every member), and a client that stops reading misses the
 * heartbeat behind its queue and is disconnected by engine.io (pingInterval + pingTimeout).
 *
 * - `readings` to `station:<id>`: the readings of that station since its last frame;
 * - `alerts` to `alerts` (every `frameMs`, from `tick()`, just before the overview frame whose
 *   KPIs count them): every alert that changed, once, with its transition;
 * - `overview` to `overview` (every `frameMs`, from `tick()`): the stations whose state,
 *   connection, AQI, WQI, per-type index (flood level, salinity class, compliance:
 *   domain/type-index.ts), name, place, enabled flag or whole-percent completeness changed, and the
 *   KPIs when they changed. States go stale by the clock, not by events, so every tick recomputes
 *   every station (1,000 in well under 1 ms) and sends the changes.
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
  /** Queues readings for their station rooms; their frames leave as soon as each room's gap allows. */
  queueReadings(readings: readonly AcceptedReading[]): void;
  /** Queues an alert for the alerts room (sent by the next tick, with the overview that counts it). */
  queueAlert(entry: AlertsFrame['alerts'][number]): void;
  /** Every `frameMs`: the alerts and the overview's changes, and whatever readings frame is due. */
  tick(): void;
  /** Stops the pending sends (nothing is sent afterwards). */
  close(): void;
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
  /** The least time between two frames of one room, ms (config dashboard.frameMs). */
  frameMs: number;
  /** A frame that could not be sent (the sends scheduled by the batcher itself). */
  onError(err: unknown): void;
  /** Monotonic clock for the gaps, ms (default performance.now). */
  clock?: () => number;
}

export function createFrameBatcher({ io, state, now, roomSize, frameMs, onError, clock = () => performance.now() }: FrameDeps): FrameBatcher {
  const pendingReadings = new Map<string, LiveReading[]>();
  const pendingAlerts = new Map<number, AlertsFrame['alerts'][number]>();
  const sentStations = new Map<string, string>();
  const framesSent: FrameCounts = { overview: 0, readings: 0, alerts: 0 };
  /** Room → clock() of its last frame; entries older than frameMs are pruned by tick(). */
  const lastSent = new Map<string, number>();
  let lastKpi = '';
  let immediate: NodeJS.Immediate | undefined;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  let closed = false;
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

  /** ms until `room` may get its next frame (≤ 0: now). */
  function waitOf(room: string, t: number): number {
    const last = lastSent.get(room);
    return last === undefined ? 0 : last + frameMs - t;
  }

  /** Sends every queued readings frame whose gap has passed; arms one timer for the earliest of the others. */
  function sendDue(): void {
    if (closed) return;
    const t = clock();
    let next = Infinity;
    for (const [station, readings] of pendingReadings) {
      const room = `station:${station}`;
      const wait = waitOf(room, t);
      if (wait > 0) {
        next = Math.min(next, wait);
        continue;
      }
      pendingReadings.delete(station);
      lastSent.set(room, t);
      io.to(room).emit('readings', { station, readings } satisfies ReadingsFrame);
      framesSent.readings += 1;
    }
    if (next < Infinity) arm(t + next);
  }

  /** Runs `sendDue` once the current event-loop turn's events are queued (they share a frame). */
  function schedule(): void {
    if (immediate || closed) return;
    immediate = setImmediate(() => {
      immediate = undefined;
      guarded();
    });
  }

  function guarded(): void {
    try {
      sendDue();
    } catch (err) {
      onError(err);
    }
  }

  /** One timer for the earliest trailing frame. */
  function arm(at: number): void {
    if (timer && timerAt <= at) return;
    if (timer) clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(
      () => {
        timer = undefined;
        timerAt = Infinity;
        guarded();
      },
      Math.max(1, Math.ceil(at - clock())),
    );
  }

  return {
    framesSent,
    queueReadings(readings) {
      let queued = false;
      for (const r of readings) {
        if (roomSize(`station:${r.stationId}`) === 0) continue;
        const list = pendingReadings.get(r.stationId) ?? [];
        list.push({ metric: r.metric, ts: r.ts, value: r.value, quality: r.quality });
        pendingReadings.set(r.stationId, list);
        queued = true;
      }
      if (queued) schedule();
    },
    queueAlert(entry) {
      if (roomSize('alerts') > 0) pendingAlerts.set(entry.alert.id, entry);
    },
    tick() {
      const t = clock();
      for (const [room, last] of lastSent) if (t - last >= frameMs) lastSent.delete(room);
      sendDue();
      if (pendingAlerts.size > 0) {
        io.to('alerts').emit('alerts', { alerts: [...pendingAlerts.values()] } satisfies AlertsFrame);
        framesSent.alerts += 1;
        pendingAlerts.clear();
      }
      // Nobody watches the overview on this node: nothing to compute (10,000 stations: the whole live
      // state 4 times a second for no one). A client joining gets the whole overview (index.ts); the
      // next frame after it sends what changed since the last one computed, a superset of its news.
      if (localRoomSize('overview') === 0) return;
      const at = now();
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
    close() {
      closed = true;
      if (immediate) clearImmediate(immediate);
      if (timer) clearTimeout(timer);
      immediate = undefined;
      timer = undefined;
    },
  };
}
