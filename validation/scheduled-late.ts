/**
 * @module validation/scheduled-late
 * Which judged hours have changed since the scheduled checks last looked at them (issue 20). Each
 * run used to judge its whole look-back again (3 hours before the mark, for late data), every 5
 * minutes: at 1,000 stations × 10 metrics a minute that is 1.8 M readings grouped, every station
 * hour judged against its neighbours and every flag compared, twelve times an hour, for hours that
 * almost never change. A look-back hour changes when a reading of it is committed late, when a
 * station or the checks' configuration changes, or when nothing is known (at start-up, after a
 * failed run). So:
 * - every committed batch (`readingsAccepted`, emitted after the commit; the spool's replayed
 *   batches after an outage too, ingest/replay.ts) notes the UTC hours of its readings that are
 *   older than the current hour;
 * - `stationChanged` and `qcConfigChanged` note "everything", as does the start (nothing is known
 *   of the time the process was down);
 * - `giveBack()` notes again what a failed run took ("everything" only if that is what it took): a
 *   run cut by a database outage used to leave every look-back hour to the next run, which then
 *   read and judged 4 hours of the whole fleet (2.4 M readings at 1,000 stations) instead of the
 *   few that changed;
 * - `take()` hands the noted hours over to a run and starts noting afresh. A reading committed
 *   while the run reads is noted again for the next run: judging an hour twice changes nothing.
 * With several nodes a reading committed on another node is not on this bus: there the caller
 * does not use this (every run judges its whole look-back).
 */
import type { EventBus } from '../domain/events.js';
import { HOUR_MS } from '../lib/time.js';

/** What a run took: the hours noted, or `all` when anything may have changed. */
export type TakenHours = { all: true } | { all: false; hours: ReadonlySet<number> };

export interface LateHours {
  /** The hours noted since the last take (starts of UTC hours), or `all` when anything may have changed. */
  take(): TakenHours;
  /** Notes again what `take()` handed to a run that failed (it may not have judged it). */
  giveBack(taken: TakenHours): void;
  /** Stops listening. */
  close(): void;
}

let instances = 0;

/**
 * @param keepFrom hours before this (ms, asked at each batch) are not noted: the checks no longer
 *   look at them (e.g. the current hour minus the look-back and one more)
 */
export function watchLateHours(bus: EventBus, now: () => number, keepFrom: (now: number) => number): LateHours {
  const owner = `qc-schedule-late-${++instances}`;
  let all = true;
  let hours = new Set<number>();
  bus.on(owner, 'readingsAccepted', ({ readings }) => {
    if (all) return;
    const t = now();
    const current = t - (t % HOUR_MS);
    const from = keepFrom(t);
    for (const r of readings) {
      if (r.ts >= current || r.ts < from) continue;
      hours.add(r.ts - (r.ts % HOUR_MS));
    }
  });
  const everything = () => {
    all = true;
    hours = new Set();
  };
  bus.on(owner, 'stationChanged', everything);
  bus.on(owner, 'qcConfigChanged', everything);
  return {
    take() {
      const taken = all ? ({ all: true } as const) : ({ all: false, hours } as const);
      all = false;
      hours = new Set();
      return taken;
    },
    giveBack(taken) {
      if (taken.all) everything();
      else if (!all) for (const h of taken.hours) hours.add(h);
    },
    close: () => bus.removeOwner(owner),
  };
}
