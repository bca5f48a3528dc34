/**
 * @module config/section
 * The building blocks of the config schema: the units a setting may carry, the keywords Quantrac
 * adds to JSON Schema (`env`, `unit`), and `section()`, a group of settings.
 */
import { Type, type TProperties } from 'typebox';

/** Units a setting may be measured in (shown in the README table); checked by ajv's meta-schema. */
export const UNITS = ['ms', 's', 'min', 'hours', 'days', 'bytes', 'messages/s', 'requests/min'] as const;

/**
 * The schema keywords Quantrac adds to JSON Schema, registered with ajv (`ajv.addKeyword`) so strict
 * mode accepts them, the way zigbee2mqtt's settings schema carries `requiresRestart`. Annotations only:
 * they never change what validates.
 */
export const CONFIG_KEYWORDS = [
  /** The environment variable that sets this leaf. */
  { keyword: 'env', schemaType: 'string', metaSchema: { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$' } },
  /** The unit of a numeric leaf. */
  { keyword: 'unit', schemaType: 'string', metaSchema: { enum: UNITS } },
] as const;

/** A group of settings: no unknown keys, and an absent group is filled with its defaults. */
export function section<P extends TProperties>(description: string, properties: P) {
  return Type.Object(properties, { description, additionalProperties: false, default: {} });
}
