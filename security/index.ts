/**
 * @module security
 * Security services shared by the broker and the HTTP server (issue 9): the login guard
 * (brute force), per-station message limits, the audit log and the TLS material.
 * One factory, one close handle; app.ts creates it after the store.
 */
import type { Config } from '../config/index.js';
import { Counter } from 'prom-client';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { Db } from '../store/index.js';
import { createAuditLog, type AuditLog, type NewAuditEntry } from './audit-log.js';
import { createLoginGuard, type LoginGuard } from './login-guard.js';
import { createStationLimits, type StationLimits } from './station-limits.js';
import { loadTls, type TlsMaterial } from './tls.js';

export interface Security {
  guard: LoginGuard;
  limits: StationLimits;
  audit: AuditLog;
  /** The certificate and key when TLS is configured. */
  tls: TlsMaterial | undefined;
  /**
   * Largest MQTT packet the broker reads: the payload limit (INGEST_MAX_PAYLOAD_BYTES) plus room
   * for the topic and header. A payload between the two is still read and quarantined as too
   * large; a bigger packet closes the connection as soon as its length field is read.
   */
  maxMqttPacketBytes: number;
  close(): Promise<void>;
}

export function createSecurity({
  config,
  db,
  logger,
  metrics,
  now = Date.now,
}: {
  config: Readonly<Config>;
  db: Db;
  logger: Logger;
  metrics?: Metrics;
  now?: () => number;
}): Security {
  const s = config.security;
  const tls = loadTls(config);
  // Every audited event also counts, for alerting on brute force or misbehaving stations
  // (API writes are one label: routes would make the label set large and are in the log anyway).
  const events = metrics
    ? new Counter({
        name: 'quantrac_security_events_total',
        help: 'Audited security events: logins, lockouts, refused station logins, station throttling and disconnections, API writes',
        labelNames: ['event', 'outcome'] as const,
        registers: [metrics.registry],
      })
    : undefined;
  const audit = createAuditLog({
    db,
    logger,
    ...(events ? { onRecord: (entry: NewAuditEntry) => events.inc({ event: /^[A-Z]+ \//.test(entry.action) ? 'api_write' : entry.action, outcome: entry.outcome }) } : {}),
  });
  return {
    guard: createLoginGuard({
      maxFailures: s.loginMaxFailures,
      sourceMaxFailures: s.loginSourceMaxFailures,
      lockoutBaseSeconds: s.loginLockoutBaseSeconds,
      lockoutMaxSeconds: s.loginLockoutMaxSeconds,
      now,
    }),
    limits: createStationLimits({ maxMsgsPerSecond: s.stationMaxMsgsPerSecond, burst: s.stationBurst, throttleMaxSeconds: s.stationThrottleMaxSeconds }),
    audit,
    tls,
    maxMqttPacketBytes: config.ingest.maxPayloadBytes + 65_536,
    close: () => audit.close(),
  };
}
