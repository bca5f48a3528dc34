/**
 * @module dashboard/web/views/station/limits
 * The limits that apply to one station's metrics, each with the source it comes from, so an
 * operator reads a value against the station's OWN limits and knows whose they are:
 *  - threshold rules of the station's profile or of the station itself (QCVN 05/08/40 packs…);
 *  - level rules; a rule with levelsFromStationAttribute takes its values from the station's
 *    attributes (hydromet: floodLevels = BĐ I/II/III in m, QĐ 05/2020/QĐ-TTg). The rule's own
 *    values are then ordinals (1, 2, 3) and are never shown;
 *  - wastewater: the station's permit (attribute permitLimits, e.g. { cod: 75, ph: { min: 6, max: 9 } },
 *    named by permitName) or the QCVN 40:2011 column set by attribute qcvn40Column ('A' | 'B')
 *    with the permit's Kq and Kf (attributes kq, kf), which replace the profile's default column B.
 */
import { permitLimitsOf as permitLimits } from '../../../../../domain/type-index';
import { fmtNum, loc, t } from '../../i18n';
import type { RuleJson, RuleView, StationJson } from './types';

export interface Limit {
  value: number;
  /** max: the value must stay at or below; min: at or above; level: an alarm level, reached at ≥ value. */
  kind: 'max' | 'min' | 'level';
  label: string;
  /** A level's name without its value ("báo động I (BĐ I)"). */
  name?: string;
  /** Who set it: a regulation and its table, the station's permit, or the station's attributes. */
  source: string;
}

export interface StationLimits {
  byMetric: Map<string, Limit[]>;
  /** Metrics whose limits should come from the station but are not set (e.g. no floodLevels). */
  missing: Map<string, string>;
}

/** QCVN 40:2011 (Bảng 1 note): Kq and Kf do not apply to temperature, colour and pH. */
const NO_K_FACTOR = new Set(['temp', 'color', 'ph']);
const WASTEWATER_PACKS: Record<string, string> = { A: 'qcvn40a', B: 'qcvn40' };

/** A rule's source without the verification tags of the packs ("[C = corroborated]", "[V]"). */
export function cleanSource(source: string | undefined): string {
  return (source ?? '').replace(/\s*\[[^\]]*\]/g, '').trim();
}

function applies(rule: RuleJson, station: StationJson, now: number): boolean {
  if (rule.scope.station !== undefined ? rule.scope.station !== station.id : rule.scope.profile !== station.profile) return false;
  return !((rule.validFrom && Date.parse(rule.validFrom) > now) || (rule.validUntil && Date.parse(rule.validUntil) <= now));
}

function thresholdLimit(rule: RuleJson, value: number, source: string): Limit {
  const window = rule.over === 'mean' && rule.windowMinutes ? ` (${t('mean')} ${fmtNum(rule.windowMinutes / 60, 1)} h)` : '';
  const kind = rule.op === 'below' ? 'min' : 'max';
  return { value, kind, label: `${kind === 'min' ? '≥' : '≤'} ${fmtNum(value, 2)}${window}`, source };
}

/** The station's levels for a levels rule: its attribute's (numbers or { value, label }) or the rule's own. */
function levelsOf(rule: RuleJson, attributes: Record<string, unknown>): Array<{ value: number; label: string }> | undefined {
  const template = rule.levels ?? [];
  const key = rule.levelsFromStationAttribute;
  if (key === undefined) return template.map((l) => ({ value: l.value, label: loc(l.label) }));
  const raw = attributes[key];
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  const out: Array<{ value: number; label: string }> = [];
  for (const [i, item] of raw.entries()) {
    const label = template[i] ? loc(template[i].label) : `${t('level')} ${i + 1}`;
    if (typeof item === 'number') out.push({ value: item, label });
    else if (typeof item === 'object' && item !== null && typeof (item as { value?: unknown }).value === 'number') {
      const o = item as { value: number; label?: { en: string; vi: string } };
      out.push({ value: o.value, label: o.label ? loc(o.label) : label });
    } else return undefined;
  }
  return out;
}

/**
 * Every limit of every metric of `station` at `now`.
 * @example stationLimits(rules, { …, profile: 'hydromet', attributes: { floodLevels: [9.5, 10.5, 11.5] } }, Date.now()).byMetric.get('water_level')
 *   // [{ value: 9.5, kind: 'level', label: 'báo động I (BĐ I): 9,5', source: 'Thuộc tính trạm (floodLevels) · QĐ 05/2020/QĐ-TTg' }, …]
 */
