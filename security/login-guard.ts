/**
 * @module security/login-guard
 * Brute-force protection for every login: users (HTTP login and session), stations (MQTT,
 * HTTP ingest, FTP). Two kinds of counters, both in memory:
 *
 * - **per source address** (`loginSourceMaxFailures`, default 10, any account): the address that
 *   keeps failing is blocked. This is the limit that hits a guesser first, and it hits only the
 *   guesser's address.
 * - **per account** (`loginMaxFailures`, default 5, over all addresses): the account is locked —
 *   but only for addresses it has never logged in from. Every address an account logged in
 *   from successfully is remembered (the newest `TRUSTED_PER_ACCOUNT`, for `TRUSTED_FOR_MS`),
 *   and the account lock does not apply to them. Someone guessing a station's secret from
 *   elsewhere, even from many addresses, can therefore not lock the station out of its own
 *   connection (OWASP "device cookies", with the address as the device for MQTT loggers).
 *
 * Every lock expires: the first lasts `loginLockoutBaseSeconds` (30 s), each further one doubles,
 * capped at `loginLockoutMaxSeconds` (900 s = 15 min). Attempts during a lock are refused without
 * checking the password (no scrypt work for the attacker) and neither extend the lock nor count.
 * Counters are forgotten after a quiet period of twice the longest lock; a success clears the
 * account's counter (not the address's: a guesser with one valid account must not be able to
 * reset its own address counter).
 *
 * Many stations share one address (dataloggers on a mobile network behind carrier NAT), so an
 * address lock never applies to an account at an address it logged in from: one station with a
 * stale secret does not take its neighbours down. Its failures there count against that
 * (account, address) pair alone (`loginMaxFailures`, same doubling and cap), not the address.
 *
 * Limits of the design: an attacker behind the same NAT address as a station can lock that one
 * station for at most 15 minutes at a time; counters live in one process (a restart forgets
 * them; scale-out would move them to Redis).
 */

export interface LoginGuardOptions {
  maxFailures: number;
  sourceMaxFailures: number;
  lockoutBaseSeconds: number;
  lockoutMaxSeconds: number;
  now?: () => number;
}

export type GuardDecision = { allowed: true } | { allowed: false; scope: 'source' | 'account'; retryAfterSeconds: number };

/** What a failure led to: nothing yet, or a new lock of the source and/or the account. */
export interface FailureResult {
  lockedSource?: { until: number; seconds: number } | undefined;
  lockedAccount?: { until: number; seconds: number } | undefined;
}

export interface LoginGuard {
  /** May `account` try to log in from `source` now? (`kind` separates users from stations with the same name.) */
  check(kind: 'user' | 'station', account: string, source: string): GuardDecision;
  failure(kind: 'user' | 'station', account: string, source: string): FailureResult;
  success(kind: 'user' | 'station', account: string, source: string): void;
  /** Counters held (for tests and metrics). */
  readonly size: number;
}

interface Counter {
  failures: number;
  /** locks so far in this period (drives the doubling) */
  locks: number;
  lockedUntil: number;
  lastFailure: number;
}

const TRUSTED_PER_ACCOUNT = 8;
const TRUSTED_FOR_MS = 30 * 86_400_000;
/** Bounds memory under a flood of distinct names or addresses. */
const MAX_ENTRIES = 100_000;

export function createLoginGuard({ maxFailures, sourceMaxFailures, lockoutBaseSeconds, lockoutMaxSeconds, now = Date.now }: LoginGuardOptions): LoginGuard {
  const sources = new Map<string, Counter>();
  const accounts = new Map<string, Counter>();
  /** `account@source` for failures of an account at an address it is known at */
  const pairs = new Map<string, Counter>();
  /** account key → source → last success */
  const trusted = new Map<string, Map<string, number>>();
  const quietMs = 2 * lockoutMaxSeconds * 1000;

  const accountKey = (kind: string, account: string) => `${kind}:${account}`;

  function current(map: Map<string, Counter>, key: string, t: number): Counter | undefined {
    const c = map.get(key);
    if (!c) return undefined;
    if (c.lockedUntil <= t && t - c.lastFailure > quietMs) {
      map.delete(key);
      return undefined;
    }
    return c;
  }

  function isTrusted(key: string, source: string, t: number): boolean {
    const at = trusted.get(key)?.get(source);
    return at !== undefined && t - at < TRUSTED_FOR_MS;
  }

  function bump(map: Map<string, Counter>, key: string, threshold: number, t: number): { until: number; seconds: number } | undefined {
    let c = current(map, key, t);
    if (!c) {
      if (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value!);
      c = { failures: 0, locks: 0, lockedUntil: 0, lastFailure: t };
      map.set(key, c);
    }
    if (c.lockedUntil > t) return undefined; // during a lock nothing counts
    c.failures += 1;
    c.lastFailure = t;
    if (c.failures < threshold) return undefined;
    const seconds = Math.min(lockoutBaseSeconds * 2 ** c.locks, lockoutMaxSeconds);
    c.locks += 1;
    c.failures = 0;
    c.lockedUntil = t + seconds * 1000;
    return { until: c.lockedUntil, seconds };
  }

  return {
    check(kind, account, source) {
      const t = now();
      const key = accountKey(kind, account);
      const known = isTrusted(key, source, t);
      const refuse = (scope: 'source' | 'account', c: Counter): GuardDecision => ({ allowed: false, scope, retryAfterSeconds: Math.ceil((c.lockedUntil - t) / 1000) });
      if (known) {
        const p = current(pairs, `${key}@${source}`, t);
        return p && p.lockedUntil > t ? refuse('account', p) : { allowed: true };
      }
      const s = current(sources, source, t);
      if (s && s.lockedUntil > t) return refuse('source', s);
      const a = current(accounts, key, t);
      if (a && a.lockedUntil > t) return refuse('account', a);
      return { allowed: true };
    },
    failure(kind, account, source) {
      const t = now();
      const key = accountKey(kind, account);
      // at an address the account is known at (a station with a stale secret, or someone behind
      // its NAT): only that pair counts, so neither the account elsewhere nor the address's other
      // accounts are locked
      if (isTrusted(key, source, t)) return { lockedAccount: bump(pairs, `${key}@${source}`, maxFailures, t) };
      return {
        lockedSource: bump(sources, source, sourceMaxFailures, t),
        lockedAccount: bump(accounts, key, maxFailures, t),
      };
    },
    success(kind, account, source) {
      const t = now();
      const key = accountKey(kind, account);
      const a = accounts.get(key);
      if (a && a.lockedUntil <= t) accounts.delete(key);
      const p = pairs.get(`${key}@${source}`);
      if (p && p.lockedUntil <= t) pairs.delete(`${key}@${source}`);
      let list = trusted.get(key);
      if (!list) {
        if (trusted.size >= MAX_ENTRIES) trusted.delete(trusted.keys().next().value!);
        list = new Map();
        trusted.set(key, list);
      }
      list.delete(source);
      list.set(source, t);
      if (list.size > TRUSTED_PER_ACCOUNT) list.delete(list.keys().next().value!);
    },
    get size() {
      return sources.size + accounts.size + pairs.size;
    },
  };
}
