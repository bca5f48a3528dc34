/**
 * @module security/station-limits
 * Per-station message rate limit for the MQTT broker: a token bucket per station
 * (`stationMaxMsgsPerSecond` sustained, `stationBurst` at once).
 *
 * Throttling = holding the message before it is processed (so its PUBACK is late). Aedes reads a
 * connection's next bytes only when every packet of the previous read is handled, so holding a
 * message also stops reading that station's socket: TCP flow control slows the station down and
 * nothing piles up in memory. A station whose messages keep being held for longer than
 * `stationThrottleMaxSeconds` (or whose single message would have to wait that long) is
 * disconnected: the held message is refused, so a QoS 1 message is not acknowledged and the
 * station sends it again after reconnecting — nothing is lost, and a real datalogger (one
 * message a minute, a backlog as an array) is never near the limit.
 *
 * The other per-station limits are enforced elsewhere: payload size (INGEST_MAX_PAYLOAD_BYTES,
 * ingest quarantines larger payloads), topics (the broker's ACL allows a station only its own
 * `stations/{id}/readings|state` for publishing and `stations/{id}/commands` for subscribing).
 */

export interface StationLimitsOptions {
  /** 0 = no limit */
  maxMsgsPerSecond: number;
  burst: number;
  throttleMaxSeconds: number;
  now?: () => number;
}

export type LimitDecision =
  | { action: 'pass' }
  /** hold the message for delayMs; `started` on the first held message of an episode */
  | { action: 'delay'; delayMs: number; started: boolean }
  /** refuse the message and close the connection */
  | { action: 'disconnect'; heldForMs: number; delayMs: number };

export interface StationLimits {
  readonly enabled: boolean;
  take(stationId: string): LimitDecision;
  /** The station disconnected: its bucket starts full next time. */
  forget(stationId: string): void;
}

interface Bucket {
  tokens: number;
  last: number;
  /** when the current throttling episode began (0 = not throttled) */
  throttledSince: number;
}

export function createStationLimits({ maxMsgsPerSecond, burst, throttleMaxSeconds, now = Date.now }: StationLimitsOptions): StationLimits {
  const buckets = new Map<string, Bucket>();
  const enabled = maxMsgsPerSecond > 0;
  const maxMs = throttleMaxSeconds * 1000;
  return {
    enabled,
    take(stationId) {
      if (!enabled) return { action: 'pass' };
      const t = now();
      let b = buckets.get(stationId);
      if (!b) {
        b = { tokens: burst, last: t, throttledSince: 0 };
        buckets.set(stationId, b);
      }
      b.tokens = Math.min(burst, b.tokens + ((t - b.last) * maxMsgsPerSecond) / 1000);
      b.last = t;
      b.tokens -= 1;
      if (b.tokens >= 0) {
        b.throttledSince = 0;
        return { action: 'pass' };
      }
      const delayMs = Math.ceil((-b.tokens * 1000) / maxMsgsPerSecond);
      const started = b.throttledSince === 0;
      if (started) b.throttledSince = t;
      const heldForMs = t - b.throttledSince;
      if (delayMs > maxMs || heldForMs > maxMs) {
        buckets.delete(stationId);
        return { action: 'disconnect', heldForMs, delayMs };
      }
      return { action: 'delay', delayMs, started };
    },
    forget(stationId) {
      buckets.delete(stationId);
    },
  };
}
