/**
 * @module simulators/models/shared
 * What every per-profile value model is made of: the factory/step signatures, the seeded noise
 * context, and the small shaping functions (annual cosine, daily bumps, soft caps, clamps).
 */
import type { Ar1, Prng } from '../prng.js';
import type { LocalParts } from '../time.js';

/** Raw (unrounded) values by metric key. */
export type MetricValues = Record<string, number>;

/**
 * Values that replace the model's own before derived metrics are computed. For `air-quality`, a
 * `pm25` override (e.g. the Hanoi replay) also drives `pm10` and `tsp`.
 */
export type ModelOverrides = Readonly<Partial<Record<string, number>>>;

/** Everything a model implementation needs: named, independently seeded noise sources. */
export interface ModelContext {
  /** An AR(1) noise source with its own stream, keyed by name. */
  ar(name: string, tauMs: number, sigma: number): Ar1;
  rng(name: string): Prng;
  /** Local calendar parts of an instant in the station's zone. */
  local(t: number): LocalParts;
}

/** One step of a model: raw values at `t`, `dtMs` after the previous step (0 on the first). */
export type ModelStep = (t: number, local: LocalParts, dtMs: number, overrides: ModelOverrides) => MetricValues;
export type ModelFactory = (ctx: ModelContext) => ModelStep;

export const TWO_PI = 2 * Math.PI;

/** Annual cosine, 1 on `peakDay` (0-based day of year), −1 half a year later. */
export function season(local: LocalParts, peakDay: number): number {
  return Math.cos((TWO_PI * (local.dayOfYear - peakDay)) / 365.25);
}

/** A Gaussian bump on the 24 h circle centred on `center` h with std-dev `width` h. */
export function bump(hour: number, center: number, width: number): number {
  const d = Math.abs(hour - center);
  const c = Math.min(d, 24 - d);
  return Math.exp(-0.5 * (c / width) ** 2);
}

/** Smooth 0→1 step between `from` and `to`. */
export function smoothstep(x: number, from: number, to: number): number {
  const u = Math.min(1, Math.max(0, (x - from) / (to - from)));
  return u * u * (3 - 2 * u);
}

/**
 * Saturates smoothly below `cap`: identity up to 80 % of it, then an exponential approach, so a
 * compliant plant's effluent stays under its QCVN limit whatever the noise does.
 */
export function softCap(x: number, cap: number): number {
  const knee = 0.8 * cap;
  if (x <= knee) return x;
  const room = cap - knee;
  return cap - room * Math.exp(-(x - knee) / room);
}

export function positive(x: number, floor = 0): number {
  return x < floor ? floor : x;
}

export function clampTo(x: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, x));
}
