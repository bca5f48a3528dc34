/**
 * @module security/broker-guard
 * Puts the login guard and the per-station limits in front of the broker's own hooks
 * (broker/index.ts) by wrapping aedes' `authenticate` and `authorizePublish`:
 * - CONNECT: a blocked address or locked station is refused (CONNACK 5, not authorized) before
 *   any secret is hashed; a refused secret counts as a failure, a lock is audited;
 * - every packet over `maxMqttPacketBytes` is never buffered whole: a PUBLISH is cut down to its
 *   topic, packet id and payload head as it streams in, the head is quarantined with its reason
 *   and the publish acknowledged (a datalogger that keeps redelivering it is not stuck in a loop
 *   of reconnects behind it); any other such packet closes the connection (security/mqtt-oversize.ts);
 * - PUBLISH: every message takes a token from the station's bucket; over the rate it is held
 *   (its PUBACK comes late), and a station that stays over it is disconnected. Both audited
 *   (once per throttling episode, not per message).
 */
import type { IncomingMessage } from 'node:http';
import type { Aedes, AuthenticateError, Client } from 'aedes';
import type { Logger } from '../lib/logger.js';
import { parseTopic } from '../domain/topics.js';
import type { Security } from '../security/index.js';
import { createOversizeFilter, type OversizedPublish } from './oversize-filter.js';

const PACKET_NAMES: Record<number, string> = { 1: 'connect', 3: 'publish', 8: 'subscribe', 10: 'unsubscribe' };

/** The peer address of an MQTT client, over TCP, TLS or WebSocket. */
export function clientAddress(client: Client): string {
  const c = client as unknown as { conn?: { remoteAddress?: string }; req?: IncomingMessage };
  return c.conn?.remoteAddress ?? c.req?.socket?.remoteAddress ?? 'unknown';
}

/** The part of mqtt-packet's parser (aedes' `client._parser`) the size filter wraps. */
interface PacketParser {
  parse(buf: Buffer): number;
}

/** Bytes of an oversized payload kept in quarantine (as for FTP files). */
const KEPT_HEAD_BYTES = 4096;

export interface BrokerGuardOptions {
  /** INGEST_MAX_PAYLOAD_BYTES, for the reason an oversized payload is quarantined with. */
  maxPayloadBytes: number;
  /**
   * Keeps the head of an oversized publish on a station's own topic in quarantine with its
   * reason (ingest); the publish is acknowledged once this resolves.
   */
  quarantineOversized(stationId: string, topic: string, head: Buffer, reason: string): Promise<void>;
}

