/**
 * @module simulators/station-link
 * The MQTT side of one simulated station: the connection (station id as clientId and username,
 * secret as password, MQTT 3.1.1, persistent session, `offline` as last will), `online` on every
 * (re)connect, commands subscription, QoS 1 publishes counted by their PUBACK (or its absence),
 * and a close that says `offline` and waits for in-flight publishes.
 */
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { SimulatorError } from './errors.js';
import type { RouteError, SimulatorLogger } from './logger.js';

/** The station's three topics (domain/topics.ts `stationTopic`). */
export interface StationTopics {
  readings: string;
  state: string;
  commands: string;
}

/** Publish counters a link updates (part of the station's StationStats). */
export interface PublishCounters {
  published: number;
  acknowledged: number;
  failed: number;
  readings: number;
}

export interface StationLinkOptions {
  url: string;
  id: string;
  secret: string;
  topics: StationTopics;
  ackTimeoutMs: number;
  connectTimeoutMs: number;
  reconnectPeriodMs: number;
  keepaliveSeconds: number;
  closeTimeoutMs: number;
  logger: SimulatorLogger;
  routeError: RouteError;
  counters: PublishCounters;
  /** A message on the commands topic. */
  onCommand(payload: Buffer): void;
}

export interface StationLink {
  /** The MQTT client once the first CONNACK came (undefined before, or if the first setup failed). */
  readonly client: MqttClient | undefined;
  /** First connection: rejects with SIM_ERR_CONNECT if it fails; reconnects are then automatic. */
  connect(): Promise<MqttClient>;
  /** Publishes a payload on the readings topic; resolves on PUBACK, rejects on error or timeout. */
  publishReadings(body: string, readingCount: number): Promise<void>;
  /** Publishes `offline` (retained), waits for in-flight publishes (≤ closeTimeoutMs), disconnects. */
  close(): Promise<void>;
}

export function createStationLink(options: StationLinkOptions): StationLink {
  const { url, id, secret, topics, ackTimeoutMs, connectTimeoutMs, reconnectPeriodMs, keepaliveSeconds, closeTimeoutMs, logger, routeError, counters } = options;
  const log = { stationId: id };
  /** Settlers of publishes whose outcome is not yet counted (by publish id). */
  const pending = new Map<number, (err: Error) => void>();
  let nextPublishId = 0;
  /** Publishes the MQTT client has not called back yet (even if already counted as timed out). */
  let inflight = 0;
  let client: MqttClient | undefined;

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
      const timeout = setTimeout(() => settle(new SimulatorError('SIM_ERR_ACK_TIMEOUT', `station ${id}: no PUBACK within ${ackTimeoutMs} ms`)), ackTimeoutMs);
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
      const timeout = setTimeout(() => fail(new SimulatorError('SIM_ERR_CONNECT', `no CONNACK within ${connectTimeoutMs} ms`)), connectTimeoutMs);
      c.on('connect', () => {
        const initial = first;
        first = false;
        if (initial) clearTimeout(timeout);
        client = c;
        const ready = onConnect(c);
        if (initial)
          ready.then(
            () => resolve(c),
            (err: unknown) => {
              client = undefined;
              c.end(true);
              reject(new SimulatorError('SIM_ERR_CONNECT', `station ${id}: connected but setup failed`, { cause: err }));
            },
          );
        else ready.catch((err: unknown) => routeError(err, 'reconnect setup failed'));
      });
      c.on('error', (err) => {
        if (first) fail(err);
        else routeError(err, 'mqtt client error');
      });
      c.on('message', (topic, payload) => {
        if (topic === topics.commands) options.onCommand(payload);
      });
    });
  }

  async function close(): Promise<void> {
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
    get client() {
      return client;
    },
    connect: connectClient,
    publishReadings,
    close,
  };
}
