/**
 * @module simulators/models
 * Realistic value models, one per device profile id, driven by Vietnam local time (UTC+7).
 *
 * Every model is a function of time plus AR(1) noise from a seeded PRNG, so the same seed and the
 * same sequence of sample times always give the same values. Magnitudes follow
 * /work/shared/domain/STANDARDS.md: QCVN 05:2023 (air), QCVN 08:2023 (surface water),
 * QCVN 40:2011 column B (wastewater), QĐ 05/2020 flood levels and the 1‰/4‰ salinity lines (§6).
 */
import type { DeviceProfile, MetricDefinition } from '../device-profiles/types.js';
import { createAr1, deriveSeed, mulberry32, type Ar1, type Prng } from './prng.js';
import { HOUR_MS, localParts, type LocalParts } from './time.js';

/** Profile ids that have a dedicated model; any other profile gets the generic model. */
export const MODEL_IDS = ['air-quality', 'surface-water', 'wastewater', 'hydromet', 'salinity'] as const;
export type ModelId = (typeof MODEL_IDS)[number];

/** Raw (unrounded) values by metric key. */
export type MetricValues = Record<string, number>;

/**
 * Values that replace the model's own before derived metrics are computed. For `air-quality`, a
 * `pm25` override (e.g. the Hanoi replay) also drives `pm10` and `tsp`.
 */
export type ModelOverrides = Readonly<Partial<Record<string, number>>>;

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
}

/** Everything a model implementation needs: named, independently seeded noise sources. */
interface ModelContext {
  /** An AR(1) noise source with its own stream, keyed by name. */
  ar(name: string, tauMs: number, sigma: number): Ar1;
  rng(name: string): Prng;
}

/** One step of a model: raw values at `t`, `dtMs` after the previous step (0 on the first). */
type ModelStep = (t: number, local: LocalParts, dtMs: number, overrides: ModelOverrides) => MetricValues;
type ModelFactory = (ctx: ModelContext) => ModelStep;

const TWO_PI = 2 * Math.PI;

/** Annual cosine, 1 on `peakDay` (0-based day of year), −1 half a year later. */
function season(local: LocalParts, peakDay: number): number {
  return Math.cos((TWO_PI * (local.dayOfYear - peakDay)) / 365.25);
}

/** A Gaussian bump on the 24 h circle centred on `center` h with std-dev `width` h. */
function bump(hour: number, center: number, width: number): number {
  const d = Math.abs(hour - center);
  const c = Math.min(d, 24 - d);
  return Math.exp(-0.5 * (c / width) ** 2);
}

/** Smooth 0→1 step between `from` and `to`. */
function smoothstep(x: number, from: number, to: number): number {
  const u = Math.min(1, Math.max(0, (x - from) / (to - from)));
  return u * u * (3 - 2 * u);
}

/**
 * Saturates smoothly below `cap`: identity up to 80 % of it, then an exponential approach, so a
 * compliant plant's effluent stays under its QCVN limit whatever the noise does.
 */
function softCap(x: number, cap: number): number {
  const knee = 0.8 * cap;
  if (x <= knee) return x;
  const room = cap - knee;
  return cap - room * Math.exp(-(x - knee) / room);
}

function positive(x: number, floor = 0): number {
  return x < floor ? floor : x;
}

function clampTo(x: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, x));
}

/**
 * Meteorology of the Red River delta (Hanoi): Jan mean ~17 °C, Jul ~30 °C, diurnal max ~14:30;
 * RH anti-correlated with the diurnal temperature wave; NE monsoon in winter, SE in summer.
 */
