/**
 * @module broker
 * The embedded Aedes MQTT broker (MQTT 3.1.1). Its hooks are ordered lists of named steps
 * (broker/pipeline.ts; the steps in broker/steps/), all declared here:
 * - authenticate: username = station id = client id, password = the station's secret; the login
 *   guard refuses a locked station or address before any secret is hashed (broker/steps/connect.ts);
 * - authorizePublish: a station publishes only under `stations/{ownId}/readings|state`; an
 *   oversized publish is quarantined and acknowledged; the station's message rate is held to its
 *   limit; a reading's QoS 1 PUBACK (QoS 2 PUBREC) is sent only after ingest has committed it
 *   (broker/steps/publish.ts);
 * - authorizeSubscribe: a station subscribes only to its own `stations/{ownId}/commands`
 *   (broker/steps/subscribe.ts).
 * Every client's bytes (TCP, TLS, WebSocket) pass the packet size guard before aedes parses them
 * (broker/size-guard.ts). Behind a load balancer (`TRUSTED_PROXIES`) the client's address comes from
 * the balancer's PROXY protocol header on TCP (`MQTT_PROXY_PROTOCOL`, broker/proxy-protocol-socket.ts)
 * or its X-Forwarded-For on WebSocket (broker/client-address.ts). Refusals are counted and audited; a refused publish closes the
 * connection (MQTT 3.1.1 has no negative acknowledgement), so the station redelivers nothing it
 * should not have sent.
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
import type { Security } from '../security/index.js';
import type { StationDirectory } from '../stations/directory.js';
import type { StationAuthenticator } from '../stations/credentials.js';
import { stationTopic } from '../domain/topics.js';
import { carryClientAddress, clientAddress, forwardedAddress, trustedProxies } from './client-address.js';
import { acceptProxyProtocol } from './proxy-protocol-socket.js';
import { pipeline } from './pipeline.js';
import { createLocalPersistence } from './retained-persistence.js';
import { createSizeGuard } from './size-guard.js';
import { checkClientId, guardLockout, recordLoginOutcome, verifySecret } from './steps/connect.js';
import { ingestReading, oversizedToQuarantine, ownTopicOnly, rateLimit, stateTopic } from './steps/publish.js';
import { auditRefusal, ownCommandsOnly } from './steps/subscribe.js';

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
  /** Login guard, per-station limits, audit log and the packet size limit (security/). */
  security: Pick<Security, 'guard' | 'limits' | 'audit' | 'maxMqttPacketBytes'>;
  /**
   * Keeps the head of an oversized publish on a station's own topic in quarantine with its
   * reason (ingest); the publish is acknowledged once this resolves.
   */
  quarantineOversized(stationId: string, topic: string, head: Buffer, reason: string): Promise<void>;
  /** Multi-node mode (cluster/): shared Redis routing and sessions; omitted = Aedes' in-memory defaults. */
  clusterOptions?: BrokerClusterOptions;
}

export interface Broker {
  aedes: Aedes;
  /** Bound MQTT/TCP port. */
  port: number;
  /** Hands a client's stream (MQTT over TLS, or an upgraded WebSocket) to the broker, through the size guard. */
  handleStream(stream: Duplex, request?: IncomingMessage): void;
  /** Publishes a downlink command to a station (QoS 1). */
  sendCommand(stationId: string, command: Record<string, unknown>): Promise<void>;
  /** Stops accepting new connections (existing ones keep going until close()). */
  stopAccepting(): Promise<void>;
  close(): Promise<void>;
}

