/**
 * @module alerts/rules/stuck
 * A frozen sensor: the last `readings` valid samples vary by no more than `tolerance`. A
 * flat-lining analyser keeps reporting status 00, so only the values show it.
 */
import { difference } from '../../lib/decimal.js';
import { cite, exact, num } from './format.js';
import { evidenceIn, freshValidSeries } from './samples.js';
import type { Condition, EvalInput, Evaluator, StuckRule } from './types.js';

export const evaluateStuck: Evaluator<StuckRule> = function evaluateStuck(input: EvalInput<StuckRule>): Condition | undefined {
  const { rule, samples, expectedIntervalMs } = input;
  const { readings, tolerance } = rule;
  const valid = freshValidSeries(samples, expectedIntervalMs);
  if (valid === undefined || valid.length < readings) return undefined;

  // the last `readings` read in place (a copy of them and of their values was most of this rule's garbage)
  const from = valid.length - readings;
  let max = -Infinity;
  let min = Infinity;
  for (let i = from; i < valid.length; i++) {
    const x = valid[i]!.value;
    if (x > max) max = x;
    if (x < min) min = x;
  }
  // as written: 23.5 − 23.4 is 0.1, not 0.10000000000000142, which a tolerance of 0.1 refused
  const spread = difference(max, min);
  const holds = spread <= tolerance;
  const v = num(valid.at(-1)?.value ?? 0);
  const s = num(spread);
  const src = cite(rule.source);
  const { en, vi } = rule.name;
  const message = holds
    ? {
        en: `${en}: last ${readings} valid readings unchanged at ${v.en} (spread ${s.en} ≤ ${exact(tolerance).en})${src}`,
        vi: `${vi}: ${readings} giá trị hợp lệ gần nhất không đổi ở mức ${v.vi} (dao động ${s.vi} ≤ ${exact(tolerance).vi})${src}`,
      }
    : {
        en: `${en}: readings vary (spread ${s.en} over the last ${readings})${src}`,
        vi: `${vi}: số liệu có biến động (dao động ${s.vi} trong ${readings} giá trị gần nhất)${src}`,
      };
  return { active: holds, value: spread, message, evidence: evidenceIn(valid, from, valid.length) };
};
