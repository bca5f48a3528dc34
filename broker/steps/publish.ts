/**
 * @module broker/steps/publish
 * The steps of the broker's `authorizePublish` hook for a station's PUBLISH. In order
 * (broker/index.ts): `ownTopicOnly` (a station publishes only under `stations/{ownId}/readings|state`),
 * `oversizedToQuarantine` (a publish the size guard cut down: head quarantined, acknowledged),
 * `rateLimit` (per-station token bucket: held, then disconnected), `stateTopic`, `ingestReading`
 * (the QoS 1 PUBACK / QoS 2 PUBREC goes out only after ingest has committed the reading: aedes
 * writes the acknowledgement when the hook calls back).
 * A refused publish closes the connection (MQTT 3.1.1 has no negative acknowledgement), so the
 * station redelivers nothing it should not have sent.
 */
import { createError } from '../../lib/errors.js';
import type { Client, PublishPacket } from 'aedes';
import type { EventBus } from '../../domain/events.js';
import { parseTopic, type ParsedTopic } from '../../domain/topics.js';
import type { Ingest } from '../../ingest/index.js';
import type { Logger } from '../../lib/logger.js';
import type { Metrics } from '../../lib/metrics.js';
import type { Security } from '../../security/index.js';
import { clientAddress } from '../client-address.js';
import { finish, refuse, type Step } from '../pipeline.js';
import type { SizeGuard } from '../size-guard.js';

export interface PublishContext {
  client: Client;
  packet: PublishPacket;
  /** The parsed topic, once `ownTopicOnly` has accepted it. */
  topic?: ParsedTopic;
}

/** PUBLISH steps end with `true` (accepted, acknowledged now) or an error (the connection closes). */
export type PublishStep = Step<PublishContext, true>;

const allowed = finish(true as const);

function toError(err: unknown): Error {
  return err instanceof Error ? err : createError('QT_ERR_INTERNAL', String(err), { cause: err });
}

/** Only the station's own `readings` and `state` topics; anything else is counted, audited and refused. */
export function ownTopicOnly({ security: { audit }, metrics, log }: { security: Pick<Security, 'audit'>; metrics: Metrics; log: Logger }): PublishStep {
  return function ownTopicOnly(ctx) {
    const { client, packet } = ctx;
    const parsed = parseTopic(packet.topic);
    if (parsed && parsed.stationId === client.id && parsed.kind !== 'commands') {
      ctx.topic = parsed;
      return undefined;
    }
    audit.record({
      actor: client.id,
      role: 'station',
      sourceIp: clientAddress(client),
      action: 'mqtt.publish',
      target: packet.topic.slice(0, 200),
      outcome: 'denied',
      details: { reason: "not this station's topic" },
    });
    metrics.mqttDenied.inc({ action: 'publish' });
    log.warn({ stationId: client.id, topic: packet.topic }, "publish refused: not this station's topic");
    return refuse(createError('QT_ERR_STATION_REFUSED', `station ${client.id} may not publish to ${packet.topic}`));
  };
}

export interface OversizedToQuarantineOptions {
  sizeGuard: Pick<SizeGuard, 'takeOversized'>;
  security: Pick<Security, 'audit'>;
  /** INGEST_MAX_PAYLOAD_BYTES, for the reason the head is quarantined with. */
  maxPayloadBytes: number;
  /** Keeps the head with its reason (ingest's quarantine); the publish is acknowledged once this resolves. */
  quarantineOversized(stationId: string, topic: string, head: Buffer, reason: string): Promise<void>;
  log: Logger;
}

/**
 * A publish the size guard cut down as it streamed in (broker/size-guard.ts): its head is
 * quarantined with its reason and the publish acknowledged, so a datalogger that keeps an
 * oversized message for redelivery is not stuck in a loop of reconnects behind it.
 */
