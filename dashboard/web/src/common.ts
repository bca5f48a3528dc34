/** Colours, orderings and small widgets shared by the views. */
import { VN_AQI_CATEGORIES, VN_WQI_CLASSES } from '../../../domain/indices/categories';
import type { AlertJson, LiveState, Severity, StationLive } from '../../../domain/live';
import { h } from './dom';
import { lang, loc, tk } from './i18n';
import { shownTypeIndex } from './type-index';

export const STATE_COLOUR: Record<LiveState, string> = { online: '#1b7f3b', stale: '#d89a00', offline: '#c62828' };
export const NO_AQI_COLOUR = '#c9d1d9';
export const SEVERITY_RANK: Record<Severity, number> = { critical: 3, warning: 2, info: 1 };

export function aqiCategory(key: string | null) {
  return key ? VN_AQI_CATEGORIES.find((c) => c.key === key) : undefined;
}
export function aqiColour(key: string | null): string {
  return aqiCategory(key)?.colorHex ?? NO_AQI_COLOUR;
}
export function aqiName(key: string | null): string {
  const c = aqiCategory(key);
  return c ? (lang() === 'vi' ? c.nameVi : c.nameEn) : '';
}
export function wqiClass(key: string | null) {
  return key ? VN_WQI_CLASSES.find((c) => c.key === key) : undefined;
}
export function wqiColour(key: string | null): string {
  return wqiClass(key)?.colorHex ?? NO_AQI_COLOUR;
}
export function wqiName(key: string | null): string {
  const c = wqiClass(key);
  return c ? (lang() === 'vi' ? c.nameVi : c.nameEn) : '';
}

/**
 * The index a station shows on the list, the map and the wall: VN_WQI for surface water, the flood
 * level, salinity class or limit compliance for hydromet, salinity and wastewater (type-index.ts),
 * VN_AQI for the others that have one.
 */
export interface ShownIndex {
  /** 'VN_AQI' | 'VN_WQI', or the per-type index's heading. */
  name: string;
  value: number | null;
  /** What the chip and the tile show: the value, or the per-type label ('BĐ II', 'Lợ', '2/3'); '–' without one. */
  text: string;
  /** The per-type index's value with its unit ('10,7 m'), or ''. */
  detail?: string;
  /** The per-type index's kind and class (data attributes). */
  kind?: string;
  cls?: string;
  colour: string;
  /** The category's name in the current language ('' without a value). */
  category: string;
  /** The category's level, 1 (best) … 6 (worst), every index alike; 0 without a value. */
  level: number;
}
export function stationIndex(s: StationLive): ShownIndex {
  if (s.profile === 'surface-water') {
    const key = s.vnWqiClass ?? null;
    const value = s.vnWqi ?? null;
    return { name: 'VN_WQI', value, text: value === null ? '–' : String(value), colour: wqiColour(key), category: wqiName(key), level: wqiClass(key)?.level ?? 0 };
  }
  const own = shownTypeIndex(s);
  if (own) return { name: own.name, value: null, text: own.text, detail: own.detail, kind: own.kind, cls: own.cls, colour: own.colour, category: own.category, level: own.level };
  if (s.aqi !== null || s.profile === 'air-quality')
    return {
      name: 'VN_AQI',
      value: s.aqi,
      text: s.aqi === null ? '–' : String(s.aqi),
      colour: aqiColour(s.aqiCategory),
      category: aqiName(s.aqiCategory),
      level: aqiCategory(s.aqiCategory)?.level ?? 0,
    };
  return { name: '', value: null, text: '–', colour: NO_AQI_COLOUR, category: '', level: 0 };
}
/** The station's own index as a coloured chip (list rows, map popups). */
export function indexChip(s: StationLive): HTMLElement {
  const i = stationIndex(s);
  return h(
    'span',
    {
      class: 'aqi-chip',
      data: { index: i.name, ...(i.kind ? { kind: i.kind, class: i.cls ?? '' } : {}) },
      style: { background: i.colour, color: inkOn(i.colour) },
      title: `${i.name}${i.category ? ': ' + i.category : ''}${i.detail ? ` (${i.detail})` : ''}`,
    },
    i.text,
  );
}

/** Black or white text, whichever reads better on `hex`. */
export function inkOn(hex: string): string {
  const n = parseInt(hex.slice(1), 16);
  const lum = (0.299 * ((n >> 16) & 255) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255)) / 255;
  return lum > 0.6 ? '#111' : '#fff';
}

export function stateBadge(state: LiveState): HTMLElement {
  return h('span', { class: `badge state-${state}` }, tk('state', state));
}
export function severityBadge(severity: Severity): HTMLElement {
  return h('span', { class: `badge sev-${severity}` }, tk('sev', severity));
}
export function alertStateBadge(state: AlertJson['state']): HTMLElement {
  return h('span', { class: `badge ast-${state}` }, tk('st', state));
}
export function aqiChip(aqi: number | null, key: string | null): HTMLElement {
  const colour = aqiColour(key);
  return h('span', { class: 'aqi-chip', style: { background: colour, color: inkOn(colour) }, title: aqiName(key) }, aqi === null ? '–' : String(aqi));
}

/** Open alerts: most severe first, then newest first. */
export function byUrgency(a: AlertJson, b: AlertJson): number {
  return SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || b.openedAt.localeCompare(a.openedAt);
}

/** An alert's message in the current language. The server strips verification markers ([V], [C], [M], [U]); this strips them again, defensively. */
export function alertText(a: Pick<AlertJson, 'message'>): string {
  return loc(a.message)
    .replace(/\s*\[[VCMU]\]/g, '')
    .trim();
}

/** The station page's charts around an instant (an alert's): /stations/{id}?at=… */
export function chartHref(station: string, at: string): string {
  return `/stations/${encodeURIComponent(station)}?at=${encodeURIComponent(at)}`;
}
