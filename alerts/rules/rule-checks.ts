/**
 * @module alerts/rules/rule-checks
 * Cross-field checks of a schema-valid rule (schema.ts runs them after ajv). Each error names
 * the field path it is about.
 */
import type { Rule } from './types.js';

export function crossFieldErrors(rule: Rule): string[] {
  const errors: string[] = [];

  if (rule.validFrom !== undefined && rule.validUntil !== undefined && !(Date.parse(rule.validFrom) < Date.parse(rule.validUntil))) {
    errors.push('validUntil: must be after validFrom');
  }

  rule.escalation?.forEach((step, i, ladder) => {
    const prev = ladder[i - 1];
    if (prev !== undefined && !(step.afterMinutes > prev.afterMinutes)) {
      errors.push(`escalation[${i}].afterMinutes: escalation must be ascending by afterMinutes`);
    }
  });

  switch (rule.kind) {
    case 'threshold':
      if (rule.op === 'above' && rule.clear > rule.raise) errors.push(`clear: must be ≤ raise (${rule.raise}) when op is above`);
      if (rule.op === 'below' && rule.clear < rule.raise) errors.push(`clear: must be ≥ raise (${rule.raise}) when op is below`);
      if (rule.over === 'mean' && rule.windowMinutes === undefined) errors.push("windowMinutes: is required when over is 'mean'");
      if (rule.over === 'raw' && rule.windowMinutes !== undefined) errors.push("windowMinutes: is allowed only when over is 'mean'");
      break;
    case 'out_of_range':
      if ((rule.count ?? 1) > (rule.of ?? 1)) errors.push(`count: must be ≤ of (${rule.of ?? 1})`);
      break;
    case 'levels':
      rule.levels.forEach((level, i, levels) => {
        const prev = levels[i - 1];
        if (prev !== undefined && !(level.value > prev.value)) errors.push(`levels[${i}].value: levels must be ascending`);
      });
      break;
    default:
      break;
  }
  return errors;
}
