/**
 * @module bulletins/precision
 * How many decimals a bulletin shows for a value: a metric's resolution as its device profile
 * declares it (`decimals`, e.g. PM2.5 1, CO 0, COD 2), else the QCVN reporting convention by unit
 * (µg/m³ 1, mg/L 2, others 2); VN_AQI and VN_WQI are whole numbers, percentages 1 decimal. Both
 * renderings (render-csv.ts, render-html.ts) round with it; the model keeps full precision.
 */
import type { LoadedProfile } from '../device-profiles/index.js';
import type { AlertItem, Bulletin } from './model.js';

/** Decimals of `metric` of a station with `profile`, measured in `unit`. */
export type MetricDecimals = (profile: string, metric: string, unit: string) => number;

/** VN_AQI (QCVN 05 / Decision 1459/QĐ-TCMT) and VN_WQI are reported as whole numbers. */
export const INDEX_DECIMALS = 0;
/** A month's mean of daily index values. */
export const MEAN_INDEX_DECIMALS = 1;
export const PERCENT_DECIMALS = 1;
/** An alert's value when its rule names no known metric. */
const FALLBACK_DECIMALS = 2;

/** The QCVN reporting convention by unit: µg/m³ means with 1 decimal, mg/L with 2. */
export function conventionalDecimals(unit: string): number {
  if (unit === 'µg/m³' || unit === 'μg/m³' || unit === 'ug/m3') return 1;
  if (unit === 'mg/L' || unit === 'mg/l') return 2;
  return FALLBACK_DECIMALS;
}

/** The profiles' declared decimals, else the convention. */
export function decimalsFromProfiles(profiles: ReadonlyMap<string, LoadedProfile>): MetricDecimals {
  return (profile, metric, unit) => profiles.get(profile)?.profile.metrics[metric]?.decimals ?? conventionalDecimals(unit);
}

/** Without profiles: the convention by unit. */
export const byUnit: MetricDecimals = (_profile, _metric, unit) => conventionalDecimals(unit);

/** `v` rounded half away from zero to `decimals` (0.05 → 0.1); null stays null. */
export function roundTo(v: number, decimals: number): number;
export function roundTo(v: number | null, decimals: number): number | null;
export function roundTo(v: number | null, decimals: number): number | null {
  if (v === null || !Number.isFinite(v)) return v;
  const f = 10 ** decimals;
  return (Math.sign(v) * Math.round(Math.abs(v) * f + Number.EPSILON * f)) / f;
}

/** The decimals of the values in one bulletin: per station and metric, and per alert (through its rule's limit). */
export function bulletinPrecision(b: Bulletin, decimals: MetricDecimals) {
  const profileOf = new Map<string, string>(b.stations.map((s) => [s.id, s.profile]));
  const limitOf = new Map(b.limits.map((l) => [l.rule, l]));
  const unitOf = new Map<string, string>();
  for (const e of b.exceedances) unitOf.set(`${e.station}\u0000${e.metric}`, e.unit);
  if (b.kind === 'daily') for (const s of b.stations) for (const m of s.metrics) unitOf.set(`${s.id}\u0000${m.metric}`, m.unit);
  return {
    /** A metric's value at a station of the bulletin. */
    metric: (station: string, metric: string, unit: string) => decimals(profileOf.get(station) ?? '', metric, unit),
    /** An alert's value: its rule's metric when the rule is one of the bulletin's limits. */
    alert(a: AlertItem): number {
      const l = limitOf.get(a.rule);
      if (!l) return FALLBACK_DECIMALS;
      return decimals(profileOf.get(a.station) ?? l.profile, l.metric, unitOf.get(`${a.station}\u0000${l.metric}`) ?? '');
    },
  };
}