function meteorology(ctx: ModelContext): (local: LocalParts, dtMs: number) => MetricValues {
  const tSynoptic = ctx.ar('met.temp.synoptic', 2 * 24 * HOUR_MS, 1.8);
  const tFast = ctx.ar('met.temp.fast', HOUR_MS, 0.3);
  const rhNoise = ctx.ar('met.rh', 6 * HOUR_MS, 4);
  const pNoise = ctx.ar('met.pressure', 2 * 24 * HOUR_MS, 2.5);
  const wNoise = ctx.ar('met.wind', 2 * HOUR_MS, 0.8);
  const dirNoise = ctx.ar('met.dir', 6 * HOUR_MS, 1);
  return (local, dtMs) => {
    const h = local.hourOfDay;
    const winter = season(local, 15);
    const tMean = 23.5 - 6.5 * winter;
    const diurnal = 3.5 * Math.cos((TWO_PI * (h - 14.5)) / 24);
    const synoptic = tSynoptic.step(dtMs);
    const temp = tMean + diurnal + synoptic + tFast.step(dtMs);
    const rh = clampTo(78 + 6 * season(local, 60) - 4.2 * diurnal - 1.5 * synoptic + rhNoise.step(dtMs), 25, 100);
    // Semi-diurnal atmospheric tide (~1.2 hPa, maxima ~10:00 and ~22:00) on the winter high.
    const pressure = 1012 + 8 * winter + 1.2 * Math.cos((TWO_PI * (h - 10)) / 12) + pNoise.step(dtMs);
    const windSpeed = Math.abs(1.6 + 1.2 * bump(h, 14, 3.5) + wNoise.step(dtMs));
    const windDir = (((90 - 45 * winter + 40 * dirNoise.step(dtMs)) % 360) + 360) % 360;
    return { temp, rh, pressure, wind_speed: windSpeed, wind_dir: windDir };
  };
}

/** Urban traffic activity, 0–~1.1: morning (07:30) and evening (18:30) rush hours, quieter Sundays. */
function traffic(local: LocalParts): number {
  const h = local.hourOfDay;
  const day = local.weekday === 0 ? 0.75 : 1;
  return day * (0.25 + 0.7 * bump(h, 7.6, 1.2) + 0.8 * bump(h, 18.5, 1.6) + 0.2 * bump(h, 12, 3));
}

/**
 * Ambient air (Hanoi-like): PM2.5 monthly means ~80 µg/m³ in January and ~22 in July, peaks at the
 * morning rush and in the evening (traffic under a shallow night-time boundary layer), minimum in
 * the afternoon; PM10 = 1.3–1.8 × PM2.5; NO2/CO follow traffic; O3 photochemical peak ~13:30.
 * All stay mostly below the QCVN 05:2023 1 h limits (NO2 200, CO 30000, O3 200 µg/m³).
 */
const airQuality: ModelFactory = (ctx) => {
  const met = meteorology(ctx);
  const pmSlow = ctx.ar('pm.slow', 8 * HOUR_MS, 0.35);
  const pmFast = ctx.ar('pm.fast', 15 * 60_000, 0.06);
  const ratio = ctx.ar('pm10.ratio', 12 * HOUR_MS, 0.1);
  const tspRatio = ctx.ar('tsp.ratio', 12 * HOUR_MS, 0.08);
  const no2Noise = ctx.ar('no2', 3 * HOUR_MS, 0.2);
  const coNoise = ctx.ar('co', 3 * HOUR_MS, 0.2);
  const so2Noise = ctx.ar('so2', 6 * HOUR_MS, 0.3);
  const o3Noise = ctx.ar('o3', 4 * HOUR_MS, 0.2);
  return (_t, local, dtMs, overrides) => {
    const h = local.hourOfDay;
    const winter = season(local, 15);
    const diurnalPm = 0.85 + 0.3 * bump(h, 7.5, 1.2) + 0.45 * bump(h, 20.5, 2.2) - 0.25 * bump(h, 14.5, 2.5);
    const modelPm25 = (50 + 28 * winter) * diurnalPm * Math.exp(pmSlow.step(dtMs) + pmFast.step(dtMs) - 0.06);
    const pm25 = overrides.pm25 ?? modelPm25;
    const pm10 = pm25 * clampTo(1.55 + ratio.step(dtMs), 1.3, 1.8);
    const tsp = pm10 * clampTo(1.45 + tspRatio.step(dtMs), 1.25, 1.7);
    const tr = traffic(local);
    const no2 = (15 + 55 * tr) * (1 + 0.25 * winter) * Math.exp(no2Noise.step(dtMs));
    const co = (500 + 1600 * tr) * (1 + 0.3 * winter) * Math.exp(coNoise.step(dtMs));
    const so2 = (10 + 8 * bump(h, 9, 3)) * (1 + 0.3 * winter) * Math.exp(so2Noise.step(dtMs));
    // NO titration keeps night-time O3 low; photochemistry peaks early afternoon, strongest in spring/autumn.
    const o3 = (8 + 105 * bump(h, 13.6, 2.4) * (1 + 0.2 * season(local, 120))) * Math.exp(o3Noise.step(dtMs));
    return { ...met(local, dtMs), pm25, pm10, tsp, no2, co, so2, o3 };
  };
};

