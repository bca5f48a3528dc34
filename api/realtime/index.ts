/**
 * @module api/realtime
 * The operations center's live stream: socket.io on the HTTP server's port (path /socket.io/),
 * fed from the event bus, and the live state behind GET /api/v1/overview. Composed of:
 *
 * - live-state.ts: each station's online/stale/offline state (connected, reporting), its newest
 *   hourly VN_AQI, firing alerts, readings per minute (memory, seeded from the database);
 * - domain/type-index.ts (used by live-state): hydromet's flood level, salinity's class, wastewater's compliance;
 * - completeness.ts: today's completeness by the analyst API's definition;
 * - frames.ts: what changed, one frame per room as soon as there is something to send, at most
 *   one per room every `frameMs` (the overview: every `frameMs`);
 * - rooms.ts: who may connect (handshake) and which rooms they may join.
 */
import type { Server as HttpServer } from 'node:http';
import { Server, type ServerOptions } from 'socket.io';
import type { Config } from '../../config/index.js';
import type { LoadedProfile } from '../../device-profiles/index.js';
import type { StationDirectory } from '../../stations/directory.js';
import type { EventBus } from '../../domain/events.js';
import type { Logger } from '../../lib/logger.js';
import type { Db } from '../../store/index.js';
import type { OverviewSnapshot } from '../../domain/live.js';
import type { TokenService } from '../../auth/tokens.js';
import { alertJson, alertUnitOf } from '../routes/alerts.js';
import type { AlertEngine } from '../../alerts/engine.js';
import { createFrameBatcher, type FrameCounts } from './frames.js';
import { createLiveState } from './live-state.js';
import { authenticateHandshake, handleSubscriptions } from './rooms.js';

const OWNER = 'realtime';
const COMPLETENESS_REFRESH_MS = 60_000;

export interface RealtimeDeps {
  server: HttpServer;
  config: Readonly<Config>;
  db: Db;
  bus: EventBus;
  directory: StationDirectory;
  profiles: ReadonlyMap<string, LoadedProfile>;
  tokens: TokenService;
  logger: Logger;
  /** The rules behind alerts, for their value's unit and the per-type indices' limits (absent: alerts are sent without a unit, the limits are the defaults). */
  alerts?: Pick<AlertEngine, 'getRule' | 'listRules'>;
  now?: () => number;
  /** Multi-node mode: socket.io's Redis adapter, so a frame emitted here reaches clients on every node. */
  socketAdapter?: ServerOptions['adapter'] | undefined;
}

export interface Realtime {
  io: Server;
  /** The whole live picture, for GET /api/v1/overview (the page loads it, then follows frames). */
  overview(): OverviewSnapshot;
  /** Frames sent since start, by event name (tests and /metrics-style introspection). */
  readonly framesSent: Readonly<FrameCounts>;
  /** Stops the frames and disconnects every client; a second call does nothing. */
  close(): Promise<void>;
}

/**
 * Starts the live state (seeded from the database) and attaches socket.io to `server`.
 * @example const rt = await createRealtime({ server: app.server, config, db, bus, directory, profiles, tokens, logger }); … await rt.close();
 */
export async function createRealtime(deps: RealtimeDeps): Promise<Realtime> {
  const { server, config, db, bus, directory, profiles, tokens, logger } = deps;
  const now = deps.now ?? Date.now;
  const unitOf = deps.alerts ? alertUnitOf({ alerts: deps.alerts, directory, profiles }) : undefined;
  const rules = deps.alerts ? () => deps.alerts!.listRules() : undefined;
  const state = await createLiveState({ db, config, directory, profiles, now, rules });

  const io = new Server(server, {
    path: '/socket.io/',
    serveClient: false,
    // api/upgrade.ts answers (or destroys) every other upgrade, e.g. /mqtt
    destroyUpgrade: false,
    maxHttpBufferSize: 16_384,
    ...(deps.socketAdapter ? { adapter: deps.socketAdapter } : {}),
  });
  const localRoomSize = (room: string) => io.sockets.adapter.rooms.get(room)?.size ?? 0;
  const frames = createFrameBatcher({
    io,
    state,
    now,
    roomSize: deps.socketAdapter ? () => 1 : localRoomSize,
    frameMs: config.dashboard.frameMs,
    onError: (err) => logger.error({ err }, 'realtime: sending a frame failed'),
  });

  bus.on(OWNER, 'readingsAccepted', (event) => {
    state.readingsAccepted(event);
    frames.queueReadings(event.readings);
  });
  bus.on(OWNER, 'remoteReadingsSeen', (event) => state.remoteReadingsSeen(event));
  bus.on(OWNER, 'alertChanged', (event) => {
    state.alertChanged(event);
    frames.queueAlert({ alert: alertJson(event.alert, unitOf ? unitOf(event.alert) : null), transition: event.transition, notify: event.notify });
  });
  bus.on(OWNER, 'indexUpdated', (event) => state.indexUpdated(event));
  // stationStateChanged: app.ts updates the directory; the next frame reads it from there.

  const frameTimer = setInterval(() => {
    try {
      frames.tick();
    } catch (err) {
      logger.error({ err }, 'realtime: sending a frame failed');
    }
  }, config.dashboard.frameMs);
  const completenessTimer = setInterval(() => {
    state.refreshCompleteness().catch((err: unknown) => logger.error({ err }, "realtime: refreshing today's completeness failed"));
  }, COMPLETENESS_REFRESH_MS);

  io.use(authenticateHandshake(tokens));
  handleSubscriptions(io, directory);

  let closed = false;
  return {
    io,
    framesSent: frames.framesSent,
    overview() {
      const at = now();
      const stations = state.stations(at);
      return {
        generatedAt: new Date(at).toISOString(),
        stations,
        kpi: state.kpi(stations, at),
        map: { tileUrl: config.dashboard.tileUrl, tileAttribution: config.dashboard.tileAttribution },
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(frameTimer);
      frames.close();
      clearInterval(completenessTimer);
      bus.removeOwner(OWNER);
      io.disconnectSockets(true);
      // Not io.close(): it would also close the HTTP server, which fastify closes itself.
      io.engine.close();
    },
  };
}
