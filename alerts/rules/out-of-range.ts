/**
 * @module alerts/rules/out-of-range
 * Readings outside the profile's physically possible range (quality out_of_range, set by
 * ingest/quality.ts): at least `count` of the last `of` samples of any quality.
 */
import { cite, num } from './format.js';
import { evidenceOf } from './samples.js';
import type { Condition, EvalInput, Evaluator, OutOfRangeRule } from './types.js';

export const evaluateOutOfRange: Evaluator<OutOfRangeRule> = function evaluateOutOfRange(input: EvalInput<OutOfRangeRule>): Condition | undefined {
  const { rule, samples } = input;
  const { count = 1, of = 1 } = rule;
  const last = samples.slice(-of);
  const flagged = last.filter((s) => s.quality === 'out_of_range');
  const holds = flagged.length >= count;
  // Fewer than `of` samples so far and not enough flags yet: cannot say either way.
  if (!holds && last.length < of) return undefined;

  const src = cite(rule.source);
  const { en, vi } = rule.name;
  const newestValue = flagged.at(-1)?.value;
  const latest = newestValue === null || newestValue === undefined ? undefined : num(newestValue);
  const valueEn = latest === undefined ? '' : `, latest ${latest.en}`;
  const valueVi = latest === undefined ? '' : `, gần nhất ${latest.vi}`;
  const message = {
    en: `${en}: ${flagged.length} of the last ${last.length} readings outside the sensor's range${valueEn}${src}`,
    vi: `${vi}: ${flagged.length}/${last.length} giá trị gần nhất nằm ngoài dải đo của thiết bị${valueVi}${src}`,
  };
  return { active: holds, value: flagged.length, message, evidence: evidenceOf(holds ? flagged : last) };
};
