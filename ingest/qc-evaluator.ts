/**
 * @module ingest/qc-evaluator
 * The ingest-time checks of issue 18, per series and stateful, without I/O: for each accepted row
 * (in time order per station and metric) it sets `row.qc`, the bitmask of the checks that flag it
 * (domain/validation/codes.ts CHECK_BITS), and returns the flags' details to record once the rows
 * are committed. The checks themselves are the pure functions of domain/validation/checks.ts; the
 * state is ingest/qc-series.ts. ingest/qc.ts feeds it each station's effective configuration and
 * windows.
 *
 * - window: a row inside a scheduled window of its station and metric, whatever its quality;
 * - spike, rate, flat line: only rows with a value and quality 0, and only a row newer than the
 *   series' newest (the rate from the last value that was neither a spike nor too fast, so the
 *   reading after a spike is not flagged for coming back) (an older or repeated one, a late backlog, skips them and leaves the state as it
 *   is); a flat line flags its whole run once it reaches `count`: the run's earlier readings, already
 *   written, come back as a range to flag (store/qc-windows.ts flagStoredRange);
 * - cross: judged when the second metric of a pair arrives for the same time (in the same payload
 *   or a later one); the first metric of the pair (PM2.5 of PM2.5 ≤ PM10, DO, outlet flow) is flagged.
 */
import { CHECK_BITS, type CheckCode } from '../domain/validation/codes.js';
import { flatlineStep, pairCheck, rateCheck, saturationCheck, spikeCheck, windowAt, type FlatRun, type QcWindowSpan } from '../domain/validation/checks.js';
import { metricChecks, type MetricChecks, type QcConfig } from '../domain/validation/config.js';
import type { QcFlag } from '../store/qc-flags.js';
import type { QcRangeFlag } from '../store/qc-windows.js';
import { QcSeriesTable, type Slot } from './qc-series.js';

/** A row as the evaluator sees it (ingest/write-types.ts WriteRow has these fields). */
export interface QcRow {
  metric: string;
  ts: number;
  value: number | null;
  quality: number;
  qc?: number | undefined;
}

/** What to record once the rows are committed. */
export interface QcOutcome {
  flags: QcFlag[];
  ranges: QcRangeFlag[];
}

type CrossRule = { kind: 'pair'; a: string; b: string; tolerance: number; minDelta: number; lagMs: number } | { kind: 'saturation'; a: string; b: string; factor: number };

/** One station's checks, compiled from its effective configuration, its profile and its windows. */
export interface StationChecks {
  config: QcConfig;
  metrics: ReadonlyMap<string, MetricChecks>;
  /** cross rules by each metric they involve */
  cross: ReadonlyMap<string, readonly CrossRule[]>;
  /** metrics compared over a lag: the longest lag, ms */
  lagged: ReadonlyMap<string, number>;
  windows: readonly QcWindowSpan[];
}

/** Compiles a station's checks; rules naming a metric its profile does not have are left out. */
export function compileStationChecks(config: QcConfig, ranges: Readonly<Record<string, { min: number; max: number }>>, windows: readonly QcWindowSpan[]): StationChecks {
  const has = (m: string) => Object.hasOwn(ranges, m);
  const metrics = new Map(Object.entries(ranges).map(([m, range]) => [m, metricChecks(config, m, range)]));
  const cross = new Map<string, CrossRule[]>();
  const lagged = new Map<string, number>();
  const add = (rule: CrossRule) => {
    for (const m of [rule.a, rule.b]) cross.set(m, [...(cross.get(m) ?? []), rule]);
  };
  if (config.cross.enabled) {
    for (const p of config.cross.pairs) {
      if (!has(p.metric) || !has(p.notAbove) || p.metric === p.notAbove) continue;
      const lagMs = (p.lagMinutes ?? 0) * 60_000;
      add({ kind: 'pair', a: p.metric, b: p.notAbove, tolerance: p.tolerance ?? 0, minDelta: p.minDelta ?? 0, lagMs });
      if (lagMs > 0) lagged.set(p.notAbove, Math.max(lagged.get(p.notAbove) ?? 0, lagMs));
    }
    for (const s of config.cross.saturation) if (has(s.metric) && has(s.temperature)) add({ kind: 'saturation', a: s.metric, b: s.temperature, factor: s.factor ?? 2 });
  }
  return { config, metrics, cross, lagged, windows: config.window.enabled ? windows : [] };
}

