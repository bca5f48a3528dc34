/**
 * @module simulators/testing
 * Test helpers (used by the *.test.ts files beside this one): a real in-process Aedes broker on
 * 127.0.0.1 port 0 with a username/password `authenticate` hook, and a real MQTT observer client.
 */
import { createError } from '../lib/errors.js';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { connectAsync, type MqttClient } from 'mqtt';
import type { DeviceProfile, ReadingPayload } from '../device-profiles/types.js';

export const OBSERVER = { id: 'observer', secret: 'observer-secret' };
/** A platform-side client that sends downlink commands. */
export const OPERATOR = { id: 'operator', secret: 'operator-secret' };

export interface TestBrokerOptions {
  /** Never acknowledge publishes on readings topics (the PUBACK of a reading that is never committed). */
  holdReadingAcks?: boolean;
  /** Delay every authentication by this long (to observe connect concurrency). */
  authDelayMs?: number;
}

/** Loads a shipped device profile by id. */
export function profileOf(id: string): DeviceProfile {
  return JSON.parse(readFileSync(new URL(`../device-profiles/${id}.json`, import.meta.url), 'utf8')) as DeviceProfile;
}

export interface TestBroker {
  url: string;
  broker: Aedes;
  /** Connected broker-side clients by client id (to destroy a station's socket). */
  clients: Map<string, Client>;
  /** Authentications in progress now, and the most seen at once. */
  auth: { inFlight: number; peak: number };
  close(): Promise<void>;
}

/**
 * Starts a real Aedes broker whose `authenticate` hook accepts exactly `credentials` (id → secret)
 * with username = client id, like the platform's.
 */
export async function startTestBroker(credentials: Record<string, string>, { holdReadingAcks = false, authDelayMs = 0 }: TestBrokerOptions = {}): Promise<TestBroker> {
  const auth = { inFlight: 0, peak: 0 };
  const all: Record<string, string> = { ...credentials, [OBSERVER.id]: OBSERVER.secret, [OPERATOR.id]: OPERATOR.secret };
  const broker = await Aedes.createBroker({
    authorizePublish(_client, packet, callback) {
      // Holding the callback holds the PUBACK, like ingest does until the database commit.
      if (holdReadingAcks && packet.topic.endsWith('/readings')) return;
      callback(null);
    },
    authenticate(client, username, password, done) {
      auth.inFlight++;
      auth.peak = Math.max(auth.peak, auth.inFlight);
      setTimeout(() => {
        auth.inFlight--;
        const expected = username === undefined ? undefined : all[username];
        if (expected !== undefined && client.id === username && password?.toString() === expected) return done(null, true);
        const err = Object.assign(createError('QT_ERR_STATION_REFUSED', 'bad username or password'), { returnCode: 4 }) as AuthenticateError;
        done(err, false);
      }, authDelayMs);
    },
  });
  const clients = new Map<string, Client>();
  broker.on('client', (c) => clients.set(c.id, c));
  broker.on('clientDisconnect', (c) => {
    if (clients.get(c.id) === c) clients.delete(c.id);
  });
  const server = net.createServer(broker.handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw createError('QT_ERR_SIMULATOR', 'no TCP address');
  return {
    url: `mqtt://127.0.0.1:${address.port}`,
    broker,
    clients,
    auth,
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
      });
    },
  };
}

export interface Received {
  topic: string;
  payload: Buffer;
  retain: boolean;
  /** Arrival time (Date.now()). */
  at: number;
}

export interface Observer {
  messages: Received[];
  /** Resolves with the first `count` messages matching `filter` (polls until `timeoutMs`). */
  waitFor(filter: (m: Received) => boolean, count?: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/** A real MQTT client subscribed to `topics` that records everything it receives. */
export async function observe(url: string, topics: string[]): Promise<Observer> {
  const client: MqttClient = await connectAsync(url, { clientId: OBSERVER.id, username: OBSERVER.id, password: OBSERVER.secret, protocolVersion: 4, reconnectPeriod: 0 });
  const messages: Received[] = [];
  client.on('message', (topic, payload, packet) => messages.push({ topic, payload, retain: packet.retain, at: Date.now() }));
  await client.subscribeAsync(topics, { qos: 1 });
  return {
    messages,
    async waitFor(filter, count = 1, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hits = messages.filter(filter);
        if (hits.length >= count) return hits.slice(0, count);
        if (Date.now() > deadline) throw createError('QT_ERR_SIMULATOR', `timed out waiting for ${count} message(s); got ${hits.length}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    close: () => client.endAsync(true),
  };
}

/** Publishes a downlink command as the platform would: a real MQTT client, QoS 1. */
export async function sendCommand(url: string, topic: string, command: unknown): Promise<void> {
  const client = await connectAsync(url, { clientId: OPERATOR.id, username: OPERATOR.id, password: OPERATOR.secret, protocolVersion: 4, reconnectPeriod: 0 });
  try {
    await client.publishAsync(topic, typeof command === 'string' ? command : JSON.stringify(command), { qos: 1 });
  } finally {
    await client.endAsync();
  }
}

/** Parses a readings payload into an array of readings (a single reading becomes [reading]). */
export function readingsOf(m: Received): ReadingPayload[] {
  const data = JSON.parse(m.payload.toString()) as ReadingPayload | ReadingPayload[];
  return Array.isArray(data) ? data : [data];
}

/** A manual clock for stations: `now()` and `advance(ms)`. */
export function manualClock(startIso: string): { now: () => number; advance(ms: number): void; set(iso: string): void } {
  let t = Date.parse(startIso);
  return {
    now: () => t,
    advance(ms) {
      t += ms;
    },
    set(iso) {
      t = Date.parse(iso);
    },
  };
}