export function guardBroker(aedes: Aedes, { guard, limits, audit, maxMqttPacketBytes }: Pick<Security, 'guard' | 'limits' | 'audit' | 'maxMqttPacketBytes'>, logger: Logger, options: BrokerGuardOptions): void {
  const log = logger.child({ component: 'broker-guard' });
  const authenticate = aedes.authenticate.bind(aedes);
  const authorizePublish = aedes.authorizePublish.bind(aedes);
  const handle = aedes.handle.bind(aedes);

  // Packet size: mqtt-packet would buffer a packet of any announced length (up to 256 MiB) before
  // aedes sees it, even a CONNECT from someone not yet authenticated. Every chunk a client sends
  // goes through a framing filter first (security/mqtt-oversize.ts): an oversized PUBLISH is cut
  // down to its topic, packet id and payload head as it streams by, and is then quarantined and
  // acknowledged (below, in authorizePublish); any other oversized packet ends the connection.
  const oversized = new WeakMap<Client, OversizedPublish[]>();
  aedes.handle = (conn, req) => {
    const client = handle(conn, req);
    const parser = (client as unknown as { _parser?: PacketParser })._parser;
    if (parser) {
      const parse = parser.parse.bind(parser);
      const filter = createOversizeFilter({
        maxPacketBytes: maxMqttPacketBytes,
        headBytes: KEPT_HEAD_BYTES,
        onPublish(publish) {
          const queue = oversized.get(client) ?? [];
          queue.push(publish);
          oversized.set(client, queue);
        },
        onRefuse({ cmd, remainingLength }) {
          const id = (client as unknown as { id?: string | null }).id || '-';
          const source = clientAddress(client);
          log.warn({ stationId: id, source, bytes: remainingLength, cmd }, 'MQTT packet over the size limit: connection closed');
          audit.record({ actor: id, role: 'station', sourceIp: source, action: 'station.disconnected', target: id === '-' ? null : `station:${id}`, outcome: 'disconnected', details: { reason: 'packet too large', bytes: remainingLength, limit: maxMqttPacketBytes, cmd: PACKET_NAMES[cmd] ?? cmd } });
        },
      });
      parser.parse = (buf: Buffer) => {
        const passed = filter.push(buf);
        if (passed === null) {
          conn.destroy();
          return 0;
        }
        return passed.length > 0 ? parse(passed) : 0;
      };
    }
    return client;
  };

  aedes.authenticate = (client, username, password, done) => {
    const station = username ?? '';
    const source = clientAddress(client);
    const decision = guard.check('station', station, source);
    if (!decision.allowed) {
      log.warn({ stationId: station, source, scope: decision.scope, retryAfterSeconds: decision.retryAfterSeconds }, 'MQTT connect refused: locked out');
      audit.record({ actor: station || '-', role: 'station', sourceIp: source, action: 'mqtt.connect', outcome: 'locked', details: { scope: decision.scope, retryAfterSeconds: decision.retryAfterSeconds } });
      return done(Object.assign(new Error('too many failed logins; try later'), { returnCode: 5 }) as AuthenticateError, false);
    }
    authenticate(client, username, password, (err, ok) => {
      if (ok && !err) {
        guard.success('station', station, source);
      } else if ((err as AuthenticateError | null)?.returnCode === 4 || !err) {
        // 4 = bad username or password; 5 from the store being down is not the station's fault
        const locked = guard.failure('station', station, source);
        audit.record({ actor: station || '-', role: 'station', sourceIp: source, action: 'mqtt.connect', outcome: 'denied', details: { reason: err?.message ?? 'refused' } });
        if (locked.lockedSource || locked.lockedAccount) {
          audit.record({
            actor: station || '-',
            role: 'station',
            sourceIp: source,
            action: 'auth.lockout',
            target: locked.lockedAccount ? `station:${station}` : `source:${source}`,
            outcome: 'locked',
            details: { channel: 'mqtt', ...(locked.lockedSource ? { sourceSeconds: locked.lockedSource.seconds } : {}), ...(locked.lockedAccount ? { accountSeconds: locked.lockedAccount.seconds } : {}) },
          });
        }
      }
      done(err, ok);
    });
  };

  // Topics: the broker's ACL (broker/index.ts) refuses anything but the station's own topics and
  // closes the connection; the refusal is also put on record here.
  const authorizeSubscribe = aedes.authorizeSubscribe.bind(aedes);
  aedes.authorizeSubscribe = (client, sub, done) => {
    authorizeSubscribe(client, sub, (err, granted) => {
      if (err || !granted) audit.record({ actor: client.id, role: 'station', sourceIp: clientAddress(client), action: 'mqtt.subscribe', target: sub.topic.slice(0, 200), outcome: 'denied' });
      done(err, granted);
    });
  };
  const ownTopic = (client: Client, topic: string) => {
    const parsed = parseTopic(topic);
    return !!parsed && parsed.stationId === client.id && parsed.kind !== 'commands';
  };

  aedes.authorizePublish = (client, packet, done) => {
    if (!client) return authorizePublish(client, packet, done);
    if (!ownTopic(client, packet.topic)) {
      audit.record({ actor: client.id, role: 'station', sourceIp: clientAddress(client), action: 'mqtt.publish', target: packet.topic.slice(0, 200), outcome: 'denied', details: { reason: "not this station's topic" } });
      return authorizePublish(client, packet, done); // refused there, with its log line and metric
    }
    const cut = oversized.get(client)?.[0];
    if (cut && cut.topic === packet.topic && cut.messageId === packet.messageId && packet.payload.length === 0) {
      oversized.get(client)!.shift();
      const source = clientAddress(client);
      const reason = `payload is ${cut.payloadBytes} bytes; the limit is ${options.maxPayloadBytes} (INGEST_MAX_PAYLOAD_BYTES); first ${cut.head.byteLength} bytes kept`;
      log.warn({ stationId: client.id, source, bytes: cut.payloadBytes, topic: packet.topic }, 'oversized MQTT payload: head quarantined and acknowledged');
      audit.record({ actor: client.id, role: 'station', sourceIp: source, action: 'mqtt.publish', target: packet.topic.slice(0, 200), outcome: 'denied', details: { reason: 'payload too large', bytes: cut.payloadBytes, limit: options.maxPayloadBytes } });
      options.quarantineOversized(client.id, packet.topic, cut.head, reason).then(
        () => done(null),
        (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
      );
      return;
    }
    if (!limits.enabled) return authorizePublish(client, packet, done);
    const decision = limits.take(client.id);
    if (decision.action === 'pass') return authorizePublish(client, packet, done);
    if (decision.action === 'disconnect') {
      log.warn({ stationId: client.id, heldForMs: decision.heldForMs }, 'station disconnected: over its message rate for too long');
      audit.record({ actor: client.id, role: 'station', sourceIp: clientAddress(client), action: 'station.disconnected', target: `station:${client.id}`, outcome: 'disconnected', details: { reason: 'message rate', heldForMs: decision.heldForMs, delayMs: decision.delayMs } });
      // refusing the packet closes the connection; a QoS 1 message is not acknowledged and comes again later
      return done(new Error(`station ${client.id} exceeded its message rate`));
    }
    if (decision.started) {
      log.info({ stationId: client.id }, 'station throttled: over its message rate');
      audit.record({ actor: client.id, role: 'station', sourceIp: clientAddress(client), action: 'station.throttled', target: `station:${client.id}`, outcome: 'throttled', details: { delayMs: decision.delayMs } });
    }
    setTimeout(() => {
      if (client.closed) return done(new Error('client closed while throttled'));
      authorizePublish(client, packet, done);
    }, decision.delayMs);
  };
}
