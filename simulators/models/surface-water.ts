/**
 * @module simulators/models/surface-water
 * Value model of the `surface-water` profile: an urban river at QCVN 08:2023 levels B–C, with
 * daytime photosynthesis and wet-season runoff.
 */
import { HOUR_MS } from '../time.js';
import { bump, clampTo, positive, season, TWO_PI, type ModelFactory } from './shared.js';

/**
 * River water (QCVN 08:2023 levels B–C): pH 7.0–7.8 and DO rising with daytime photosynthesis,
 * DO tied to the temperature-dependent saturation; more suspended solids in the wet season.
 */
export const surfaceWater: ModelFactory = (ctx) => {
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