/**
 * River water (QCVN 08:2023 levels B–C): pH 7.0–7.8 and DO rising with daytime photosynthesis,
 * DO tied to the temperature-dependent saturation; more suspended solids in the wet season.
 */
const surfaceWater: ModelFactory = (ctx) => {
  const tNoise = ctx.ar('temp', 3 * 24 * HOUR_MS, 0.7);
  const doNoise = ctx.ar('do', 12 * HOUR_MS, 0.04);
  const phNoise = ctx.ar('ph', 24 * HOUR_MS, 0.1);
  const ecNoise = ctx.ar('ec', 2 * 24 * HOUR_MS, 25);
  const tssNoise = ctx.ar('tss', 24 * HOUR_MS, 0.3);
  const turbNoise = ctx.ar('turbidity', 6 * HOUR_MS, 0.08);
  const codNoise = ctx.ar('cod', 24 * HOUR_MS, 2.5);
  const tocNoise = ctx.ar('toc', 12 * HOUR_MS, 0.05);
  const nh4Noise = ctx.ar('nh4', 24 * HOUR_MS, 0.4);
  const no3Noise = ctx.ar('no3', 2 * 24 * HOUR_MS, 0.15);
  const po4Noise = ctx.ar('po4', 24 * HOUR_MS, 0.35);
  const coliNoise = ctx.ar('coliform', 24 * HOUR_MS, 0.4);
  return (_t, local, dtMs) => {
    const h = local.hourOfDay;
    const wet = Math.max(0, season(local, 213));
    const temp = 24.5 - 6 * season(local, 20) + 0.8 * Math.cos((TWO_PI * (h - 16)) / 24) + tNoise.step(dtMs);
    const photo = bump(h, 14, 3);
    // DO saturation (mg/L) at temperature T, freshwater, sea level (APHA polynomial).
    const doSat = 14.62 - 0.3898 * temp + 0.006969 * temp ** 2 - 0.00005897 * temp ** 3;
    const dissolvedOxygen = doSat * clampTo(0.7 + 0.18 * photo + doNoise.step(dtMs), 0.3, 1.2);
    const ph = clampTo(7.3 + 0.3 * photo + phNoise.step(dtMs), 6.8, 8.1);
    const ec = positive(320 - 80 * wet + ecNoise.step(dtMs), 80);
    const tss = (35 + 90 * wet) * Math.exp(tssNoise.step(dtMs));
    const turbidity = tss * 0.75 * Math.exp(turbNoise.step(dtMs));
    const cod = positive(14 + 4 * wet + codNoise.step(dtMs), 4);
    const toc = cod * 0.33 * Math.exp(tocNoise.step(dtMs));
    const nh4 = 0.22 * Math.exp(nh4Noise.step(dtMs)) + 0.1 * bump(h, 8, 3);
    const no3 = positive(0.9 + 0.3 * wet + no3Noise.step(dtMs), 0.05);
    const po4 = 0.08 * Math.exp(po4Noise.step(dtMs));
    // Urban river: a few thousand MPN/100 mL, more after rain (runoff) — QCVN 08 level B/C.
    const coliform = (2500 + 4000 * wet) * Math.exp(coliNoise.step(dtMs));
    return { temp, do: dissolvedOxygen, ph, ec, tss, turbidity, cod, toc, nh4, no3, po4, coliform };
  };
};

/** One-shift plant: production 07:00–16:00, Monday–Saturday (0 = idle, 1 = full). */
function production(local: LocalParts): number {
  if (local.weekday === 0) return 0;
  const h = local.hourOfDay;
  return smoothstep(h, 6.5, 7.5) * (1 - smoothstep(h, 15.5, 16.5));
}

/**
 * Industrial effluent of a compliant one-shift plant: flow near zero at night, ~120 m³/h during the
 * shift, outlet lagging the inlet by the treatment retention (~1.5 h); COD/TSS/NH4/colour/TN/TP
 * around but below QCVN 40:2011 column B (150/100/10/150/40/6), enforced with a soft cap.
 */
