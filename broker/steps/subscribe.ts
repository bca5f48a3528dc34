/**
 * @module broker/steps/subscribe
 * The steps of the broker's `authorizeSubscribe` hook: `ownCommandsOnly` (a station subscribes
 * only to its own `stations/{ownId}/commands`; anything else gets SUBACK 0x80), then
 * `auditRefusal` puts every refusal on record.
 */
import type { Client, Subscription } from 'aedes';
import { parseTopic } from '../../domain/topics.js';
import type { Logger } from '../../lib/logger.js';
import type { Metrics } from '../../lib/metrics.js';
import type { Security } from '../../security/index.js';
import { clientAddress } from '../client-address.js';
import { finish, type AfterStep, type Step } from '../pipeline.js';

export interface SubscribeContext {
  client: Client;
  sub: Subscription;
}

/** SUBSCRIBE steps end with the granted subscription, or null (refused: SUBACK 0x80 for that topic). */
export type SubscribeStep = Step<SubscribeContext, Subscription | null>;

/** Only the station's own commands topic; anything else is counted and refused. */
export function ownCommandsOnly({ metrics, log }: { metrics: Metrics; log: Logger }): SubscribeStep {
  return function ownCommandsOnly({ client, sub }) {
    const parsed = parseTopic(sub.topic);
    if (parsed && parsed.stationId === client.id && parsed.kind === 'commands') return finish(sub);
    metrics.mqttDenied.inc({ action: 'subscribe' });
    log.warn({ stationId: client.id, topic: sub.topic }, 'subscribe refused');
    return finish(null);
  };
}

/** A refused subscription goes to the audit log. */
export function auditRefusal({ security: { audit } }: { security: Pick<Security, 'audit'> }): AfterStep<SubscribeContext, Subscription | null> {
  return function auditRefusal({ client, sub }, { error, value }) {
    if (!error && value) return;
    audit.record({ actor: client.id, role: 'station', sourceIp: clientAddress(client), action: 'mqtt.subscribe', target: sub.topic.slice(0, 200), outcome: 'denied' });
  };
}
