/**
 * @module domain/type-index
 * The small per-type index of the station types without an hourly index (issue #15: "every
 * station type is first-class"): hydromet → the flood alarm level reached against the station's own
 * BĐ I/II/III (attribute floodLevels, QĐ 05/2020/QĐ-TTg), salinity → the salinity class by the
 * 1‰ and 4‰ lines (alerts/packs/salinity.json), wastewater → how many metrics exceed the station's
 * own limits (attribute permitLimits, else the QCVN 40:2011 column of attribute qcvn40Column with
 * Kq × Kf, else column B). Pure: shared by the live overview (api/realtime/live-state.ts), the
 * open data (open/catalog.ts) and the web pages (dashboard/web), so all show the same thing. The
 * salinity lines and QCVN 40 columns come from the rules in force (typeIndexTables), read through
 * the small structural RuleLike so this layer needs nothing from alerts/.
 */

export interface FloodIndex {
  kind: 'flood';
  /** 0 = below BĐ I; n = BĐ n reached (value ≥ level). */
  level: 0 | 1 | 2 | 3;
  value: number;
  unit: 'm';
}

/** fresh: below the 1‰ line; brackish: 1‰ to below 4‰; saline: the 4‰ line or above. */
export type SalinityClass = 'fresh' | 'brackish' | 'saline';

export interface SalinityIndex {
  kind: 'salinity';
  class: SalinityClass;
  value: number;
  unit: '‰';
}

export interface ComplianceIndex {
  kind: 'compliance';
  /** Metrics whose newest value is above a maximum or below a minimum. */
  exceeded: number;
  /** Metrics with a limit. */
  of: number;
}

export type TypeIndex = FloodIndex | SalinityIndex | ComplianceIndex;
export type TypeIndexKind = TypeIndex['kind'];

/** A metric's bounds: the value must stay ≤ max and ≥ min. */
export interface Bounds {
  min?: number;
  max?: number;
}

/** The per-type index of a device profile, if it has one here (air and surface water have VN_AQI/VN_WQI). */
export function typeIndexKindOf(profile: string): TypeIndexKind | undefined {
  return profile === 'hydromet' ? 'flood' : profile === 'salinity' ? 'salinity' : profile === 'wastewater' ? 'compliance' : undefined;
}

/** The metric the flood level and the salinity class read. */
export const TYPE_INDEX_METRIC = { flood: 'water_level', salinity: 'salinity' } as const;

/** The salinity lines in ‰ of rule salinity.salinity-lines (alerts/packs/salinity.json): 1‰ domestic intake, 4‰ (QĐ 18/2021/QĐ-TTg). */
export const SALINITY_LINES_PPT: readonly number[] = [1, 4];
const SALINITY_CLASSES: readonly SalinityClass[] = ['fresh', 'brackish', 'saline'];

/**
 * The station's flood alarm levels (attribute floodLevels: numbers or { value, label }), ascending;
 * undefined when it has none or they are malformed.
 * @example floodLevelsOf({ floodLevels: [9.5, 10.5, 11.5] }) // [9.5, 10.5, 11.5]
 */
export function floodLevelsOf(attributes: Readonly<Record<string, unknown>> | undefined): number[] | undefined {
  const raw = attributes?.['floodLevels'];
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  const out: number[] = [];
  for (const item of raw) {
    const v = typeof item === 'number' ? item : typeof item === 'object' && item !== null ? (item as { value?: unknown }).value : undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
    out.push(v);
  }
  return out.sort((a, b) => a - b);
}

/**
 * The flood alarm level `value` (m) reaches; null without levels or value.
 * @example floodIndex(10.7, [9.5, 10.5, 11.5]) // { kind: 'flood', level: 2, value: 10.7, unit: 'm' }
 */
export function floodIndex(value: number | null | undefined, levels: readonly number[] | undefined): FloodIndex | null {
  if (value === null || value === undefined || !levels || levels.length === 0) return null;
  const reached = levels.filter((l) => value >= l).length;
  return { kind: 'flood', level: Math.min(3, reached) as FloodIndex['level'], value, unit: 'm' };
}

/**
 * The salinity class of `value` (‰) by ascending lines (default: the salinity pack's 1‰ and 4‰).
 * @example salinityIndex(2.3) // { kind: 'salinity', class: 'brackish', value: 2.3, unit: '‰' }
 */
