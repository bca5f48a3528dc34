/**
 * @module alerts/rules/schema
 * The JSON Schema (draft-07) of an alert rule and `validateRule`, which checks a candidate
 * against it (ajv, defaults filled in), then runs the cross-field checks a schema cannot express
 * readably (rule-checks.ts). Errors name the field path: `raise: must be number`,
 * `levels[1].value: levels must be ascending`.
 *
 * The union is a `oneOf` with ajv's `discriminator` on `kind`, so a rule is checked only against
 * its own kind's branch and errors are about that branch, not nine branches of noise.
 */
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { crossFieldErrors } from './rule-checks.js';
import { SEVERITIES, type Rule, type RuleKind } from './types.js';

/** The kinds, in the order of types.ts. */
export const RULE_KINDS: readonly RuleKind[] = ['threshold', 'rate_of_change', 'stuck', 'out_of_range', 'no_data', 'device_status', 'anomaly', 'forecast', 'levels'];

type JsonSchema = Record<string, unknown>;

const text: JsonSchema = {
  type: 'object',
  required: ['en', 'vi'],
  additionalProperties: false,
  properties: { en: { type: 'string', minLength: 1 }, vi: { type: 'string', minLength: 1 } },
};
const severity: JsonSchema = { type: 'string', enum: [...SEVERITIES] };
/** Metric keys as in device-profiles/profile.schema.json, plus engine-computed series such as vn_aqi_hourly. */
const metric: JsonSchema = { type: 'string', pattern: '^[a-z][a-z0-9_]{0,31}$' };
const positive: JsonSchema = { type: 'number', exclusiveMinimum: 0 };
const nonNegative = (dflt?: number): JsonSchema => ({ type: 'number', minimum: 0, ...(dflt === undefined ? {} : { default: dflt }) });

const common: Record<string, JsonSchema> = {
  id: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,79}$' },
  name: text,
  scope: {
    type: 'object',
    description: 'Exactly one of profile (every station of a device profile) or station (one station).',
    minProperties: 1,
    maxProperties: 1,
    additionalProperties: false,
    properties: { profile: { type: 'string', minLength: 1 }, station: { type: 'string', minLength: 1 } },
  },
  severity,
  enabled: { type: 'boolean', default: true },
  pendingSeconds: nonNegative(0),
  clearSeconds: nonNegative(0),
  escalation: {
    type: 'array',
    items: {
      type: 'object',
      required: ['afterMinutes', 'severity'],
      additionalProperties: false,
      properties: { afterMinutes: positive, severity },
    },
  },
  validFrom: { type: 'string', format: 'date-time' },
  validUntil: { type: 'string', format: 'date-time' },
  source: { type: 'string', minLength: 1 },
};
const commonRequired = ['id', 'kind', 'name', 'scope', 'severity'];

function branch(kind: RuleKind, properties: Record<string, JsonSchema>, required: string[]): JsonSchema {
  return {
    type: 'object',
    required: [...commonRequired, ...required],
    additionalProperties: false,
    properties: { kind: { const: kind }, ...common, ...properties },
  };
}

