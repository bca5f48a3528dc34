/**
 * @module open/policy
 * What the agency publishes, decided in one place:
 * - which stations: the station's `public` flag; while the agency has not decided (NULL), every
 *   profile is public except industrial wastewater (named facilities' discharges stay off until
 *   the agency decides);
 * - which metrics: the station's `public_metrics`, or every metric of its profile;
 * - up to when: a per-station publication cutoff = now − OPEN_EMBARGO_HOURS, and with
 *   OPEN_VALIDATED_ONLY no later than the station's validated-through time;
 * - which values: valid readings only (quality 0); calibrating, fault, maintenance and
 *   out-of-range readings are never public values (the SQL in store/open-data.ts filters them,
 *   and the stored indices are computed from valid hourly means only).
 */
import type { Config } from '../config/index.js';
import type { LoadedProfile } from '../device-profiles/index.js';
import type { Station } from '../store/stations.js';
import type { Publication } from '../store/open-data.js';

/** Profiles whose stations are not public until the agency sets the flag. */
export const PRIVATE_BY_DEFAULT: ReadonlySet<string> = new Set(['wastewater']);

const HOUR_MS = 3_600_000;

/** The index a profile's stations are coloured by on the public page. */
export type PublicIndexName = 'vn_aqi' | 'vn_wqi';
export function indexOfProfile(profileId: string): PublicIndexName | null {
  if (profileId === 'air-quality') return 'vn_aqi';
  if (profileId === 'surface-water') return 'vn_wqi';
  return null;
}

export function isPublic(station: Pick<Station, 'profileId'>, publication: Publication | undefined): boolean {
  const flag = publication?.public ?? null;
  return flag ?? !PRIVATE_BY_DEFAULT.has(station.profileId);
}

/** The public metric keys of a station, in the profile's order. */
export function publicMetrics(profile: LoadedProfile | undefined, publication: Publication | undefined): string[] {
  const all = Object.keys(profile?.profile.metrics ?? {});
  const chosen = publication?.publicMetrics;
  return chosen ? all.filter((m) => chosen.includes(m)) : all;
}

/** Nothing with a time after this is published for the station. */
export function publicationCutoff(settings: Readonly<Config['open']>, publication: Publication | undefined, now: number): Date {
  let cutoff = now - settings.embargoHours * HOUR_MS;
  if (settings.validatedOnly) cutoff = Math.min(cutoff, publication?.validatedThrough?.getTime() ?? 0);
  return new Date(cutoff);
}
