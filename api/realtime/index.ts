/**
 * @module dashboard/server/realtime
 * The operations center's live stream: socket.io on the HTTP server's port (path /socket.io/),
 * fed from the event bus, batched into one frame per room every `frameMs`, and the live state
 * behind GET /api/v1/overview (each station's online/stale/offline state, its newest hourly
 * VN_AQI, firing alerts, today's completeness, readings per second).
 *
 * Batching: bus events only update memory; a timer sends what changed. socket.io with one emit
 * per reading costs ~11× more CPU than arrays every 20 ms (docs/STACK-NOTES), and a chart gains
 * nothing from more than a few frames a second.
 *
 * Authentication at the handshake: the session cookie (the page) or `auth.token` (scripts). A
 * cookie handshake must come from the same origin (the Origin header's host equals Host), so
 * another site cannot open a socket with the operator's cookie.
 */
import type { Server as HttpServer } from 'node:http';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import { vnAqiCategory } from '../../domain/indices/categories.js';
import type { Config } from '../../config/index.js';
import type { LoadedProfile } from '../../device-profiles/index.js';
import type { StationDirectory } from '../../stations/directory.js';
import type { AcceptedReading, EventBus } from '../../domain/events.js';
import type { Logger } from '../../lib/logger.js';
import { listOpenAlerts, type AlertRecord } from '../../store/alerts.js';
import { lastReadingTimes, latestHourlyIndex, readingCountsSince } from '../../store/dashboard.js';
import type { Db } from '../../store/index.js';
import type { Station } from '../../store/stations.js';
import type { AlertsFrame, Kpi, LiveReading, LiveState, OverviewFrame, OverviewSnapshot, ReadingsFrame, StationLive, SubscribeAck } from '../../domain/live.js';
import { alertJson } from '../routes/alerts.js';
import { type TokenClaims, type TokenService } from '../../auth/tokens.js';
import { SESSION_COOKIE, cookieValue } from '../plugins/auth.js';

const OWNER = 'realtime';
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Vietnam is UTC+7 all year (no daylight saving): the local day starts at 17:00 UTC. */
const VN_OFFSET_MS = 7 * HOUR_MS;
/** A station is online while its newest reading is younger than this many expected intervals. */
const FRESH_INTERVALS = 3;
/** The AQI shown on the map is the newest hourly value if no older than this. */
const AQI_MAX_AGE_MS = 3 * HOUR_MS;
const COMPLETENESS_REFRESH_MS = 60_000;
const RATE_WINDOW_S = 10;

export interface RealtimeDeps {
  server: HttpServer;
  config: Readonly<Config>;
  db: Db;
  bus: EventBus;
  directory: StationDirectory;
  profiles: ReadonlyMap<string, LoadedProfile>;
  tokens: TokenService;
  logger: Logger;
  now?: () => number;
  /** Multi-node mode: socket.io's Redis adapter, so a frame emitted here reaches clients on every node. */
  socketAdapter?: ServerOptions['adapter'] | undefined;
}

export interface Realtime {
  io: Server;
  /** The whole live picture, for GET /api/v1/overview (the page loads it, then follows frames). */
  overview(): OverviewSnapshot;
  /** Frames sent since start, by event name (tests and /metrics-style introspection). */
  readonly framesSent: Readonly<Record<'overview' | 'readings' | 'alerts', number>>;
  close(): Promise<void>;
}

interface SocketData {
  user: TokenClaims;
}

export function localMidnight(ms: number): number {
  return Math.floor((ms + VN_OFFSET_MS) / DAY_MS) * DAY_MS - VN_OFFSET_MS;
}

/**
 * Starts the live state (seeded from the database) and attaches socket.io to `server`.
 * @example const rt = await createRealtime({ server: app.server, config, db, bus, directory, profiles, tokens, logger }); … await rt.close();
 */
