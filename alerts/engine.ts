/**
 * @module alerts/engine
 * The early-warning engine: turns committed readings (and their absence) into alerts with a
 * lifecycle a duty operator can trust. This module composes its parts and runs them:
 *
 *   rule-index.ts   the rules in memory, per profile and station      rule-store.ts  rule CRUD, packs
 *   windows.ts      per-station sample windows (+ start-up refill)    silences.ts    silences
 *   series-window.ts  one metric's window: raw tail + hourly sums of long means + hourly sketches of anomaly histories
 *   raw-columns.ts  a window's raw tail as rows of doubles (24 bytes a sample, not an 80-byte object)
 *   evaluator.ts    rules over windows → conditions                   lifecycle.ts   conditions → alerts
 *   index-queue.ts  hourly AQI/WQI recomputation on its own queue     transitions.ts the lifecycle's pure steps
 *   late-hours.ts   re-reading the hours late readings fell into, a slice at a time, between batches
 *
 * All work runs through one serial queue, so readings, the timer and operator actions never
 * interleave. The timer (tickMs) evaluates silence-based rules (no data) and time-based
 * transitions; tests drive `tick()` with their own clock. Changes to rules and silences are
 * announced as `alertRulesChanged` once stored (cluster/ relays them); `reloadRules()`, which
 * applies a change made on another node, announces nothing.
 */
import type { LoadedProfile } from '../device-profiles/index.js';
import type { StationDirectory } from '../stations/directory.js';
import type { AcceptedReading, EventBus } from '../domain/events.js';
import type { Logger } from '../lib/logger.js';
import type { Db } from '../store/index.js';
import type { AlertRecord, Silence } from '../store/alerts.js';
import { AQI_METRIC, AQI_POLLUTANTS, WQI_METRICS } from './aqi.js';
import { createEvaluator } from './evaluator.js';
import { createIndexQueue } from './index-queue.js';
import { createLateHours } from './late-hours.js';
import { createLifecycle } from './lifecycle.js';
import { createBreather } from '../lib/breather.js';
import { createRuleIndex, type RuleView } from './rule-index.js';
import { createRuleStore } from './rule-store.js';
import { createSilences } from './silences.js';
import { createWindows, rebuildWindows } from './windows.js';

export { AQI_METRIC };
export type { RuleView };

export interface AlertEngineOptions {
  db: Db;
  bus: EventBus;
  directory: StationDirectory;
  profiles: ReadonlyMap<string, LoadedProfile>;
  logger: Logger;
  /** Engine clock (epoch ms). */
  now?: () => number;
  /** Timer period for no-data rules and time-based transitions; 0 = no timer (tests call tick()). */
  tickMs?: number;
  /** Recompute a station's indices at most this often while readings arrive (and at every new hour). */
  indexThrottleMs?: number;
  /** The agency's zone (config.timezone), for stations without a valid `timezone` of their own (default Asia/Ho_Chi_Minh). */
  timeZone?: string;
  /** Rule packs folder (default alerts/packs). */
  packsDir?: string;
  /**
   * Multi-node mode: the timer's work runs only while this returns true (the node holding the
   * cluster lease); readings are still evaluated on the node that ingests them. Default: always.
   */
  timerOwner?: () => boolean;
  /**
   * Hours late readings fell into (long means, anomaly histories) are re-read from the database
   * this long after the first one at the earliest (late-hours.ts); their rules wait until then.
   */
  lateHoursDelayMs?: number;
}

/** How far behind the engine is (benchmarks, diagnostics). */
export interface AlertEngineBacklog {
  /** Steps on the serial queue, queued or running (a batch of readings is one). */
  steps: number;
  /** How long the oldest of them has been queued or running, ms. */
  oldestMs: number;
  /** Hours late readings fell into, waiting to be re-read (their long-mean and anomaly rules wait too). */
  lateHoursWaiting: number;
  /** Hours re-read since the start. */
  lateHoursReRead: number;
}

