/**
 * @module simulators/models
 * Realistic value models, one per device profile id, driven by the station's local time (Vietnam,
 * UTC+7, by default): the
 * registry and `createValueModel`, which rounds, clamps and subsets what the per-profile models in
 * simulators/models/ (air-quality, surface-water, wastewater, hydromet, salinity) produce.
 *
 * Every model is a function of time plus AR(1) noise from a seeded PRNG, so the same seed and the
 * same sequence of sample times always give the same values. Magnitudes follow
 * /work/shared/domain/STANDARDS.md: QCVN 05:2023 (air), QCVN 08:2023 (surface water),
 * QCVN 40:2011 column B (wastewater), QĐ 05/2020 flood levels and the 1‰/4‰ salinity lines (§6).
 */
import type { DeviceProfile, MetricDefinition } from '../device-profiles/types.js';
import { createAr1, deriveSeed, mulberry32, type Ar1 } from './prng.js';
import { DEFAULT_TIME_ZONE } from '../lib/time.js';
import { HOUR_MS, localParts } from './time.js';
import { airQuality } from './models/air-quality.js';
import { hydromet } from './models/hydromet.js';
import { salinity } from './models/salinity.js';
import { surfaceWater } from './models/surface-water.js';
import { wastewater } from './models/wastewater.js';
import { clampTo, type MetricValues, type ModelContext, type ModelFactory, type ModelOverrides, type ModelStep } from './models/shared.js';

export { tideHeight } from './models/salinity.js';
export type { MetricValues, ModelOverrides };

/** Profile ids that have a dedicated model; any other profile gets the generic model. */
export const MODEL_IDS = ['air-quality', 'surface-water', 'wastewater', 'hydromet', 'salinity'] as const;
export type ModelId = (typeof MODEL_IDS)[number];

export interface ValueModel {
  readonly profileId: string;
  /** The metric keys this model emits (the profile's, or the requested subset). */
  readonly metrics: readonly string[];
  /**
   * Values at `epochMs`, rounded to each metric's `decimals` and clamped to its range. Sample in
   * time order: the AR(1) noise advances by the time since the previous sample.
   */
  sample(epochMs: number, overrides?: ModelOverrides): MetricValues;
}

export interface ValueModelOptions {
  seed?: number;
  /** Subset of the profile's metrics to emit (default: all). Does not change the other values. */
  metrics?: readonly string[];
  /** The station's time zone: its diurnal and seasonal cycles follow local time (default Asia/Ho_Chi_Minh). */
  timeZone?: string;
}

const MODELS: Readonly<Record<ModelId, ModelFactory>> = {
  'air-quality': airQuality,
  'surface-water': surfaceWater,
  wastewater,
  hydromet,
  salinity,
};

export function isModelId(id: string): id is ModelId {
  return (MODEL_IDS as readonly string[]).includes(id);
}

/** Rounds to `decimals` places (default 2) and clamps to the metric's range. */
export function shapeValue(value: number, metric: MetricDefinition): number {
  const decimals = metric.decimals ?? 2;
  const f = 10 ** decimals;
  const clamped = clampTo(value, metric.range.min, metric.range.max);
  const rounded = Math.round(clamped * f) / f;
  // Rounding can step over a bound with an odd number of decimals; `+ 0` turns -0 into 0.
  return clampTo(rounded, metric.range.min, metric.range.max) + 0;
}

/**
 * Creates the value model of a profile. Metrics the model does not know (a profile newer than
 * this module) get a generic slowly varying value near the low end of their range.
 * @example
 * const model = createValueModel(airQualityProfile, { seed: 7 });
 * model.sample(Date.parse('2026-01-10T08:00:00+07:00')); // { pm25: 93.4, pm10: 141.2, ... }
 */
export function createValueModel(profile: DeviceProfile, { seed = 1, metrics, timeZone = DEFAULT_TIME_ZONE }: ValueModelOptions = {}): ValueModel {
  const keys = metrics ? Object.keys(profile.metrics).filter((k) => metrics.includes(k)) : Object.keys(profile.metrics);
  const ctx: ModelContext = {
    ar: (name, tauMs, sigma) => createAr1({ tauMs, sigma, rng: mulberry32(deriveSeed(seed, profile.id, name)) }),
    rng: (name) => mulberry32(deriveSeed(seed, profile.id, name)),
    local: (t) => localParts(t, timeZone),
  };
  const step: ModelStep = isModelId(profile.id) ? MODELS[profile.id](ctx) : () => ({});
  const generic = new Map<string, Ar1>();
  for (const [key, def] of Object.entries(profile.metrics)) {
    generic.set(key, ctx.ar(`generic.${key}`, 6 * HOUR_MS, 0.02 * (def.range.max - def.range.min)));
  }
  let last: number | undefined;
  return {
    profileId: profile.id,
    metrics: keys,
    sample(epochMs, overrides = {}) {
      const dtMs = last === undefined ? 0 : epochMs - last;
      last = epochMs;
      const raw = step(epochMs, localParts(epochMs, timeZone), dtMs, overrides);
      const out: MetricValues = {};
      // Step every generic source on every sample so the subset never changes the sequence.
      for (const [key, def] of Object.entries(profile.metrics)) {
        const g = generic.get(key);
        const genericValue = def.range.min + 0.05 * (def.range.max - def.range.min) + (g ? g.step(dtMs) : 0);
        if (!keys.includes(key)) continue;
        const value = overrides[key] ?? raw[key] ?? genericValue;
        out[key] = shapeValue(value, def);
      }
      return out;
    },
  };
}
