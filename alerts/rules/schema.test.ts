import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { RULE_JSON_SCHEMA, RULE_KINDS, fieldPath, validateRule } from './schema.js';

const base = { id: 'x.rule', name: { en: 'PM2.5 24 h mean', vi: 'PM2,5 trung bình 24 giờ' }, scope: { profile: 'air-quality' }, severity: 'warning' };
const threshold = { ...base, kind: 'threshold', metric: 'pm25', op: 'above', raise: 50, clear: 47.5, over: 'mean', windowMinutes: 1440 };
const levels = {
  ...base,
  kind: 'levels',
  metric: 'vn_aqi_hourly',
  levels: [
    { value: 101, severity: 'warning', label: { en: 'Poor', vi: 'Kém' } },
    { value: 151, severity: 'warning', label: { en: 'Bad', vi: 'Xấu' } },
  ],
};
const errorsOf = (candidate: unknown): string[] => {
  const r = validateRule(candidate);
  return r.ok ? [] : r.errors;
};

describe('validateRule', () => {
  it('accepts a valid rule and fills in defaults without touching the input', () => {
    const input = structuredClone(threshold);
    const r = validateRule(input);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.rule).toMatchObject({ enabled: true, pendingSeconds: 0, clearSeconds: 0, minCoverage: 0.75 });
    expect(input).toEqual(threshold);
  });

  it('fills in the defaults of each kind', () => {
    const ok = (c: Record<string, unknown>): Record<string, unknown> => {
      const r = validateRule({ ...base, ...c });
      if (!r.ok) throw new Error(r.errors.join('; '));
      return r.rule as unknown as Record<string, unknown>;
    };
    expect(ok({ kind: 'out_of_range', metric: 'pm25' })).toMatchObject({ count: 1, of: 1 });
    expect(ok({ kind: 'no_data', factor: 5 })).toMatchObject({ remindEveryMinutes: 0 });
    expect(ok({ kind: 'anomaly', metric: 'pm25', threshold: 6, windowHours: 168, minSamples: 100 })).toMatchObject({ sameHourOfDay: false });
    expect(ok(levels)).toMatchObject({ hysteresis: 0 });
  });

  it('names the field: wrong type', () => {
    expect(errorsOf({ ...threshold, raise: '50' })).toEqual(['raise: must be number']);
  });

  it('names the field: clear > raise for above, clear < raise for below', () => {
    expect(errorsOf({ ...threshold, clear: 55 })).toEqual(['clear: must be ≤ raise (50) when op is above']);
    expect(errorsOf({ ...threshold, op: 'below', raise: 4, clear: 3.8 })).toEqual(['clear: must be ≥ raise (4) when op is below']);
  });

  it('windowMinutes is required iff over is mean', () => {
    const { windowMinutes: _, ...noWindow } = threshold;
    expect(errorsOf(noWindow)).toEqual(["windowMinutes: is required when over is 'mean'"]);
    expect(errorsOf({ ...threshold, over: 'raw' })).toEqual(["windowMinutes: is allowed only when over is 'mean'"]);
  });

  it('an unknown kind is one error about kind, not nine branches of noise', () => {
    expect(errorsOf({ ...threshold, kind: 'thresold' })).toEqual([`kind: must be one of ${RULE_KINDS.join(', ')} (got "thresold")`]);
    expect(errorsOf({ ...base })).toEqual(['kind: is required']);
  });

  it('levels must be ascending', () => {
    const bad = { ...levels, levels: [levels.levels[1], levels.levels[0]] };
    expect(errorsOf(bad)).toEqual(['levels[1].value: levels must be ascending']);
  });

  it('escalation ascending, validFrom before validUntil, count ≤ of', () => {
    expect(
      errorsOf({
        ...threshold,
        escalation: [
          { afterMinutes: 60, severity: 'critical' },
          { afterMinutes: 30, severity: 'critical' },
        ],
      }),
    ).toEqual(['escalation[1].afterMinutes: escalation must be ascending by afterMinutes']);
    expect(errorsOf({ ...threshold, validFrom: '2026-01-01T00:00:00+07:00', validUntil: '2025-12-31T17:00:00Z' })).toEqual(['validUntil: must be after validFrom']);
    expect(errorsOf({ ...base, kind: 'out_of_range', metric: 'pm25', count: 3, of: 2 })).toEqual(['count: must be ≤ of (2)']);
  });

  it('reports every schema error with its path', () => {
    const errors = errorsOf({ ...levels, id: 'Bad Id', severity: 'urgent', levels: [{ value: 'x', severity: 'warning', label: { en: 'a' } }], extra: 1 });
    expect(errors).toEqual(
      expect.arrayContaining([
        'id: must match pattern "^[a-z0-9][a-z0-9._-]{0,79}$"',
        'severity: must be one of info, warning, critical',
        'levels[0].value: must be number',
        'levels[0].label.vi: is required',
        'extra: is not a known property',
      ]),
    );
    expect(errorsOf({ ...threshold, validFrom: 'tomorrow' })).toEqual(['validFrom: must match format "date-time"']);
    expect(errorsOf({ ...threshold, scope: { profile: 'a', station: 'b' } })).toEqual(['scope: must NOT have more than 1 properties']);
    expect(errorsOf('nope')).toEqual(['(rule): must be object']);
  });

  it('fieldPath turns JSON pointers into dotted paths', () => {
    expect(fieldPath('/levels/1/value')).toBe('levels[1].value');
    expect(fieldPath('', 'raise')).toBe('raise');
    expect(fieldPath('/escalation/0', 'severity')).toBe('escalation[0].severity');
  });
});

describe('RULE_JSON_SCHEMA', () => {
  it('is a frozen draft-07 schema that a plain validator (no discriminator support) can use too', () => {
    expect(Object.isFrozen(RULE_JSON_SCHEMA)).toBe(true);
    expect(RULE_JSON_SCHEMA.$schema).toBe('http://json-schema.org/draft-07/schema#');
    const plain = new Ajv({ strict: false, validateFormats: false });
    const validate = plain.compile(RULE_JSON_SCHEMA);
    expect(validate(threshold)).toBe(true);
    expect(validate({ ...threshold, raise: 'x' })).toBe(false);
  });
});
