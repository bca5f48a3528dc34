/**
 * @module alerts/rules/levels
 * Ascending alarm levels (VN_AQI categories, flood alarm levels BĐ I/II/III, salinity lines):
 * the highest level reached (value ≥ level) by the newest valid value sets the severity, label
 * and `level` index. Hysteresis: a level once held is left only when the value falls below
 * level − hysteresis, possibly several levels at once.
 *
 * Per-station levels: with levelsFromStationAttribute the values come from the station's
 * attributes, e.g. { floodLevels: [9.5, 10.5, 11.5] } for Hà Nội (Long Biên), QĐ 05/2020/QĐ-TTg.
 * An array of numbers is mapped by index onto the rule's levels (their severity and label; the
 * rule's own values are then unused); an array of { value, severity?, label? } may override them.
 */
import { difference } from '../../lib/decimal.js';
import { cite, exact, numNear } from './format.js';
import { evidenceOf, freshValidSeries } from './samples.js';
import type { Condition, EvalInput, Evaluator, LevelsRule, LocalizedText, Severity } from './types.js';
import { SEVERITIES } from './types.js';

export type Level = LevelsRule['levels'][number];

function isText(x: unknown): x is LocalizedText {
  if (typeof x !== 'object' || x === null) return false;
  const t = x as Record<string, unknown>;
  return typeof t.en === 'string' && typeof t.vi === 'string';
}

function isSeverity(x: unknown): x is Severity {
  return typeof x === 'string' && (SEVERITIES as readonly string[]).includes(x);
}

/** The rule's level at `i`, or a generic one past the rule's last level. */
function templateAt(rule: LevelsRule, i: number): Omit<Level, 'value'> {
  const t = rule.levels[i];
  if (t !== undefined) return { severity: t.severity, label: t.label };
  return { severity: rule.levels.at(-1)?.severity ?? rule.severity, label: { en: `Level ${i + 1}`, vi: `Mức ${i + 1}` } };
}

/**
 * The levels that apply to the station: the rule's, or the station attribute's mapped onto them.
 * @returns undefined when the attribute is missing, malformed or not strictly ascending.
 */
export function resolveLevels(rule: LevelsRule, attributes: Readonly<Record<string, unknown>>): Level[] | undefined {
  const key = rule.levelsFromStationAttribute;
  if (key === undefined) return rule.levels;
  const raw = attributes[key];
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  const levels: Level[] = [];
  for (const [i, item] of raw.entries()) {
    const template = templateAt(rule, i);
    if (typeof item === 'number') {
      levels.push({ value: item, ...template });
    } else if (typeof item === 'object' && item !== null && typeof (item as { value?: unknown }).value === 'number') {
      const o = item as { value: number; severity?: unknown; label?: unknown };
      levels.push({
        value: o.value,
        severity: isSeverity(o.severity) ? o.severity : template.severity,
        label: isText(o.label) ? o.label : template.label,
      });
    } else {
      return undefined;
    }
  }
  const ascending = levels.every((l, i) => Number.isFinite(l.value) && (i === 0 || l.value > (levels[i - 1]?.value ?? -Infinity)));
  return ascending ? levels : undefined;
}

/**
 * The level index for `value`: the highest level reached, or a lower-than-held level the value
 * still holds within the hysteresis band. −1 when below every level.
 * @param held index of the level held so far (−1 when not active).
 */
export function levelFor(levels: readonly Level[], value: number, held: number, hysteresis: number): number {
  let reached = -1;
  levels.forEach((l, i) => {
    if (value >= l.value) reached = i;
  });
  for (let i = Math.min(held, levels.length - 1); i > reached; i--) {
    const l = levels[i];
    // the band's edge as written: 0.2 − 0.05 is 0.15, not 0.15000000000000002, which refused 0.15
    if (l !== undefined && value >= difference(l.value, hysteresis)) return i;
  }
  return reached;
}

export const evaluateLevels: Evaluator<LevelsRule> = function evaluateLevels(input: EvalInput<LevelsRule>): Condition | undefined {
  const { rule, samples, active, activeLevel, expectedIntervalMs, stationAttributes } = input;
  const { hysteresis = 0 } = rule;
  const levels = resolveLevels(rule, stationAttributes);
  if (levels === undefined) return undefined;
  const valid = freshValidSeries(samples, expectedIntervalMs);
  const newest = valid?.at(-1);
  if (newest === undefined) return undefined;

  // Active without a known level (e.g. after an engine restart): hold from the top, the band decides.
  const held = active ? (activeLevel ?? levels.length - 1) : -1;
  const index = levelFor(levels, newest.value, held, hysteresis);
  const level = levels[index];
  const x = numNear(newest.value, levels[Math.max(0, index)]?.value ?? newest.value);
  const src = cite(rule.source);
  const { en, vi } = rule.name;
  const evidence = evidenceOf([newest]);
  if (level === undefined) {
    const first = exact(levels[0]?.value ?? 0);
    return {
      active: false,
      value: newest.value,
      message: { en: `${en} ${x.en} below the first level ${first.en}${src}`, vi: `${vi} ${x.vi} dưới mức thấp nhất ${first.vi}${src}` },
      evidence,
    };
  }
  const lv = exact(level.value);
  const below = newest.value < level.value;
  return {
    active: true,
    severity: level.severity,
    level: index,
    value: newest.value,
    message: below
      ? {
          en: `${en} ${x.en}: still at ${level.label.en} (${lv.en}, hysteresis ${exact(hysteresis).en})${src}`,
          vi: `${vi} ${x.vi}: vẫn ở ${level.label.vi} (${lv.vi}, độ trễ ${exact(hysteresis).vi})${src}`,
        }
      : {
          en: `${en} ${x.en} reached ${level.label.en} (${lv.en})${src}`,
          vi: `${vi} ${x.vi} đạt ${level.label.vi} (${lv.vi})${src}`,
        },
    evidence,
  };
};
