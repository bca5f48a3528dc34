/**
 * @module alerts/rules/forecast
 * An early warning: the least-squares trend of the valid samples in the trailing windowMinutes
 * projects the value to cross `limit` within horizonMinutes. The fit is simple-statistics'
 * linearRegression computed in place over the window (`trend`: the same sums in the same order,
 * so the same bits, which forecast.test.ts checks against the library); the library takes an
 * array of [x, y] pairs, and building them was most of what an evaluation allocated at one
 * reading a second (3,600 pairs, bench/alert-eval.ts).
 *
 * Time is in minutes relative to the newest valid sample (x = 0 there), so the fitted intercept
 * `b` is the trend's value now and the crossing is at t* = (limit − b) / m minutes. When the
 * trend line is already past the limit but the newest reading is not, t* < 0 is clamped to 0
 * ("crossing now").
 *
 * Not active once the newest value has crossed the limit: that is the threshold rule's job, and
 * an early warning that stays on after the event would only duplicate it.
 */
import { cite, duration, exact, localTime, num, numNear, zoneLabel } from './format.js';
import { evidenceIn, freshValidSeries, windowRange, type ValidSample } from './samples.js';
import type { Condition, EvalInput, Evaluator, ForecastRule } from './types.js';

/**
 * The least-squares line through valid[from, to) with x in minutes relative to `originTs`:
 * simple-statistics' linearRegression of the pairs [(ts − originTs) / 60,000, value], computed
 * without building them (at least two points).
 */
export function trend(valid: readonly ValidSample[], from: number, to: number, originTs: number): { m: number; b: number } {
  const n = to - from;
  let sumX = 0;
  let sumY = 0;
  for (let i = from; i < to; i++) {
    sumX += (valid[i]!.ts - originTs) / 60_000;
    sumY += valid[i]!.value;
  }
  const meanX = sumX / n;
  const meanY = sumY / n;
  let sumXY = 0;
  let sumXX = 0;
  for (let i = from; i < to; i++) {
    const deviationX = (valid[i]!.ts - originTs) / 60_000 - meanX;
    sumXY += deviationX * (valid[i]!.value - meanY);
    sumXX += deviationX * deviationX;
  }
  const m = sumXY / sumXX;
  return { m, b: meanY - m * meanX };
}

export const evaluateForecast: Evaluator<ForecastRule> = function evaluateForecast(input: EvalInput<ForecastRule>): Condition | undefined {
  const { rule, samples, expectedIntervalMs } = input;
  const { windowMinutes, minPoints, op, limit, horizonMinutes } = rule;
  const valid = freshValidSeries(samples, expectedIntervalMs);
  const newest = valid?.at(-1);
  if (valid === undefined || newest === undefined) return undefined;

  const [from, to] = windowRange(valid, newest.ts, windowMinutes * 60_000);
  if (to - from < Math.max(2, minPoints)) return undefined;

  const { m, b } = trend(valid, from, to, newest.ts);
  const src = cite(rule.source);
  const { en, vi } = rule.name;
  const x = numNear(newest.value, limit);
  const lim = exact(limit);
  const evidence = evidenceIn(valid, from, to);

  const crossed = op === 'above' ? newest.value > limit : newest.value < limit;
  if (crossed) {
    return {
      active: false,
      value: newest.value,
      message: {
        en: `${en}: ${x.en} already ${op} ${lim.en}; see the threshold alert${src}`,
        vi: `${vi}: ${x.vi} đã ${op === 'above' ? 'vượt' : 'xuống dưới'} ${lim.vi}; xem cảnh báo ngưỡng${src}`,
      },
      evidence,
    };
  }

  const towards = op === 'above' ? m > 0 : m < 0;
  const minutesToCross = towards ? Math.max(0, (limit - b) / m) : Number.POSITIVE_INFINITY;
  const holds = towards && minutesToCross <= horizonMinutes;
  const atHorizon = b + m * horizonMinutes;
  const slope = num(m * 60);
  if (!holds) {
    return {
      active: false,
      value: atHorizon,
      message: {
        en: `${en}: ${x.en}, trend ${slope.en}/h, not projected to reach ${lim.en} within ${duration(horizonMinutes * 60_000).en}${src}`,
        vi: `${vi}: ${x.vi}, xu hướng ${slope.vi}/giờ, không dự báo chạm ${lim.vi} trong ${duration(horizonMinutes * 60_000).vi}${src}`,
      },
      evidence,
    };
  }
  const projectedAt = Math.round(newest.ts + minutesToCross * 60_000);
  const when = localTime(projectedAt, input.timeZone);
  const zone = zoneLabel(input.timeZone, projectedAt);
  const inMin = duration(projectedAt - newest.ts);
  const speed = num(Math.abs(m * 60));
  return {
    active: true,
    value: atHorizon,
    projectedAt,
    message: {
      en: `${en}: early warning, ${x.en} trending ${slope.en}/h, projected to reach ${lim.en} at ${when} (${zone.en}, in ${inMin.en})${src}`,
      vi: `${vi}: cảnh báo sớm, ${x.vi} đang ${op === 'above' ? 'tăng' : 'giảm'} ${speed.vi}/giờ, dự báo chạm ${lim.vi} lúc ${when} (${zone.vi}, sau ${inMin.vi})${src}`,
    },
    evidence,
  };
};
