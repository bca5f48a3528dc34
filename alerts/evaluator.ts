/**
 * @module alerts/evaluator
 * Runs a station's rules (alerts/rules/, pure) over its sample windows and hands each condition
 * to the lifecycle. Readings evaluate only the rules of the metrics they touched; no-data rules
 * are the timer's (a reading can only clear them), and a station that never reported counts as
 * silent from the moment the engine started watching it.
 */
import { DEFAULT_TIME_ZONE, timeZoneOr } from '../lib/time.js';
import type { Station } from '../store/stations.js';
import type { Lifecycle } from './lifecycle.js';
import { ruleMetric, type RuleIndex } from './rule-index.js';
import { evaluate } from './rules/index.js';
import { noDataHolds } from './rules/no-data.js';
import type { Condition, Rule, Sample } from './rules/types.js';
import { rawSamples, type Windows } from './windows.js';

export interface EvaluatorDeps {
  rules: RuleIndex;
  windows: Windows;
  lifecycle: Lifecycle;
  /** Engine clock (epoch ms). */
  now: () => number;
  /** The agency's zone (config.timezone), for a station without a valid `timezone`. */
  timeZone?: string;
}

export interface Evaluator {
  /** Silence is counted from `at` at the earliest (the engine starts watching). */
  watchFrom(at: number): void;
  /**
   * Evaluates a station's rules at `at`: all of them (touched undefined), or after readings only
   * those reading a touched metric, then its no-data rules so an offline alert starts clearing.
   * `only`, when given, leaves out the rules it refuses (the engine: rules waiting for late hours).
   */
  evaluateStation(station: Station, touched: Set<string> | undefined, at: number, only?: (rule: Rule) => boolean): Promise<void>;
  /** Counts a station's silence from `at` unless already counted from earlier (what evaluating it does; start-up, for a station it does not evaluate). */
  watch(stationId: string, at: number): void;
  /** The timer's part: the no-data rules of every enabled station. */
  checkSilent(stations: readonly Station[], at: number): Promise<void>;
}

/** The latest sample of every metric, tagged with its metric, oldest first (device-status rules). */
function latestTagged(latest: ReadonlyMap<string, Sample>): Sample[] {
  return [...latest].map(([m, sample]) => ({ ...sample, metric: m })).sort((x, y) => x.ts - y.ts);
}

/**
 * The newest of the latest samples, alone: all a no-data rule reads of them (the rule's validity
 * is measured at the newest sample). The timer evaluates it for every station every tick, so
 * merging and sorting every metric's latest sample there was most of an idle fleet's garbage.
 */
function newestOf(latest: ReadonlyMap<string, Sample>): Sample[] {
  let newest: Sample | undefined;
  for (const sample of latest.values()) if (!newest || sample.ts >= newest.ts) newest = sample;
  return newest ? [newest] : [];
}

