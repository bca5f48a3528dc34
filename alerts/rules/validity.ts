/**
 * @module alerts/rules/validity
 * The validity period of a rule, [validFrom, validUntil) (types.ts, RuleCommon), e.g. QCVN
 * 05:2023 Bảng 1: PM2.5 24 h 50 µg/Nm³ until 31 Dec 2025, 45 from 1 Jan 2026.
 */
import { cite } from './format.js';
import type { Condition, Rule } from './types.js';

/** Whether `ts` lies in [validFrom, validUntil). Unparseable bounds are rejected by schema.ts. */
export function inValidityPeriod(rule: Pick<Rule, 'validFrom' | 'validUntil'>, ts: number): boolean {
  if (rule.validFrom !== undefined && ts < Date.parse(rule.validFrom)) return false;
  if (rule.validUntil !== undefined && ts >= Date.parse(rule.validUntil)) return false;
  return true;
}

/**
 * An inactive condition when `ts` (the newest sample's, or the engine clock without samples)
 * is outside the rule's validity period; undefined when the rule applies.
 */
export function outsideValidity(rule: Rule, ts: number): Condition | undefined {
  if (inValidityPeriod(rule, ts)) return undefined;
  const period = `${rule.validFrom ?? '…'} – ${rule.validUntil ?? '…'}`;
  const src = cite(rule.source);
  return {
    active: false,
    message: {
      en: `${rule.name.en}: not in force at this time (valid ${period})${src}`,
      vi: `${rule.name.vi}: không áp dụng tại thời điểm này (hiệu lực ${period})${src}`,
    },
    evidence: [],
  };
}