export function stationLimits(views: readonly RuleView[], station: StationJson, now: number): StationLimits {
  const attributes = station.attributes ?? {};
  const byMetric = new Map<string, Limit[]>();
  const missing = new Map<string, string>();
  const add = (metric: string, l: Limit) => byMetric.set(metric, [...(byMetric.get(metric) ?? []), l]);

  const column = typeof attributes['qcvn40Column'] === 'string' ? String(attributes['qcvn40Column']).toUpperCase() : undefined;
  const columnPack = column !== undefined ? WASTEWATER_PACKS[column] : undefined;
  const permit = permitLimits(attributes);
  const permitName = typeof attributes['permitName'] === 'string' ? attributes['permitName'] : t('srcPermit');
  const kq = typeof attributes['kq'] === 'number' ? attributes['kq'] : 1;
  const kf = typeof attributes['kf'] === 'number' ? attributes['kf'] : 1;
  // station-scoped threshold rules replace the profile's for the same metric and direction
  const ownThresholds = new Set(
    views.filter((v) => v.rule.enabled && v.rule.kind === 'threshold' && v.rule.scope.station === station.id).map((v) => `${v.rule.metric}|${v.rule.op}`),
  );

  for (const { rule, pack } of views) {
    const metric = rule.metric;
    if (metric === undefined || !applies(rule, station, now)) continue;
    const wastewaterPack = pack !== null && Object.values(WASTEWATER_PACKS).includes(pack);
    if (rule.kind === 'threshold' && rule.raise !== undefined) {
      if (rule.scope.station === undefined && ownThresholds.has(`${metric}|${rule.op}`)) continue;
      if (wastewaterPack && (permit.has(metric) || columnPack !== undefined)) {
        // the permit's column, whether its pack is enabled or not; the default pack gives way
        if (pack !== columnPack || permit.has(metric)) continue;
        const k = NO_K_FACTOR.has(metric) ? 1 : kq * kf;
        const src = `${cleanSource(rule.source).replace(/,?\s*Bảng 1.*$/, '')}, ${t('column')} ${column}${k === 1 ? '' : `, Kq = ${fmtNum(kq, 2)} × Kf = ${fmtNum(kf, 2)}`}`;
        add(metric, thresholdLimit(rule, Math.round(rule.raise * k * 1000) / 1000, src));
        continue;
      }
      if (!rule.enabled) continue;
      add(metric, thresholdLimit(rule, rule.raise, cleanSource(rule.source) || loc(rule.name)));
    } else if (rule.kind === 'levels' && rule.enabled) {
      const levels = levelsOf(rule, attributes);
      const key = rule.levelsFromStationAttribute;
      if (!levels) {
        missing.set(metric, `${t('noStationLevels')} (${key ?? ''})`);
        continue;
      }
      const source = key !== undefined ? `${t('srcStationAttr')} (${key}) · ${cleanSource(rule.source)}` : cleanSource(rule.source) || loc(rule.name);
      for (const l of levels) add(metric, { value: l.value, kind: 'level', name: l.label, label: `${l.label}: ${fmtNum(l.value, 2)}`, source });
    }
  }
  for (const [metric, p] of permit) {
    if (p.min !== undefined) add(metric, { value: p.min, kind: 'min', label: `≥ ${fmtNum(p.min, 2)}`, source: permitName });
    if (p.max !== undefined) add(metric, { value: p.max, kind: 'max', label: `≤ ${fmtNum(p.max, 2)}`, source: permitName });
  }
  for (const [metric, list] of byMetric) {
    const seen = new Set<string>();
    byMetric.set(
      metric,
      list.filter((l) => (seen.has(`${l.kind}${l.value}`) ? false : (seen.add(`${l.kind}${l.value}`), true))).sort((a, b) => a.value - b.value),
    );
  }
  return { byMetric, missing };
}

/** The distinct sources of `limits`, numbered in order of first use (for footnotes). */
export function sourceIndex(all: Iterable<Limit[]>): Map<string, number> {
  const out = new Map<string, number>();
  for (const list of all) for (const l of list) if (!out.has(l.source)) out.set(l.source, out.size + 1);
  return out;
}