export interface QcEvaluator {
  /** Sets `qc` on every row (0 when nothing flags it); the flags to record, or undefined when none. */
  evaluate(stationId: string, rows: QcRow[]): QcOutcome | undefined;
  /** Forgets the compiled checks (the configuration or the windows changed); the series state stays. */
  invalidate(): void;
  /** Series with state. */
  readonly series: number;
}

const MAX_WINDOW = 64;

/**
 * @param checksOf a station's compiled checks, or undefined to leave its rows unchecked (qc 0)
 * @example
 * const qc = createQcEvaluator((id) => compileStationChecks(QC_DEFAULTS, ranges, []));
 * qc.evaluate('HN-01', rows); // rows[i].qc set; { flags, ranges } when something was flagged
 */
export function createQcEvaluator(checksOf: (stationId: string) => StationChecks | undefined): QcEvaluator {
  const compiled = new Map<string, StationChecks | null>();
  const state = new Map<string, Map<string, Slot>>();
  const t = new QcSeriesTable();
  const scratch = new Float64Array(MAX_WINDOW);
  const previous = new Float64Array(MAX_WINDOW);
  const run: FlatRun = { value: NaN, count: 0, start: 0 };
  let batch = 0;

  function checks(stationId: string): StationChecks | undefined {
    let c = compiled.get(stationId);
    if (c === undefined) {
      c = checksOf(stationId) ?? null;
      compiled.set(stationId, c);
    }
    return c ?? undefined;
  }

  function seriesOf(byMetric: Map<string, Slot>, metric: string, window: number): Slot {
    let s = byMetric.get(metric);
    if (s === undefined) byMetric.set(metric, (s = t.create(window)));
    else t.resize(s, window);
    return s;
  }

  return {
    evaluate(stationId, rows) {
      const sc = checks(stationId);
      if (!sc) {
        for (const r of rows) r.qc = 0;
        return undefined;
      }
      batch++;
      let byMetric = state.get(stationId);
      if (!byMetric) state.set(stationId, (byMetric = new Map()));
      let out: QcOutcome | undefined;
      const flag = (metric: string, ts: number, check: CheckCode, detail: Record<string, unknown>) => {
        (out ??= { flags: [], ranges: [] }).flags.push({ stationId, metric, ts, check, version: sc.config[check].version, detail });
      };
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!;
        const { metric, ts } = row;
        let qc = 0;
        if (sc.windows.length > 0) {
          const w = windowAt(sc.windows, metric, ts);
          if (w) {
            qc |= CHECK_BITS.window;
            flag(metric, ts, 'window', { windowId: w.id, kind: w.kind });
          }
        }
        const mc = sc.metrics.get(metric);
        const s = seriesOf(byMetric, metric, Math.min(MAX_WINDOW, mc?.spike?.window ?? 3));
        row.qc = qc;
        if (!(ts > t.newestTs[s]!)) continue;
        t.newestTs[s] = ts;
        const v = row.value;
        if (v === null || row.quality !== 0) continue;
        if (mc?.spike) {
          if (ts - t.lastTs[s]! > mc.spike.maxGapMs) t.forget(s);
          const f = spikeCheck(previous, t.values(s, previous), v, mc.spike, scratch);
          if (f) {
            qc |= CHECK_BITS.spike;
            flag(metric, ts, 'spike', { value: v, ...f });
          }
          t.push(s, v);
        }
        if (mc?.rate && t.rateTs[s]! > -Infinity) {
          const f = rateCheck(t.rateValue[s]!, t.rateTs[s]!, v, ts, mc.rate.maxPerMinute);
          if (f) {
            qc |= CHECK_BITS.rate;
            flag(metric, ts, 'rate', { value: v, previous: t.rateValue[s]!, ...f });
          }
        }
        // A spike's way back is not a fast change: the rate is measured from the last good value.
        if ((qc & (CHECK_BITS.spike | CHECK_BITS.rate)) === 0) {
          t.rateTs[s] = ts;
          t.rateValue[s] = v;
        }
        if (mc?.flatline) {
          run.value = t.runValue[s]!;
          run.count = t.runCount[s]!;
          run.start = t.runStart[s]!;
          flatlineStep(run, v, ts, mc.flatline.ignore);
          t.runValue[s] = run.value;
          t.runCount[s] = run.count;
          t.runStart[s] = run.start;
          if (run.count >= mc.flatline.count) {
            qc |= CHECK_BITS.flatline;
            const detail = { value: v, since: new Date(run.start).toISOString(), count: mc.flatline.count };
            flag(metric, ts, 'flatline', detail);
            // The run's earlier readings were judged before it was long enough: flag them now.
            if (run.count === mc.flatline.count && run.start < ts) {
              (out ??= { flags: [], ranges: [] }).ranges.push({
                stationId,
                metrics: [metric],
                from: run.start,
                to: ts,
                value: v,
                check: 'flatline',
                version: sc.config.flatline.version,
                detail,
              });
            }
          }
        }
        const lag = sc.lagged.get(metric);
        if (lag !== undefined) t.trackLag(s, lag, ts, v);
        t.lastTs[s] = ts;
        t.lastValue[s] = v;
        t.lastBatch[s] = batch;
        t.lastIndex[s] = i;
        row.qc = qc;
        const rules = sc.cross.get(metric);
        if (!rules) continue;
        for (const rule of rules) {
          const other = byMetric.get(rule.a === metric ? rule.b : rule.a);
          if (other === undefined || t.lastTs[other] !== ts) continue;
          const a = rule.a === metric ? s : other;
          const b = rule.a === metric ? other : s;
          const aValue = t.lastValue[a]!;
          let detail: Record<string, unknown> | null = null;
          if (rule.kind === 'pair') {
            const ref = rule.lagMs > 0 ? t.maxOver(b, rule.lagMs, ts) : t.lastValue[b]!;
            const f = Number.isNaN(ref) ? null : pairCheck(aValue, ref, rule.tolerance, rule.minDelta);
            if (f) detail = { value: aValue, notAbove: rule.b, ...f, ...(rule.lagMs > 0 ? { lagMinutes: rule.lagMs / 60_000 } : {}) };
          } else {
            const f = saturationCheck(aValue, t.lastValue[b]!, rule.factor);
            if (f) detail = { value: aValue, factor: rule.factor, ...f };
          }
          if (!detail) continue;
          if (t.lastBatch[a] === batch) {
            const at = rows[t.lastIndex[a]!]!;
            at.qc = (at.qc ?? 0) | CHECK_BITS.cross;
          }
          flag(rule.a, ts, 'cross', detail);
        }
      }
      return out;
    },
    invalidate() {
      compiled.clear();
    },
    get series() {
      return t.count;
    },
  };
}

/** Several outcomes as one (undefined when none has a flag). */
export function mergeQc(outcomes: ReadonlyArray<QcOutcome | undefined>): QcOutcome | undefined {
  let out: QcOutcome | undefined;
  for (const o of outcomes) {
    if (!o || (o.flags.length === 0 && o.ranges.length === 0)) continue;
    if (!out) out = { flags: [...o.flags], ranges: [...o.ranges] };
    else {
      out.flags.push(...o.flags);
      out.ranges.push(...o.ranges);
    }
  }
  return out;
}
