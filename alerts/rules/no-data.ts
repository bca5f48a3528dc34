/**
 * @module alerts/rules/no-data
 * Silence: nothing arrived for factor × the expected interval. Evaluated on the engine's timer,
 * typically with no samples at all, so it looks only at arrival times and the clock. A station
 * never heard from is measured from when the engine started watching it.
 */
import { cite, duration } from './format.js';
import type { Condition, EvalInput, Evaluator, NoDataRule } from './types.js';

/**
 * Whether the rule holds: nothing arrived since `since` (the last reading, or when watching
 * started) for factor × the expected interval. The timer asks this first for every station, and
 * builds the condition (its messages) only when there is something to open or to clear.
 */
export function noDataHolds(rule: NoDataRule, now: number, since: number, expectedIntervalMs: number): boolean {
  return Math.max(0, now - since) >= rule.factor * expectedIntervalMs;
}

export const evaluateNoData: Evaluator<NoDataRule> = function evaluateNoData(input: EvalInput<NoDataRule>): Condition {
  const { rule, now, lastReceivedAt, watchingSince, expectedIntervalMs } = input;
  const since = lastReceivedAt ?? watchingSince;
  const silentMs = Math.max(0, now - since);
  const holds = noDataHolds(rule, now, since, expectedIntervalMs);
  const silent = duration(silentMs);
  const every = duration(expectedIntervalMs);
  const src = cite(rule.source);
  const { en, vi } = rule.name;
  const never = lastReceivedAt === undefined;
  const message = holds
    ? never
      ? {
          en: `${en}: no data since monitoring started ${silent.en} ago (expected every ${every.en})${src}`,
          vi: `${vi}: chưa nhận được dữ liệu từ khi bắt đầu giám sát ${silent.vi} trước (dự kiến mỗi ${every.vi})${src}`,
        }
      : {
          en: `${en}: no data for ${silent.en} (expected every ${every.en})${src}`,
          vi: `${vi}: không nhận được dữ liệu trong ${silent.vi} (dự kiến mỗi ${every.vi})${src}`,
        }
    : {
        en: `${en}: last data ${silent.en} ago${src}`,
        vi: `${vi}: dữ liệu gần nhất cách đây ${silent.vi}${src}`,
      };
  return { active: holds, value: silentMs / 60_000, message, evidence: [] };
};
