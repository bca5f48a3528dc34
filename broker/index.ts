/**
 * @module broker
 * The embedded Aedes MQTT broker (MQTT 3.1.1) with Quantrac's hooks:
 * - authenticate: username = station id = client id, password = the station's secret;
 * - authorizePublish: a station publishes only under `stations/{ownId}/readings|state`; a
 *   reading's QoS 1 PUBACK (QoS 2 PUBREC) is sent only after ingest has committed it
 *   (aedes writes the acknowledgement when this hook calls back);
 * - authorizeSubscribe: a station subscribes only to its own `stations/{ownId}/commands`.
 * Refusals are counted; a refused publish closes the connection (MQTT 3.1.1 has no negative
 * acknowledgement), so the station redelivers nothing it should not have sent.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config/index.js';
import type { EventBus } from '../domain/events.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { Ingest } from '../ingest/index.js';
import type { StationDirectory } from '../stations/directory.js';
import type { StationAuthenticator } from '../stations/credentials.js';
import { parseTopic, stationTopic } from '../domain/topics.js';

/** What Aedes.createBroker takes from a multi-node setup (cluster/): an id, the shared emitter and persistence; empty = in-memory defaults. */
export interface BrokerClusterOptions {
  id?: string;
  mq?: unknown;
  persistence?: unknown;
}

export interface BrokerDeps {
  config: Readonly<Config>;
  ingest: Ingest;
  directory: StationDirectory;
  authenticator: StationAuthenticator;
  bus: EventBus;
  metrics: Metrics;
  logger: Logger;
  /** Multi-node mode (cluster/): shared Redis routing and sessions; omitted = Aedes' in-memory defaults. */
  clusterOptions?: BrokerClusterOptions;
}

export interface Broker {
  aedes: Aedes;
  /** Bound MQTT/TCP port. */
  port: number;
  /** Hands an upgraded WebSocket stream (MQTT over WebSocket) to the broker. */
  handleStream(stream: Duplex, request?: IncomingMessage): void;
  /** Publishes a downlink command to a station (QoS 1). */
  sendCommand(stationId: string, command: Record<string, unknown>): Promise<void>;
  /** Stops accepting new connections (existing ones keep going until close()). */
  stopAccepting(): Promise<void>;
  close(): Promise<void>;
}

function authError(message: string, returnCode: 4 | 5): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

export async function createBroker(deps: BrokerDeps): Promise<Broker> {
  const { config, ingest, directory, authenticator, bus, metrics, logger } = deps;
  const log = logger.child({ component: 'broker' });

  const aedes = await Aedes.createBroker({
    // Far below aedes' default of 100 handlers per socket read is not needed: group commit holds
    // each PUBACK until its batch commits, so many in-flight publishes per client is the point.
    concurrency: 1000,
    ...(deps.clusterOptions ?? {}),
    authenticate(client, username, password, done) {
      const stationId = username ?? '';
      if (!stationId || client.id !== stationId) {
        metrics.mqttDenied.inc({ action: 'connect' });
        log.warn({ clientId: client.id, username }, 'connect refused: client id must equal the station id (username)');
        return done(authError('client id must equal the station id', 4), false);
      }
      authenticator
        .verify(stationId, password?.toString('utf8') ?? '')
        .then((ok) => {
          if (ok) return done(null, true);
          metrics.mqttDenied.inc({ action: 'connect' });
          log.warn({ stationId }, 'connect refused: bad station id or secret');
          done(authError('bad station id or secret', 4), false);
        })
        .catch((err: unknown) => {
          log.error({ err, stationId }, 'station authentication failed');
          done(authError('authentication unavailable', 5), false);
        });
    },
    authorizePublish(client, packet, done) {
      if (!client) return done(null); // the platform's own publishes (commands)
      const parsed = parseTopic(packet.topic);
      if (!parsed || parsed.stationId !== client.id || parsed.kind === 'commands') {
        metrics.mqttDenied.inc({ action: 'publish' });
        log.warn({ stationId: client.id, topic: packet.topic }, 'publish refused: not this station\'s topic');
        return done(new Error(`station ${client.id} may not publish to ${packet.topic}`));
      }
      if (parsed.kind === 'state') {
        const state = packet.payload.toString();
        if (state === 'online' || state === 'offline') {
          bus.emit('stationStateChanged', { stationId: client.id, state, at: Date.now() });
        }
        return done(null);
      }
      // readings: never retained (a retained reading would be replayed to every new subscriber)
      packet.retain = false;
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      ingest.handleReadings(client.id, payload, 'mqtt', packet.topic).then(
        () => done(null),
        (err: unknown) => {
          log.error({ err, stationId: client.id }, 'readings not stored; the station will redeliver');
          done(err instanceof Error ? err : new Error(String(err)));
        },
      );
    },
    authorizeSubscribe(client, sub, done) {
      const parsed = parseTopic(sub.topic);
      if (parsed && parsed.stationId === client.id && parsed.kind === 'commands') return done(null, sub);
      metrics.mqttDenied.inc({ action: 'subscribe' });
      log.warn({ stationId: client.id, topic: sub.topic }, 'subscribe refused');
      done(null, null);
    },
  });

  aedes.on('client', (client: Client) => {
    metrics.connectedStations.inc();
    if (directory.get(client.id)) bus.emit('stationStateChanged', { stationId: client.id, state: 'online', at: Date.now() });
  });
  aedes.on('clientDisconnect', (client: Client) => {
    metrics.connectedStations.dec();
    if (directory.get(client.id)) bus.emit('stationStateChanged', { stationId: client.id, state: 'offline', at: Date.now() });
  });
  aedes.on('clientError', (client: Client, err: Error) => log.debug({ stationId: client.id, err: err.message }, 'client error'));
  aedes.on('connectionError', (_client: Client, err: Error) => log.debug({ err: err.message }, 'connection error'));

  const server: Server = createServer((socket: Socket) => {
    // With Nagle's algorithm on, small PUBACKs wait for the peer's delayed ACK (30-40 ms p99).
    socket.setNoDelay(true);
    aedes.handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.mqtt.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error({ err }, 'MQTT server error'));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.mqtt.port;

  let accepting = true;
  const stopAccepting = () =>
    new Promise<void>((resolve) => {
      if (!accepting) return resolve();
      accepting = false;
      server.close(() => resolve());
    });

  return {
    aedes,
    port,
    handleStream(stream, request) {
      aedes.handle(stream, request);
    },
    sendCommand(stationId, command) {
      return new Promise((resolve, reject) => {
        aedes.publish(
          { cmd: 'publish', topic: stationTopic(stationId, 'commands'), payload: Buffer.from(JSON.stringify(command)), qos: 1, retain: false, dup: false },
          (err?: Error) => (err ? reject(err) : resolve()),
        );
      });
    },
    stopAccepting,
    async close() {
      const stopped = stopAccepting();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await stopped;
    },
  };
}
