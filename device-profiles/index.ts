/**
 * @module device-profiles
 * Loads the device profiles (JSON files, data not code: an agency adds a station type by adding
 * a file), validates each against profile.schema.json, and compiles once per profile the JSON
 * Schema that a reading payload of that station type must follow.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { DeviceProfile, ReadingPayload } from './types.js';

export type { DeviceProfile, MetricDefinition, ReadingPayload, StationStatusCode, LocalizedText } from './types.js';

/** The folder of the profiles shipped with Quantrac. */
export const BUILTIN_PROFILES_DIR = fileURLToPath(new URL('.', import.meta.url));

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ allErrors: true, strict: true }));
const profileSchema: unknown = JSON.parse(readFileSync(join(BUILTIN_PROFILES_DIR, 'profile.schema.json'), 'utf8'));
const validateProfile = ajv.compile<DeviceProfile>(profileSchema as object);

export interface LoadedProfile {
  profile: DeviceProfile;
  /** Validates one reading object (not an array) of this station type. */
  validateReading: ValidateFunction<ReadingPayload>;
}

export class ProfileError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = 'ProfileError';
  }
}

/** The payload schema of one profile: `values` may hold only the profile's metrics. */
export function readingSchemaOf(profile: DeviceProfile): object {
  const metricKeys = Object.keys(profile.metrics);
  const valueProps = Object.fromEntries(metricKeys.map((k) => [k, { type: ['number', 'null'] }]));
  const statusProps = Object.fromEntries(metricKeys.map((k) => [k, { enum: ['00', '01', '02', '03'] }]));
  return {
    type: 'object',
    required: ['ts', 'values'],
    additionalProperties: false,
    properties: {
      ts: { type: 'string', format: 'date-time', maxLength: 40 },
      values: { type: 'object', minProperties: 1, additionalProperties: false, properties: valueProps },
      status: { type: 'object', additionalProperties: false, properties: statusProps },
    },
  };
}

/** Validates one profile object; returns it typed or throws a ProfileError naming every problem. */
export function checkProfile(candidate: unknown, file = '<inline>'): LoadedProfile {
  if (!validateProfile(candidate)) {
    const problems = (validateProfile.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim());
    throw new ProfileError(`device profile ${file} is invalid: ${problems.join('; ')}`, file);
  }
  const profile = candidate;
  for (const [key, m] of Object.entries(profile.metrics)) {
    if (m.range.min > m.range.max) throw new ProfileError(`device profile ${file}: metric ${key} has range.min > range.max`, file);
  }
  const validateReading = ajv.compile<ReadingPayload>(readingSchemaOf(profile));
  return { profile, validateReading };
}

/**
 * Reads every `*.json` profile in the given folders (later folders override earlier ones with
 * the same id). `profile.schema.json` itself is skipped.
 */
export function loadProfiles(dirs: readonly string[] = [BUILTIN_PROFILES_DIR]): Map<string, LoadedProfile> {
  const out = new Map<string, LoadedProfile>();
  for (const dir of dirs) {
    for (const name of readdirSync(dir).sort()) {
      if (!name.endsWith('.json') || name === 'profile.schema.json') continue;
      const file = join(dir, name);
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(file, 'utf8'));
      } catch (err) {
        throw new ProfileError(`device profile ${file} is not valid JSON: ${(err as Error).message}`, file);
      }
      const loaded = checkProfile(parsed, file);
      out.set(loaded.profile.id, loaded);
    }
  }
  return out;
}

/** One human-readable sentence per schema error of a reading, e.g. `unknown metric "pm1" for profile air-quality`. */
export function describeReadingErrors(errors: readonly ErrorObject[] | null | undefined, profileId: string, prefix = ''): string[] {
  return (errors ?? []).map((e) => {
    const at = prefix + e.instancePath.replace(/^\//, '').replaceAll('/', '.');
    if (e.keyword === 'additionalProperties') {
      const extra = String(e.params['additionalProperty']);
      if (e.instancePath.endsWith('/values')) return `unknown metric "${extra}" for profile ${profileId}`;
      if (e.instancePath.endsWith('/status')) return `status for unknown metric "${extra}" for profile ${profileId}`;
      return `unexpected field "${extra}"${at ? ` in ${at}` : ''}`;
    }
    if (e.keyword === 'required') return `missing field "${String(e.params['missingProperty'])}"${at ? ` in ${at}` : ''}`;
    if (e.keyword === 'format' && at.endsWith('ts')) return `${at} must be an ISO 8601 date-time with an offset (e.g. 2026-11-22T09:00:00+07:00)`;
    if (e.keyword === 'type' && at.includes('values.')) return `${at} must be a number`;
    if (e.keyword === 'enum' && at.includes('status.')) return `${at} must be one of 00 (measuring), 01 (calibrating), 02 (fault), 03 (maintenance)`;
    if (e.keyword === 'minProperties') return `${at || 'values'} must hold at least one metric`;
    return `${at || 'payload'} ${e.message ?? 'is invalid'}`;
  });
}
