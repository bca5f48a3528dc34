/**
 * @module simulators/models/wastewater
 * Value model of the `wastewater` profile: the effluent of a compliant one-shift industrial plant
 * (QCVN 40:2011 column B), flow and loads following the production shift behind the treatment lag.
 */
import { HOUR_MS, type LocalParts } from '../time.js';
import { clampTo, positive, season, smoothstep, softCap, type ModelFactory } from './shared.js';

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
export const wastewater: ModelFactory = (ctx) => {
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
    const lagged = production(ctx.local(t - 1.5 * HOUR_MS));
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
};
