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
 */
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { DeviceProfile, StationStatusCode } from '../device-profiles/types.js';
import { stationTopic } from '../domain/topics.js';
import { parseCommand, type StationCommand } from './commands.js';
import { SimulatorError, toError } from './errors.js';
import { createFaultEngine, encodeMalformed, encodeReadings, type Fault, type FaultKind, type WireReading } from './faults.js';
import { loadHanoiReplay, type HanoiReplay, type HanoiReplayOptions } from './hanoi-replay.js';
import { createReadingHistory, DEFAULT_HISTORY_SIZE, type StoredReading } from './history.js';
import { consoleLogger, type SimulatorLogger } from './logger.js';
import { createValueModel, type ModelOverrides, type ValueModel } from './models.js';
import { formatLocalIso, intervalBoundary, type Clock } from './time.js';

/** A station as configured: id, MQTT secret and its device profile. */
export interface StationConfig {
  id: string;
  secret: string;
  profile: DeviceProfile;
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
  /** Settlers of publishes whose outcome is not yet counted (by publish id). */
  const pending = new Map<number, (err: Error) => void>();
  let nextPublishId = 0;
  /** Publishes the MQTT client has not called back yet (even if already counted as timed out). */
  let inflight = 0;
  let model: ValueModel | undefined;
  let replaySource: HanoiReplay | undefined = replay?.source;
  let client: MqttClient | undefined;
  let timer: NodeJS.Timeout | undefined;
  let lastBoundary: number | undefined;
  let starting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;

  function routeError(err: unknown, msg: string, extra: Record<string, unknown> = {}): void {
    logger.error({ ...log, ...extra, err: toError(err) }, msg);
  }