export async function createRealtime(deps: RealtimeDeps): Promise<Realtime> {
  const { server, config, db, bus, directory, profiles, tokens, logger } = deps;
  const now = deps.now ?? Date.now;
  const frameMs = config.dashboard.frameMs;

  // ---- live state ----
  const t0 = now();
  const lastSeen = await lastReadingTimes(db, new Date(t0 - DAY_MS));
  const aqi = await latestHourlyIndex(db, 'vn_aqi', new Date(t0 - AQI_MAX_AGE_MS));
  const openAlerts = new Map<number, AlertRecord>((await listOpenAlerts(db)).map((a) => [a.id, a]));
  let countsToday = new Map<string, number>();
  let countsSince = 0;
  const rate = new Array<number>(RATE_WINDOW_S).fill(0);
  let rateSecond = Math.floor(t0 / 1000);

  function intervalMs(s: Station): number {
    return (profiles.get(s.profileId)?.profile.expectedIntervalSeconds ?? 60) * 1000;
  }

  function liveOf(s: Station, at: number): StationLive {
    const seen = lastSeen.get(s.id);
    const fresh = seen !== undefined && at - seen <= FRESH_INTERVALS * intervalMs(s);
    const state: LiveState = fresh ? 'online' : s.connectionState === 'online' ? 'stale' : 'offline';
    const index = aqi.get(s.id);
    const value = index && at - index.hourEnd <= AQI_MAX_AGE_MS ? index.aqi : null;
    return {
      id: s.id,
      name: s.name,
      profile: s.profileId,
      province: s.province,
      lat: s.lat,
      lon: s.lon,
      enabled: s.enabled,
      state,
      lastReadingAt: seen === undefined ? null : new Date(seen).toISOString(),
      aqi: value,
      aqiCategory: value === null ? null : vnAqiCategory(value).key,
    };
  }

  function advanceRate(at: number): void {
    const second = Math.floor(at / 1000);
    const steps = Math.min(second - rateSecond, RATE_WINDOW_S);
    for (let i = 1; i <= steps; i++) rate[(rateSecond + i) % RATE_WINDOW_S] = 0;
    if (second > rateSecond) rateSecond = second;
  }

  function completeness(at: number): number | null {
    const midnight = localMidnight(at);
    let expected = 0;
    let received = 0;
    for (const s of directory.all()) {
      if (!s.enabled) continue;
      const metrics = Object.keys(profiles.get(s.profileId)?.profile.metrics ?? {}).length;
      const from = Math.max(midnight, s.createdAt.getTime());
      const e = Math.floor((at - from) / intervalMs(s)) * metrics;
      if (e <= 0) continue;
      expected += e;
      received += Math.min(e, countsToday.get(s.id) ?? 0);
    }
    return expected === 0 ? null : received / expected;
  }

  function kpi(stations: readonly StationLive[], at: number): Kpi {
    const counts = { total: stations.length, online: 0, stale: 0, offline: 0 };
    for (const s of stations) counts[s.state] += 1;
    const firing = { info: 0, warning: 0, critical: 0 };
    for (const a of openAlerts.values()) if (a.state === 'firing') firing[a.severity] += 1;
    advanceRate(at);
    // the current second is still filling: average the RATE_WINDOW_S − 1 complete ones
    let sum = 0;
    for (let i = 1; i < RATE_WINDOW_S; i++) sum += rate[(rateSecond - i + RATE_WINDOW_S) % RATE_WINDOW_S]!;
    return { stations: counts, firing, completenessToday: completeness(at), readingsPerSecond: Math.round((sum / (RATE_WINDOW_S - 1)) * 10) / 10 };
  }

  async function refreshCompleteness(): Promise<void> {
    const midnight = localMidnight(now());
    const counts = await readingCountsSince(db, new Date(midnight));
    countsToday = counts;
    countsSince = midnight;
  }
  await refreshCompleteness();

  // ---- pending frames ----
  const pendingReadings = new Map<string, LiveReading[]>();
  const pendingAlerts = new Map<number, AlertsFrame['alerts'][number]>();
  const sentStations = new Map<string, string>();
  const framesSent = { overview: 0, readings: 0, alerts: 0 };
  let lastKpi = '';

  const io = new Server(server, {
    path: '/socket.io/',
    serveClient: false,
    // index.ts answers (or destroys) every other upgrade, e.g. /mqtt
    destroyUpgrade: false,
    maxHttpBufferSize: 16_384,
    ...(deps.socketAdapter ? { adapter: deps.socketAdapter } : {}),
  });

  // With the Redis adapter the rooms' members may be on other nodes, which this node cannot count
  // cheaply: it sends every frame and the adapter delivers it wherever the room has members.
  const localRoomSize = (room: string) => io.sockets.adapter.rooms.get(room)?.size ?? 0;
  const roomSize = deps.socketAdapter ? () => 1 : localRoomSize;

  bus.on(OWNER, 'readingsAccepted', ({ readings }) => {
    const at = now();
    advanceRate(at);
    rate[rateSecond % RATE_WINDOW_S] = rate[rateSecond % RATE_WINDOW_S]! + readings.length;
    const today = localMidnight(at) === countsSince;
    for (const r of readings as readonly AcceptedReading[]) {
      if ((lastSeen.get(r.stationId) ?? 0) < r.ts) lastSeen.set(r.stationId, r.ts);
      if (today && r.ts >= countsSince) countsToday.set(r.stationId, (countsToday.get(r.stationId) ?? 0) + 1);
      if (roomSize(`station:${r.stationId}`) === 0) continue;
      const list = pendingReadings.get(r.stationId) ?? [];
      list.push({ metric: r.metric, ts: r.ts, value: r.value, quality: r.quality });
      pendingReadings.set(r.stationId, list);
    }
  });
  bus.on(OWNER, 'remoteReadingsSeen', ({ receipts }) => {
    const today = localMidnight(now()) === countsSince;
    for (const r of receipts) {
      if ((lastSeen.get(r.stationId) ?? 0) < r.ts) lastSeen.set(r.stationId, r.ts);
      if (today && r.ts >= countsSince) countsToday.set(r.stationId, (countsToday.get(r.stationId) ?? 0) + r.count);
    }
  });
  bus.on(OWNER, 'alertChanged', ({ alert, transition, notify }) => {
    if (alert.state === 'resolved') openAlerts.delete(alert.id);
    else openAlerts.set(alert.id, alert);
    if (roomSize('alerts') > 0) pendingAlerts.set(alert.id, { alert: alertJson(alert), transition, notify });
  });
  bus.on(OWNER, 'indexUpdated', ({ stationId, hourEnd, vnAqi }) => {
    const current = aqi.get(stationId);
    if (vnAqi === null || (current && current.hourEnd > hourEnd)) return;
    aqi.set(stationId, { hourEnd, aqi: vnAqi });
  });
  // stationStateChanged: app.ts updates the directory; the next frame reads it from there.

  function snapshotStations(at: number): StationLive[] {
    return directory
      .all()
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((s) => liveOf(s, at));
  }

  function flush(): void {
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
    // States go stale by the clock, not by events: recompute every station (1,000 in well under 1 ms) and send the changes.
    const stations = snapshotStations(at);
    const changed: StationLive[] = [];
    const present = new Set<string>();
    for (const s of stations) {
      present.add(s.id);
      const key = `${s.state}|${s.aqi}|${s.name}|${s.enabled}|${s.lat},${s.lon}`;
      if (sentStations.get(s.id) !== key) {
        sentStations.set(s.id, key);
        changed.push(s);
      }
    }
    for (const id of sentStations.keys()) if (!present.has(id)) sentStations.delete(id);
    const k = kpi(stations, at);
    const kKey = JSON.stringify(k);
    // Every node keeps the whole overview (remote receipts included) and sends it to its own clients only.
    if ((changed.length > 0 || kKey !== lastKpi) && localRoomSize('overview') > 0) {
      io.local.to('overview').emit('overview', { stations: changed, kpi: k } satisfies OverviewFrame);
      framesSent.overview += 1;
    }
    lastKpi = kKey;
  }

  const frameTimer = setInterval(() => {
    try {
      flush();
    } catch (err) {
      logger.error({ err }, 'realtime: sending a frame failed');
    }
  }, frameMs);
  const completenessTimer = setInterval(() => {
    refreshCompleteness().catch((err: unknown) => logger.error({ err }, 'realtime: refreshing today\'s completeness failed'));
  }, COMPLETENESS_REFRESH_MS);

  // ---- connections ----
  io.use((socket, next) => {
    const { headers } = socket.handshake;
    const given = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    let claims: TokenClaims | undefined;
    if (typeof given === 'string') {
      claims = tokens.verify(given);
    } else {
      const cookie = cookieValue(headers.cookie, SESSION_COOKIE);
      const origin = headers.origin;
      if (cookie && origin !== undefined && safeHost(origin) !== headers.host) return next(new Error('cross-origin session refused'));
      claims = cookie ? tokens.verify(cookie) : undefined;
    }
    if (!claims) return next(new Error('unauthorized'));
    (socket.data as SocketData).user = claims;
    next();
  });

  io.on('connection', (socket: Socket) => {
    socket.on('subscribe', (room: unknown, ack: unknown) => {
      const answer = (a: SubscribeAck) => (typeof ack === 'function' ? (ack as (a: SubscribeAck) => void)(a) : undefined);
      const error = checkRoom(room);
      if (error) return answer({ ok: false, error });
      void socket.join(room as string);
      answer({ ok: true });
    });
    socket.on('unsubscribe', (room: unknown, ack: unknown) => {
      if (typeof room === 'string') void socket.leave(room);
      if (typeof ack === 'function') (ack as (a: SubscribeAck) => void)({ ok: true });
    });
  });

  function checkRoom(room: unknown): string | undefined {
    if (room === 'overview' || room === 'alerts') return undefined;
    if (typeof room === 'string' && room.startsWith('station:')) {
      return directory.get(room.slice('station:'.length)) ? undefined : `no station ${room.slice('station:'.length)}`;
    }
    return 'unknown room (overview, alerts or station:<id>)';
  }

  return {
    io,
    framesSent,
    overview() {
      const at = now();
      const stations = snapshotStations(at);
      return {
        generatedAt: new Date(at).toISOString(),
        stations,
        kpi: kpi(stations, at),
        map: { tileUrl: config.dashboard.tileUrl, tileAttribution: config.dashboard.tileAttribution },
      };
    },
    async close() {
      clearInterval(frameTimer);
      clearInterval(completenessTimer);
      bus.removeOwner(OWNER);
      io.disconnectSockets(true);
      // Not io.close(): it would also close the HTTP server, which fastify closes itself.
      io.engine.close();
    },
  };
}

function safeHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
