/**
 * @module simulators/models/hydromet
 * Value model of the `hydromet` profile: a Red River-like gauging station, with seasonal storms
 * (rain) feeding a two-reservoir catchment (river stage), on top of the shared meteorology.
 */
import { HOUR_MS } from '../time.js';
import { meteorology } from './meteorology.js';
import { season, type ModelFactory } from './shared.js';

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
export const hydromet: ModelFactory = (ctx) => {
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
      const local = ctx.local(clock);
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
