/**
 * @module dashboard/web/views/station/station-index
 * Which index a station type reports, and the pure logic of the level-based ones: air → VN_AQI
 * (QĐ 1459/QĐ-TCMT), surface water → VN_WQI (QĐ 1460/QĐ-TCMT), hydromet → the flood alarm level
 * reached (BĐ I/II/III at the station's own levels), salinity → the salinity class by the ‰ lines
 * of the salinity pack, wastewater → compliance of each metric with the station's limits.
 */
import type { Limit } from './limits';

export type IndexKind = 'vn_aqi' | 'vn_wqi' | 'flood' | 'salinity' | 'compliance' | 'none';

/** The index of a device profile (device-profiles/*.json ids). */
export function indexKindOf(profile: string): IndexKind {
  switch (profile) {
    case 'air-quality':
      return 'vn_aqi';
    case 'surface-water':
      return 'vn_wqi';
    case 'hydromet':
      return 'flood';
    case 'salinity':
      return 'salinity';
    case 'wastewater':
      return 'compliance';
    default:
      return 'none';
  }
}

/** The metric a level-based index reads. */
export const LEVEL_METRIC: Partial<Record<IndexKind, string>> = { flood: 'water_level', salinity: 'salinity' };

export interface LevelState {
  /** 0 = below the first level; n = the n-th level (1-based) reached. */
  reached: number;
  /** The level reached, if any. */
  level: Limit | undefined;
  /** The next level above the value, and how far it is. */
  next: Limit | undefined;
  margin: number | undefined;
}

/** Where `value` stands among ascending alarm levels (reached at value ≥ level). */
export function levelState(value: number, levels: readonly Limit[]): LevelState {
  const sorted = levels.filter((l) => l.kind === 'level').sort((a, b) => a.value - b.value);
  let reached = 0;
  while (reached < sorted.length && value >= sorted[reached]!.value) reached++;
  const next = sorted[reached];
  return { reached, level: reached > 0 ? sorted[reached - 1] : undefined, next, margin: next ? next.value - value : undefined };
}

export type Compliance = 'ok' | 'exceeds' | 'nodata' | 'nolimit';

/** A value against max/min limits: exceeds when above a max or below a min. */
export function compliance(value: number | null | undefined, limits: readonly Limit[]): Compliance {
  const bounds = limits.filter((l) => l.kind !== 'level');
  if (bounds.length === 0) return 'nolimit';
  if (value === null || value === undefined) return 'nodata';
  return bounds.some((l) => (l.kind === 'max' ? value > l.value : value < l.value)) ? 'exceeds' : 'ok';
}

/** Colours of the level states: below any level, then per level reached (info, warning, critical). */
export const LEVEL_COLOURS = ['#2e7d32', '#f9a825', '#ef6c00', '#c62828'];
export function levelColour(reached: number, count: number): string {
  if (reached === 0) return LEVEL_COLOURS[0]!;
  // the top level is always red, whatever the count
  const i = Math.min(LEVEL_COLOURS.length - 1, reached + (LEVEL_COLOURS.length - 1 - count));
  return LEVEL_COLOURS[Math.max(1, i)]!;
}
