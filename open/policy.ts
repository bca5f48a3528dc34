/**
 * @module open/policy
 * What the agency publishes, decided in one place:
 * - which stations: the station's `public` flag; while the agency has not decided (NULL), every
 *   profile is public except industrial wastewater (named facilities' discharges stay off until
 *   the agency decides);
 * - which metrics: the station's `public_metrics`, or every metric of its profile;
 * - up to when: a per-station publication cutoff = now − OPEN_EMBARGO_HOURS; with
 *   OPEN_MIN_VALIDATION_LEVEL ≥ 1 no later than the end of the station's newest approved span, and
 *   with OPEN_VALIDATED_ONLY (an additional, hand-set cutoff) no later than its validated-through time;
 * - which days: with OPEN_MIN_VALIDATION_LEVEL ≥ 1, only the days whose validation level (a
 *   reviewer's approval of the day or of its month, analytics/levels.ts) is at least that
 *   (`spans`; every query of store/open-data.ts keeps to them);
 * - which values: validated readings only (quality 0, not flagged by an automatic check unless a
 *   reviewer restored it, not invalidated); calibrating, fault, maintenance, out-of-range,
 *   check-flagged and invalidated readings are never public values (the SQL in
 *   store/open-data.ts filters them, and the stored indices are computed from validated hourly
 *   means only).
 */
import type { Config } from '../config/index.js';
import type { LoadedProfile } from '../device-profiles/index.js';
import type { Station } from '../store/stations.js';
import type { Publication, PublishedSpans } from '../store/open-data.js';

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

/**
 * Nothing with a time after this is published for the station. `spans`: its approved spans at the
 * minimum level (null when OPEN_MIN_VALIDATION_LEVEL is 0; none approved = nothing published).
 */
export function publicationCutoff(settings: Readonly<Config['open']>, publication: Publication | undefined, now: number, spans: PublishedSpans = null): Date {
  let cutoff = now - settings.embargoHours * HOUR_MS;
  if (settings.validatedOnly) cutoff = Math.min(cutoff, publication?.validatedThrough?.getTime() ?? 0);
  if (settings.minValidationLevel >= 1) cutoff = Math.min(cutoff, spans?.[spans.length - 1]?.to ?? 0);
  return new Date(cutoff);
}

/**
 * Nothing before this is shown as a station's CURRENT value or index: the start of its newest
 * approved span (so a "latest" value never comes from a day that is not approved); null without
 * a minimum validation level.
 */
export function publicationFloor(settings: Readonly<Config['open']>, spans: PublishedSpans): Date | null {
  if (settings.minValidationLevel < 1) return null;
  return new Date(spans?.[spans.length - 1]?.from ?? 0);
}
