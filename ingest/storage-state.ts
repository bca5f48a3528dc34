/**
 * @module ingest/storage-state
 * Where acknowledged readings are, for operators: healthy (in the database) or degraded (the
 * database is unreachable, or acknowledged readings of an outage wait in the local spool). Rows
 * deferred behind a long statement (ingest/defer.ts) wait there too for a moment, and are not an
 * outage. Tracks the last "unreachable" error and reports each change of the degraded flag once.
 */
import pg from 'pg';
import type { Spool } from './spool.js';

/** What operators need to know about where acknowledged readings are. */
export interface StorageState {
  /** The database is unreachable or acknowledged readings wait in the spool. */
  degraded: boolean;
  /** Why, in words (the last database error); null when not degraded. */
  reason: string | null;
  /** Since when (epoch ms); null when not degraded. */
  since: number | null;
  spoolBytes: number;
  spoolMaxBytes: number;
  spoolRows: number;
}

/**
 * True for errors that mean "the database did not take it, try again later" rather than "this
 * statement is wrong": anything that is not an answer from the server, and the server's own
 * connection (08), resource (53), operator-intervention (57) and system (58) classes.
 */
export function isUnreachable(err: unknown): boolean {
  if (err instanceof pg.DatabaseError) return /^(08|53|57|58)/.test(err.code ?? '');
  return true;
}

export interface StorageStateTracker {
  /** The last write or replay failed because the database was unreachable. */
  readonly unreachable: boolean;
  /** What the spool holds was deferred behind a long statement (ingest/defer.ts), with no outage since it was last empty. */
  readonly deferredOnly: boolean;
  /** A batch was deferred to the spool: not an outage (not degraded) unless the spool already held an outage's rows. */
  markDeferred(): void;
  /** The state now (degraded also while the spool holds bytes). */
  state(): StorageState;
  /** Calls onChange when the degraded flag changed since the last report. */
  report(): void;
  /** Remembers the first unreachable error of an outage, then reports. */
  markUnreachable(err: unknown): void;
  /** The database answered: forget the outage, then report. */
  markReachable(): void;
}

export function createStorageStateTracker(spool: Spool | undefined, onChange?: (state: StorageState) => void): StorageStateTracker {
  let unreachable: { reason: string; since: number } | undefined;
  let deferredOnly = false;
  let lastDegraded = false;
  let degradedSince = 0;

  function state(): StorageState {
    const spoolBytes = spool?.bytes ?? 0;
    const degraded = unreachable !== undefined || (spoolBytes > 0 && !deferredOnly);
    return {
      degraded,
      reason: degraded ? (unreachable?.reason ?? 'acknowledged readings wait in the spool') : null,
      since: degraded ? (lastDegraded ? degradedSince : (unreachable?.since ?? Date.now())) : null,
      spoolBytes,
      spoolMaxBytes: spool?.maxBytes ?? 0,
      spoolRows: spool?.rows ?? 0,
    };
  }

  function report(): void {
    const s = state();
    if (s.degraded !== lastDegraded) {
      lastDegraded = s.degraded;
      degradedSince = s.since ?? 0;
      onChange?.(s);
    }
  }

  return {
    get unreachable() {
      return unreachable !== undefined;
    },
    get deferredOnly() {
      return deferredOnly && (spool?.bytes ?? 0) > 0;
    },
    markDeferred() {
      if (unreachable === undefined && (spool?.bytes ?? 0) === 0) deferredOnly = true;
    },
    state,
    report,
    markUnreachable(err) {
      deferredOnly = false;
      if (!unreachable) unreachable = { reason: err instanceof Error ? err.message : String(err), since: Date.now() };
      report();
    },
    markReachable() {
      unreachable = undefined;
      if ((spool?.bytes ?? 0) === 0) deferredOnly = false;
      report();
    },
  };
}
