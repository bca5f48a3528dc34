/**
 * @module simulators/models/meteorology
 * The weather shared by the air-quality and hydromet models: temperature, humidity, pressure and
 * wind of the Red River delta (Hanoi), driven by season and hour of day.
 */
import { HOUR_MS, type LocalParts } from '../time.js';
import { bump, clampTo, season, TWO_PI, type MetricValues, type ModelContext } from './shared.js';

/**
 * Meteorology of the Red River delta (Hanoi): Jan mean ~17 °C, Jul ~30 °C, diurnal max ~14:30;
 * RH anti-correlated with the diurnal temperature wave; NE monsoon in winter, SE in summer.
 */
export function meteorology(ctx: ModelContext): (local: LocalParts, dtMs: number) => MetricValues {
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