const wastewater: ModelFactory = (ctx) => {
  const inNoise = ctx.ar('flow_in', 30 * 60_000, 0.08);
  const outNoise = ctx.ar('flow_out', 30 * 60_000, 0.05);
  const idleNoise = ctx.ar('flow.idle', HOUR_MS, 1);
  const tNoise = ctx.ar('temp', 6 * HOUR_MS, 0.6);
  const phNoise = ctx.ar('ph', 4 * HOUR_MS, 0.15);
  const codNoise = ctx.ar('cod', 3 * HOUR_MS, 10);
  const tssNoise = ctx.ar('tss', 3 * HOUR_MS, 6);
  const nh4Noise = ctx.ar('nh4', 3 * HOUR_MS, 0.8);
  const colorNoise = ctx.ar('color', 3 * HOUR_MS, 10);
  const tnNoise = ctx.ar('tn', 3 * HOUR_MS, 2.5);
  const tpNoise = ctx.ar('tp', 3 * HOUR_MS, 0.35);
  return (t, local, dtMs) => {
    const prod = production(local);
    const lagged = production(localParts(t - 1.5 * HOUR_MS));
    const idle = positive(1.2 + idleNoise.step(dtMs));
    const flowIn = idle + 118 * prod * (1 + inNoise.step(dtMs));
    const flowOut = 0.97 * (idle + 118 * lagged * (1 + outNoise.step(dtMs)));
    const temp = 27 - 4 * season(local, 15) + 5 * lagged + tNoise.step(dtMs);
    const ph = clampTo(7.3 + 0.2 * lagged + phNoise.step(dtMs), 6.2, 8.6);
    const cod = softCap(positive(55 + 50 * lagged + codNoise.step(dtMs), 5), 145);
    const tss = softCap(positive(30 + 30 * lagged + tssNoise.step(dtMs), 2), 95);
    const nh4 = softCap(positive(2.5 + 3.5 * lagged + nh4Noise.step(dtMs), 0.1), 9.5);
    const color = softCap(positive(50 + 50 * lagged + colorNoise.step(dtMs), 5), 145);
    const tn = softCap(positive(12 + 14 * lagged + tnNoise.step(dtMs), 1), 38);
    const tp = softCap(positive(1.2 + 2.2 * lagged + tpNoise.step(dtMs), 0.05), 5.6);
    return { flow_in: flowIn, flow_out: flowOut, temp, ph, cod, tss, nh4, color, tn, tp };
  };
}

/** Rain events: a seasonal Poisson process of storms, integrated in ≤ 5 min sub-steps. */
const RAIN_SUBSTEP_MS = 5 * 60_000;
/** Beyond this gap between samples the catchment state is simply carried over (no replay of storms). */
const RAIN_MAX_CATCHUP_MS = 3 * 24 * HOUR_MS;

/**
 * River stage of a Red River-like station (Hà Nội/Long Biên: flood alarm levels I/II/III at
 * 9.5/10.5/11.5 m, QĐ 05/2020): ~1.7 m in the dry season, ~6.8 m in August, with storms of
 * 1–5 h feeding a two-reservoir catchment so a big storm raises the stage by metres over a day
 * or two. `rain` is the rainfall since the previous reading.
 */