const branches: JsonSchema[] = [
  branch(
    'threshold',
    {
      metric,
      op: { type: 'string', enum: ['above', 'below'] },
      raise: { type: 'number' },
      clear: { type: 'number' },
      over: { type: 'string', enum: ['raw', 'mean'] },
      windowMinutes: positive,
      minCoverage: { type: 'number', minimum: 0, maximum: 1, default: 0.75 },
    },
    ['metric', 'op', 'raise', 'clear', 'over'],
  ),
  branch('rate_of_change', { metric, op: { type: 'string', enum: ['rise', 'fall'] }, delta: positive, perMinutes: positive }, ['metric', 'op', 'delta', 'perMinutes']),
  branch('stuck', { metric, readings: { type: 'integer', minimum: 2 }, tolerance: nonNegative() }, ['metric', 'readings', 'tolerance']),
  branch('out_of_range', { metric, count: { type: 'integer', minimum: 1, default: 1 }, of: { type: 'integer', minimum: 1, default: 1 } }, ['metric']),
  branch('no_data', { metric, factor: positive, remindEveryMinutes: nonNegative(0) }, ['factor']),
  branch('device_status', { metric }, []),
  branch(
    'anomaly',
    {
      metric,
      threshold: positive,
      windowHours: positive,
      sameHourOfDay: { type: 'boolean', default: false },
      minSamples: { type: 'integer', minimum: 3 },
    },
    ['metric', 'threshold', 'windowHours', 'minSamples'],
  ),
  branch(
    'forecast',
    {
      metric,
      windowMinutes: positive,
      minPoints: { type: 'integer', minimum: 2 },
      op: { type: 'string', enum: ['above', 'below'] },
      limit: { type: 'number' },
      horizonMinutes: positive,
    },
    ['metric', 'windowMinutes', 'minPoints', 'op', 'limit', 'horizonMinutes'],
  ),
  branch(
    'levels',
    {
      metric,
      levels: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['value', 'severity', 'label'],
          additionalProperties: false,
          properties: { value: { type: 'number' }, severity, label: text },
        },
      },
      levelsFromStationAttribute: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$' },
      hysteresis: nonNegative(0),
    },
    ['metric', 'levels'],
  ),
];

function deepFreeze<T>(x: T): T {
  if (typeof x === 'object' && x !== null) {
    for (const v of Object.values(x)) deepFreeze(v);
    Object.freeze(x);
  }
  return x;
}

/** The JSON Schema of one rule, for an API to publish. Deep-frozen. */
export const RULE_JSON_SCHEMA: Readonly<JsonSchema> = deepFreeze({
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://quantrac.dev/schemas/alert-rule.json',
  title: 'Quantrac alert rule',
  description:
    'One alert rule (alerts/rules/types.ts). Cross-field checks (clear vs raise, windowMinutes iff over = mean, ascending levels and escalation, validFrom < validUntil, count ≤ of) are done in code by validateRule.',
  type: 'object',
  required: ['kind'],
  discriminator: { propertyName: 'kind' },
  oneOf: branches,
});

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ allErrors: true, useDefaults: true, discriminator: true }));
const validateSchema = ajv.compile<Rule>(RULE_JSON_SCHEMA);

/** `/levels/1/value` → `levels[1].value`. */
export function fieldPath(pointer: string, child?: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) parts.push(child);
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc === '' ? p : `${acc}.${p}`), '');
}

function describe(e: ErrorObject): string {
  const at = (child?: string): string => fieldPath(e.instancePath, child) || '(rule)';
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `${at(String(params.missingProperty))}: is required`;
    case 'additionalProperties':
      return `${at(String(params.additionalProperty))}: is not a known property`;
    case 'enum':
      return `${at()}: must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
    case 'discriminator':
      return params.error === 'mapping' ? `kind: must be one of ${RULE_KINDS.join(', ')} (got ${JSON.stringify(params.tagValue)})` : 'kind: must be a string';
    default:
      return `${at()}: ${e.message ?? e.keyword}`;
  }
}

/**
 * Validates a rule candidate (e.g. parsed JSON from a pack or the API) and fills in defaults
 * (enabled true, pendingSeconds 0, clearSeconds 0, hysteresis 0, minCoverage 0.75, count 1,
 * of 1, remindEveryMinutes 0, sameHourOfDay false). The candidate is not modified.
 *
 * @example
 * const r = validateRule({ id: 'x', kind: 'threshold', op: 'above', raise: 50, clear: 60, … });
 * // { ok: false, errors: ['clear: must be ≤ raise (50) when op is above'] }
 */
export function validateRule(candidate: unknown): { ok: true; rule: Rule } | { ok: false; errors: string[] } {
  let copy: unknown;
  try {
    copy = structuredClone(candidate);
  } catch {
    return { ok: false, errors: ['(rule): must be plain JSON data'] };
  }
  if (!validateSchema(copy)) {
    const errors = [...new Set((validateSchema.errors ?? []).map(describe))];
    // A missing kind is reported once, as required, not also as a bad discriminator tag.
    return { ok: false, errors: errors.includes('kind: is required') ? errors.filter((e) => e !== 'kind: must be a string') : errors };
  }
  const errors = crossFieldErrors(copy);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, rule: copy };
}
