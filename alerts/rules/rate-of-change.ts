/**
 * @module alerts/rules/rate-of-change
 * A fast rise or fall: the newest valid value against the lowest (rise) or highest (fall) valid
 * value of the preceding perMinutes, i.e. over samples with ts in [newestTs − perMinutes, newestTs).
 * Taking the extreme rather than the sample exactly perMinutes old catches a rise that has
 * already started to level off, and tolerates gaps in the series.
 */
import { difference } from '../../lib/decimal.js';
import { cite, duration, exact, numNear } from './format.js';
import { evidenceOf, firstAtOrAfter, freshValidSeries } from './samples.js';
import type { Condition, EvalInput, Evaluator, RateOfChangeRule } from './types.js';

export const evaluateRateOfChange: Evaluator<RateOfChangeRule> = function evaluateRateOfChange(input: EvalInput<RateOfChangeRule>): Condition | undefined {
  const { rule, samples, expectedIntervalMs } = input;
  const { op, delta, perMinutes } = rule;
  const valid = freshValidSeries(samples, expectedIntervalMs);
  const newest = valid?.at(-1);
  if (valid === undefined || newest === undefined) return undefined;

  const startTs = newest.ts - perMinutes * 60_000;
  // the samples in [startTs, newest.ts), read in place; the first of the lowest (rise) or highest (fall)
  const first = firstAtOrAfter(valid, startTs);
  const end = firstAtOrAfter(valid, newest.ts);
  if (end <= first) return undefined;
  let extreme = valid[first]!;
  for (let i = first + 1; i < end; i++) {
    const b = valid[i]!;
    if (op === 'rise' ? b.value < extreme.value : b.value > extreme.value) extreme = b;
  }
  // as written: a rise from 1.8 to 2.3 m is 0.5, not 0.4999999999999998, which missed a 0.5 m rule
  const change = op === 'rise' ? difference(newest.value, extreme.value) : difference(extreme.value, newest.value);
  const holds = change >= delta;

  const c = numNear(change, delta);
  const d = exact(delta);
  const from = numNear(extreme.value, delta);
  const to = numNear(newest.value, delta);
  const span = duration(newest.ts - extreme.ts);
  const per = duration(perMinutes * 60_000);
  const src = cite(rule.source);
  const { en, vi } = rule.name;
  const dirEn = op === 'rise' ? 'rose' : 'fell';
  const dirVi = op === 'rise' ? 'tăng' : 'giảm';
  const message = holds
    ? {
        en: `${en}: ${dirEn} ${c.en} in ${span.en} (${from.en} → ${to.en}), at least ${d.en} per ${per.en}${src}`,
        vi: `${vi}: ${dirVi} ${c.vi} trong ${span.vi} (${from.vi} → ${to.vi}), từ ${d.vi} trở lên mỗi ${per.vi}${src}`,
      }
    : {
        en: `${en}: change ${c.en} in ${per.en}, below ${d.en}${src}`,
        vi: `${vi}: mức ${dirVi} ${c.vi} trong ${per.vi}, chưa tới ${d.vi}${src}`,
      };
  return { active: holds, value: change, message, evidence: evidenceOf([extreme, newest]) };
};
