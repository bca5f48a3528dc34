/**
 * @module simulators/station
 * One simulated monitoring station: a real MQTT 3.1.1 client that behaves like a datalogger.
 *
 * Contract (fixed by the broker): clientId = username = station id, password = its secret,
 * protocolVersion 4, clean: false; last will `offline` (retained, QoS 1) on `stations/{id}/state`,
 * `online` (retained, QoS 1) there on every connect; readings on `stations/{id}/readings` at QoS 1
 * as `ReadingPayload` JSON or an array of them (backlog); commands on `stations/{id}/commands`.
 *
 * Readings are stamped at the interval boundary at or before the moment they are produced (period
 * ending, e.g. 09:01:00+07:00 for the minute 09:00–09:01), like real dataloggers. The broker acks
 * (PUBACK) only after the reading is committed, so `acknowledged` counts stored payloads.
 *
 * This module is the factory: options, the reading timer and the lifecycle. The MQTT connection
 * and publishes are in simulators/station-link.ts, the payloads in simulators/station-readings.ts,
 * downlink commands in simulators/station-commands.ts.
 */
import type { DeviceProfile } from '../device-profiles/types.js';
import { stationTopic } from '../domain/topics.js';
import { SimulatorError, toError } from './errors.js';
import { createFaultEngine, type Fault, type FaultKind } from './faults.js';
import { loadHanoiReplay, type HanoiReplay, type HanoiReplayOptions } from './hanoi-replay.js';
import { createReadingHistory, DEFAULT_HISTORY_SIZE } from './history.js';
import { consoleLogger, type SimulatorLogger } from './logger.js';
import { createValueModel, type ValueModel } from './models.js';
import { createCommandHandler } from './station-commands.js';
import { createStationLink } from './station-link.js';
import { createReadingCycle, type ReadingCycle } from './station-readings.js';
import { timeZoneOr } from '../lib/time.js';
import { intervalBoundary, type Clock } from './time.js';

/** A station as configured: id, MQTT secret and its device profile. */
export interface StationConfig {
  id: string;
  secret: string;
  profile: DeviceProfile;
  /** The station's IANA time zone (default Asia/Ho_Chi_Minh): payload times and diurnal cycles are local to it. */
  timezone?: string;
}

/** PM2.5 from the real Hanoi series instead of the model (air-quality profiles only). */
export interface StationReplayOptions extends HanoiReplayOptions {
  /** An already loaded replay (shared between stations); otherwise one is loaded in `start()`. */
  source?: HanoiReplay;
  /** In a gap of the series: omit pm25 (default), or send `pm25: null` with status 02. */
  onGap?: 'omit' | 'fault';
}

export interface SimulatedStationOptions {
  /** Broker URL, e.g. mqtt://127.0.0.1:1883 */
  url: string;
  station: StationConfig;
  /** Reading interval in ms (default: the profile's expectedIntervalSeconds × 1000). */
  intervalMs?: number;
  /** Seed of the value model (default 1). */
  seed?: number;
  replay?: StationReplayOptions;
  /** Source of "now" in epoch ms (default Date.now). Timestamps and fault windows use it. */
  clock?: Clock;
  /**
   * A value model to continue (the one the station's history was computed with, simulators/backfill.ts)
   * instead of a new one from `seed`: the live readings then follow on from the history.
   */
  model?: ValueModel;
  /** Subset of the profile's metrics to report (default: all). */
  metrics?: readonly string[];
  logger?: SimulatorLogger;
  /** Delay after each interval boundary before the timer publishes (fleet jitter), 0 ≤ jitterMs < intervalMs. */
  jitterMs?: number;
  /** A publish not acknowledged within this time counts as failed (default 30 000 ms). */
  ackTimeoutMs?: number;
  /** First connection must succeed within this time (default 10 000 ms). */
  connectTimeoutMs?: number;
  /** Reconnect delay after a lost connection (default 1 000 ms). */
  reconnectPeriodMs?: number;
  /** MQTT keepalive (default 30 s); the broker publishes the will after 1.5 × this without traffic. */
  keepaliveSeconds?: number;
  /** Readings kept for `resend` (default 10 000). */
  historySize?: number;
  /** How long close() waits for in-flight publishes before forcing the connection closed (default 5 000 ms). */
  closeTimeoutMs?: number;
}

export interface StationStats {
  /** Payloads published on the readings topic (single readings, backlogs, resends, malformed ones). */
  published: number;
  /** Of those, acknowledged by the broker (PUBACK: committed to the database). */
  acknowledged: number;
  /** Of those, failed (publish error, connection closed, or no PUBACK within ackTimeoutMs). */
  failed: number;
  /** Readings contained in the published payloads (a backlog of 5 counts 5). */
  readings: number;
  /** Command messages received on the commands topic. */
  commandsReceived: number;
  /** Of those, ignored: unknown command, invalid JSON or arguments. */
  commandsIgnored: number;
  connected: boolean;
}

export interface SimulatedStation {
  readonly id: string;
  /** Connects (rejects with SIM_ERR_CONNECT if the first connection fails) and starts the reading timer. */
  start(): Promise<void>;
  /** Stops the timer, publishes `offline` (retained), waits for in-flight publishes, disconnects. */
  close(): Promise<void>;
  /** Injects a fault now (throws SIM_ERR_OPTIONS_INVALID if it does not fit the profile). */
  inject(fault: Fault): void;
  /** Removes active faults (all, or all of one kind). */
  clearFaults(kind?: FaultKind): void;
  /** Publishes the reading of the current interval now; resolves when every resulting payload is acknowledged. */
  publishNow(): Promise<void>;
  stats(): StationStats;
}

