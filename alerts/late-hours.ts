/**
 * @module alerts/late-hours
 * Re-reads the hours late readings fell into (windows.ts: a long mean's hourly sums and an anomaly
 * history's hour sketches cannot tell a late reading from a duplicate, the stored readings can)
 * off the path of new readings. The engine evaluates each batch at once, except the rules that
 * read a series whose hours are stale (that station-metric's long means and anomalies): those
 * wait for the re-read and are evaluated right after it, so each reading still counts once.
 *
 * The hours are re-read `delayMs` after a late reading at the earliest, and a round of re-reads
 * waits at least BUDGET times its own duration after the previous one, so a station catching up
 * on a backlog has its hours read once per round, not once per batch, and re-reads take at most
 * about a fifth of the engine's queue however slow the database is. SLICE hours at a time, each
 * slice its own step, queued once the engine's queue is empty (or has been busy for QUIET_MAX_MS):
 * a new batch of readings waits for one slice at most, not for a round. Re-read before every
 * batch, they held every threshold alert behind them: at 5,000 late readings/s
 * (bench/suite.ts --until latency) a crossing waited up to 20 s.
 */
import type { Logger } from '../lib/logger.js';
import type { Db } from '../store/index.js';
import { ruleMetric } from './rule-index.js';
import { hourlyWindowMs } from './rules/hourly.js';
import type { Rule } from './rules/types.js';
import { rereadHours, type Windows } from './windows.js';

/** Hours re-read by one step of the engine's queue. */
const SLICE = 100;
/** A round of re-reads is followed by at least this many times its duration without any. */
const BUDGET = 4;
/** A slice waits for the engine's queue to empty at most this long, ms. */
const QUIET_MAX_MS = 1000;

export interface LateHoursDeps {
  db: Db;
  windows: Windows;
  log: Logger;
  /** Re-read stale hours this long after a late reading at the earliest (0: at the next step). */
  delayMs: number;
  /** Runs `fn` on the engine's serial queue; a failure is logged there and rejects the result. */
  serial(what: string, fn: () => Promise<boolean>): Promise<boolean>;
  /** Resolves once the engine's queue is empty, or after `maxWaitMs`. */
  quiet(maxWaitMs: number): Promise<void>;
  /** Evaluates (on the queue) the rules of the station reading `metrics` that `only` accepts. */
  evaluate(stationId: string, metrics: Set<string>, only: (rule: Rule) => boolean): Promise<void>;
}

export interface LateHours {
  /** Whether the station's `rule` reads hours that wait to be re-read (it is evaluated after). */
  waits(stationId: string, rule: Rule): boolean;
  /** After readings were recorded: arms the re-read if hours are stale and none is armed or running. */
  schedule(): void;
  /** Re-reads every stale hour now, a slice per step; resolves when none is left (or a slice failed). */
  flush(): Promise<void>;
  /** Steps queued on the engine's queue so far (the engine's idle() tells them from other work). */
  readonly steps: number;
  /** Stale hours waiting to be re-read, and hours re-read since the start. */
  stats(): { waiting: number; reRead: number };
  close(): void;
}

/** Rules that read hourly sums or hour sketches (rule-index.ts windowPlan). */
const readsHours = (rule: Rule): boolean => hourlyWindowMs(rule) !== undefined || rule.kind === 'anomaly';

export function createLateHours(deps: LateHoursDeps): LateHours {
  const { db, windows, log, delayMs } = deps;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;
  let reRead = 0;
  let steps = 0;
  /** How long the last round's slices held the queue, ms. */
  let lastRoundMs = 0;

  function waits(stationId: string, rule: Rule): boolean {
    const metric = ruleMetric(rule);
    const w = metric === undefined ? undefined : windows.view(stationId).series.get(metric);
    if (!w) return false;
    return (w.stale !== undefined && hourlyWindowMs(rule) !== undefined) || (w.staleSketches !== undefined && rule.kind === 'anomaly');
  }

  /** One step: re-reads up to SLICE hours, evaluates the rules that waited for them; true if more are left. */
  async function slice(): Promise<boolean> {
    const late = windows.lateHours();
    if (late.length === 0) return false;
    const part = late.slice(0, SLICE);
    let failed = false;
    try {
      await rereadHours(db, part);
      reRead += part.length;
    } catch (err) {
      // the hours stay stale (their late readings not counted yet) and are tried again later
      log.warn({ err, hours: part.length }, 'hours with late readings not re-read; tried again later');
      failed = true;
    }
    const byStation = new Map<string, Set<string>>();
    for (const h of part) {
      let metrics = byStation.get(h.stationId);
      if (!metrics) byStation.set(h.stationId, (metrics = new Set()));
      metrics.add(h.metric);
    }
    for (const [stationId, metrics] of byStation) {
      // after a failure, with what is known (as a reading would); else once all of a series' hours are re-read
      await deps.evaluate(stationId, metrics, failed ? readsHours : (rule) => readsHours(rule) && !waits(stationId, rule));
    }
    return !failed && late.length > part.length;
  }

  function run(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!running && windows.lateHours().length === 0) return Promise.resolve();
    running ??= (async () => {
      let held = 0;
      try {
        for (;;) {
          await deps.quiet(QUIET_MAX_MS);
          steps++;
          const more = await deps.serial('late hours', async () => {
            const t0 = performance.now();
            try {
              return await slice();
            } finally {
              held += performance.now() - t0;
            }
          });
          if (!more) break;
        }
      } catch {
        // a failure is logged by the queue; the hours left are tried again after the delay
      } finally {
        running = undefined;
        lastRoundMs = held;
      }
      schedule(); // late readings recorded after the last slice, or a failed slice: again after the delay
    })();
    return running;
  }

  function schedule(): void {
    if (closed || timer || running || windows.lateHours().length === 0) return;
    timer = setTimeout(() => void run(), Math.max(delayMs, BUDGET * lastRoundMs));
    timer.unref();
  }

  return {
    waits,
    schedule,
    flush: run,
    stats: () => ({ waiting: windows.lateHours().length, reRead }),
    get steps() {
      return steps;
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
