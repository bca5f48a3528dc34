/**
 * @module simulators/models/salinity
 * Value model of the `salinity` profile: a Mekong delta estuary, salinity riding the astronomical
 * tide in the dry season (QĐ 18/2021 1‰/4‰ lines), near fresh in the wet season.
 */
import { HOUR_MS } from '../time.js';
import { season, TWO_PI, type ModelFactory } from './shared.js';

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
export const salinity: ModelFactory = (ctx) => {
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
