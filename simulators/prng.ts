/**
 * @module simulators/prng
 * Seedable noise for the simulators: a mulberry32 generator, Gaussian draws and an AR(1)
 * (discretised Ornstein–Uhlenbeck) process, so every simulated value is reproducible from a seed.
 */

/** A seeded stream of pseudo-random numbers. */
export interface Prng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal N(0, 1) (Box–Muller). */
  normal(): number;
}

/**
 * mulberry32: a 32-bit state generator, tiny and good enough for simulation noise (not crypto).
 * @example const rng = mulberry32(42); rng.next(); // same sequence for the same seed
 */
export function mulberry32(seed: number): Prng {
  let state = seed >>> 0;
  let spare: number | undefined;
  function next(): number {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  function normal(): number {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = next();
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
  return { next, normal };
}

/**
 * Derives a 32-bit seed from a base seed and labels (FNV-1a), so each station and metric gets its
 * own independent stream: adding a metric or a station never shifts the values of the others.
 */
export function deriveSeed(seed: number, ...labels: readonly string[]): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (const label of labels) {
    for (let i = 0; i < label.length; i++) {
      h ^= label.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    h ^= 0x2f; // separator, so ('ab','c') ≠ ('a','bc')
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Correlated noise: x(t+dt) = φ·x(t) + σ·√(1−φ²)·N(0,1), φ = exp(−dt/τ). Stationary N(0, σ²). */
export interface Ar1 {
  /** Advances by `dtMs` (≤ 0 returns the current value unchanged) and returns the new value. */
  step(dtMs: number): number;
  readonly value: number;
}

export interface Ar1Options {
  /** Correlation time in ms: how long a deviation persists. */
  tauMs: number;
  /** Stationary standard deviation. */
  sigma: number;
  rng: Prng;
}

/**
 * An AR(1) process with an exact time-step discretisation, so irregular sample times (backlogs,
 * replays, jumps of an injected clock) keep the same statistics.
 */
export function createAr1({ tauMs, sigma, rng }: Ar1Options): Ar1 {
  let x = sigma * rng.normal();
  return {
    step(dtMs: number): number {
      if (dtMs <= 0) return x;
      const phi = Math.exp(-dtMs / tauMs);
      x = phi * x + sigma * Math.sqrt(1 - phi * phi) * rng.normal();
      return x;
    },
    get value() {
      return x;
    },
  };
}