export function salinityIndex(value: number | null | undefined, lines: readonly number[] = SALINITY_LINES_PPT): SalinityIndex | null {
  if (value === null || value === undefined) return null;
  const reached = [...lines].sort((a, b) => a - b).filter((l) => value >= l).length;
  return { kind: 'salinity', class: SALINITY_CLASSES[Math.min(reached, SALINITY_CLASSES.length - 1)]!, value, unit: '‰' };
}

/**
 * Attribute permitLimits: { metric: number (a maximum) | { min?, max? } }.
 * @example permitLimitsOf({ permitLimits: { cod: 75, ph: { min: 6, max: 9 } } }) // Map { cod → { max: 75 }, ph → { min: 6, max: 9 } }
 */
export function permitLimitsOf(attributes: Readonly<Record<string, unknown>> | undefined): Map<string, Bounds> {
  const out = new Map<string, Bounds>();
  const raw = attributes?.['permitLimits'];
  if (typeof raw !== 'object' || raw === null) return out;
  for (const [metric, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v === 'number') out.set(metric, { max: v });
    else if (typeof v === 'object' && v !== null) {
      const o = v as { min?: unknown; max?: unknown };
      out.set(metric, { ...(typeof o.min === 'number' ? { min: o.min } : {}), ...(typeof o.max === 'number' ? { max: o.max } : {}) });
    }
  }
  return out;
}

/** QCVN 40:2011 (Bảng 1 note): Kq and Kf do not apply to temperature, colour and pH. */
const NO_K_FACTOR = new Set(['temp', 'color', 'ph']);

/**
 * A wastewater station's own limits per metric: its permit's where it names the metric, else the
 * QCVN 40:2011 column of attribute qcvn40Column ('A' | 'B') with its Kq × Kf (attributes kq, kf),
 * else column B as the profile's default pack has it (no K factors).
 * @param columns each column's limits (from the packs qcvn40 = B and qcvn40a = A).
 */
export function wastewaterLimits(
  attributes: Readonly<Record<string, unknown>> | undefined,
  columns: Readonly<Partial<Record<'A' | 'B', ReadonlyMap<string, Bounds>>>>,
): Map<string, Bounds> {
  const raw = attributes?.['qcvn40Column'];
  const chosen = typeof raw === 'string' && (raw.toUpperCase() === 'A' || raw.toUpperCase() === 'B') ? (raw.toUpperCase() as 'A' | 'B') : undefined;
  const num = (key: string) => (typeof attributes?.[key] === 'number' ? (attributes[key] as number) : 1);
  const k = chosen ? num('kq') * num('kf') : 1;
  const out = new Map<string, Bounds>();
  for (const [metric, b] of columns[chosen ?? 'B'] ?? new Map<string, Bounds>()) {
    const f = NO_K_FACTOR.has(metric) ? 1 : k;
    const scale = (v: number | undefined) => (v === undefined ? undefined : Math.round(v * f * 1000) / 1000);
    const min = scale(b.min);
    const max = scale(b.max);
    out.set(metric, { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) });
  }
  for (const [metric, b] of permitLimitsOf(attributes)) out.set(metric, b);
  return out;
}

/** Whether `value` is outside `bounds` (above max or below min). */
export function exceeds(value: number, bounds: Bounds): boolean {
  return (bounds.max !== undefined && value > bounds.max) || (bounds.min !== undefined && value < bounds.min);
}

/**
 * How many metrics' newest values exceed their limits, of the metrics with a limit; null without limits.
 * A metric without a value counts in `of` but is not exceeded (the station page shows it "no data").
 * @example complianceIndex(new Map([['cod', 90]]), new Map([['cod', { max: 75 }], ['tss', { max: 50 }]])) // { kind: 'compliance', exceeded: 1, of: 2 }
 */
export function complianceIndex(latest: ReadonlyMap<string, number | null>, limits: ReadonlyMap<string, Bounds>): ComplianceIndex | null {
  let of = 0;
  let exceeded = 0;
  for (const [metric, b] of limits) {
    if (b.min === undefined && b.max === undefined) continue;
    of += 1;
    const v = latest.get(metric);
    if (v !== null && v !== undefined && exceeds(v, b)) exceeded += 1;
  }
  return of === 0 ? null : { kind: 'compliance', exceeded, of };
}

/** Column limits from threshold rules ({ metric, op, raise }): 'above' is a maximum, 'below' a minimum. */
export function boundsFromThresholds(rules: Iterable<{ metric: string; op: 'above' | 'below'; raise: number }>): Map<string, Bounds> {
  const out = new Map<string, Bounds>();
  for (const r of rules) out.set(r.metric, { ...out.get(r.metric), ...(r.op === 'above' ? { max: r.raise } : { min: r.raise }) });
  return out;
}

