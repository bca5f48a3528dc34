/**
 * @module alerts/rules/test-support/fixtures
 * Builders for evaluator tests: rules validated through schema.ts (so defaults are the real
 * ones), sample series, EvalInputs, and the engine's active flag simulated across a sequence.
 */
import { validateRule } from '../schema.js';
import type { Condition, EvalInput, Evaluator, Rule, Sample } from '../types.js';
import type { QualityName } from '../../../domain/quality.js';

export const MIN = 60_000;
export const HOUR = 60 * MIN;

/** A rule through validateRule (defaults filled); throws with the errors if invalid. */
export function makeRule<R extends Rule>(candidate: Record<string, unknown>): R {
  const base = { id: 'test.rule', name: { en: 'Test', vi: 'Thử' }, scope: { profile: 'air-quality' }, severity: 'warning' };
  const result = validateRule({ ...base, ...candidate });
  if (!result.ok) throw new Error(`invalid test rule: ${result.errors.join('; ')}`);
  return result.rule as R;
}

/** Samples at startTs, startTs + intervalMs, … with the given values and quality. */
export function series(startTs: number, intervalMs: number, values: ReadonlyArray<number | null>, quality: QualityName = 'valid'): Sample[] {
  return values.map((value, i) => ({ ts: startTs + i * intervalMs, value, quality }));
}

/** The samples following `samples` at the same interval. */
export function extend(samples: readonly Sample[], intervalMs: number, values: ReadonlyArray<number | null>, quality: QualityName = 'valid'): Sample[] {
  const last = samples.at(-1);
  const start = last === undefined ? 0 : last.ts + intervalMs;
  return [...samples, ...series(start, intervalMs, values, quality)];
}

/** An EvalInput with defaults: now = newest sample's ts, inactive, 60 s interval, no attributes. */
export function inputFor<R extends Rule>(rule: R, samples: readonly Sample[], over: Partial<EvalInput<R>> = {}): EvalInput<R> {
  const now = samples.at(-1)?.ts ?? Date.parse('2025-06-01T00:00:00Z');
  return {
    rule,
    now,
    samples,
    active: false,
    expectedIntervalMs: MIN,
    lastReceivedAt: samples.at(-1)?.ts,
    watchingSince: now - 24 * HOUR,
    stationAttributes: {},
    ...over,
  };
}

/**
 * Feeds the series one sample at a time, as the engine would on each arrival, carrying the
 * active flag and level (undefined keeps the state). Returns the flag after each step.
 */
export function simulate<R extends Rule>(
  evaluator: Evaluator<R>,
  rule: R,
  samples: readonly Sample[],
  over: Partial<EvalInput<R>> = {},
): { active: boolean[]; levels: Array<number | undefined>; conditions: Array<Condition | undefined> } {
  let active = false;
  let activeLevel: number | undefined;
  const out = { active: [] as boolean[], levels: [] as Array<number | undefined>, conditions: [] as Array<Condition | undefined> };
  samples.forEach((_, i) => {
    const seen = samples.slice(0, i + 1);
    const c = evaluator(inputFor(rule, seen, { ...over, active, activeLevel }));
    if (c !== undefined) {
      active = c.active;
      activeLevel = c.active ? c.level : undefined;
    }
    out.active.push(active);
    out.levels.push(activeLevel);
    out.conditions.push(c);
  });
  return out;
}

/** Deterministic PRNG (mulberry32) for seeded series. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