export interface AlertEngine {
  start(): Promise<void>;
  /** Runs the timer's work now (no-data rules, pending/clear periods, escalation, reminders). */
  tick(): Promise<void>;
  /** Resolves when everything queued so far has been processed (hours with late readings re-read too). */
  idle(): Promise<void>;
  /** How far behind it is now. */
  backlog(): AlertEngineBacklog;
  /** Multi-node mode: re-reads the open alerts from the database (another node may have changed them). */
  reloadOpenAlerts(): Promise<void>;
  /** Multi-node mode: re-reads rules and silences (another node changed them); announces nothing. */
  reloadRules(): Promise<void>;
  acknowledge(id: number, actor: string, comment: string): Promise<AlertRecord>;
  resolve(id: number, actor: string, reason: string): Promise<AlertRecord>;
  listRules(): RuleView[];
  getRule(id: string): RuleView | undefined;
  /** Stores a rule written through the API and announces `alertRulesChanged`. */
  saveRule(candidate: unknown, actor: string, mode: 'insert' | 'update', id?: string): Promise<RuleView>;
  /** Deletes a rule (its open alerts resolve) and announces `alertRulesChanged`. */
  deleteRule(id: string): Promise<void>;
  listSilences(): Silence[];
  /** Stores a silence and announces `alertRulesChanged`. */
  createSilence(s: Omit<Silence, 'id' | 'createdAt'>): Promise<Silence>;
  /** Deletes a silence and announces `alertRulesChanged`. */
  deleteSilence(id: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * @example const alerts = createAlertEngine({ db, bus, directory, profiles, logger }); await alerts.start(); … await alerts.close();
 */
/** The longest the engine's evaluations hold the main thread before the event loop gets a turn, ms. */
const BREATHE_MS = 20;

export function createAlertEngine(options: AlertEngineOptions): AlertEngine {
  const { db, bus, directory, profiles, logger } = options;
  const now = options.now ?? Date.now;
  const tickMs = options.tickMs ?? 5000;
  const log = logger.child({ component: 'alerts' });

  const rules = createRuleIndex(profiles);
  const ruleStore = createRuleStore({ db, rules, profiles, directory, log });
  const silences = createSilences(db, now);
  const windows = createWindows(rules);
  const lifecycle = createLifecycle({ db, bus, log, silences, now });
  const evaluator = createEvaluator({ rules, windows, lifecycle, now, ...(options.timeZone ? { timeZone: options.timeZone } : {}) });
  const indices = createIndexQueue({
    db,
    bus,
    log,
    throttleMs: options.indexThrottleMs ?? 60_000,
    ...(options.timeZone ? { timeZone: options.timeZone } : {}),
    onHourlyAqi(station, hourEnd, value, at) {
      // not awaited: the index queue never waits for the serial queue (which waits for nothing here)
      void serial('index rules', async () => {
        windows.record(station, { metric: AQI_METRIC, ts: hourEnd, value, quality: 'valid' }, at);
        await evaluator.evaluateStation(station, new Set([AQI_METRIC]), at);
      });
    },
  });

  let queue: Promise<unknown> = Promise.resolve();
  let enqueued = 0;
  /** When each step not finished yet was queued (performance.now()), oldest first: steps run in order. */
  const queuedAt: number[] = [];
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  /**
   * The event loop gets a turn every BREATHE_MS of evaluation (lib/breather.ts): steps whose awaits
   * resolve at once would otherwise run a whole backlog as one block of the main thread.
   */
  const breathe = createBreather(BREATHE_MS);

  /** Runs fn after everything queued before it; failures are logged, never dropped, and do not stop the queue. */
  function serial<T>(what: string, fn: () => Promise<T>): Promise<T> {
    enqueued++;
    queuedAt.push(performance.now());
    const run = queue.then(async () => {
      const turn = breathe();
      if (turn) await turn;
      return fn();
    });
    queue = run
      .catch((err: unknown) => log.error({ err, what }, 'alert engine step failed'))
      .then(() => {
        queuedAt.shift();
        if (queuedAt.length === 0) for (const wake of quietWaiters.splice(0)) wake();
      });
    return run;
  }

  /** Callers of quiet() waiting for the queue to empty. */
  const quietWaiters: Array<() => void> = [];
  /** Resolves once the queue is empty, or after maxWaitMs (background work yields to readings). */
  function quiet(maxWaitMs: number): Promise<void> {
    if (queuedAt.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timeout);
        const i = quietWaiters.indexOf(wake);
        if (i >= 0) quietWaiters.splice(i, 1);
        resolve();
      };
      const timeout = setTimeout(wake, maxWaitMs);
      quietWaiters.push(wake);
    });
  }

  const late = createLateHours({
    db,
    windows,
    log,
    delayMs: options.lateHoursDelayMs ?? 2000,
    serial,
    quiet,
    async evaluate(stationId, metrics, only) {
      const station = directory.get(stationId);
      if (station) await evaluator.evaluateStation(station, metrics, now(), only);
    },
  });

  /** Runs a change to rules or silences on the queue, then announces it (only if it was stored). */
  async function changeRules<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const result = await serial(what, fn);
    bus.emit('alertRulesChanged', {});
    return result;
  }

  /**
   * Resolves when both queues are empty (an index update may queue rule work, and rules index
   * work) and the hours late readings fell into are re-read (unless that failed: tried again later).
   */
  async function settle(): Promise<void> {
    for (;;) {
      const before = enqueued;
      const lateBefore = late.steps;
      const iq = indices.tail;
      await late.flush();
      await serial('idle', async () => undefined);
      await iq;
      // nothing queued meanwhile but the re-reads: done
      if (enqueued - (late.steps - lateBefore) === before + 1 && iq === indices.tail) return;
    }
  }

  async function onReadings(readings: readonly AcceptedReading[]): Promise<void> {
    const at = now();
    const touchedByStation = new Map<string, { touched: Set<string>; newestPollutantTs: number }>();
    for (const r of readings) {
      const station = directory.get(r.stationId);
      if (!station) continue;
      windows.record(station, r, at);
      let t = touchedByStation.get(station.id);
      if (!t) touchedByStation.set(station.id, (t = { touched: new Set(), newestPollutantTs: 0 }));
      t.touched.add(r.metric);
      const indexInput = station.profileId === 'surface-water' ? WQI_METRICS : (AQI_POLLUTANTS as readonly string[]);
      if (indexInput.includes(r.metric) && r.quality === 'valid') t.newestPollutantTs = Math.max(t.newestPollutantTs, r.ts);
    }
    // late readings in hours kept as sums or sketches: the rules reading those hours wait for their
    // re-read (late-hours.ts), every other rule is evaluated now
    for (const [stationId, { touched, newestPollutantTs }] of touchedByStation) {
      const turn = breathe();
      if (turn) await turn;
      const station = directory.get(stationId)!;
      await evaluator.evaluateStation(station, touched, at, (rule) => !late.waits(stationId, rule));
      if (newestPollutantTs > 0 && (station.profileId === 'air-quality' || station.profileId === 'surface-water')) indices.update(station, newestPollutantTs, at);
    }
    late.schedule();
  }

  async function tickNow(): Promise<void> {
    const at = now();
    silences.prune(at);
    // a fleet going silent together (a network outage) opens thousands of alerts in one tick: stored in groups
    await lifecycle.batch(async () => {
      await evaluator.checkSilent(directory.all(), at);
      await lifecycle.tick(at);
    });
  }

  async function rebuild(): Promise<void> {
    const t0 = performance.now();
    const refill = await rebuildWindows(db, directory.all(), rules, windows, now);
    // what a restart waits for (bench/restart-history.ts): said, so a slow start can be told apart
    log.info({ ...refill, ms: Math.round(performance.now() - t0) }, 'alert windows refilled from the stored readings');
    await lifecycle.reload(rules.get);
    // Re-evaluate everything once so pending periods and clear periods continue where they were.
    // A station with no reading in its windows and no open alert has nothing to continue: its
    // rules see no sample (inactive, nothing to clear) and its no-data rules count silence from
    // now; the timer takes them from here. Skipping them spares a registered fleet that never
    // reported (8,000 of the bench's 10,001 stations) a start-up pass of conditions and messages.
    // The changes are stored in groups (Lifecycle.batch), not a transaction each.
    const at = now();
    await lifecycle.batch(async () => {
      for (const station of directory.all()) {
        if (!windows.has(station.id) && !rules.rulesFor(station).some((r) => lifecycle.openRecord(station.id, r.id))) {
          evaluator.watch(station.id, at);
          continue;
        }
        await evaluator.evaluateStation(station, undefined, at);
      }
    });
  }

  return {
    async start() {
      evaluator.watchFrom(now());
      await ruleStore.installPacks(options.packsDir);
      await ruleStore.load();
      await silences.load();
      await serial('rebuild', rebuild);
      bus.on('alerts', 'readingsAccepted', ({ readings }) => {
        if (!closed) void serial('readings', () => onReadings(readings));
      });
      bus.on('alerts', 'remoteReadingsSeen', ({ receipts }) => {
        // Another node ingested (and evaluated) these: only the no-data bookkeeping is needed here.
        for (const r of receipts) if (directory.get(r.stationId)) windows.noteRemote(r.stationId, r.metric, r.receivedAt);
      });
      if (tickMs > 0) {
        const owner = options.timerOwner;
        timer = setInterval(() => {
          if (!owner || owner()) void serial('tick', tickNow);
        }, tickMs);
        timer.unref();
      }
    },
    tick: () => serial('tick', tickNow),
    idle: settle,
    backlog() {
      const { waiting, reRead } = late.stats();
      return { steps: queuedAt.length, oldestMs: queuedAt.length > 0 ? Math.round(performance.now() - queuedAt[0]!) : 0, lateHoursWaiting: waiting, lateHoursReRead: reRead };
    },
    reloadRules: () =>
      serial('reload rules', async () => {
        await ruleStore.load();
        await silences.load();
        lifecycle.useRules(rules.get);
      }),
    reloadOpenAlerts: () => serial('reload open alerts', () => lifecycle.reload(rules.get)),
    acknowledge: (id, actor, comment) => serial('operator action', () => lifecycle.acknowledge(id, actor, comment)),
    resolve: (id, actor, reason) => serial('operator action', () => lifecycle.resolve(id, actor, reason)),
    listRules: () => rules.list(),
    getRule: (id) => rules.view(id),
    saveRule: (candidate, actor, mode, id) =>
      changeRules('save rule', async () => {
        const rule = await ruleStore.save(candidate, actor, mode, id);
        lifecycle.useRules((ruleId) => (ruleId === rule.id ? rule : undefined));
        return rules.view(rule.id)!;
      }),
    deleteRule: (id) =>
      changeRules('delete rule', async () => {
        await ruleStore.remove(id);
        // a fleet-wide rule may have thousands of open alerts: stored in groups
        await lifecycle.batch(() => lifecycle.resolveRule(id, 'rule deleted', now()));
      }),
    listSilences: () => silences.active(),
    createSilence: (s) => changeRules('create silence', () => silences.create(s)),
    deleteSilence: (id) => changeRules('delete silence', () => silences.remove(id)),
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      late.close();
      bus.removeOwner('alerts');
      await settle();
    },
  };
}
