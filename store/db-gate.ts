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
 * Background share: while ingest is active (it held a slot in the last `ingestActiveMs`), the
 * background lane rests after each of its holds, for as long as the hold times
 * (1 − backgroundShare) / backgroundShare, and is handed no slot meanwhile. On the embedded
 * database an export page or a job slice followed at once by the next one kept the one connection
 * busy all the time: each ingest commit found a background statement running, then the next
 * (bench/contention.ts, issue 20). Resting bounds background work to its share of the connection
 * while stations write, so a commit waits behind at most one background statement and most find
 * the connection free; when ingest is idle background work runs flat out.
 *
 * `prioritized = false` serves every lane from one queue in arrival order, as pg.Pool did (for A/B
 * benchmarks: bench/contention.ts); it ignores the background share.
 */

export type Lane = 'ingest' | 'interactive' | 'background';

/** Highest priority first. */
export const LANES: readonly Lane[] = ['ingest', 'interactive', 'background'];

export interface DbGateOptions {
  /** Connections handed out at once: 1 for the embedded database, the pool size for a server. */
  slots: number;
  /** A lower lane's waiter that has waited this long goes first, once, ms. */
  agedMs?: number;
  /** The share of the time background work may hold a slot while ingest is active, (0, 1]; 1: no rest. */
  backgroundShare?: number;
  /** Ingest counts as active this long after it last held a slot, ms. */
  ingestActiveMs?: number;
}

/** How long a lane's callers held a slot (a statement, or a whole transaction). */
export interface LaneHolds {
  count: number;
  totalMs: number;
  longestMs: number;
  /** holds longer than 200 ms: what an ingest commit may wait behind */
  over200Ms: number;
}

/** How long a lane's callers waited for a slot, by what held it when they arrived. */
export interface WaitStats {
  /** callers that found every slot taken (or others queued) and waited */
  count: number;
  totalMs: number;
  longestMs: number;
  over50Ms: number;
  over200Ms: number;
}

export interface DbGate {
  /**
   * Resolves when the caller holds a slot; it must call release(lane) exactly once afterwards.
   * `label` names the kind of work for the statistics (`holdsByLabel`, `waitsBehind`); the lane's
   * name when absent. An aborted `signal` withdraws a caller still waiting (rejects with the
   * signal's reason); once it holds a slot, the signal is ignored.
   */
  acquire(lane: Lane, label?: string, signal?: AbortSignal): Promise<void>;
  /** The oldest hold running now: its lane, label and how long it has held the slot (ms); undefined when none. */
  holder(): { lane: Lane; label: string; ms: number } | undefined;
  /**
   * The oldest hold when it has run for `limitMs` or longer (and is not `except`'s): a statement
   * past the bound after which the database counts as unreachable (ingest's deferral, the health
   * probe). Undefined when none is, or when `limitMs` ≤ 0 (no bound).
   */
  overdue(limitMs: number, except?: Lane): { lane: Lane; label: string; ms: number } | undefined;
  release(lane: Lane): void;
  /** Slot hold times per lane since the start (for benchmarks: what kept the connection). */
  holds(lane: Lane): Readonly<LaneHolds>;
  /** Slot hold times per label since the start (e.g. `job refresh`, `export`, or a lane's name). */
  holdsByLabel(): ReadonlyMap<string, Readonly<LaneHolds>>;
  /**
   * The waits of `lane`'s callers that could not take a slot at once, by the label of the hold
   * running when they arrived (the oldest one when several slots are held): what an ingest commit
   * waited behind. Since the start.
   */
  waitsBehind(lane: Lane): ReadonlyMap<string, Readonly<WaitStats>>;
  /** Waiters in one lane, or in all of them. */
  waiting(lane?: Lane): number;
  /** Slots held now. */
  readonly active: number;
  /** false: one queue in arrival order for every lane (pg.Pool's order); true by default. */
  prioritized: boolean;
  /** The background share (see the module header; settable for A/B benchmarks), (0, 1]. */
  backgroundShare: number;
}

interface Waiter {
  since: number;
  /** the label of the hold running when it arrived */
  behind: string;
  /** arrival order, across lanes (for the unprioritized order) */
  seq: number;
  grant: () => void;
}

