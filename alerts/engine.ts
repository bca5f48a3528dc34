/**
 * @module alerts/engine
 * The early-warning engine: turns committed readings (and their absence) into alerts with a
 * lifecycle a duty operator can trust.
 *
 *   condition (rules/<kind>.ts, pure)      lifecycle (here)
 *   ─────────────────────────────────      ──────────────────────────────────────────────────
 *   active, first seen            ──▶      pending   (stored; survives a restart)
 *   still active ≥ pendingSeconds ──▶      firing
 *   operator acknowledges         ──▶      acknowledged (who, when, comment)
 *   inactive ≥ clearSeconds       ──▶      resolved  (automatically; or by hand with a reason)
 *   inactive while pending        ──▶      resolved  ("cancelled": never fired)
 *   firing long enough            ──▶      escalated along the rule's ladder (and back down)
 *
 * One open alert per (station, rule). Every transition is stored with its time, cause and the
 * readings that triggered it, and emitted as `alertChanged` (with notify = false while a silence
 * covers it). All work runs through one serial queue, so readings, the timer and operator actions
 * never interleave. The timer (tickMs) evaluates silence-based rules (no data) and time-based
 * transitions; tests drive `tick()` with their own clock.
 */
import type { LoadedProfile } from '../device-profiles/index.js';
import type { StationDirectory } from '../stations/directory.js';
import { qualityName } from '../domain/quality.js';
import type { AcceptedReading, EventBus } from '../domain/events.js';
import { createError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Db } from '../store/index.js';
import {
  deleteRule,
  deleteSilence,
  getAlert,
  insertAlert,
  insertSilence,
  listOpenAlerts,
  listSilences,
  listStoredRules,
  saveUserRule,
  updateAlert,
  upsertPackRule,
  type AlertEvent,
  type AlertEventType,
  type AlertRecord,
  type AlertState,
  type Silence,
  type StoredRule,
} from '../store/alerts.js';
import type { Station } from '../store/stations.js';
import { AQI_POLLUTANTS, WQI_METRICS, hourEnding, updateStationIndices, updateWaterIndex } from './aqi.js';
import { loadPacks } from './packs/index.js';
import { evaluate, lookbackMs } from './rules/index.js';
import { validateRule } from './rules/schema.js';
import type { Condition, Rule, Sample, Severity } from './rules/types.js';

export const AQI_METRIC = 'vn_aqi_hourly';
const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
const MIN_LOOKBACK_MS = 10 * 60_000;
const EVIDENCE_MAX = 20;
/** Stations whose recent samples are read by one query at start. */
const REBUILD_CHUNK = 200;

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
  /** Rule packs folder (default alerts/packs). */
  packsDir?: string;
  /**
   * Multi-node mode: the timer's work runs only while this returns true (the node holding the
   * cluster lease); readings are still evaluated on the node that ingests them. Default: always.
   */
  timerOwner?: () => boolean;
}

export interface RuleView {
  rule: Rule;
  origin: 'pack' | 'user';
  pack: string | null;
  updatedAt: string;
  updatedBy: string | null;
}

export interface AlertEngine {
  start(): Promise<void>;
  /** Runs the timer's work now (no-data rules, pending/clear periods, escalation, reminders). */
  tick(): Promise<void>;
  /** Resolves when everything queued so far has been processed. */
  idle(): Promise<void>;
  /** Multi-node mode: re-reads the open alerts from the database (another node may have changed them). */
  reloadOpenAlerts(): Promise<void>;
  /** Multi-node mode: re-reads rules and silences (another node changed them). */
  reloadRules(): Promise<void>;
  acknowledge(id: number, actor: string, comment: string): Promise<AlertRecord>;
  resolve(id: number, actor: string, reason: string): Promise<AlertRecord>;
  listRules(): RuleView[];
  getRule(id: string): RuleView | undefined;
  saveRule(candidate: unknown, actor: string, mode: 'insert' | 'update', id?: string): Promise<RuleView>;
  deleteRule(id: string): Promise<void>;
  listSilences(): Silence[];
  createSilence(s: Omit<Silence, 'id' | 'createdAt'>): Promise<Silence>;
  deleteSilence(id: number): Promise<void>;
  close(): Promise<void>;
}

