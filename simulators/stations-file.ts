/**
 * @module simulators/stations-file
 * The CLI's stations file: `[{ "id": "HN-AQ-01", "secret": "…", "profile": "air-quality" }, …]`.
 * Every problem is listed in one error, like the platform config.
 */
import { isStationId } from '../domain/topics.js';
import type { DeviceProfile } from '../device-profiles/types.js';
import { SimulatorError } from './errors.js';
import type { FleetStationConfig } from './fleet.js';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses and validates the stations file against the loaded profiles.
 * @throws SimulatorError SIM_ERR_CONFIG_INVALID listing every problem
 */
export function parseStationsFile(text: string, profiles: ReadonlyMap<string, DeviceProfile>, source = 'stations file'): FleetStationConfig[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new SimulatorError('SIM_ERR_CONFIG_INVALID', `${source}: not valid JSON`, { cause: err });
  }
  if (!Array.isArray(data)) throw new SimulatorError('SIM_ERR_CONFIG_INVALID', `${source}: expected an array of { id, secret, profile }`);
  const problems: string[] = [];
  const out: FleetStationConfig[] = [];
  const seen = new Set<string>();
  data.forEach((entry: unknown, i) => {
    const where = `${source}[${i}]`;
    if (!isRecord(entry)) {
      problems.push(`${where}: expected an object`);
      return;
    }
    const { id, secret, profile } = entry;
    const before = problems.length;
    if (typeof id !== 'string' || !isStationId(id)) problems.push(`${where}.id: must be 1–64 characters of [A-Za-z0-9_-]`);
    else if (seen.has(id)) problems.push(`${where}.id: duplicate id ${id}`);
    if (typeof secret !== 'string' || secret.length === 0) problems.push(`${where}.secret: must be a non-empty string`);
    const p = typeof profile === 'string' ? profiles.get(profile) : undefined;
    if (!p) problems.push(`${where}.profile: must be one of ${[...profiles.keys()].join(', ')}`);
    if (problems.length === before && typeof id === 'string' && typeof secret === 'string' && p) {
      seen.add(id);
      out.push({ id, secret, profile: p });
    }
  });
  if (problems.length > 0) throw new SimulatorError('SIM_ERR_CONFIG_INVALID', `invalid ${source}:\n  ${problems.join('\n  ')}`);
  return out;
}
