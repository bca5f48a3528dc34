/**
 * @module store/health-probe
 * /healthz's database check: `SELECT 1`, answered within a few seconds or not. A probe without an
 * answer is one of two things, told apart by the connection gate (store/db-gate.ts):
 * - it was sent and the database did not answer (a server gone or its network dropped):
 *   `unreachable`;
 * - it never got a connection, because a legitimate statement holds the embedded database's one
 *   connection (a refresh, a chunk's compression, an analyst's long query): `busy`, naming that
 *   statement, as long as it has held it less than `busyLimitMs`; past that it is `unreachable`
 *   (a statement stuck on a dropped network holds its connection with no answer and no error).
 * The probe still waiting when the time is up is withdrawn from the queue (the gate's abort
 * signal), so a busy database is not sent a pile of probes after its statement ends.
 */
import { createError } from '../lib/errors.js';
import type { Db } from './db.js';

export type DatabaseState = 'ok' | 'busy' | 'unreachable';

export interface DatabaseProbe {
  state: DatabaseState;
  /** with busy, and with unreachable behind a statement held too long: what holds the connection */
  heldBy?: { lane: string; label: string; seconds: number };
  /** with unreachable: why */
  error?: string;
}

export interface ProbeOptions {
  /** how long SELECT 1 may take, ms */
  timeoutMs: number;
  /** a statement holding the connection at least this long makes the probe unreachable rather than busy, ms (0: never) */
  busyLimitMs: number;
  /** a late answer's failure (after the time was up), for the log */
  onLateError?: (err: unknown) => void;
}

const WITHDRAWN = createError('QT_ERR_STORE_UNAVAILABLE', 'health probe withdrawn: no connection within its time');

export async function probeDatabase(db: Db, { timeoutMs, busyLimitMs, onLateError }: ProbeOptions): Promise<DatabaseProbe> {
  const withdraw = new AbortController();
  const probe = db.lane('interactive', 'health probe').query('SELECT 1', [], { signal: withdraw.signal });
  let timer: NodeJS.Timeout | undefined;
  const timeUp = new Promise<'time up'>((resolve) => (timer = setTimeout(() => resolve('time up'), timeoutMs)));
  try {
    if ((await Promise.race([probe.then(() => 'answered' as const), timeUp])) === 'answered') return { state: 'ok' };
  } catch (err) {
    return { state: 'unreachable', error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
  // Time is up. Withdrawn at once if it still waited for a connection (the gate rejects in the
  // abort's listener), otherwise it was sent and runs on without an answer.
  const holder = db.gate.holder();
  const overdue = db.gate.overdue(busyLimitMs);
  withdraw.abort(WITHDRAWN);
  const outcome = await Promise.race([
    probe.then(
      () => 'answered' as const,
      (err: unknown) => (err === WITHDRAWN ? ('withdrawn' as const) : err instanceof Error ? err : createError('QT_ERR_STORE_UNAVAILABLE', String(err))),
    ),
    new Promise<'running'>((resolve) => setImmediate(() => resolve('running'))),
  ]);
  if (outcome === 'running') probe.catch((err: unknown) => onLateError?.(err));
  if (outcome === 'answered') return { state: 'ok' };
  if (outcome instanceof Error) return { state: 'unreachable', error: outcome.message };
  if (outcome !== 'withdrawn' || !holder) return { state: 'unreachable', error: `no answer to SELECT 1 within ${timeoutMs / 1000} s` };
  const heldBy = { lane: holder.lane, label: holder.label, seconds: Math.round(holder.ms / 100) / 10 };
  if (overdue) {
    return { state: 'unreachable', heldBy, error: `the database connection has been held by ${holder.label} for ${heldBy.seconds} s without an end` };
  }
  return { state: 'busy', heldBy };
}