/**
 * Creates a simulated station. Nothing happens until `start()`.
 * @example
 * const station = createSimulatedStation({ url: 'mqtt://127.0.0.1:1883', station: { id: 'HN-AQ-01', secret, profile } });
 * await station.start();
 * station.inject({ kind: 'episode', metric: 'pm25', target: 250, rampMs: 3_600_000, holdMs: 7_200_000, decayMs: 3_600_000 });
 * await station.close();
 */
export function createSimulatedStation(options: SimulatedStationOptions): SimulatedStation {
  const {
    url,
    station,
    intervalMs = station.profile.expectedIntervalSeconds * 1000,
    seed = 1,
    replay,
    clock = Date.now,
    metrics,
    logger = consoleLogger,
    jitterMs = 0,
    ackTimeoutMs = 30_000,
    connectTimeoutMs = 10_000,
    reconnectPeriodMs = 1_000,
    keepaliveSeconds = 30,
    historySize = DEFAULT_HISTORY_SIZE,
    closeTimeoutMs = 5_000,
  } = options;
  const { id, secret, profile } = station;
  const timeZone = timeZoneOr(station.timezone);
  // stationTopic throws on an invalid id, before anything touches the wire.
  const topics = { readings: stationTopic(id, 'readings'), state: stationTopic(id, 'state'), commands: stationTopic(id, 'commands') };
  if (!(intervalMs > 0 && Number.isFinite(intervalMs))) {
    throw new SimulatorError('SIM_ERR_OPTIONS_INVALID', `station ${id}: intervalMs must be a positive number, got ${intervalMs}`);
  }
  if (metrics) {
    const unknown = metrics.filter((m) => !Object.hasOwn(profile.metrics, m));
    if (unknown.length > 0) throw new SimulatorError('SIM_ERR_OPTIONS_INVALID', `station ${id}: metrics not in profile ${profile.id}: ${unknown.join(', ')}`);
  }
  if (replay && !Object.hasOwn(profile.metrics, 'pm25')) {
    throw new SimulatorError('SIM_ERR_REPLAY_UNSUPPORTED', `station ${id}: Hanoi replay needs a pm25 metric, profile ${profile.id} has none`);
  }
  const jitter = ((jitterMs % intervalMs) + intervalMs) % intervalMs;
  const log = { stationId: id };

  const faults = createFaultEngine(profile);
  const history = createReadingHistory(historySize);
  const counters = { published: 0, acknowledged: 0, failed: 0, readings: 0, commandsReceived: 0, commandsIgnored: 0 };
  let readings: ReadingCycle | undefined;
  let replaySource: HanoiReplay | undefined = replay?.source;
  let timer: NodeJS.Timeout | undefined;
  let starting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;

  function routeError(err: unknown, msg: string, extra: Record<string, unknown> = {}): void {
    logger.error({ ...log, ...extra, err: toError(err) }, msg);
  }

  // Commands arrive only once connected: by then `link` exists.
  const onCommand = createCommandHandler({ id, history, faults, clock, logger, routeError, counters, publish: (body, n) => link.publishReadings(body, n) });
  const link = createStationLink({
    url,
    id,
    secret,
    topics,
    ackTimeoutMs,
    connectTimeoutMs,
    reconnectPeriodMs,
    keepaliveSeconds,
    closeTimeoutMs,
    logger,
    routeError,
    counters,
    onCommand,
  });

  /** One datalogger cycle (see simulators/station-readings.ts); only once started. */
  function cycle(mode: 'timer' | 'manual'): Array<Promise<void>> {
    if (!readings) throw new SimulatorError('SIM_ERR_NOT_STARTED', `station ${id} is not started`);
    return readings.cycle(mode);
  }

  function scheduleNext(): void {
    if (closing) return;
    const now = clock();
    const due = intervalBoundary(now - jitter, intervalMs, timeZone) + intervalMs + jitter;
    const delay = Math.min(Math.max(due - now, 1), intervalMs);
    timer = setTimeout(onTimer, delay);
  }

  function onTimer(): void {
    try {
      for (const ack of cycle('timer')) ack.catch((err: unknown) => routeError(err, 'reading not acknowledged'));
    } catch (err) {
      routeError(err, 'reading cycle failed');
    }
    scheduleNext();
  }

  async function doStart(): Promise<void> {
    if (replay && !replaySource) replaySource = await loadHanoiReplay(replay);
    const model = options.model ?? createValueModel(profile, { seed, timeZone, ...(metrics ? { metrics } : {}) });
    readings = createReadingCycle({
      id,
      model,
      replaySource,
      onGap: replay?.onGap,
      faults,
      history,
      historySize,
      intervalMs,
      timeZone,
      clock,
      logger,
      publish: link.publishReadings,
    });
    await link.connect();
    if (closing) return;
    scheduleNext();
  }

  async function doClose(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    if (starting) await Promise.allSettled([starting]); // a failed start already reported itself
    await link.close();
  }

  return {
    id,
    start() {
      if (closing) return Promise.reject(new SimulatorError('SIM_ERR_CLOSED', `station ${id} is closed`));
      starting ??= doStart();
      return starting;
    },
    close() {
      closing ??= doClose();
      return closing;
    },
    inject(fault) {
      faults.inject(fault, clock());
    },
    clearFaults(kind) {
      faults.clear(kind);
    },
    async publishNow() {
      if (!link.client || !readings) throw new SimulatorError('SIM_ERR_NOT_STARTED', `station ${id} is not started`);
      if (closing) throw new SimulatorError('SIM_ERR_CLOSED', `station ${id} is closed`);
      await Promise.all(cycle('manual'));
    },
    stats() {
      return { ...counters, connected: link.client?.connected ?? false };
    },
  };
}
