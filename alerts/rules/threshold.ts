/**
 * @module alerts/rules/threshold
 * A limit on the newest valid value ('raw') or on the trailing mean of valid values ('mean'),
 * with hysteresis: raise above `raise`, clear only below `clear` (mirrored for 'below').
 *
 * The mean is a rolling mean over windowMinutes ending at the newest valid sample, evaluated on
 * every reading: an early warning that a limit such as QCVN 05:2023's 24 h PM2.5 value is being
 * exceeded, not the calendar-day compliance statistic (QĐ 1459 §1.6 days run 01:00–00:00).
 * Windows up to an hour are (newest − window, newest]; longer ones count whole hours
 * (hourly.ts: the newest hour, possibly running, and the ones before it), which the engine keeps
 * as hourly sums, and their coverage is measured over the span they cover.
 */
import { cite, exact, numNear } from './format.js';
import { hourlyMean, hourlyWindowMs } from './hourly.js';
import { evidenceIn, evidenceOf, freshValidSeries, windowRange } from './samples.js';
import { outsideValidity } from './validity.js';
import type { Condition, EvalInput, Evaluator, ThresholdRule } from './types.js';

/** Default minimum fraction of expected samples in a mean window (types.ts; the EPA/WHO 18-of-24 h convention). */
export const DEFAULT_MIN_COVERAGE = 0.75;

/** Whether `value` holds the condition, given whether the alert is already open (hysteresis). */
export function thresholdHolds(rule: Pick<ThresholdRule, 'op' | 'raise' | 'clear'>, value: number, active: boolean): boolean {
  if (rule.op === 'above') return active ? value >= rule.clear : value > rule.raise;
  return active ? value <= rule.clear : value < rule.raise;
}

export const evaluateThreshold: Evaluator<ThresholdRule> = function evaluateThreshold(input: EvalInput<ThresholdRule>): Condition | undefined {
  const { rule, samples, active, expectedIntervalMs } = input;
  const { over, windowMinutes, minCoverage = DEFAULT_MIN_COVERAGE } = rule;
  const newestAny = samples.at(-1);
  if (newestAny === undefined) return undefined;
  const outside = outsideValidity(rule, newestAny.ts);
  if (outside !== undefined) return outside;

  const valid = freshValidSeries(samples, expectedIntervalMs);
  const newest = valid?.at(-1);
  if (valid === undefined || newest === undefined) return undefined;

  let value = newest.value;
  let evidence = evidenceOf([newest]);
  if (over === 'mean') {
    // schema.ts guarantees windowMinutes for 'mean'; without it there is nothing to average over.
    if (windowMinutes === undefined) return undefined;
    const windowMs = windowMinutes * 60_000;
    if (hourlyWindowMs(rule) !== undefined) {
      // longer than an hour: whole hours (hourly.ts), from the raw samples and the engine's hourly sums
      const m = hourlyMean(valid, input.hourly ?? [], newest.ts, windowMs);
      if (m === undefined || m.count / (m.spanMs / expectedIntervalMs) < minCoverage) return undefined;
      value = m.mean;
      evidence = m.evidence;
    } else {
      // read in place: a copy of the window per evaluation was this rule's garbage
      const [from, to] = windowRange(valid, newest.ts, windowMs);
      const expected = windowMs / expectedIntervalMs;
      if ((to - from) / expected < minCoverage) return undefined;
      let sum = 0;
      for (let i = from; i < to; i++) sum += valid[i]!.value;
      value = sum / (to - from);
      evidence = evidenceIn(valid, from, to);
    }
  }

  const holds = thresholdHolds(rule, value, active);
  return { active: holds, value, message: message(rule, value, holds), evidence };
};

function message(rule: ThresholdRule, value: number, holds: boolean): Condition['message'] {
  const v = numNear(value, rule.raise);
  const limit = exact(rule.raise);
  const clear = exact(rule.clear);
  const src = cite(rule.source);
  const beyond = rule.op === 'above' ? value > rule.raise : value < rule.raise;
  const { en, vi } = rule.name;
  if (holds && beyond) {
    return rule.op === 'above'
      ? { en: `${en} ${v.en} above ${limit.en}${src}`, vi: `${vi} ${v.vi} vượt ${limit.vi}${src}` }
      : { en: `${en} ${v.en} below ${limit.en}${src}`, vi: `${vi} ${v.vi} dưới ${limit.vi}${src}` };
  }
  if (holds) {
    // Held open by hysteresis: past the clear level, not (or no longer) past the limit.
    return rule.op === 'above'
      ? {
          en: `${en} ${v.en}, not yet below the clear level ${clear.en} (limit ${limit.en})${src}`,
          vi: `${vi} ${v.vi}, chưa giảm xuống dưới mức hết cảnh báo ${clear.vi} (ngưỡng ${limit.vi})${src}`,
        }
      : {
          en: `${en} ${v.en}, not yet above the clear level ${clear.en} (limit ${limit.en})${src}`,
          vi: `${vi} ${v.vi}, chưa tăng lên trên mức hết cảnh báo ${clear.vi} (ngưỡng ${limit.vi})${src}`,
        };
  }
  return { en: `${en} ${v.en} within the limit ${limit.en}${src}`, vi: `${vi} ${v.vi} trong giới hạn ${limit.vi}${src}` };
}
