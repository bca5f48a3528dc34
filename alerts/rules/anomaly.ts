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
 *
 * Long histories: the engine keeps the history older than its raw samples as one quantile sketch
 * per hour (input.hourSketches, hour-sketch.ts; lib/quantile-sketch.ts, relative accuracy
 * SKETCH_ALPHA = 1 %). When such hours are in the window, the median and MAD are estimated from
 * the merged sketches and the raw samples (count, minimum and maximum stay exact), the window
 * counts whole hours (hour-sketch.ts), and the message says the figures are estimates. Under the
 * sketch a history whose values all fall in one bucket (within ±1 %) has no measurable spread:
 * inactive, like a constant one. Without sketches in the window everything is exact, as before.
 */
import { median, medianAbsoluteDeviation } from 'simple-statistics';
import { createSketch, addToSketch, mergeSketch, sketchMedian, sketchSpread, SKETCH_ALPHA } from '../../lib/quantile-sketch.js';
import { localHourOfDay } from '../../lib/time.js';
import { cite, num } from './format.js';
import { sketchWindowStart, type HourSketch } from './hour-sketch.js';
import { evidenceOf, firstAtOrAfter, freshValidSeries, type ValidSample } from './samples.js';
import type { AnomalyRule, Condition, EvalInput, Evaluator } from './types.js';

/** MAD → standard deviation for normal data (1 / Φ⁻¹(3/4)). */
export const MAD_SCALE = 1.4826;
/** Mean absolute deviation → standard deviation for normal data (√(π/2)). */
export const MEAN_AD_SCALE = 1.253314;
/** The sketch's relative accuracy in percent, for messages ('1'). */
const ALPHA = num(SKETCH_ALPHA * 100);

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

/** The history the newest sample is compared with: its size, centre and spread, and whether they are sketch estimates. */
export interface AnomalyHistory {
  /** Valid samples in the history (exact, sketches or not). */
  count: number;
  /** The median (estimated when `estimated`). */
  center: number;
  /** robustSpread's figure (estimated when `estimated`): 0 for a constant history. */
  spread: number;
  /** Median and spread come from hour sketches. */
  estimated: boolean;
  /** Every history value is the same (exact: the sketches keep min and max). */
  constant: boolean;
  /** The raw history samples, ascending (the evidence). */
  raw: ValidSample[];
}

/**
 * The history of `newest` under `rule`: valid raw samples in the window and, when the engine
 * keeps older hours as sketches, the sketches of the hours in it (same hour of day ±1 when
 * sameHourOfDay). Undefined when it holds fewer than minSamples values.
 */
export function anomalyHistory(
  rule: AnomalyRule,
  valid: readonly ValidSample[],
  newest: ValidSample,
  hourSketches: readonly HourSketch[] | undefined,
  timeZone?: string,
): AnomalyHistory | undefined {
  const { windowHours, sameHourOfDay = false, minSamples } = rule;
  const windowMs = windowHours * 3_600_000;
  const sketched = hourSketches !== undefined && hourSketches.length > 0;
  const startTs = sketched ? sketchWindowStart(newest.ts, windowMs) : newest.ts - windowMs;
  const hour = localHourOfDay(newest.ts, timeZone);
  // [startTs, newest.ts) found by bisection and copied once (a filter over every raw sample grew its copy)
  const inWindow = valid.slice(firstAtOrAfter(valid, startTs), firstAtOrAfter(valid, newest.ts));
  const raw = sameHourOfDay ? inWindow.filter((s) => nearHour(localHourOfDay(s.ts, timeZone), hour)) : inWindow;
  const hours = sketched
    ? hourSketches.filter((h) => h.start >= startTs && h.start < newest.ts && h.count > 0 && (!sameHourOfDay || nearHour(localHourOfDay(h.start, timeZone), hour)))
    : [];
  const count = raw.length + hours.reduce((n, h) => n + h.count, 0);
  if (count < Math.max(1, minSamples)) return undefined;
  if (hours.length === 0) {
    const values = raw.map((s) => s.value);
    const center = median(values);
    const spread = robustSpread(values, center);
    return { count, center, spread, estimated: false, constant: spread === 0, raw };
  }
  const merged = createSketch();
  for (const h of hours) mergeSketch(merged, h);
  for (const s of raw) addToSketch(merged, s.value);
  const center = sketchMedian(merged);
  const { mad, meanAbsDev } = sketchSpread(merged, center);
  const spread = mad > 0 ? MAD_SCALE * mad : MEAN_AD_SCALE * meanAbsDev;
  return { count, center, spread, estimated: true, constant: merged.min === merged.max, raw };
}

