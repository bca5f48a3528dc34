/**
 * @module bulletins/limits
 * The QCVN limits a bulletin compares with, taken from the shipped rule packs (qcvn05 air, qcvn08
 * surface water, qcvn40 wastewater): threshold rules over a mean of 60, 480 or 1440 minutes, and
 * which of them are in force on a day or during a period.
 */
import { loadPacks } from '../alerts/packs/index.js';
import type { Rule, ThresholdRule } from '../alerts/rules/types.js';
import type { Limit } from './model.js';

/** The rule packs whose limits a bulletin reports (QCVN 05:2023, 08:2023, 40:2011 column B). */
export const LIMIT_PACKS: readonly string[] = ['qcvn05', 'qcvn08', 'qcvn40'];

/** The QCVN limits of the shipped packs, as the bulletin compares them. */
export function loadLimits(packsDir?: string): Limit[] {
  const out: Limit[] = [];
  for (const pack of loadPacks(packsDir)) {
    if (!LIMIT_PACKS.includes(pack.pack)) continue;
    for (const rule of pack.rules as Rule[]) {
      if (rule.kind !== 'threshold' || rule.enabled === false) continue;
      const r = rule as ThresholdRule;
      if (r.over !== 'mean' || !('profile' in r.scope)) continue;
      const averaging = r.windowMinutes === 60 ? '1h' : r.windowMinutes === 480 ? '8h' : r.windowMinutes === 1440 ? '24h' : undefined;
      if (!averaging) continue;
      out.push({
        rule: r.id,
        pack: pack.pack,
        profile: r.scope.profile,
        metric: r.metric,
        op: r.op,
        value: r.raise,
        averaging,
        name: { vi: r.name.vi, en: r.name.en },
        source: r.source ?? pack.source,
        ...(r.validFrom ? { validFrom: r.validFrom } : {}),
        ...(r.validUntil ? { validUntil: r.validUntil } : {}),
      });
    }
  }
  return out;
}

/** Limits in force on the local day starting at `dayStart` (validity is checked at the day's start). */
export function limitsOn(limits: readonly Limit[], dayStart: number): Limit[] {
  return limits.filter((l) => (!l.validFrom || Date.parse(l.validFrom) <= dayStart) && (!l.validUntil || dayStart < Date.parse(l.validUntil)));
}

/** Limits in force at some time of [from, to). */
export function limitsDuring(limits: readonly Limit[], from: number, to: number): Limit[] {
  return limits.filter((l) => (!l.validUntil || Date.parse(l.validUntil) > from) && (!l.validFrom || Date.parse(l.validFrom) < to));
}
