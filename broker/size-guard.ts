/**
 * @module broker/size-guard
 * The MQTT packet size limit, in front of aedes' parser: mqtt-packet would buffer a packet of any
 * announced length (up to 256 MiB) before aedes sees it, even a CONNECT from someone not yet
 * authenticated. So every client's bytes go through the framing filter (broker/oversize-filter.ts)
 * on their way in (broker/filtered-stream.ts):
 * - a PUBLISH over `maxMqttPacketBytes` is cut down to its topic, packet id and payload head as
 *   it streams by; the head waits here until the authorizePublish step `oversizedToQuarantine`
 *   (broker/steps/publish.ts) takes it, quarantines it and acknowledges the publish;
 * - any other such packet closes the connection, logged and audited.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Client, PublishPacket } from 'aedes';
import type { Logger } from '../lib/logger.js';
import type { AuditLog } from '../security/audit-log.js';
import { streamAddress } from './client-address.js';
import { FilteredStream } from './filtered-stream.js';
import { createOversizeFilter, type OversizedPublish } from './oversize-filter.js';

const PACKET_NAMES: Record<number, string> = { 1: 'connect', 3: 'publish', 8: 'subscribe', 10: 'unsubscribe' };

/** Bytes of an oversized payload kept in quarantine (as for FTP files). */
export const KEPT_HEAD_BYTES = 4096;

export interface SizeGuardOptions {
  /** Largest packet read whole (Security.maxMqttPacketBytes). */
  maxPacketBytes: number;
  audit: AuditLog;
  log: Logger;
}

export interface SizeGuard {
  /**
   * The client's stream as aedes should read it (hand the result to `aedes.handle()`).
   * `client` names the aedes client once it exists, for the log and the audit log.
   */
  frame(conn: Duplex, request: IncomingMessage | undefined, client: () => Client | undefined): FilteredStream;
  /** The cut-down head of this publish if it was oversized (each is taken once, in order). */
  takeOversized(client: Client, packet: PublishPacket): OversizedPublish | undefined;
}

export function createSizeGuard({ maxPacketBytes, audit, log }: SizeGuardOptions): SizeGuard {
  /** Heads of oversized publishes per connection, in arrival order, until authorizePublish takes them. */
  const oversized = new WeakMap<object, OversizedPublish[]>();
  return {
    frame(conn, request, client) {
      const source = streamAddress(conn, request);
      const queue: OversizedPublish[] = [];
      const filter = createOversizeFilter({
        maxPacketBytes,
        headBytes: KEPT_HEAD_BYTES,
        onPublish(publish) {
          queue.push(publish);
        },
        onRefuse({ cmd, remainingLength }) {
          const id = client()?.id || '-';
          log.warn({ stationId: id, source, bytes: remainingLength, cmd }, 'MQTT packet over the size limit: connection closed');
          audit.record({
            actor: id,
            role: 'station',
            sourceIp: source,
            action: 'station.disconnected',
            target: id === '-' ? null : `station:${id}`,
            outcome: 'disconnected',
            details: { reason: 'packet too large', bytes: remainingLength, limit: maxPacketBytes, cmd: PACKET_NAMES[cmd] ?? cmd },
          });
        },
      });
      const framed = new FilteredStream(conn, (chunk) => filter.push(chunk), source);
      oversized.set(framed, queue);
      return framed;
    },
    takeOversized(client, packet) {
      const queue = oversized.get(client.conn);
      const cut = queue?.[0];
      if (!cut || cut.topic !== packet.topic || cut.messageId !== packet.messageId || packet.payload.length !== 0) return undefined;
      return queue!.shift();
    },
  };
}