export async function createBroker(deps: BrokerDeps): Promise<Broker> {
  const { config, ingest, directory, authenticator, bus, metrics, logger, security, quarantineOversized } = deps;
  const log = logger.child({ component: 'broker' });
  const onError = (err: Error, step: string) => log.error({ err, step }, 'broker hook step failed');
  const sizeGuard = createSizeGuard({ maxPacketBytes: security.maxMqttPacketBytes, audit: security.audit, log });
  const isTrustedProxy = trustedProxies(config.trustedProxies);

  // The hooks, step by step, in the order they run (aedes `connectActions` style). The order
  // matters: the login guard refuses before any secret is hashed; the topic check comes before
  // anything is quarantined, throttled or stored; ingest last, so the PUBACK follows the commit.
  const hooks = {
    authenticate: pipeline({
      steps: [guardLockout({ security, log }), checkClientId({ metrics, log }), verifySecret({ authenticator, metrics, log })],
      after: [recordLoginOutcome({ security })],
      otherwise: { error: null, value: false },
      onError,
    }),
    authorizePublish: pipeline({
      steps: [
        ownTopicOnly({ security, metrics, log }),
        oversizedToQuarantine({ sizeGuard, security, maxPayloadBytes: config.ingest.maxPayloadBytes, quarantineOversized, log }),
        rateLimit({ security, log }),
        stateTopic({ bus }),
        ingestReading({ ingest, log }),
      ],
      otherwise: { error: null, value: true },
      onError,
    }),
    authorizeSubscribe: pipeline({
      steps: [ownCommandsOnly({ metrics, log })],
      after: [auditRefusal({ security })],
      otherwise: { error: null, value: null },
      onError,
    }),
  };

  const aedes = await Aedes.createBroker({
    // Far below aedes' default of 100 handlers per socket read is not needed: group commit holds
    // each PUBACK until its batch commits, so many in-flight publishes per client is the point.
    concurrency: 1000,
    ...(deps.clusterOptions ?? {}),
    // one node: upstream's memory persistence with an index of retained topics (broker/retained-persistence.ts)
    persistence: deps.clusterOptions?.persistence ?? createLocalPersistence(),
    authenticate(client, username, password, done) {
      hooks.authenticate({ client, stationId: username ?? '', password, source: clientAddress(client) }, ({ error, value }) =>
        error ? done(error as AuthenticateError, false) : done(null, value),
      );
    },
    authorizePublish(client, packet, done) {
      if (!client) return done(null); // the platform's own publishes (commands)
      hooks.authorizePublish({ client, packet }, ({ error }) => done(error));
    },
    authorizeSubscribe(client, sub, done) {
      hooks.authorizeSubscribe({ client, sub }, ({ error, value }) => done(error, value));
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

  /** Every client's bytes go through the size guard before aedes parses them (broker/size-guard.ts). */
  function handleStream(conn: Duplex, request?: IncomingMessage): void {
    // MQTT over WebSocket through a trusted balancer: the client is the one its X-Forwarded-For names
    if (request && isTrustedProxy(request.socket?.remoteAddress)) {
      const forwarded = forwardedAddress(request, isTrustedProxy);
      if (forwarded) carryClientAddress(conn, forwarded);
    }
    let client: Client | undefined;
    // eslint-disable-next-line prefer-const -- the size guard's callback reads `client`; with const it would throw (TDZ) if called before aedes.handle returns
    client = aedes.handle(
      sizeGuard.frame(conn, request, () => client),
      request,
    );
  }

  const server: Server = createServer((socket: Socket) => {
    // With Nagle's algorithm on, small PUBACKs wait for the peer's delayed ACK (30-40 ms p99).
    socket.setNoDelay(true);
    if (!config.mqtt.proxyProtocol) return handleStream(socket);
    acceptProxyProtocol(socket, {
      isTrustedProxy,
      accept(proxied, source) {
        carryClientAddress(proxied, source);
        handleStream(proxied);
      },
      refuse(peer, reason) {
        metrics.mqttDenied.inc({ action: 'connect' });
        log.warn({ source: peer, reason }, 'MQTT connection refused: PROXY protocol');
        security.audit.record({ actor: '-', role: 'station', sourceIp: peer, action: 'mqtt.connect', outcome: 'denied', details: { reason } });
      },
    });
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
    handleStream,
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
