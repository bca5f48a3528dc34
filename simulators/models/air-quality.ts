/**
 * @module simulators/models/air-quality
 * Value model of the `air-quality` profile: Hanoi-like ambient air (particulates, traffic gases,
 * photochemical ozone) on top of the shared meteorology. QCVN 05:2023 magnitudes.
 */
import { HOUR_MS, type LocalParts } from '../time.js';
import { meteorology } from './meteorology.js';
import { bump, clampTo, season, type ModelFactory } from './shared.js';

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
export const airQuality: ModelFactory = (ctx) => {
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