  /** Publishes a payload on the readings topic; resolves on PUBACK, rejects on error or timeout. */
  function publishReadings(body: string, readingCount: number): Promise<void> {
    const c = client;
    if (!c) return Promise.reject(new SimulatorError('SIM_ERR_NOT_STARTED', `station ${id} is not started`));
    counters.published++;
    counters.readings += readingCount;
    const publishId = nextPublishId++;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err: Error | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(timeout);
        pending.delete(publishId);
        if (err) {
          counters.failed++;
          reject(err);
        } else {
          counters.acknowledged++;
          resolve();
        }
      };
      const timeout = setTimeout(
        () => settle(new SimulatorError('SIM_ERR_ACK_TIMEOUT', `station ${id}: no PUBACK within ${ackTimeoutMs} ms`)),
        ackTimeoutMs,
      );
      pending.set(publishId, settle);
      inflight++;
      c.publish(topics.readings, body, { qos: 1 }, (err) => {
        inflight--;
        if (settled && err === undefined) {
          logger.warn({ ...log }, 'PUBACK arrived after the publish was counted as failed');
          return;
        }
        settle(err ? new SimulatorError('SIM_ERR_PUBLISH', `station ${id}: publish failed: ${err.message}`, { cause: err }) : undefined);
      });
    });
  }

  function publishState(state: 'online' | 'offline'): Promise<void> {
    const c = client;
    if (!c) return Promise.resolve();
    return c.publishAsync(topics.state, state, { qos: 1, retain: true }).then(() => undefined);
  }

  /** Produces the reading of boundary `t`: model (+ replay) values, then faults; stored for resend. */
  function measure(t: number): WireReading | undefined {
    const m = model;
    if (!m) throw new SimulatorError('SIM_ERR_NOT_STARTED', `station ${id} is not started`);
    const overrides: Record<string, number> = {};
    const status: Record<string, StationStatusCode> = {};
    let replayGap = false;
    if (replaySource) {
      const s = replaySource.sample(t);
      if (s.kind === 'value') overrides.pm25 = s.value;
      else replayGap = true;
    }
    const raw: Record<string, number | null> = m.sample(t, overrides as ModelOverrides);
    if (replayGap && 'pm25' in raw) {
      if (replay?.onGap === 'fault') {
        raw.pm25 = null;
        status.pm25 = '02';
      } else delete raw.pm25;
    }
    const reading = faults.apply(t, raw, status);
    if (Object.keys(reading.values).length === 0) {
      // Ingest needs at least one metric per reading: report flagged metrics as null values, and
      // when nothing was measured at all, send nothing (as a datalogger with no data would).
      for (const metric of Object.keys(reading.status)) reading.values[metric] = null;
      if (Object.keys(reading.values).length === 0) return undefined;
    }
    const payload: WireReading = { ts: formatLocalIso(t), values: reading.values };
    if (Object.keys(reading.status).length > 0) payload.status = reading.status;
    history.push({ t, payload });
    return payload;
  }

  /**
   * One datalogger cycle at the current clock. `timer` cycles skip a boundary already sent;
   * `manual` ones (publishNow) always send. Returns the ack promises of what it published.
   */
  function cycle(mode: 'timer' | 'manual'): Array<Promise<void>> {
    const now = clock();
    const boundary = intervalBoundary(now, intervalMs);
    const gap = faults.gap();
    if (gap && now < gap.endsAt) return []; // outage: the logger keeps measuring, nothing leaves
    if (mode === 'timer' && lastBoundary !== undefined && boundary <= lastBoundary) return [];
    const acks: Array<Promise<void>> = [];
    if (gap) {
      // The gap is over: send every boundary missed since the last reading (or since the gap began)
      // as one backlog array, oldest first, as a datalogger flushes its queue.
      const first = lastBoundary !== undefined ? lastBoundary + intervalMs : intervalBoundary(gap.startedAt - 1, intervalMs) + intervalMs;
      let missed: StoredReading[] = [];
      for (let t = first; t < boundary; t += intervalMs) {
        const payload = measure(t);
        if (payload) missed.push({ t, payload });
      }
      if (missed.length > historySize) {
        logger.warn({ ...log, missed: missed.length, kept: historySize }, 'backlog larger than the datalogger memory; oldest readings dropped');
        missed = missed.slice(-historySize);
      }
      faults.resolveGap();
      if (missed.length > 0) acks.push(publishReadings(encodeReadings(missed.map((r) => r.payload)), missed.length));
    }
    const payload = measure(boundary);
    lastBoundary = lastBoundary === undefined ? boundary : Math.max(lastBoundary, boundary);
    if (!payload) return acks;
    const broken = faults.takeMalformed();
    acks.push(publishReadings(broken ? encodeMalformed(payload, boundary, broken) : encodeReadings(payload), 1));
    return acks;
  }

  function scheduleNext(): void {
    if (closing) return;
    const now = clock();
    const due = intervalBoundary(now - jitter, intervalMs) + intervalMs + jitter;
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

  function runCommand(command: StationCommand): void {
    switch (command.command) {
      case 'resend': {
        const stored = history.range(command.from, command.to);
        if (stored.length === 0) {
          logger.info({ ...log, from: command.from, to: command.to }, 'resend: no stored readings in range');
          return;
        }
        publishReadings(encodeReadings(stored.map((r) => r.payload)), stored.length).catch((err: unknown) =>
          routeError(err, 'resend not acknowledged'),
        );
        return;
      }
      case 'calibrate':
        faults.inject({ kind: 'calibration', metrics: [command.metric], durationMs: command.durationSeconds * 1000 }, clock());
        logger.info({ ...log, metric: command.metric, durationSeconds: command.durationSeconds }, 'calibration started by command');
        return;
    }
  }

  function onCommand(payload: Buffer): void {
    counters.commandsReceived++;
    const parsed = parseCommand(payload);
    if (!parsed.ok) {
      counters.commandsIgnored++;
      logger.warn({ ...log, command: parsed.name, reason: parsed.reason }, 'command ignored');
      return;
    }
    try {
      runCommand(parsed.value);
    } catch (err) {
      // e.g. calibrate for a metric the profile does not have
      counters.commandsIgnored++;
      logger.warn({ ...log, command: parsed.value.command, reason: toError(err).message }, 'command ignored');
    }
  }

  /** On every (re)connect: announce `online` and (re)subscribe to commands. */
  function onConnect(c: MqttClient): Promise<void> {
    return Promise.all([
      publishState('online'),
      c.subscribeAsync(topics.commands, { qos: 1 }).then((grants) => {
        if (grants.some((g) => g.qos > 2)) throw new SimulatorError('SIM_ERR_CONNECT', `station ${id}: subscription to ${topics.commands} refused`);
      }),
    ]).then(() => undefined);
  }

  function connectClient(): Promise<MqttClient> {
    const clientOptions: IClientOptions = {
      clientId: id,
      username: id,
      password: secret,
      protocolVersion: 4, // MQTT 3.1.1: the broker refuses MQTT 5
      clean: false,
      keepalive: keepaliveSeconds,
      reconnectPeriod: reconnectPeriodMs,
      connectTimeout: connectTimeoutMs,
      resubscribe: false, // onConnect subscribes on every connect
      will: { topic: topics.state, payload: Buffer.from('offline'), qos: 1, retain: true },
    };
    const c = connect(url, clientOptions);
    return new Promise<MqttClient>((resolve, reject) => {
      let first = true;
      const fail = (err: Error) => {
        if (!first) return;
        first = false;
        clearTimeout(timeout);
        c.end(true);
        reject(new SimulatorError('SIM_ERR_CONNECT', `station ${id}: cannot connect to ${url}: ${err.message}`, { cause: err }));
      };
      const timeout = setTimeout(() => fail(new Error(`no CONNACK within ${connectTimeoutMs} ms`)), connectTimeoutMs);
      c.on('connect', () => {
        const initial = first;
        first = false;
        if (initial) clearTimeout(timeout);
        client = c;
        const ready = onConnect(c);
        if (initial) ready.then(() => resolve(c), (err: unknown) => {
          client = undefined;
          c.end(true);
          reject(new SimulatorError('SIM_ERR_CONNECT', `station ${id}: connected but setup failed`, { cause: err }));
        });
        else ready.catch((err: unknown) => routeError(err, 'reconnect setup failed'));
      });
      c.on('error', (err) => {
        if (first) fail(err);
        else routeError(err, 'mqtt client error');
      });
      c.on('message', (topic, payload) => {
        if (topic === topics.commands) onCommand(payload);
      });
    });
  }

  async function doStart(): Promise<void> {
    if (replay && !replaySource) replaySource = await loadHanoiReplay(replay);
    model = createValueModel(profile, { seed, ...(metrics ? { metrics } : {}) });
    await connectClient();
    if (closing) return;
    scheduleNext();
  }

  async function doClose(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    if (starting) await Promise.allSettled([starting]); // a failed start already reported itself
    const c = client;
    if (!c) return;
    const deadline = new Promise<'timeout'>((r) => setTimeout(r, closeTimeoutMs, 'timeout').unref());
    if (c.connected) {
      // A clean DISCONNECT does not fire the will, so say `offline` ourselves.
      const sent = await Promise.race([publishState('offline').then(() => 'ok' as const), deadline]).catch((err: unknown) => {
        routeError(err, 'could not publish offline state');
        return 'error' as const;
      });
      if (sent === 'timeout') logger.warn({ ...log }, 'offline state not acknowledged before close');
    }
    if (inflight > 0) await Promise.race([waitForInflight(), deadline]);
    // Force only if PUBACKs are still missing: a graceful end would wait for them forever.
    await c.endAsync(inflight > 0);
    for (const settle of [...pending.values()]) settle(new SimulatorError('SIM_ERR_CLOSED', `station ${id} closed before PUBACK`));
  }

  function waitForInflight(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => (inflight === 0 ? resolve() : setTimeout(check, 10).unref());
      check();
    });
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
      if (!client || !model) throw new SimulatorError('SIM_ERR_NOT_STARTED', `station ${id} is not started`);
      if (closing) throw new SimulatorError('SIM_ERR_CLOSED', `station ${id} is closed`);
      await Promise.all(cycle('manual'));
    },
    stats() {
      return { ...counters, connected: client?.connected ?? false };
    },
  };
}