/** The little of a rule (alerts/rules/types.ts RuleView) the tables read. */
export interface RuleLike {
  pack: string | null;
  rule: {
    enabled: boolean;
    kind: string;
    metric?: string;
    scope: { profile?: string; station?: string };
    op?: string;
    raise?: number;
    levels?: ReadonlyArray<{ value: number }>;
  };
}

export interface TypeIndexTables {
  salinityLines: readonly number[];
  columns: Partial<Record<'A' | 'B', ReadonlyMap<string, Bounds>>>;
}

/** The packs of the QCVN 40:2011 columns. */
const COLUMN_PACKS = { B: 'qcvn40', A: 'qcvn40a' } as const;

/**
 * The rule-derived tables: the levels of the enabled profile-wide levels rule on `salinity` (else
 * SALINITY_LINES_PPT), and each QCVN 40 column's threshold rules, enabled or not (a station picks
 * its column whether that pack is enabled: views/station/limits.ts does the same).
 */
export function typeIndexTables(views: readonly RuleLike[]): TypeIndexTables {
  const salinity = views.find((v) => v.rule.enabled && v.rule.kind === 'levels' && v.rule.metric === TYPE_INDEX_METRIC.salinity && v.rule.scope.profile === 'salinity');
  const lines = salinity?.rule.levels?.map((l) => l.value) ?? [];
  const columns: TypeIndexTables['columns'] = {};
  for (const [column, pack] of Object.entries(COLUMN_PACKS) as Array<['A' | 'B', string]>) {
    const rules = views.flatMap(({ pack: p, rule: r }) =>
      p === pack && r.kind === 'threshold' && r.metric !== undefined && (r.op === 'above' || r.op === 'below') && r.raise !== undefined
        ? [{ metric: r.metric, op: r.op as 'above' | 'below', raise: r.raise }]
        : [],
    );
    if (rules.length > 0) columns[column] = boundsFromThresholds(rules);
  }
  return { salinityLines: lines.length > 0 ? lines : SALINITY_LINES_PPT, columns };
}

export interface StationTypeIndex {
  typeIndex: TypeIndex | null;
  /** The station lacks its own levels (hydromet without floodLevels) or limits (wastewater). */
  typeIndexMissing?: 'levels' | 'limits';
}

/**
 * The per-type index of a station from its newest valid values, or undefined for types that have
 * none here (air, surface water…). `metrics`, when given, limits compliance to those metrics (the
 * open data counts its public metrics only).
 * @example stationTypeIndex({ profileId: 'hydromet', attributes: { floodLevels: [9.5, 10.5, 11.5] } }, new Map([['water_level', 10.7]]), typeIndexTables([]))
 *   // { typeIndex: { kind: 'flood', level: 2, value: 10.7, unit: 'm' } }
 */
export function stationTypeIndex(
  station: { profileId: string; attributes?: Readonly<Record<string, unknown>> | undefined },
  latest: ReadonlyMap<string, number> | undefined,
  tables: TypeIndexTables,
  metrics?: readonly string[],
): StationTypeIndex | undefined {
  const kind = typeIndexKindOf(station.profileId);
  if (kind === 'flood') {
    const levels = floodLevelsOf(station.attributes);
    if (!levels) return { typeIndex: null, typeIndexMissing: 'levels' };
    return { typeIndex: floodIndex(latest?.get(TYPE_INDEX_METRIC.flood), levels) };
  }
  if (kind === 'salinity') return { typeIndex: salinityIndex(latest?.get(TYPE_INDEX_METRIC.salinity), tables.salinityLines) };
  if (kind === 'compliance') {
    const limits = wastewaterLimits(station.attributes, tables.columns);
    if (metrics) for (const m of [...limits.keys()]) if (!metrics.includes(m)) limits.delete(m);
    if (limits.size === 0) return { typeIndex: null, typeIndexMissing: 'limits' };
    // no value yet for any limited metric: nothing to say
    const known = [...limits.keys()].some((m) => latest?.has(m));
    return { typeIndex: known ? complianceIndex(latest ?? new Map<string, number>(), limits) : null };
  }
  return undefined;
}

/** A short key that changes when the shown per-type index does (api/realtime/frames.ts). */
export function typeIndexKey(t: TypeIndex | null | undefined): string {
  if (!t) return '';
  return t.kind === 'flood' ? `f${t.level}:${t.value}` : t.kind === 'salinity' ? `s${t.class}:${t.value}` : `c${t.exceeded}/${t.of}`;
}
