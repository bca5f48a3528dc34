/**
 * @module alerts/rules/samples
 * Sample selection shared by the pollution evaluators: the `valid` filter, the freshness check
 * that keeps a calibrating or faulty station from deciding anything, time windows and evidence.
 */
import type { Sample } from './types.js';

/** A sample that may be used to compute a pollution condition. */
export interface ValidSample extends Sample {
  value: number;
  quality: 'valid';
}

/** The newest valid sample may lag the newest sample of any quality by at most this many expected intervals. */
export const FRESH_INTERVALS = 2;

/** At most this many samples are returned as evidence (types.ts, Condition.evidence). */
export const MAX_EVIDENCE = 20;

export function isValid(sample: Sample): sample is ValidSample {
  return sample.quality === 'valid' && sample.value !== null && Number.isFinite(sample.value);
}

/**
 * Valid samples with a value, in input order (ascending by ts): `samples` itself when all of them
 * are (a station reporting normally), not a copy for every rule at every evaluation (at one
 * reading a second a copy of 3,600 each: bench/alert-eval.ts).
 */
export function validSamples(samples: readonly Sample[]): readonly ValidSample[] {
  for (const s of samples) if (!isValid(s)) return samples.filter(isValid);
  return samples as readonly ValidSample[];
}

/**
 * The valid series, if its newest sample is recent enough to speak for the station.
 *
 * "Recent" is measured against the newest sample of ANY quality, not against the engine clock:
 * loggers upload one file per cycle (TT 24/2017 Điều 56: within 5 minutes, files every 5 min in
 * practice), so a batch of 1-minute readings routinely arrives minutes after its timestamps. A
 * station in calibration or fault for longer than FRESH_INTERVALS × the expected interval has no
 * valid "now": the evaluator returns undefined and the engine keeps the alert's state.
 * Silence itself is the no_data rule's job.
 *
 * @returns undefined when there is no valid sample or the newest one is stale.
 */
export function freshValidSeries(samples: readonly Sample[], expectedIntervalMs: number): readonly ValidSample[] | undefined {
  const valid = validSamples(samples);
  const newestValid = valid.at(-1);
  const newestAny = samples.at(-1);
  if (newestValid === undefined || newestAny === undefined) return undefined;
  if (newestAny.ts - newestValid.ts > FRESH_INTERVALS * expectedIntervalMs) return undefined;
  return valid;
}

/** The index of the first sample of `ascending` with ts > `t` (`after`) or ts ≥ `t`; its length if none. */
function bisect(ascending: readonly Sample[], t: number, after: boolean): number {
  let lo = 0;
  let hi = ascending.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const ts = ascending[mid]!.ts;
    if (after ? ts > t : ts >= t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The index of the first sample of `ascending` with ts > `t` (its length if none). */
export function firstAfter(ascending: readonly Sample[], t: number): number {
  return bisect(ascending, t, true);
}

/** The index of the first sample of `ascending` with ts ≥ `t` (its length if none). */
export function firstAtOrAfter(ascending: readonly Sample[], t: number): number {
  return bisect(ascending, t, false);
}

/**
 * The indices [from, to) of the samples of `ascending` with ts in (endTs − windowMs, endTs]: a
 * window read in place by the rules, found by bisection, without a copy.
 */
export function windowRange(ascending: readonly Sample[], endTs: number, windowMs: number): [from: number, to: number] {
  return [firstAfter(ascending, endTs - windowMs), firstAfter(ascending, endTs)];
}

/** The last MAX_EVIDENCE samples, copied (newest last). */
export function evidenceOf(samples: readonly Sample[]): Sample[] {
  return evidenceIn(samples, 0, samples.length);
}

/** The last MAX_EVIDENCE samples of samples[from, to), copied (newest last). */
export function evidenceIn(samples: readonly Sample[], from: number, to: number): Sample[] {
  const out: Sample[] = [];
  for (let i = Math.max(from, to - MAX_EVIDENCE); i < to; i++) {
    const { ts, value, quality } = samples[i]!;
    out.push({ ts, value, quality });
  }
  return out;
}
