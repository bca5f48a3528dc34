/**
 * @module alerts/rules/device-status
 * A device fault reported by the station itself: status 02 of Circular 10/2021/TT-BTNMT
 * (Phụ lục 15), stored as quality `fault` (ingest/quality.ts).
 *
 * With a metric: the newest sample of that metric. Without one, the engine passes every metric's
 * samples merged; types.ts's Sample carries no metric key, so this evaluator reads an optional
 * `metric` tag when the engine sets one (newest sample per metric; the message names the faulty
 * metrics) and otherwise falls back to the samples sharing the newest timestamp (one reading of
 * the datalogger carries all parameters with one time stamp).
 */
import { cite } from './format.js';
import { evidenceOf } from './samples.js';
import type { Condition, DeviceStatusRule, EvalInput, Evaluator, Sample } from './types.js';

/** A merged sample, optionally tagged with its metric by the engine. */
export type TaggedSample = Sample & { readonly metric?: unknown };

function metricOf(sample: TaggedSample): string | undefined {
  return typeof sample.metric === 'string' ? sample.metric : undefined;
}

/** The newest sample of each metric (tagged samples) or the samples at the newest ts (untagged). */
function newestReadings(samples: readonly TaggedSample[], metric: string | undefined): Array<{ metric?: string; sample: Sample }> {
  const newest = samples.at(-1);
  if (newest === undefined) return [];
  if (metric !== undefined) return [{ metric, sample: newest }];
  const byMetric = new Map<string, Sample>();
  for (const s of samples) {
    const m = metricOf(s);
    if (m !== undefined) byMetric.set(m, s);
  }
  if (byMetric.size > 0) return [...byMetric].map(([m, sample]) => ({ metric: m, sample }));
  return samples.filter((s) => s.ts === newest.ts).map((sample) => ({ sample }));
}

export const evaluateDeviceStatus: Evaluator<DeviceStatusRule> = function evaluateDeviceStatus(input: EvalInput<DeviceStatusRule>): Condition | undefined {
  const { rule, samples } = input;
  const readings = newestReadings(samples, rule.metric);
  if (readings.length === 0) return undefined;
  const faulty = readings.filter((r) => r.sample.quality === 'fault');
  const holds = faulty.length > 0;
  const names = [...new Set(faulty.map((r) => r.metric).filter((m): m is string => m !== undefined))].sort();
  const src = cite(rule.source);
  const { en, vi } = rule.name;
  const which = names.length > 0 ? names.join(', ') : undefined;
  const message = holds
    ? which !== undefined
      ? { en: `${en}: device fault reported for ${which}${src}`, vi: `${vi}: thiết bị báo lỗi ở ${which}${src}` }
      : {
          en: `${en}: device fault reported for ${faulty.length} of ${readings.length} parameters of the newest reading${src}`,
          vi: `${vi}: thiết bị báo lỗi ở ${faulty.length}/${readings.length} thông số của lần đo mới nhất${src}`,
        }
    : { en: `${en}: no device fault reported${src}`, vi: `${vi}: thiết bị không báo lỗi${src}` };
  const evidence = evidenceOf((holds ? faulty : readings).map((r) => r.sample).sort((a, b) => a.ts - b.ts));
  return { active: holds, value: faulty.length, message, evidence };
};
