/**
 * @module alerts/rules/anomaly
 * An unusual value: the robust z-score of the newest valid sample against its recent history,
 *   z = (x − median) / (1.4826 · MAD),
 * where 1.4826 · MAD estimates the standard deviation of normal data (Iglewicz & Hoaglin 1993,
 * "How to Detect and Handle Outliers"; MAD from simple-statistics). Active when |z| ≥ threshold.
 *
 * MAD = 0 (more than half the history identical, e.g. readings at the detection limit): the
 * spread falls back to 1.253314 · mean absolute deviation around the median, the fallback of the
 * modified z-score used by IBM SPSS (1.253314 ≈ √(π/2) makes it a standard deviation estimate
 * for normal data). If that is 0 too the history is constant: the condition is inactive, since
 * any change would be "infinitely" anomalous (a constant history is the stuck rule's business).
 */
import { median, medianAbsoluteDeviation } from 'simple-statistics';
import { DEFAULT_TIME_ZONE, localParts } from '../../lib/time.js';
import { cite, num } from './format.js';
import { evidenceOf, freshValidSeries, type ValidSample } from './samples.js';
import type { AnomalyRule, Condition, EvalInput, Evaluator } from './types.js';

/** MAD → standard deviation for normal data (1 / Φ⁻¹(3/4)). */
export const MAD_SCALE = 1.4826;
/** Mean absolute deviation → standard deviation for normal data (√(π/2)). */
export const MEAN_AD_SCALE = 1.253314;

/** Local hour of day in the zone (Vietnam by default), 0–23. */
export function localHour(ts: number, timeZone: string = DEFAULT_TIME_ZONE): number {
  return localParts(ts, timeZone).hour;
}

/** Whether two hours of day are at most one hour apart on the 24 h clock (23 and 0 are neighbours). */
function nearHour(a: number, b: number): boolean {
  const d = Math.abs(a - b) % 24;
  return Math.min(d, 24 - d) <= 1;
}

/** The robust spread estimate of `values` around `center`, or 0 for a constant history. */
export function robustSpread(values: readonly number[], center: number): number {
  const mad = medianAbsoluteDeviation(values as number[]);
  if (mad > 0) return MAD_SCALE * mad;
  const meanAd = values.reduce((sum, v) => sum + Math.abs(v - center), 0) / values.length;
  return MEAN_AD_SCALE * meanAd;
}

export const evaluateAnomaly: Evaluator<AnomalyRule> = function evaluateAnomaly(input: EvalInput<AnomalyRule>): Condition | undefined {
  const { rule, samples, expectedIntervalMs, timeZone } = input;
  const { threshold, windowHours, sameHourOfDay = false, minSamples } = rule;
  const valid = freshValidSeries(samples, expectedIntervalMs);
  const newest = valid?.at(-1);
  if (valid === undefined || newest === undefined) return undefined;

  const startTs = newest.ts - windowHours * 3_600_000;
  const hour = localHour(newest.ts, timeZone);
  const history: ValidSample[] = valid.filter((s) => s.ts >= startTs && s.ts < newest.ts && (!sameHourOfDay || nearHour(localHour(s.ts, timeZone), hour)));
  if (history.length < Math.max(1, minSamples)) return undefined;

  const values = history.map((s) => s.value);
  const center = median(values);
  const spread = robustSpread(values, center);
  const src = cite(rule.source);
  const { en, vi } = rule.name;
  const x = num(newest.value);
  const m = num(center);
  if (spread === 0) {
    return {
      active: false,
      value: 0,
      message: {
        en: `${en}: history constant at ${m.en}, no spread to compare ${x.en} against${src}`,
        vi: `${vi}: số liệu lịch sử không đổi ở mức ${m.vi}, không thể so sánh ${x.vi}${src}`,
      },
      evidence: evidenceOf([newest]),
    };
  }
  const z = (newest.value - center) / spread;
  const holds = Math.abs(z) >= threshold;
  const zt = num(z, 1);
  const scopeEn = sameHourOfDay ? ` at this hour of day` : '';
  const scopeVi = sameHourOfDay ? ` cùng khung giờ` : '';
  const message = holds
    ? {
        en: `${en}: ${x.en} is unusual (robust z ${zt.en}, median${scopeEn} ${m.en} over ${windowHours} h)${src}`,
        vi: `${vi}: ${x.vi} bất thường (z ${zt.vi}, trung vị${scopeVi} ${m.vi} trong ${windowHours} giờ)${src}`,
      }
    : {
        en: `${en}: ${x.en} within the usual range (robust z ${zt.en})${src}`,
        vi: `${vi}: ${x.vi} trong phạm vi thường gặp (z ${zt.vi})${src}`,
      };
  // Evidence: the newest sample, preceded by the most recent history for context.
  return { active: holds, value: z, message, evidence: evidenceOf([...history.slice(-19), newest]) };
};