/** The gate in front of a database's connections (see the module header). */
export function createDbGate({ slots, agedMs = 1000, backgroundShare = 1, ingestActiveMs = 1000 }: DbGateOptions): DbGate {
  const checkedShare = (share: number): number => {
    if (!(share > 0 && share <= 1)) throw new RangeError(`backgroundShare must be in (0, 1], got ${share}`);
    return share;
  };
  let share = checkedShare(backgroundShare);
  /** performance.now() until which the background lane rests (see the module header). */
  let restUntil = 0;
  /** performance.now() when ingest last released a slot, and the slots it holds now. */
  let ingestLast = -Infinity;
  let ingestHolding = 0;
  let wakeTimer: ReturnType<typeof setTimeout> | undefined;
  const queues: Record<Lane, Waiter[]> = { ingest: [], interactive: [], background: [] };
  let active = 0;
  const held: Record<Lane, LaneHolds> = {
    ingest: { count: 0, totalMs: 0, longestMs: 0, over200Ms: 0 },
    interactive: { count: 0, totalMs: 0, longestMs: 0, over200Ms: 0 },
    background: { count: 0, totalMs: 0, longestMs: 0, over200Ms: 0 },
  };
  /** Each slot holder's label and when it got its slot, oldest first per lane (holders of one lane release in any order: close enough for statistics). */
  const since: Record<Lane, Array<{ t0: number; label: string }>> = { ingest: [], interactive: [], background: [] };
  const byLabel = new Map<string, LaneHolds>();
  const waits: Record<Lane, Map<string, WaitStats>> = { ingest: new Map(), interactive: new Map(), background: new Map() };

  /** The oldest hold running now. */
  function oldestHold(): { lane: Lane; t0: number; label: string } | undefined {
    let oldest: { lane: Lane; t0: number; label: string } | undefined;
    for (const lane of LANES) {
      const h = since[lane][0];
      if (h && (!oldest || h.t0 < oldest.t0)) oldest = { lane, ...h };
    }
    return oldest;
  }

  /** The label of the oldest hold running now. */
  function running(): string {
    return oldestHold()?.label ?? 'none';
  }

  function count(h: LaneHolds, ms: number): void {
    h.count++;
    h.totalMs += ms;
    h.longestMs = Math.max(h.longestMs, ms);
    if (ms > 200) h.over200Ms++;
  }
  let seq = 0;
  /** The last hand-over served an aged waiter out of priority: the next goes by priority. */
  let lastWasAged = false;

  /** Whether background work rests now: a rest not over while ingest is active (see the module header). */
  function resting(now: number): boolean {
    return now < restUntil && (ingestHolding > 0 || now - ingestLast < ingestActiveMs);
  }

  /** Whether `lane` may be handed no slot now: background work at rest (the unprioritized A/B order ignores rests). */
  function heldBack(lane: Lane, now: number): boolean {
    return lane === 'background' && gate.prioritized && resting(now);
  }

  /** Whether a waiter could be handed a slot now. */
  function eligibleWaiting(now: number): boolean {
    return LANES.some((lane) => queues[lane].length > 0 && !heldBack(lane, now));
  }

  /** The lane whose head goes next, or undefined when nobody waits (or only resting background work). */
  function next(): Lane | undefined {
    const now = performance.now();
    const waitingLanes = LANES.filter((lane) => queues[lane].length > 0 && !heldBack(lane, now));
    const first = waitingLanes[0];
    if (first === undefined) return undefined;
    // one queue in arrival order: the earliest head of any lane
    if (!gate.prioritized) return waitingLanes.reduce((a, b) => (queues[b][0]!.seq < queues[a][0]!.seq ? b : a));
    if (!lastWasAged) {
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

  /** Took a slot: holders' bookkeeping. */
  function took(lane: Lane, label: string, now: number): void {
    since[lane].push({ t0: now, label });
    if (lane === 'ingest') ingestHolding++;
  }

  /** Hands free slots to the waiters next() picks; wakes itself when only resting background work waits. */
  function dispatch(): void {
    while (active < slots) {
      const to = next();
      if (to === undefined) break;
      active++;
      queues[to].shift()!.grant();
    }
    if (active < slots && queues.background.length > 0 && wakeTimer === undefined) {
      wakeTimer = setTimeout(
        () => {
          wakeTimer = undefined;
          dispatch();
        },
        Math.max(1, Math.ceil(restUntil - performance.now())),
      );
      wakeTimer.unref?.();
    }
  }

  const gate: DbGate = {
    prioritized: true,
    get backgroundShare() {
      return share;
    },
    set backgroundShare(v: number) {
      share = checkedShare(v);
    },
    acquire(lane, label = lane, signal) {
      const now = performance.now();
      if (signal?.aborted) return Promise.reject(signal.reason as Error);
      if (active < slots && !eligibleWaiting(now) && !heldBack(lane, now)) {
        active++;
        took(lane, label, now);
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => {
        const withdraw = () => {
          const i = queues[lane].indexOf(waiter);
          if (i < 0) return;
          queues[lane].splice(i, 1);
          reject(signal!.reason as Error);
        };
        const waiter: Waiter = {
          since: now,
          behind: running(),
          seq: seq++,
          grant: () => {
            signal?.removeEventListener('abort', withdraw);
            const at = performance.now();
            const ms = at - waiter.since;
            const w = waits[lane].get(waiter.behind) ?? { count: 0, totalMs: 0, longestMs: 0, over50Ms: 0, over200Ms: 0 };
            w.count++;
            w.totalMs += ms;
            w.longestMs = Math.max(w.longestMs, ms);
            if (ms > 50) w.over50Ms++;
            if (ms > 200) w.over200Ms++;
            waits[lane].set(waiter.behind, w);
            took(lane, label, at);
            resolve();
          },
        };
        queues[lane].push(waiter);
        signal?.addEventListener('abort', withdraw, { once: true });
        dispatch();
      });
    },
    holder() {
      const h = oldestHold();
      return h && { lane: h.lane, label: h.label, ms: performance.now() - h.t0 };
    },
    overdue(limitMs, except) {
      if (limitMs <= 0) return undefined;
      const h = this.holder();
      return h !== undefined && h.lane !== except && h.ms >= limitMs ? h : undefined;
    },
    release(lane) {
      const now = performance.now();
      const hold = since[lane].shift();
      if (hold !== undefined) {
        const ms = now - hold.t0;
        count(held[lane], ms);
        const h = byLabel.get(hold.label) ?? { count: 0, totalMs: 0, longestMs: 0, over200Ms: 0 };
        count(h, ms);
        byLabel.set(hold.label, h);
        if (lane === 'background') restUntil = Math.max(restUntil, now + (ms * (1 - share)) / share);
      }
      if (lane === 'ingest') {
        ingestHolding = Math.max(0, ingestHolding - 1);
        ingestLast = now;
      }
      active = Math.max(0, active - 1);
      dispatch();
    },
    holds(lane) {
      return held[lane];
    },
    holdsByLabel() {
      return byLabel;
    },
    waitsBehind(lane) {
      return waits[lane];
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
