/**
 * @module validation/scheduled
 * The scheduled checks (issue 18): those that need neighbours in space or time and so cannot judge
 * a reading as it arrives. Every `intervalMs` (config `validation.scheduleSeconds`) a run evaluates
 * the completed UTC hours not evaluated yet, plus `lookbackHours` before them for late data (the
 * very first run: the last `firstRunHours`), in chunks of `chunkHours`; after each chunk the
 * check's high-water mark in `settings` (store/qc-scheduled.ts) moves on, so that a restart
 * neither skips nor repeats hours. A chunk's
 * flags replace the check's flags of those hours (validation/scheduled-apply.ts), so evaluating an
 * hour again changes nothing unless its data or the configuration did.
 *
 * The timer's runs judge again only the look-back hours that changed (validation/scheduled-late.ts:
 * a reading of them committed late, a station or the configuration changed, or nothing known, as at
 * start-up) when every committed reading is on this node's bus (`watchLateReadings`; one node);
 * `runNow()` judges the whole look-back unless asked otherwise.
 *
 * Check run now: spatial consistency (validation/scheduled-spatial.ts). A check disabled in every
 * scope does not run; its mark still moves on, so enabling it judges the hours from then on.
 *
 * Like the other periodic jobs (store/job-monitor.ts, bulletins/): one run at a time, the timer
 * never keeps the process alive, a failed run is logged at error level and counted in `status()`
 * (the hours it did not finish are evaluated by the next run: the mark moves per chunk done), and `close()` clears
 * the timer and waits for a run under way. With several nodes only the leader runs.
 *
 * @example
 * const schedule = startQcSchedule({ db, bus, logger, intervalMs: 300_000 });
 * await schedule.runNow(); // → { from, to, hours, chunks, findings, stations, flagged, cleared, ran }
 * await schedule.close();
 */