export const evaluateAnomaly: Evaluator<AnomalyRule> = function evaluateAnomaly(input: EvalInput<AnomalyRule>): Condition | undefined {
  const { rule, samples, expectedIntervalMs, timeZone } = input;
  const { threshold, windowHours, sameHourOfDay = false } = rule;
  const valid = freshValidSeries(samples, expectedIntervalMs);
  const newest = valid?.at(-1);
  if (valid === undefined || newest === undefined) return undefined;
  const history = anomalyHistory(rule, valid, newest, input.hourSketches, timeZone);
  if (history === undefined) return undefined;

  const { center, spread, estimated } = history;
  const src = cite(rule.source);
  const { en, vi } = rule.name;
  const x = num(newest.value);
  const m = num(center);
  // Evidence: the newest sample, preceded by the most recent raw history for context.
  const evidence = evidenceOf([...history.raw.slice(-19), newest]);
  if (spread === 0) {
    const message =
      history.constant || !estimated
        ? {
            en: `${en}: history constant at ${m.en}, no spread to compare ${x.en} against${src}`,
            vi: `${vi}: số liệu lịch sử không đổi ở mức ${m.vi}, không thể so sánh ${x.vi}${src}`,
          }
        : {
            en: `${en}: history within ±${ALPHA.en} % of ≈${m.en} (hourly estimates), no spread to compare ${x.en} against${src}`,
            vi: `${vi}: số liệu lịch sử nằm trong ±${ALPHA.vi} % quanh ≈${m.vi} (ước tính theo giờ), không thể so sánh ${x.vi}${src}`,
          };
    return { active: false, value: 0, message, evidence };
  }
  const z = (newest.value - center) / spread;
  const holds = Math.abs(z) >= threshold;
  const zt = num(z, 1);
  const scopeEn = sameHourOfDay ? ` at this hour of day` : '';
  const scopeVi = sameHourOfDay ? ` cùng khung giờ` : '';
  if (estimated) {
    // median and MAD estimated from hourly sketches: each order statistic within ±α (lib/quantile-sketch.ts)
    const noteEn = `; estimated from hourly summaries, ±${ALPHA.en} % on each figure`;
    const noteVi = `; ước tính từ tóm tắt theo giờ, sai số ±${ALPHA.vi} % mỗi giá trị`;
    const message = holds
      ? {
          en: `${en}: ${x.en} is unusual (robust z ≈${zt.en}, median${scopeEn} ≈${m.en} over ${windowHours} h${noteEn})${src}`,
          vi: `${vi}: ${x.vi} bất thường (z ≈${zt.vi}, trung vị${scopeVi} ≈${m.vi} trong ${windowHours} giờ${noteVi})${src}`,
        }
      : {
          en: `${en}: ${x.en} within the usual range (robust z ≈${zt.en}, median${scopeEn} ≈${m.en} over ${windowHours} h${noteEn})${src}`,
          vi: `${vi}: ${x.vi} trong phạm vi thường gặp (z ≈${zt.vi}, trung vị${scopeVi} ≈${m.vi} trong ${windowHours} giờ${noteVi})${src}`,
        };
    return { active: holds, value: z, message, evidence };
  }
  const message = holds
    ? {
        en: `${en}: ${x.en} is unusual (robust z ${zt.en}, median${scopeEn} ${m.en} over ${windowHours} h)${src}`,
        vi: `${vi}: ${x.vi} bất thường (z ${zt.vi}, trung vị${scopeVi} ${m.vi} trong ${windowHours} giờ)${src}`,
      }
    : {
        en: `${en}: ${x.en} within the usual range (robust z ${zt.en})${src}`,
        vi: `${vi}: ${x.vi} trong phạm vi thường gặp (z ${zt.vi})${src}`,
      };
  return { active: holds, value: z, message, evidence };
};
