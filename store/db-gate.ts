/**
 * @module store/db-gate
 * Who gets the database connection next. The embedded database serves one connection, so every
 * caller waits for it; pg.Pool served them first come, first served, and an ingest commit (a
 * QoS 1 PUBACK waits on it) queued behind every read and job asked before it. The gate keeps one
 * queue per lane and hands a freed connection to the highest-priority waiter:
 *
 * - `ingest`: the group commits and the spool's replay (ingest/writer.ts);
 * - `interactive`: everything not marked (API reads, alerts, the UI);
 * - `background`: exports, policy jobs, scheduled checks, catch-up and backfill work.
 *
 * First come, first served within a lane. No lane starves: a waiter of a lower lane that has waited
 * `agedMs` goes first, once (the next hand-over goes by priority again), so a flood of ingest and
 * reads delays a background slice by about `agedMs`, never forever. A running statement is never
 * interrupted: what the gate bounds is the wait behind statements still queued, so long work
 * must come in short statements (store/job-runner.ts slices the policy jobs).
 *
 * `prioritized = false` serves every lane from one queue in arrival order, as pg.Pool did (for A/B
 * benchmarks: bench/contention.ts).
 */

export type Lane = 'ingest' | 'interactive' | 'background';

/** Highest priority first. */
export const LANES: readonly Lane[] = ['ingest', 'interactive', 'background'];

export interface DbGateOptions {
  /** Connections handed out at once: 1 for the embedded database, the pool size for a server. */
  slots: number;
  /** A lower lane's waiter that has waited this long goes first, once, ms. */
  agedMs?: number;
}

/** How long a lane's callers held a slot (a statement, or a whole transaction). */
export interface LaneHolds {
  count: number;
  totalMs: number;
  longestMs: number;
  /** holds longer than 200 ms: what an ingest commit may wait behind */
  over200Ms: number;
}

export interface DbGate {
  /** Resolves when the caller holds a slot; it must call release(lane) exactly once afterwards. */
  acquire(lane: Lane): Promise<void>;
  release(lane: Lane): void;
  /** Slot hold times per lane since the start (for benchmarks: what kept the connection). */
  holds(lane: Lane): Readonly<LaneHolds>;
  /** Waiters in one lane, or in all of them. */
  waiting(lane?: Lane): number;
  /** Slots held now. */
  readonly active: number;
  /** false: one queue in arrival order for every lane (pg.Pool's order); true by default. */
  prioritized: boolean;
}

interface Waiter {
  since: number;
  /** arrival order, across lanes (for the unprioritized order) */
  seq: number;
  grant: () => void;
}

/** The gate in front of a database's connections (see the module header). */
export function createDbGate({ slots, agedMs = 1000 }: DbGateOptions): DbGate {
  const queues: Record<Lane, Waiter[]> = { ingest: [], interactive: [], background: [] };
  let active = 0;
  const held: Record<Lane, LaneHolds> = {
    ingest: { count: 0, totalMs: 0, longestMs: 0, over200Ms: 0 },
    interactive: { count: 0, totalMs: 0, longestMs: 0, over200Ms: 0 },
    background: { count: 0, totalMs: 0, longestMs: 0, over200Ms: 0 },
  };
  /** When each slot holder got its slot, oldest first per lane (holders of one lane release in any order: close enough for statistics). */
  const since: Record<Lane, number[]> = { ingest: [], interactive: [], background: [] };
  let seq = 0;
  /** The last hand-over served an aged waiter out of priority: the next goes by priority. */
  let lastWasAged = false;

  /** The lane whose head goes next, or undefined when nobody waits. */
  function next(): Lane | undefined {
    const waitingLanes = LANES.filter((lane) => queues[lane].length > 0);
    const first = waitingLanes[0];
    if (first === undefined) return undefined;
    // one queue in arrival order: the earliest head of any lane
    if (!gate.prioritized) return waitingLanes.reduce((a, b) => (queues[b][0]!.seq < queues[a][0]!.seq ? b : a));
    if (!lastWasAged) {
      const now = performance.now();
      let aged: Lane | undefined;
      for (const lane of waitingLanes) {
        if (lane === first) continue;
        const head = queues[lane][0]!;
        if (now - head.since >= agedMs && (aged === undefined || head.since < queues[aged][0]!.since)) aged = lane;
      }
      if (aged !== undefined) {
        lastWasAged = true;
        return aged;
      }
    }
    lastWasAged = false;
    return first;
  }

  const gate: DbGate = {
    prioritized: true,
    acquire(lane) {
      if (active < slots && gate.waiting() === 0) {
        active++;
        since[lane].push(performance.now());
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        queues[lane].push({
          since: performance.now(),
          seq: seq++,
          grant: () => {
            since[lane].push(performance.now());
            resolve();
          },
        });
      });
    },
    release(lane) {
      const t0 = since[lane].shift();
      if (t0 !== undefined) {
        const ms = performance.now() - t0;
        const h = held[lane];
        h.count++;
        h.totalMs += ms;
        h.longestMs = Math.max(h.longestMs, ms);
        if (ms > 200) h.over200Ms++;
      }
      const to = next();
      if (to === undefined) {
        active = Math.max(0, active - 1);
        return;
      }
      // the slot passes straight to the waiter: `active` stays
      queues[to].shift()!.grant();
    },
    holds(lane) {
      return held[lane];
    },
    waiting(lane) {
      if (lane) return queues[lane].length;
      return queues.ingest.length + queues.interactive.length + queues.background.length;
    },
    get active() {
      return active;
    },
  };
  return gate;
}