export function createEvaluator(deps: EvaluatorDeps): Evaluator {
  const { rules, windows, lifecycle, now } = deps;
  const agencyZone = deps.timeZone ?? DEFAULT_TIME_ZONE;
  let watchingSince = now();
  /** Engine time a station was first evaluated: a station that never reported is silent since then. */
  const firstSeen = new Map<string, number>();

  function firstSeenAt(stationId: string, at: number): number {
    let t = firstSeen.get(stationId);
    if (t === undefined) firstSeen.set(stationId, (t = at));
    return t;
  }

  /**
   * When the rule's metric (the station, for a rule of no metric) last arrived, and the watching
   * start silence counts from. A no-data alert still open (not clearing) with nothing arrived since
   * the engine started is a silence carried over a restart: it counts from where the alert measured
   * it (opened at factor × interval into the silence), not from the restart, which would clear every
   * offline station's alert at each restart and raise it again minutes later.
   */
  function arrival(station: Station, rule: Rule, metric: string | undefined, at: number): { lastReceivedAt: number | undefined; watchingSince: number } {
    const s = windows.view(station.id);
    const lastReceivedAt = metric ? s.lastReceivedByMetric.get(metric) : s.lastReceivedAt;
    let since = Math.max(watchingSince, firstSeenAt(station.id, at));
    if (lastReceivedAt === undefined && rule.kind === 'no_data') {
      const open = lifecycle.openRecord(station.id, rule.id);
      if (open && open.state !== 'resolved' && open.clearSince === null) since = Math.min(since, open.openedAt.getTime() - rule.factor * rules.intervalMs(station, metric));
    }
    return { lastReceivedAt, watchingSince: since };
  }

  /** The no-data test of evalRule's input (the same arrival), without building its condition. */
  function silentNow(station: Station, rule: Rule & { kind: 'no_data' }, at: number): boolean {
    const metric = ruleMetric(rule);
    const a = arrival(station, rule, metric, at);
    return noDataHolds(rule, at, a.lastReceivedAt ?? a.watchingSince, rules.intervalMs(station, metric));
  }

  /**
   * `built`: the raw samples already built as objects in this pass over a station, by metric (the
   * windows keep them as rows of doubles: raw-columns.ts), so the rules of one metric share one array.
   */
  function evalRule(station: Station, rule: Rule, at: number, built?: Map<string, readonly Sample[]>): Condition | undefined {
    const s = windows.view(station.id);
    const metric = ruleMetric(rule);
    let samples: readonly Sample[];
    if (metric === undefined) samples = rule.kind === 'no_data' ? newestOf(s.latestByMetric) : latestTagged(s.latestByMetric);
    else {
      samples = built?.get(metric) ?? rawSamples(s, metric);
      built?.set(metric, samples);
    }
    const open = lifecycle.openRecord(station.id, rule.id);
    const { lastReceivedAt, watchingSince: since } = arrival(station, rule, metric, at);
    const hourly = metric ? s.series.get(metric)?.hours : undefined; // long mean windows (rules/hourly.ts)
    const hourSketches = metric ? s.series.get(metric)?.sketches : undefined; // anomaly histories (rules/hour-sketch.ts)
    return evaluate({
      rule,
      now: at,
      samples,
      ...(hourly !== undefined && hourly.length > 0 ? { hourly } : {}),
      ...(hourSketches !== undefined && hourSketches.length > 0 ? { hourSketches } : {}),
      active: open !== undefined,
      ...(open?.level != null ? { activeLevel: open.level } : {}),
      expectedIntervalMs: rules.intervalMs(station, metric),
      ...(lastReceivedAt !== undefined ? { lastReceivedAt } : {}),
      watchingSince: since,
      stationAttributes: station.attributes ?? {},
      timeZone: timeZoneOr(station.timezone, agencyZone),
    });
  }

  return {
    watchFrom(at) {
      watchingSince = at;
    },
    watch(stationId, at) {
      firstSeenAt(stationId, at);
    },
    async evaluateStation(station, touched, at, only) {
      const built = new Map<string, readonly Sample[]>();
      for (const rule of rules.rulesFor(station)) {
        const metric = ruleMetric(rule);
        if (touched && metric !== undefined && !touched.has(metric)) continue;
        if (touched && rule.kind === 'no_data') continue; // a reading can only clear it: the timer decides
        if (only && !only(rule)) continue;
        await lifecycle.apply(station, rule, evalRule(station, rule, at, built), at);
      }
      if (touched && rules.rulesFor(station).some((r) => r.kind === 'no_data')) {
        // a reading arrived: re-evaluate no-data rules so an offline alert starts clearing at once
        for (const rule of rules.rulesFor(station)) if (rule.kind === 'no_data' && (!only || only(rule))) await lifecycle.apply(station, rule, evalRule(station, rule, at), at);
      }
    },
    async checkSilent(stations, at) {
      for (const station of stations) {
        if (!station.enabled) continue;
        for (const rule of rules.rulesFor(station)) {
          if (rule.kind !== 'no_data') continue;
          // A station that is not silent and has no open alert for the rule: the condition would
          // be inactive with nothing to clear (lifecycle.apply does nothing). Skipping it here
          // spares an idle fleet's timer building every station's condition and messages.
          if (!lifecycle.openRecord(station.id, rule.id) && !silentNow(station, rule, at)) continue;
          await lifecycle.apply(station, rule, evalRule(station, rule, at), at);
        }
      }
    },
  };
}