import type { EventBus } from '../domain/events.js';
import { createError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { DEFAULT_TIME_ZONE, HOUR_MS } from '../lib/time.js';
import { recomputeIndices } from '../alerts/recompute.js';
import type { Db } from '../store/db.js';
import { listQcConfig } from '../store/qc-config.js';
import { getEvaluatedThrough, hourlyStationMeans, readingTimesOf, setEvaluatedThrough, stationsWithCheckFlags } from '../store/qc-scheduled.js';
import type { QcFlag } from '../store/qc-flags.js';
import { announceChanges, writeCheckFlags, type StationChange } from './scheduled-apply.js';
import { spatialSettings, type SpatialConfigOf, type SpatialSettings } from './scheduled-config.js';
import { watchLateHours, type TakenHours } from './scheduled-late.js';
import { mergeRanges } from '../store/backfill.js';
import { evaluateSpatial } from './scheduled-spatial.js';

export interface QcScheduleDeps {
  db: Db;
  bus: EventBus;
  logger: Logger;
  /** ms between runs; 0 = no timer (runNow() only) */
  intervalMs: number;
  now?: () => number;
  /** Several nodes: only the node holding the timer lease runs (default: always). */
  isLeader?: () => boolean;
  /** Hours before the mark evaluated again at every run, for late data (default 3). */
  lookbackHours?: number;
  /** Hours the very first run evaluates (no mark stored yet), e.g. a simulated fleet's replayed history (default 24). */
  firstRunHours?: number;
  /** Hours evaluated per chunk, the mark moving after each (default 6). */
  chunkHours?: number;
  /** Stations whose flags are read, compared and written together (default 100). */
  stationsPerWrite?: number;
  /** The spatial configuration, read at every run (default: the stored scopes, store/qc-config.ts, over the defaults). */
  spatialConfig?: () => Promise<SpatialSettings>;
  /** Recomputes a station's stored indices over [from, to) (default: alerts/recompute.ts). */
  recomputeIndices?: (stationId: string, from: Date, to: Date) => Promise<unknown>;
  /** The agency's zone, for the VN_AQI days of stations without their own (default Asia/Ho_Chi_Minh). */
  timeZone?: string;
  /**
   * Every reading committed to the database is announced on `bus` (one node, not a cluster): the
   * timer's runs then judge again only the look-back hours that changed (default false: the whole
   * look-back at every run).
   */
  watchLateReadings?: boolean;
}

export interface QcRunReport {
  /** the hours looked at: [from, to), ms (the look-back and the hours completed since the last run) */
  from: number;
  to: number;
  /** the hours of [from, to) judged (fewer than all when only the changed look-back hours are) */
  hours: number;
  chunks: number;
  /** station hours found inconsistent */
  findings: number;
  /** stations whose flags changed */
  stations: number;
  flagged: number;
  cleared: number;
  /** false when the check is disabled everywhere (nothing judged) */
  ran: boolean;
}

export interface QcScheduleStatus {
  lastRunAt: number | null;
  lastSuccessAt: number | null;
  lastError: string | null;
  consecutiveFailures: number;
  lastReport: QcRunReport | null;
}

/** Which look-back hours a run judges again: all of them, or those that changed (validation/scheduled-late.ts). */
export type Lookback = 'all' | 'changed';

export interface QcSchedule {
  /** Runs now, or right after the run under way; rejects once closed. The whole look-back unless `lookback: 'changed'`. */
  runNow(options?: { lookback?: Lookback }): Promise<QcRunReport>;
  status(): QcScheduleStatus;
  close(): Promise<void>;
}

const CHECK = 'spatial';

export function startQcSchedule(deps: QcScheduleDeps): QcSchedule {
  const { db, bus, intervalMs, now = Date.now, isLeader = () => true, lookbackHours = 3, firstRunHours = 24, chunkHours = 6, stationsPerWrite = 100 } = deps;
  const logger = deps.logger.child({ component: 'qc-schedule' });
  const spatialConfig = deps.spatialConfig ?? (async () => spatialSettings(await listQcConfig(db)));
  const recompute =
    deps.recomputeIndices ??
    ((stationId: string, from: Date, to: Date) => recomputeIndices({ db, log: logger, timeZone: deps.timeZone ?? DEFAULT_TIME_ZONE, now }, stationId, from, to));
  // the look-back hours (and one more) are all a run judges again
  const late = deps.watchLateReadings ? watchLateHours(bus, now, (t) => t - (t % HOUR_MS) - (lookbackHours + 1) * HOUR_MS) : undefined;
  const status: QcScheduleStatus = { lastRunAt: null, lastSuccessAt: null, lastError: null, consecutiveFailures: 0, lastReport: null };
  let running: Promise<QcRunReport> | undefined;
  let queued: Promise<QcRunReport> | undefined;
  let closed = false;

  /**
   * Judges [from, to) and makes the result the check's flags there: the findings of every station
   * at once (the check compares neighbours), then their readings' flags written a batch of
   * stations at a time (the stations found and those flagged before), so that a run holds one
   * batch's readings and flags, not the fleet's: at 1,000 stations an hour's flags held at once
   * were tens of MB of the heap for as long as the run wrote them.
   */
  async function evaluateChunk(from: number, to: number, configOf: SpatialConfigOf) {
    const means = await hourlyStationMeans(db, new Date(from), new Date(to));
    const findings = await evaluateSpatial(means, configOf);
    const found = new Map<string, typeof findings>();
    for (const f of findings) {
      const list = found.get(f.stationId);
      if (list) list.push(f);
      else found.set(f.stationId, [f]);
    }
    const stations = [...new Set([...found.keys(), ...(await stationsWithCheckFlags(db, CHECK, new Date(from), new Date(to)))])].sort();
    const applyDeps = { db, bus, logger, now, recomputeIndices: recompute };
    const changed = new Map<string, StationChange>();
    let flagged = 0;
    let cleared = 0;
    try {
      for (let i = 0; i < stations.length; i += stationsPerWrite) {
        const batch = stations.slice(i, i + stationsPerWrite);
        const batchFindings = batch.flatMap((id) => found.get(id) ?? []);
        const byHour = new Map(batchFindings.map((f) => [`${f.stationId}\u0000${f.metric}\u0000${f.hour}`, f]));
        const flags: QcFlag[] = [];
        for (const t of await readingTimesOf(db, batchFindings)) {
          const f = byHour.get(`${t.stationId}\u0000${t.metric}\u0000${t.hour}`);
          if (f) flags.push({ stationId: t.stationId, metric: t.metric, ts: t.ts, check: CHECK, version: f.version, detail: f.detail });
        }
        const written = await writeCheckFlags(applyDeps, CHECK, from, to, batch, flags);
        for (const [id, c] of written.changed) changed.set(id, c);
        flagged += written.flagged;
        cleared += written.cleared;
      }
    } finally {
      // a batch that failed leaves the hours to the next run; the batches written before it are
      // announced now, since the next run finds their flags as it would write them
      await announceChanges(applyDeps, CHECK, changed);
    }
    return { findings: findings.length, stations: changed.size, flagged, cleared };
  }

  /** The ranges a run judges: the whole look-back and the new hours, or only the changed look-back hours and the new ones. */
  function rangesOf(lookFrom: number, newFrom: number, end: number, lookback: Lookback): Array<[number, number]> {
    const changed = late?.take();
    taken = changed;
    if (lookback === 'all' || !changed || changed.all) return lookFrom < end ? [[lookFrom, end]] : [];
    const hours = [...changed.hours].filter((h) => h >= lookFrom && h < newFrom);
    if (newFrom < end) for (let h = newFrom; h < end; h += HOUR_MS) hours.push(h);
    return mergeRanges(hours, HOUR_MS);
  }

  async function run(lookback: Lookback): Promise<QcRunReport> {
    const end = Math.floor(now() / HOUR_MS) * HOUR_MS;
    const mark = await getEvaluatedThrough(db, CHECK);
    const from = mark === undefined ? end - Math.max(firstRunHours, lookbackHours) * HOUR_MS : Math.min(mark, end) - lookbackHours * HOUR_MS;
    const ranges = rangesOf(from, mark === undefined ? from : Math.min(mark, end), end, lookback);
    const report: QcRunReport = { from, to: end, hours: 0, chunks: 0, findings: 0, stations: 0, flagged: 0, cleared: 0, ran: false };
    const { anyEnabled, configOf } = await spatialConfig();
    if (!anyEnabled) {
      await setEvaluatedThrough(db, CHECK, end);
      return report;
    }
    report.ran = true;
    for (const [rangeFrom, rangeTo] of ranges) {
      for (let f = rangeFrom; f < rangeTo && !closed; f += chunkHours * HOUR_MS) {
        const t = Math.min(f + chunkHours * HOUR_MS, rangeTo);
        const r = await evaluateChunk(f, t, configOf);
        // never moves the mark back (a changed look-back hour lies before it)
        await setEvaluatedThrough(db, CHECK, t);
        report.hours += (t - f) / HOUR_MS;
        report.chunks++;
        report.findings += r.findings;
        report.stations += r.stations;
        report.flagged += r.flagged;
        report.cleared += r.cleared;
      }
    }
    return report;
  }

  /** Starts a run (none is under way). */
  function start(lookback: Lookback): Promise<QcRunReport> {
    if (closed) return Promise.reject(createError('QT_ERR_SHUTTING_DOWN', 'the scheduled checks are closed'));
    const startedAt = now();
    status.lastRunAt = startedAt;
    taken = undefined;
    running = run(lookback)
      .then((report) => {
        if (status.consecutiveFailures > 0) logger.info({ failures: status.consecutiveFailures }, 'scheduled checks recovered');
        Object.assign(status, { lastSuccessAt: startedAt, lastError: null, consecutiveFailures: 0, lastReport: report });
        logger.debug({ ...report, from: new Date(report.from), to: new Date(report.to) }, 'scheduled checks run');
        return report;
      })
      .catch((err: unknown) => {
        status.consecutiveFailures++;
        status.lastError = err instanceof Error ? err.message : String(err);
        // the changed hours it took may not all be judged: the next run judges them (not the whole look-back)
        if (taken) late?.giveBack(taken);
        logger.error({ err, failures: status.consecutiveFailures }, 'scheduled checks failed; their hours are evaluated again at the next run');
        throw err;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  /** What the run under way took of the changed hours (given back if it fails). */
  let taken: TakenHours | undefined;
  let queuedLookback: Lookback = 'changed';
  /** A run that starts now, or right after the one under way (which may have read an older clock or configuration). */
  function runNow(options: { lookback?: Lookback } = {}): Promise<QcRunReport> {
    const lookback = options.lookback ?? 'all';
    if (!running) return start(lookback);
    // one queued run serves every caller: the whole look-back if any of them asked for it
    if (lookback === 'all') queuedLookback = 'all';
    queued ??= Promise.allSettled([running]).then(() => {
      queued = undefined;
      const l = queuedLookback;
      queuedLookback = 'changed';
      return start(l);
    });
    return queued;
  }

  const timer =
    intervalMs > 0
      ? setInterval(() => {
          if (closed || running || queued || !isLeader()) return;
          // a failure is logged at error level and counted by the run itself; here only noted
          runNow({ lookback: 'changed' }).catch((err: unknown) => logger.debug({ err }, 'scheduled checks run failed (logged above)'));
        }, intervalMs)
      : undefined;
  timer?.unref();

  return {
    runNow,
    status: () => ({ ...status }),
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      late?.close();
      // wait for a run under way (it stops at its next chunk; one queued behind it is refused); failures were already logged
      await Promise.allSettled([running, queued].filter((p) => p !== undefined));
    },
  };
}