export function oversizedToQuarantine({ sizeGuard, security: { audit }, maxPayloadBytes, quarantineOversized, log }: OversizedToQuarantineOptions): PublishStep {
  return function oversizedToQuarantine({ client, packet }) {
    const cut = sizeGuard.takeOversized(client, packet);
    if (!cut) return undefined;
    const source = clientAddress(client);
    const reason = `payload is ${cut.payloadBytes} bytes; the limit is ${maxPayloadBytes} (INGEST_MAX_PAYLOAD_BYTES); first ${cut.head.byteLength} bytes kept`;
    log.warn({ stationId: client.id, source, bytes: cut.payloadBytes, topic: packet.topic }, 'oversized MQTT payload: head quarantined and acknowledged');
    audit.record({
      actor: client.id,
      role: 'station',
      sourceIp: source,
      action: 'mqtt.publish',
      target: packet.topic.slice(0, 200),
      outcome: 'denied',
      details: { reason: 'payload too large', bytes: cut.payloadBytes, limit: maxPayloadBytes },
    });
    return quarantineOversized(client.id, packet.topic, cut.head, reason).then(
      () => allowed,
      (err: unknown) => refuse(toError(err)),
    );
  };
}

/**
 * Every message takes a token from the station's bucket (security/station-limits.ts): over the
 * rate it is held (its PUBACK comes late, and aedes reads no more of that socket meanwhile); a
 * station that stays over it is disconnected. Both audited, once per throttling episode.
 */
export function rateLimit({ security: { limits, audit }, log }: { security: Pick<Security, 'limits' | 'audit'>; log: Logger }): PublishStep {
  return function rateLimit({ client }) {
    if (!limits.enabled) return undefined;
    const decision = limits.take(client.id);
    if (decision.action === 'pass') return undefined;
    if (decision.action === 'disconnect') {
      log.warn({ stationId: client.id, heldForMs: decision.heldForMs }, 'station disconnected: over its message rate for too long');
      audit.record({
        actor: client.id,
        role: 'station',
        sourceIp: clientAddress(client),
        action: 'station.disconnected',
        target: `station:${client.id}`,
        outcome: 'disconnected',
        details: { reason: 'message rate', heldForMs: decision.heldForMs, delayMs: decision.delayMs },
      });
      // refusing the packet closes the connection; a QoS 1 message is not acknowledged and comes again later
      return refuse(createError('QT_ERR_STATION_REFUSED', `station ${client.id} exceeded its message rate`));
    }
    if (decision.started) {
      log.info({ stationId: client.id }, 'station throttled: over its message rate');
      audit.record({
        actor: client.id,
        role: 'station',
        sourceIp: clientAddress(client),
        action: 'station.throttled',
        target: `station:${client.id}`,
        outcome: 'throttled',
        details: { delayMs: decision.delayMs },
      });
    }
    return new Promise((resolve) => {
      setTimeout(() => resolve(client.closed ? refuse(createError('QT_ERR_STATION_REFUSED', 'client closed while throttled')) : undefined), decision.delayMs);
    });
  };
}

/** `stations/{id}/state`: "online" / "offline" (the last will) goes on the bus; accepted as is. */
export function stateTopic({ bus }: { bus: EventBus }): PublishStep {
  return function stateTopic({ client, packet, topic }) {
    if (topic?.kind !== 'state') return undefined;
    const state = packet.payload.toString();
    if (state === 'online' || state === 'offline') {
      bus.emit('stationStateChanged', { stationId: client.id, state, at: Date.now() });
    }
    return allowed;
  };
}

/** `stations/{id}/readings`: stored by ingest; accepted (acknowledged) only once committed. */
export function ingestReading({ ingest, log }: { ingest: Ingest; log: Logger }): PublishStep {
  return function ingestReading({ client, packet }) {
    // readings: never retained (a retained reading would be replayed to every new subscriber)
    packet.retain = false;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    return ingest.handleReadings(client.id, payload, 'mqtt', packet.topic).then(
      () => allowed,
      (err: unknown) => {
        log.error({ err, stationId: client.id }, 'readings not stored; the station will redeliver');
        return refuse(toError(err));
      },
    );
  };
}
