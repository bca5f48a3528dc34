/**
 * @module alerts/rules
 * The rule evaluators behind one dispatcher, plus what the engine needs to know to feed them:
 * how much sample history a rule looks at (`lookbackMs`) and which metrics (`ruleMetrics`).
 *
 * @example
 * const c = evaluate({ rule, now, samples, active, expectedIntervalMs: 60_000, watchingSince, stationAttributes: {} });
 * if (c === undefined) keepState(); else if (c.active) raise(c); else resolve(c);
 */
import { evaluateAnomaly } from './anomaly.js';
import { evaluateDeviceStatus } from './device-status.js';
import { evaluateForecast } from './forecast.js';
import { evaluateLevels } from './levels.js';
import { evaluateNoData } from './no-data.js';
import { evaluateOutOfRange } from './out-of-range.js';
import { evaluateRateOfChange } from './rate-of-change.js';
import { FRESH_INTERVALS } from './samples.js';
import { evaluateStuck } from './stuck.js';
import { evaluateThreshold } from './threshold.js';
import type { Condition, EvalInput, Rule } from './types.js';
import { outsideValidity } from './validity.js';

export { evaluateAnomaly } from './anomaly.js';
export { evaluateDeviceStatus } from './device-status.js';
export { evaluateForecast } from './forecast.js';
export { evaluateLevels, resolveLevels } from './levels.js';
export { evaluateNoData } from './no-data.js';
export { evaluateOutOfRange } from './out-of-range.js';
export { evaluateRateOfChange } from './rate-of-change.js';
export { evaluateStuck } from './stuck.js';
export { evaluateThreshold } from './threshold.js';
export { RULE_JSON_SCHEMA, RULE_KINDS, validateRule } from './schema.js';
export type * from './types.js';

/** History kept for rules that look at the newest value only, in expected intervals. */
const FEW_INTERVALS = 4;
const MINUTE_MS = 60_000;

/**
 * Evaluates a rule against one station's samples (see types.ts for the contract). Outside the
 * rule's validity period [validFrom, validUntil), measured at the newest sample (or the engine
 * clock without samples), the condition is inactive.
 */
export function evaluate(input: EvalInput): Condition | undefined {
  const { rule } = input;
  const outside = outsideValidity(rule, input.samples.at(-1)?.ts ?? input.now);
  if (outside !== undefined) return outside;
  switch (rule.kind) {
    case 'threshold':
      return evaluateThreshold({ ...input, rule });
    case 'rate_of_change':
      return evaluateRateOfChange({ ...input, rule });
    case 'stuck':
      return evaluateStuck({ ...input, rule });
    case 'out_of_range':
      return evaluateOutOfRange({ ...input, rule });
    case 'no_data':
      return evaluateNoData({ ...input, rule });
    case 'device_status':
      return evaluateDeviceStatus({ ...input, rule });
    case 'anomaly':
      return evaluateAnomaly({ ...input, rule });
    case 'forecast':
      return evaluateForecast({ ...input, rule });
    case 'levels':
      return evaluateLevels({ ...input, rule });
  }
}

/**
 * How much sample history before the newest sample the engine must keep for `rule`, ms. Every
 * pollution kind adds FRESH_INTERVALS intervals, the slack allowed between the newest valid
 * sample and the newest sample (samples.ts).
 */
export function lookbackMs(rule: Rule, expectedIntervalMs: number): number {
  const slack = FRESH_INTERVALS * expectedIntervalMs;
  switch (rule.kind) {
    case 'threshold':
      return rule.over === 'mean' && rule.windowMinutes !== undefined ? rule.windowMinutes * MINUTE_MS + slack : FEW_INTERVALS * expectedIntervalMs;
    case 'rate_of_change':
      return rule.perMinutes * MINUTE_MS + 2 * expectedIntervalMs + slack;
    case 'stuck':
      return rule.readings * expectedIntervalMs * 2 + slack;
    case 'out_of_range':
      return (rule.of ?? 1) * expectedIntervalMs * 2;
    case 'anomaly':
      return rule.windowHours * 60 * MINUTE_MS + slack;
    case 'forecast':
      return rule.windowMinutes * MINUTE_MS + slack;
    case 'levels':
    case 'no_data':
    case 'device_status':
      return FEW_INTERVALS * expectedIntervalMs;
  }
}

/**
 * The metrics whose samples `rule` needs. 'all': every metric of the station, merged (no_data and
 * device_status without a metric).
 */
export function ruleMetrics(rule: Rule): string[] | 'all' {
  return rule.metric === undefined ? 'all' : [rule.metric];
}