interface OpenAlert {
  record: AlertRecord;
  rule: Rule;
  /** The latest condition (undefined after a restart until the next evaluation). */
  condition: Condition | undefined;
}

interface StationSeries {
  byMetric: Map<string, Sample[]>;
  latestByMetric: Map<string, Sample>;
  lastReceivedAt: number | undefined;
  lastReceivedByMetric: Map<string, number>;
  lastIndexAt: number;
  lastIndexHour: number;
}

const key = (stationId: string, ruleId: string) => `${stationId}\u0000${ruleId}`;
const ruleMetric = (rule: Rule): string | undefined => ('metric' in rule ? rule.metric : undefined);

function maxSeverity(a: Severity, b: Severity): Severity {
  return RANK[a] >= RANK[b] ? a : b;
}

export function createAlertEngine(options: AlertEngineOptions): AlertEngine {
  const { db, bus, directory, profiles, logger } = options;
  const now = options.now ?? Date.now;
  const tickMs = options.tickMs ?? 5000;
  const indexThrottleMs = options.indexThrottleMs ?? 60_000;
  const log = logger.child({ component: 'alerts' });

  let stored: StoredRule[] = [];
  const rules = new Map<string, Rule>();
  let byProfile = new Map<string, Rule[]>();
  let byStation = new Map<string, Rule[]>();
  const lookbacks = new Map<string, number>(); // `${station}|${metric}` → ms
  /** Per station: its rules and the metrics they read (rebuilt when rules change; read on every reading). */
  const stationRules = new Map<string, { rules: Rule[]; metrics: Set<string> }>();
  const open = new Map<string, OpenAlert>();
  const series = new Map<string, StationSeries>();
  let silences: Silence[] = [];
  let watchingSince = now();
  /** Engine time a station was first evaluated: a station that never reported is silent since then. */
  const firstSeen = new Map<string, number>();
  let queue: Promise<unknown> = Promise.resolve();
  /** Index recomputation (database work), kept off the serial queue; see updateIndices. */
  let indexQueue: Promise<unknown> = Promise.resolve();
  let enqueued = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  /** Runs fn after everything queued before it; failures are logged, never dropped, and do not stop the queue. */
  function serial<T>(what: string, fn: () => Promise<T>): Promise<T> {
    enqueued++;
    const run = queue.then(fn);
    queue = run.catch((err: unknown) => log.error({ err, what }, 'alert engine step failed'));
    return run;
  }

  // ---- rules ------------------------------------------------------------------------------

  function indexRules(): void {
    byProfile = new Map();
    byStation = new Map();
    for (const rule of rules.values()) {
      if (!rule.enabled) continue;
      const map = 'profile' in rule.scope ? byProfile : byStation;
      const k = 'profile' in rule.scope ? rule.scope.profile : rule.scope.station;
      const list = map.get(k) ?? [];
      list.push(rule);
      map.set(k, list);
    }
    lookbacks.clear();
    stationRules.clear();
  }

  function rulesOf(station: Station): { rules: Rule[]; metrics: Set<string> } {
    let entry = stationRules.get(station.id);
    if (!entry) {
      const rules = [...(byProfile.get(station.profileId) ?? []), ...(byStation.get(station.id) ?? [])];
      entry = { rules, metrics: new Set(rules.map(ruleMetric).filter((m): m is string => m !== undefined)) };
      stationRules.set(station.id, entry);
    }
    return entry;
  }

  function rulesFor(station: Station): Rule[] {
    return rulesOf(station).rules;
  }

  function intervalMs(station: Station, metric: string | undefined): number {
    const profile = profiles.get(station.profileId)?.profile;
    if (!profile) return 60_000;
    if (metric === AQI_METRIC) return 3_600_000;
    return ((metric ? profile.metrics[metric]?.intervalSeconds : undefined) ?? profile.expectedIntervalSeconds) * 1000;
  }

  function lookbackFor(station: Station, metric: string): number {
    const k = `${station.id}|${metric}`;
    let ms = lookbacks.get(k);
    if (ms === undefined) {
      ms = MIN_LOOKBACK_MS;
      for (const rule of rulesFor(station)) {
        if (ruleMetric(rule) === metric) ms = Math.max(ms, lookbackMs(rule, intervalMs(station, metric)));
      }
      lookbacks.set(k, ms);
    }
    return ms;
  }

  function ruleView(id: string): RuleView | undefined {
    const rule = rules.get(id);
    const s = stored.find((r) => r.id === id);
    if (!rule || !s) return undefined;
    return { rule, origin: s.origin, pack: s.pack, updatedAt: s.updatedAt.toISOString(), updatedBy: s.updatedBy };
  }

  async function loadRules(): Promise<void> {
    stored = await listStoredRules(db);
    rules.clear();
    for (const s of stored) {
      const checked = validateRule(s.definition);
      if (!checked.ok) {
        log.error({ rule: s.id, errors: checked.errors }, 'stored rule is invalid and is not evaluated');
        continue;
      }
      rules.set(s.id, checked.rule);
    }
    indexRules();
  }

  // ---- samples ----------------------------------------------------------------------------

  function seriesOf(stationId: string): StationSeries {
    let s = series.get(stationId);
    if (!s) {
      s = { byMetric: new Map(), latestByMetric: new Map(), lastReceivedAt: undefined, lastReceivedByMetric: new Map(), lastIndexAt: 0, lastIndexHour: 0 };
      series.set(stationId, s);
    }
    return s;
  }

  /** Inserts in timestamp order (late readings land in place) and trims to the lookback. */
  function addSample(list: Sample[], sample: Sample, lookback: number): void {
    let i = list.length;
    while (i > 0 && list[i - 1]!.ts > sample.ts) i--;
    if (i > 0 && list[i - 1]!.ts === sample.ts) return; // first write wins, as in the database
    list.splice(i, 0, sample);
    const oldest = list[list.length - 1]!.ts - lookback;
    let drop = 0;
    while (drop < list.length && list[drop]!.ts < oldest) drop++;
    if (drop > 0) list.splice(0, drop);
  }

  function hasRuleFor(station: Station, metric: string): boolean {
    return rulesOf(station).metrics.has(metric);
  }

  function record(station: Station, r: { metric: string; ts: number; value: number | null; quality: Sample['quality'] }, receivedAt: number): void {
    const s = seriesOf(station.id);
    const sample: Sample = { ts: r.ts, value: r.value, quality: r.quality };
    const latest = s.latestByMetric.get(r.metric);
    if (!latest || latest.ts <= sample.ts) s.latestByMetric.set(r.metric, sample);
    s.lastReceivedAt = Math.max(s.lastReceivedAt ?? 0, receivedAt);
    s.lastReceivedByMetric.set(r.metric, receivedAt);
    if (!hasRuleFor(station, r.metric)) return;
    let list = s.byMetric.get(r.metric);
    if (!list) s.byMetric.set(r.metric, (list = []));
    addSample(list, sample, lookbackFor(station, r.metric));
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  function silencedNow(stationId: string, ruleId: string, at: number): boolean {
    return silences.some((s) => (s.stationId === null || s.stationId === stationId) && (s.ruleId === null || s.ruleId === ruleId) && s.startsAt.getTime() <= at && at < s.endsAt.getTime());
  }

  function targetSeverity(a: OpenAlert, at: number): Severity {
    let severity = a.condition?.active && a.condition.severity ? a.condition.severity : a.record.level !== null && !a.condition ? a.record.severity : a.rule.severity;
    if (a.record.firingAt && a.rule.escalation) {
      const firingMinutes = (at - a.record.firingAt.getTime()) / 60_000;
      for (const step of a.rule.escalation) if (firingMinutes >= step.afterMinutes) severity = maxSeverity(severity, step.severity);
    }
    return severity;
  }

  function event(a: AlertRecord, type: AlertEventType, from: AlertState | null, at: number, extra: Partial<AlertEvent> = {}): AlertEvent {
    return { at: new Date(at), type, fromState: from, toState: a.state, severity: a.severity, actor: null, comment: null, value: a.value, evidence: null, ...extra };
  }

  function emit(a: AlertRecord, transition: AlertEventType, actor: string | null): void {
    const notify = !a.silenced && transition !== 'pending' && transition !== 'cancelled';
    bus.emit('alertChanged', { alert: { ...a }, transition, notify, actor });
  }

  async function persist(a: OpenAlert, events: AlertEvent[]): Promise<void> {
    if (events.length === 0) return;
    a.record.updatedAt = new Date(events[events.length - 1]!.at);
    await updateAlert(db, a.record, events);
    if (a.record.state === 'resolved') open.delete(key(a.record.stationId, a.record.ruleId));
    for (const e of events) emit(a.record, e.type, e.actor);
  }

  function fire(a: OpenAlert, at: number, events: AlertEvent[]): void {
    const from = a.record.state;
    a.record.state = 'firing';
    a.record.firingAt = new Date(at);
    a.record.severity = targetSeverity(a, at);
    events.push(event(a.record, 'firing', from, at, { evidence: a.condition?.evidence ?? null }));
  }

  function resolveRecord(a: OpenAlert, at: number, reason: string, actor: string | null, events: AlertEvent[], type: AlertEventType = 'resolved'): void {
    const from = a.record.state;
    a.record.state = 'resolved';
    a.record.resolvedAt = new Date(at);
    a.record.resolvedBy = actor;
    a.record.resolvedReason = reason;
    events.push(event(a.record, type, from, at, { actor, comment: reason }));
  }

  /** The time-based part of the lifecycle: pending → firing, clear period, escalation, reminders. */
  function timeTransitions(a: OpenAlert, at: number, events: AlertEvent[]): void {
    const r = a.record;
    if (r.state === 'pending') {
      if (a.condition?.active && at - r.openedAt.getTime() >= a.rule.pendingSeconds * 1000) fire(a, at, events);
      return;
    }
    if (r.state !== 'firing' && r.state !== 'acknowledged') return;
    if (r.clearSince && at - r.clearSince.getTime() >= a.rule.clearSeconds * 1000) {
      resolveRecord(a, at, 'condition cleared', null, events);
      return;
    }
    const severity = targetSeverity(a, at);
    if (severity !== r.severity) {
      const up = RANK[severity] > RANK[r.severity];
      r.severity = severity;
      events.push(event(r, up ? 'escalated' : 'deescalated', r.state, at, { evidence: a.condition?.evidence ?? null }));
    }
    if (a.rule.kind === 'no_data' && a.rule.remindEveryMinutes > 0 && !r.clearSince) {
      const last = (r.lastReminderAt ?? r.firingAt ?? r.openedAt).getTime();
      if (at - last >= a.rule.remindEveryMinutes * 60_000) {
        r.lastReminderAt = new Date(at);
        events.push(event(r, 'reminder', r.state, at));
      }
    }
  }

  async function applyCondition(station: Station, rule: Rule, cond: Condition | undefined, at: number): Promise<void> {
    const k = key(station.id, rule.id);
    let a = open.get(k);
    const events: AlertEvent[] = [];
    if (cond) {
      if (a) a.condition = cond;
      if (cond.active) {
        let fresh = false;
        if (!a) {
          const record: Omit<AlertRecord, 'id'> = {
            stationId: station.id,
            ruleId: rule.id,
            state: 'pending',
            severity: cond.severity ?? rule.severity,
            level: cond.level ?? null,
            openedAt: new Date(at),
            firingAt: null,
            clearSince: null,
            ackedAt: null,
            ackedBy: null,
            ackComment: null,
            resolvedAt: null,
            resolvedBy: null,
            resolvedReason: null,
            value: cond.value ?? null,
            message: cond.message,
            projectedAt: cond.projectedAt === undefined ? null : new Date(cond.projectedAt),
            silenced: silencedNow(station.id, rule.id, at),
            lastReminderAt: null,
            updatedAt: new Date(at),
          };
          const first = event({ ...record, id: 0 }, 'pending', null, at, { evidence: cond.evidence.slice(-EVIDENCE_MAX) });
          const adopted = await insertOrAdopt(record, first);
          a = { record: adopted.record, rule, condition: cond };
          open.set(k, a);
          fresh = adopted.inserted;
          if (fresh) emit(a.record, 'pending', null);
        }
        if (!fresh) {
          a.record.clearSince = null;
          a.record.value = cond.value ?? a.record.value;
          a.record.message = cond.message;
          a.record.level = cond.level ?? null;
          a.record.projectedAt = cond.projectedAt === undefined ? null : new Date(cond.projectedAt);
        }
      } else if (a) {
        if (a.record.state === 'pending') {
          resolveRecord(a, at, 'condition cleared before the pending period ended', null, events, 'cancelled');
        } else if (!a.record.clearSince) {
          a.record.clearSince = new Date(at);
          a.record.value = cond.value ?? a.record.value;
        }
      }
    }
    if (a && a.record.state !== 'resolved') {
      a.rule = rule;
      a.record.silenced = silencedNow(station.id, rule.id, at);
      timeTransitions(a, at, events);
    }
    if (a) await persist(a, events);
  }

  /**
   * Inserts a new open alert; if the database already holds one for this station and rule (the
   * one-open-alert index: another node opened it, the station has since moved here), adopts it.
   */
  async function insertOrAdopt(record: Omit<AlertRecord, 'id'>, first: AlertEvent): Promise<{ record: AlertRecord; inserted: boolean }> {
    try {
      return { record: { ...record, id: await insertAlert(db, record, first) }, inserted: true };
    } catch (err) {
      if ((err as { code?: unknown }).code !== '23505') throw err;
      const existing = (await listOpenAlerts(db)).find((x) => x.stationId === record.stationId && x.ruleId === record.ruleId);
      if (!existing) throw err;
      log.info({ alert: existing.id, stationId: record.stationId, rule: record.ruleId }, 'adopted an alert opened by another node');
      return { record: existing, inserted: false };
    }
  }

  function firstSeenAt(stationId: string, at: number): number {
    let t = firstSeen.get(stationId);
    if (t === undefined) firstSeen.set(stationId, (t = at));
    return t;
  }

  function evalRule(station: Station, rule: Rule, at: number): Condition | undefined {
    const s = seriesOf(station.id);
    const metric = ruleMetric(rule);
    const samples = metric
      ? (s.byMetric.get(metric) ?? [])
      : [...s.latestByMetric].map(([m, sample]) => ({ ...sample, metric: m })).sort((x, y) => x.ts - y.ts);
    const a = open.get(key(station.id, rule.id));
    const lastReceivedAt = metric ? s.lastReceivedByMetric.get(metric) : s.lastReceivedAt;
    return evaluate({
      rule,
      now: at,
      samples,
      active: a !== undefined,
      ...(a?.record.level != null ? { activeLevel: a.record.level } : {}),
      expectedIntervalMs: intervalMs(station, metric),
      ...(lastReceivedAt !== undefined ? { lastReceivedAt } : {}),
      watchingSince: Math.max(watchingSince, firstSeenAt(station.id, at)),
      stationAttributes: station.attributes ?? {},
    });
  }

  async function evaluateStation(station: Station, touched: Set<string> | undefined, at: number): Promise<void> {
    for (const rule of rulesFor(station)) {
      const metric = ruleMetric(rule);
      if (touched && metric !== undefined && !touched.has(metric)) continue;
      if (touched && rule.kind === 'no_data') continue; // a reading can only clear it: the timer decides
      await applyCondition(station, rule, evalRule(station, rule, at), at);
    }
    if (touched && rulesFor(station).some((r) => r.kind === 'no_data')) {
      // a reading arrived: re-evaluate no-data rules so an offline alert starts clearing at once
      for (const rule of rulesFor(station)) if (rule.kind === 'no_data') await applyCondition(station, rule, evalRule(station, rule, at), at);
    }
  }

  /**
   * Recomputes a station's indices on a queue of their own: the database work (several queries
   * per station, 1,000 stations at every new hour) would otherwise hold every threshold alert
   * behind it (measured: a crossing waited 31 s). The AQI rules then run on the serial queue.
   */
  function updateIndices(station: Station, newestTs: number, at: number, force = false): void {
    const s = seriesOf(station.id);
    const hour = hourEnding(newestTs);
    if (!force && hour === s.lastIndexHour && at - s.lastIndexAt < indexThrottleMs) return;
    s.lastIndexAt = at;
    s.lastIndexHour = Math.max(s.lastIndexHour, hour);
    const run = indexQueue.then(async () => {
      if (station.profileId === 'surface-water') {
        const wqi = await updateWaterIndex(db, station.id, hour);
        bus.emit('indexUpdated', { stationId: station.id, hourEnd: hour, vnAqi: null, usAqi: null, vnAqiDaily: null, vnWqi: wqi });
        return;
      }
      const idx = await updateStationIndices(db, station.id, hour);
      bus.emit('indexUpdated', { stationId: station.id, hourEnd: hour, vnAqi: idx.vnHourly, usAqi: idx.usHourly, vnAqiDaily: idx.vnDaily, vnWqi: null });
      if (idx.vnHourly !== null) {
        const value = idx.vnHourly;
        // not awaited: the index queue never waits for the serial queue (which waits for nothing here)
        void serial('index rules', async () => {
          record(station, { metric: AQI_METRIC, ts: hour, value, quality: 'valid' }, at);
          await evaluateStation(station, new Set([AQI_METRIC]), at);
        });
      }
    });
    indexQueue = run.catch((err: unknown) => log.error({ err, stationId: station.id }, 'recomputing indices failed'));
  }

  /** Resolves when both queues are empty (an index update may queue rule work, and rules index work). */
  async function settle(): Promise<void> {
    for (;;) {
      const before = enqueued;
      const iq = indexQueue;
      await serial('idle', async () => undefined);
      await iq;
      if (enqueued === before + 1 && iq === indexQueue) return;
    }
  }

  async function onReadings(readings: readonly AcceptedReading[]): Promise<void> {
    const at = now();
    const touchedByStation = new Map<string, { touched: Set<string>; newestPollutantTs: number }>();
    for (const r of readings) {
      const station = directory.get(r.stationId);
      if (!station) continue;
      record(station, r, at);
      let t = touchedByStation.get(station.id);
      if (!t) touchedByStation.set(station.id, (t = { touched: new Set(), newestPollutantTs: 0 }));
      t.touched.add(r.metric);
      const indexInput = station.profileId === 'surface-water' ? WQI_METRICS : (AQI_POLLUTANTS as readonly string[]);
      if (indexInput.includes(r.metric) && r.quality === 'valid') t.newestPollutantTs = Math.max(t.newestPollutantTs, r.ts);
    }
    for (const [stationId, { touched, newestPollutantTs }] of touchedByStation) {
      const station = directory.get(stationId)!;
      await evaluateStation(station, touched, at);
      if (newestPollutantTs > 0 && (station.profileId === 'air-quality' || station.profileId === 'surface-water')) updateIndices(station, newestPollutantTs, at);
    }
  }

  async function tickNow(): Promise<void> {
    const at = now();
    silences = silences.filter((s) => s.endsAt.getTime() > at);
    for (const station of directory.all()) {
      if (!station.enabled) continue;
      for (const rule of rulesFor(station)) {
        if (rule.kind === 'no_data') await applyCondition(station, rule, evalRule(station, rule, at), at);
      }
    }
    for (const a of [...open.values()]) {
      const events: AlertEvent[] = [];
      a.record.silenced = silencedNow(a.record.stationId, a.record.ruleId, at);
      timeTransitions(a, at, events);
      await persist(a, events);
    }
  }

  async function rebuild(): Promise<void> {
    // Stations with the same rule metrics and lookback are read together, REBUILD_CHUNK at a time:
    // one query per station made a restart with 10,000 stations take seconds of round trips.
    const groups = new Map<string, { metrics: string[]; longest: number; stations: Station[] }>();
    for (const station of directory.all()) {
      const metrics = new Set<string>();
      for (const rule of rulesFor(station)) {
        const m = ruleMetric(rule);
        if (m && m !== AQI_METRIC) metrics.add(m);
      }
      if (metrics.size === 0) continue;
      const sorted = [...metrics].sort();
      const longest = Math.max(...sorted.map((m) => lookbackFor(station, m)));
      const k = `${sorted.join(',')}|${longest}`;
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { metrics: sorted, longest, stations: [] }));
      g.stations.push(station);
    }
    for (const { metrics, longest, stations } of groups.values()) {
      for (let i = 0; i < stations.length; i += REBUILD_CHUNK) {
        const chunk = new Map(stations.slice(i, i + REBUILD_CHUNK).map((st) => [st.id, st]));
        const { rows } = await db.query<{ station_id: string; metric: string; ts: Date; value: number | null; quality: number }>(
          `SELECT station_id, metric, ts, value, quality FROM readings WHERE station_id = ANY($1) AND metric = ANY($2) AND ts > $3 ORDER BY station_id, ts`,
          [[...chunk.keys()], metrics, new Date(now() - longest)],
        );
        for (const r of rows) record(chunk.get(r.station_id)!, { metric: r.metric, ts: r.ts.getTime(), value: r.value, quality: qualityName(r.quality) }, r.ts.getTime());
      }
    }
    for (const a of await listOpenAlerts(db)) {
      const rule = rules.get(a.ruleId);
      if (!rule) continue;
      open.set(key(a.stationId, a.ruleId), { record: a, rule, condition: undefined });
    }
    // Re-evaluate everything once so pending periods and clear periods continue where they were.
    const at = now();
    for (const station of directory.all()) await evaluateStation(station, undefined, at);
  }

  async function changeAlert(id: number, fn: (a: OpenAlert, at: number, events: AlertEvent[]) => void): Promise<AlertRecord> {
    return serial('operator action', async () => {
      const found = [...open.values()].find((a) => a.record.id === id);
      if (!found) {
        const existing = await getAlert(db, id);
        if (!existing) throw createError('QT_ERR_NOT_FOUND', `Alert ${id} does not exist`);
        throw createError('QT_ERR_CONFLICT', `Alert ${id} is ${existing.state}`);
      }
      const events: AlertEvent[] = [];
      fn(found, now(), events);
      await persist(found, events);
      return { ...found.record };
    });
  }

  return {
    async start() {
      watchingSince = now();
      for (const pack of loadPacks(options.packsDir)) {
        for (const rule of pack.rules) await upsertPackRule(db, rule.id, rule, pack.pack);
      }
      await loadRules();
      silences = await listSilences(db, new Date(now()));
      await serial('rebuild', rebuild);
      bus.on('alerts', 'readingsAccepted', ({ readings }) => {
        if (!closed) void serial('readings', () => onReadings(readings));
      });
      bus.on('alerts', 'remoteReadingsSeen', ({ receipts }) => {
        // Another node ingested (and evaluated) these: only the no-data bookkeeping is needed here.
        for (const r of receipts) {
          if (!directory.get(r.stationId)) continue;
          const s = seriesOf(r.stationId);
          s.lastReceivedAt = Math.max(s.lastReceivedAt ?? 0, r.receivedAt);
          s.lastReceivedByMetric.set(r.metric, Math.max(s.lastReceivedByMetric.get(r.metric) ?? 0, r.receivedAt));
        }
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
    reloadRules: () =>
      serial('reload rules', async () => {
        await loadRules();
        silences = await listSilences(db, new Date(now()));
        for (const a of open.values()) {
          const rule = rules.get(a.rule.id);
          if (rule) a.rule = rule;
        }
      }),
    reloadOpenAlerts: () =>
      serial('reload open alerts', async () => {
        open.clear();
        for (const a of await listOpenAlerts(db)) {
          const rule = rules.get(a.ruleId);
          if (rule) open.set(key(a.stationId, a.ruleId), { record: a, rule, condition: undefined });
        }
      }),
    acknowledge(id, actor, comment) {
      return changeAlert(id, (a, at, events) => {
        if (a.record.state !== 'firing') throw createError('QT_ERR_CONFLICT', `Only a firing alert can be acknowledged; alert ${id} is ${a.record.state}`);
        a.record.state = 'acknowledged';
        a.record.ackedAt = new Date(at);
        a.record.ackedBy = actor;
        a.record.ackComment = comment;
        events.push(event(a.record, 'acknowledged', 'firing', at, { actor, comment }));
      });
    },
    resolve(id, actor, reason) {
      return changeAlert(id, (a, at, events) => resolveRecord(a, at, reason, actor, events));
    },
    listRules: () => [...rules.keys()].sort().map((id) => ruleView(id)!).filter(Boolean),
    getRule: (id) => ruleView(id),
    saveRule(candidate, actor, mode, id) {
      return serial('save rule', async () => {
        const checked = validateRule(candidate);
        if (!checked.ok) throw createError('QT_ERR_RULE_INVALID', `Invalid rule: ${checked.errors.join('; ')}`, { details: { errors: checked.errors } });
        const rule = checked.rule;
        if (id !== undefined && rule.id !== id) throw createError('QT_ERR_RULE_INVALID', `Invalid rule: id: must equal the id in the path (${id})`);
        if ('profile' in rule.scope && !profiles.has(rule.scope.profile)) throw createError('QT_ERR_RULE_INVALID', `Invalid rule: scope.profile: unknown profile "${rule.scope.profile}"`);
        if ('station' in rule.scope && !directory.get(rule.scope.station)) throw createError('QT_ERR_RULE_INVALID', `Invalid rule: scope.station: unknown station "${rule.scope.station}"`);
        const ok = await saveUserRule(db, rule.id, rule, actor, mode);
        if (!ok) throw mode === 'insert' ? createError('QT_ERR_CONFLICT', `A rule with id ${rule.id} already exists`) : createError('QT_ERR_NOT_FOUND', `Rule ${rule.id} does not exist`);
        await loadRules();
        for (const a of open.values()) if (a.rule.id === rule.id) a.rule = rule;
        return ruleView(rule.id)!;
      });
    },
    deleteRule(id) {
      return serial('delete rule', async () => {
        if (!(await deleteRule(db, id))) throw createError('QT_ERR_NOT_FOUND', `Rule ${id} does not exist`);
        await loadRules();
        const at = now();
        for (const a of [...open.values()]) {
          if (a.record.ruleId !== id) continue;
          const events: AlertEvent[] = [];
          resolveRecord(a, at, 'rule deleted', null, events);
          await persist(a, events);
        }
      });
    },
    listSilences: () => silences.filter((s) => s.endsAt.getTime() > now()),
    createSilence(s) {
      return serial('create silence', async () => {
        const created = await insertSilence(db, s);
        silences.push(created);
        return created;
      });
    },
    deleteSilence(id) {
      return serial('delete silence', async () => {
        if (!(await deleteSilence(db, id))) throw createError('QT_ERR_NOT_FOUND', `Silence ${id} does not exist`);
        silences = silences.filter((x) => x.id !== id);
      });
    },
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      bus.removeOwner('alerts');
      await settle();
    },
  };
}
