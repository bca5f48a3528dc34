/**
 * @module alerts/rule-index
 * The alert engine's rules in memory, indexed for the reading hot path: the enabled rules of
 * each profile and station, each station's rules and the metrics they read (cached until the
 * rules change), and how far back each station-metric window must reach, as raw readings, as
 * hourly sums (long mean windows, rules/hourly.ts) and as hourly quantile sketches (anomaly
 * histories, rules/hour-sketch.ts). Pure memory: loading
 * and saving live in alerts/rule-store.ts.
 */
import type { LoadedProfile } from '../device-profiles/index.js';
import type { StoredRule } from '../store/alerts.js';
import type { Station } from '../store/stations.js';
import { AQI_METRIC } from './aqi.js';
import { hourlyWindowMs } from './rules/hourly.js';
import { lookbackMs } from './rules/index.js';
import { validateRule } from './rules/schema.js';
import type { Rule } from './rules/types.js';

/** Windows never reach back less than this, whatever the rules need. */
const MIN_LOOKBACK_MS = 10 * 60_000;

/** A rule as the API shows it: the definition and where it came from. */
export interface RuleView {
  rule: Rule;
  origin: 'pack' | 'user';
  pack: string | null;
  updatedAt: string;
  updatedBy: string | null;
}

export interface RuleIndex {
  /** Replaces every rule by the stored ones; returns those that fail validation (not evaluated). */
  replace(stored: readonly StoredRule[]): Array<{ id: string; errors: string[] }>;
  get(id: string): Rule | undefined;
  view(id: string): RuleView | undefined;
  /** Every valid rule, by id. */
  list(): RuleView[];
  /** The enabled rules that apply to a station (its profile's, then its own). */
  rulesFor(station: Station): Rule[];
  /** True if an enabled rule of the station reads `metric` (only those metrics keep a window). */
  hasRuleFor(station: Station, metric: string): boolean;
  /** The expected interval between a station's readings of `metric` (of any metric when undefined). */
  intervalMs(station: Station, metric: string | undefined): number;
  /** How far back the station's window of `metric` must reach for its rules. */
  lookbackFor(station: Station, metric: string): number;
  /** How the window of `metric` is kept: raw readings for rawMs, hourly sums for hourlyMs (0: none). */
  windowPlan(station: Station, metric: string): WindowPlan;
}

/**
 * rawMs: how far back raw readings must reach (rules other than long means and anomalies, at
 * least MIN_LOOKBACK_MS); hourlyMs: how far back the long mean windows reach (rules/hourly.ts),
 * kept as hourly sums, 0 when the metric has none; sketchMs: how far back anomaly histories reach,
 * kept as hourly quantile sketches (rules/hour-sketch.ts), 0 when none. lookbackFor is the largest.
 */
export interface WindowPlan {
  rawMs: number;
  hourlyMs: number;
  sketchMs: number;
}

/** The metric a rule reads, if it reads one (device-status and no-data rules read them all). */
export const ruleMetric = (rule: Rule): string | undefined => ('metric' in rule ? rule.metric : undefined);

export function createRuleIndex(profiles: ReadonlyMap<string, LoadedProfile>): RuleIndex {
  let stored: readonly StoredRule[] = [];
  const rules = new Map<string, Rule>();
  let byProfile = new Map<string, Rule[]>();
  let byStation = new Map<string, Rule[]>();
  const plans = new Map<string, WindowPlan>(); // `${station}|${metric}` → lookbacks
  /** Per station: its rules and the metrics they read (rebuilt when rules change; read on every reading). */
  const stationRules = new Map<string, { rules: Rule[]; metrics: Set<string> }>();

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
    plans.clear();
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

  function intervalMs(station: Station, metric: string | undefined): number {
    const profile = profiles.get(station.profileId)?.profile;
    if (!profile) return 60_000;
    if (metric === AQI_METRIC) return 3_600_000;
    return ((metric ? profile.metrics[metric]?.intervalSeconds : undefined) ?? profile.expectedIntervalSeconds) * 1000;
  }

  function view(id: string): RuleView | undefined {
    const rule = rules.get(id);
    const s = stored.find((r) => r.id === id);
    if (!rule || !s) return undefined;
    return { rule, origin: s.origin, pack: s.pack, updatedAt: s.updatedAt.toISOString(), updatedBy: s.updatedBy };
  }

  return {
    replace(list) {
      stored = list;
      rules.clear();
      const invalid: Array<{ id: string; errors: string[] }> = [];
      for (const s of stored) {
        const checked = validateRule(s.definition);
        if (!checked.ok) {
          invalid.push({ id: s.id, errors: checked.errors });
          continue;
        }
        rules.set(s.id, checked.rule);
      }
      indexRules();
      return invalid;
    },
    get: (id) => rules.get(id),
    view,
    list: () =>
      [...rules.keys()]
        .sort()
        .map((id) => view(id)!)
        .filter(Boolean),
    rulesFor: (station) => rulesOf(station).rules,
    hasRuleFor: (station, metric) => rulesOf(station).metrics.has(metric),
    intervalMs,
    lookbackFor(station, metric) {
      const { rawMs, hourlyMs, sketchMs } = windowPlan(station, metric);
      return Math.max(rawMs, hourlyMs, sketchMs);
    },
    windowPlan,
  };

  function windowPlan(station: Station, metric: string): WindowPlan {
    const k = `${station.id}|${metric}`;
    let plan = plans.get(k);
    if (plan === undefined) {
      plan = { rawMs: MIN_LOOKBACK_MS, hourlyMs: 0, sketchMs: 0 };
      for (const rule of rulesOf(station).rules) {
        if (ruleMetric(rule) !== metric) continue;
        const ms = lookbackMs(rule, intervalMs(station, metric));
        // the hourly index is not in the readings table a late hour is re-read from: kept raw (one value an hour)
        if (hourlyWindowMs(rule) !== undefined && metric !== AQI_METRIC) plan.hourlyMs = Math.max(plan.hourlyMs, ms);
        else if (rule.kind === 'anomaly' && metric !== AQI_METRIC) plan.sketchMs = Math.max(plan.sketchMs, ms);
        else plan.rawMs = Math.max(plan.rawMs, ms);
      }
      plans.set(k, plan);
    }
    return plan;
  }
}