const hydromet: ModelFactory = (ctx) => {
  const met = meteorology(ctx);
  const rng = ctx.rng('rain.events');
  const levelNoise = ctx.ar('water_level', 6 * HOUR_MS, 0.05);
  let stormLeftMs = 0;
  let intensity = 0; // mm/h
  let fast = 0; // m, quick-flow reservoir
  let slow = 0; // m, river stage contribution
  let clock: number | undefined;
  function advance(to: number): number {
    if (clock === undefined || to - clock > RAIN_MAX_CATCHUP_MS) clock = to;
    let rainMm = 0;
    while (clock < to) {
      const dt = Math.min(RAIN_SUBSTEP_MS, to - clock);
      const local = localParts(clock);
      const wet = (season(local, 200) + 1) / 2;
      if (stormLeftMs <= 0) {
        const ratePerHour = 1 / (36 + 164 * (1 - wet));
        if (rng.next() < ratePerHour * (dt / HOUR_MS)) {
          stormLeftMs = (1 + 4 * rng.next()) * HOUR_MS;
          intensity = -Math.log(1 - rng.next()) * (2 + 8 * wet);
        }
      }
      let r = 0;
      if (stormLeftMs > 0) {
        const step = Math.min(dt, stormLeftMs);
        r = (intensity * step) / HOUR_MS;
        stormLeftMs -= step;
      }
      rainMm += r;
      fast += 0.025 * r;
      const transfer = fast * (1 - Math.exp(-dt / (8 * HOUR_MS)));
      fast -= transfer;
      slow = slow * Math.exp(-dt / (60 * HOUR_MS)) + transfer;
      clock += dt;
    }
    return rainMm;
  }
  return (t, local, dtMs) => {
    const rain = advance(t);
    const base = 4.2 + 2.6 * season(local, 220);
    const waterLevel = base + slow + levelNoise.step(dtMs);
    return { ...met(local, dtMs), rain, water_level: waterLevel };
  };
};

/** Tidal constituents (period in hours, amplitude in m, phase in rad): mixed, mainly semi-diurnal. */
const TIDE = [
  { periodH: 12.4206, amp: 0.95, phase: 0 }, // M2: the 12.42 h semi-diurnal lunar tide
  { periodH: 12.0, amp: 0.4, phase: 0.8 }, // S2: beats with M2 → spring–neap cycle of 14.77 days
  { periodH: 23.9345, amp: 0.5, phase: 1.7 }, // K1
  { periodH: 25.8193, amp: 0.35, phase: 2.4 }, // O1
] as const;

/** Astronomical tide height (m, relative to mean sea level) at `epochMs`. */
export function tideHeight(epochMs: number): number {
  const hours = epochMs / HOUR_MS;
  let sum = 0;
  for (const c of TIDE) sum += c.amp * Math.cos((TWO_PI * hours) / c.periodH + c.phase);
  return sum;
}

/**
 * Estuary salinity (Mekong delta, QĐ 18/2021: the 1‰ and 4‰ lines): in the dry season (peak mid
 * March) salinity rises and falls with the tide ~1.5 h behind it, crossing 1‰ and 4‰ on spring
 * tides; in the wet season it stays near fresh. EC follows salinity (~1.56 mS/cm per ‰).
 */
const salinity: ModelFactory = (ctx) => {
  const surge = ctx.ar('water_level', 12 * HOUR_MS, 0.08);
  const sNoise = ctx.ar('salinity', 24 * HOUR_MS, 0.15);
  const ecNoise = ctx.ar('ec', HOUR_MS, 0.02);
  const tNoise = ctx.ar('temp', 2 * 24 * HOUR_MS, 0.5);
  return (t, local, dtMs) => {
    const h = local.hourOfDay;
    const dry = Math.max(0, season(local, 75));
    const wet = Math.max(0, season(local, 260));
    const waterLevel = 0.2 + 0.35 * wet + tideHeight(t) + surge.step(dtMs);
    const lagged = tideHeight(t - 1.5 * HOUR_MS) / 1.2;
    const base = 0.1 + 3.8 * dry ** 1.3;
    const sal = base * Math.exp(0.9 * lagged + sNoise.step(dtMs));
    const ec = (150 + 1560 * sal) * Math.exp(ecNoise.step(dtMs));
    const temp = 28.5 + 1.5 * season(local, 120) + 0.6 * Math.cos((TWO_PI * (h - 15)) / 24) + tNoise.step(dtMs);
    return { salinity: sal, water_level: waterLevel, ec, temp };
  };
};

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
export function createValueModel(profile: DeviceProfile, { seed = 1, metrics }: ValueModelOptions = {}): ValueModel {
  const keys = metrics ? Object.keys(profile.metrics).filter((k) => metrics.includes(k)) : Object.keys(profile.metrics);
  const ctx: ModelContext = {
    ar: (name, tauMs, sigma) => createAr1({ tauMs, sigma, rng: mulberry32(deriveSeed(seed, profile.id, name)) }),
    rng: (name) => mulberry32(deriveSeed(seed, profile.id, name)),
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
      const raw = step(epochMs, localParts(epochMs), dtMs, overrides);
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
