/**
 * @module broker/steps/connect
 * The steps of the broker's `authenticate` hook (CONNECT): username = station id = client id,
 * password = the station's secret. In order (broker/index.ts):
 * `guardLockout` (a blocked address or locked station is refused before any secret is hashed),
 * `checkClientId`, `verifySecret`; then `recordLoginOutcome` tells the login guard and the audit
 * log how it went.
 */
import { createError } from '../../lib/errors.js';
import type { AuthenticateError, Client } from 'aedes';
import type { Logger } from '../../lib/logger.js';
import type { Metrics } from '../../lib/metrics.js';
import type { Security } from '../../security/index.js';
import type { StationAuthenticator } from '../../stations/credentials.js';
import { finish, refuse, type AfterStep, type Step } from '../pipeline.js';

export interface ConnectContext {
  client: Client;
  /** The CONNECT's username ('' when absent): the station id. */
  stationId: string;
  password: Buffer | undefined;
  /** The client's address (clientAddress()). */
  source: string;
}

/** CONNECT steps end with `true` (accepted) or an error carrying the CONNACK return code. */
export type ConnectStep = Step<ConnectContext, boolean>;

/** An error carrying the CONNACK return code: 4 = bad username or password, 5 = not authorized. */
export function authError(message: string, returnCode: 4 | 5): AuthenticateError {
  return Object.assign(createError('QT_ERR_STATION_REFUSED', message), { returnCode }) as AuthenticateError;
}

/** A blocked address or a locked station is refused (CONNACK 5) without checking the secret. */
export function guardLockout({ security: { guard, audit }, log }: { security: Pick<Security, 'guard' | 'audit'>; log: Logger }): ConnectStep {
  return function guardLockout({ stationId, source }) {
    const decision = guard.check('station', stationId, source);
    if (decision.allowed) return undefined;
    log.warn({ stationId, source, scope: decision.scope, retryAfterSeconds: decision.retryAfterSeconds }, 'MQTT connect refused: locked out');
    audit.record({
      actor: stationId || '-',
      role: 'station',
      sourceIp: source,
      action: 'mqtt.connect',
      outcome: 'locked',
      details: { scope: decision.scope, retryAfterSeconds: decision.retryAfterSeconds },
    });
    return refuse(authError('too many failed logins; try later', 5));
  };
}

/** The client id must be the station id given as username. */
export function checkClientId({ metrics, log }: { metrics: Metrics; log: Logger }): ConnectStep {
  return function checkClientId({ client, stationId }) {
    if (stationId && client.id === stationId) return undefined;
    metrics.mqttDenied.inc({ action: 'connect' });
    log.warn({ clientId: client.id, username: stationId }, 'connect refused: client id must equal the station id (username)');
    return refuse(authError('client id must equal the station id', 4));
  };
}

/** The password must be the station's secret; a store failure is CONNACK 5, not the station's fault. */
export function verifySecret({ authenticator, metrics, log }: { authenticator: StationAuthenticator; metrics: Metrics; log: Logger }): ConnectStep {
  return async function verifySecret({ stationId, password }) {
    let ok: boolean;
    try {
      ok = await authenticator.verify(stationId, password?.toString('utf8') ?? '');
    } catch (err) {
      log.error({ err, stationId }, 'station authentication failed');
      return refuse(authError('authentication unavailable', 5));
    }
    if (ok) return finish(true);
    metrics.mqttDenied.inc({ action: 'connect' });
    log.warn({ stationId }, 'connect refused: bad station id or secret');
    return refuse(authError('bad station id or secret', 4));
  };
}

/**
 * Tells the login guard how the CONNECT went: a success trusts the address; a refused id or
 * secret (return code 4) counts as a failure and is audited, with any lock it leads to. A
 * lockout or a store failure (5) is not counted: neither says the secret was wrong.
 */
export function recordLoginOutcome({ security: { guard, audit } }: { security: Pick<Security, 'guard' | 'audit'> }): AfterStep<ConnectContext, boolean> {
  return function recordLoginOutcome({ stationId, source }, { error, value }) {
    if (!error && value) return guard.success('station', stationId, source);
    if (error && (error as AuthenticateError).returnCode !== 4) return;
    const locked = guard.failure('station', stationId, source);
    audit.record({ actor: stationId || '-', role: 'station', sourceIp: source, action: 'mqtt.connect', outcome: 'denied', details: { reason: error?.message ?? 'refused' } });
    if (locked.lockedSource || locked.lockedAccount) {
      audit.record({
        actor: stationId || '-',
        role: 'station',
        sourceIp: source,
        action: 'auth.lockout',
        target: locked.lockedAccount ? `station:${stationId}` : `source:${source}`,
        outcome: 'locked',
        details: {
          channel: 'mqtt',
          ...(locked.lockedSource ? { sourceSeconds: locked.lockedSource.seconds } : {}),
          ...(locked.lockedAccount ? { accountSeconds: locked.lockedAccount.seconds } : {}),
        },
      });
    }
  };
}
