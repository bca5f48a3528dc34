/**
 * @module validation/scheduled-config
 * The parameters of the scheduled spatial consistency check (issue 18) for each station: the
 * `spatial` entry of the check configuration as data (domain/validation/config.ts: the shipped
 * defaults < the stored 'default' scope < 'profile:<id>' < 'station:<id>'), with one built-in
 * layer under the stored profile scopes: the check is off for the profiles in
 * SPATIAL_OFF_PROFILES, whose stations measure what belongs to one river, estuary or outfall, not
 * to the air around them (a stored profile or station scope may still turn it on).
 *
 * Only metrics with a `minDelta` are judged: a quantity that is not expected to agree between
 * neighbours a few km apart (wind direction, which is also circular; rain, which is convective)
 * has none in the defaults.
 */
import { baseQcConfig, effectiveQcConfig, QC_DEFAULTS, type QcConfigPatch, type SpatialConfig } from '../domain/validation/config.js';

export type { SpatialConfig };

/** The shipped defaults of the spatial check (QC_DEFAULTS.spatial). */
export const SPATIAL_DEFAULTS: Readonly<SpatialConfig> = QC_DEFAULTS.spatial;

/** Profiles the check does not judge unless a stored scope says so. */
export const SPATIAL_OFF_PROFILES: readonly string[] = ['surface-water', 'wastewater', 'salinity'];

/** The spatial configuration of a station. */
export type SpatialConfigOf = (stationId: string, profileId: string) => SpatialConfig;

/** What a run needs: whether any station may be judged, and each station's parameters. */
export interface SpatialSettings {
  /** false when the check is off in every scope: the run does nothing */
  anyEnabled: boolean;
  configOf: SpatialConfigOf;
}

/**
 * The spatial settings from the stored scopes (store/qc-config.ts listQcConfig; none = the defaults).
 * @example
 * spatialSettings([{ scope: 'station:HN-01', config: { spatial: { enabled: false } } }]).configOf('HN-01', 'air-quality').enabled; // false
 */
export function spatialSettings(scopes: ReadonlyArray<{ scope: string; config: QcConfigPatch }> = []): SpatialSettings {
  const byScope = new Map(scopes.map((s) => [s.scope, s.config]));
  const base = baseQcConfig(byScope.get('default'));
  const configOf: SpatialConfigOf = (stationId, profileId) => {
    const stored = byScope.get(`profile:${profileId}`);
    const profile: QcConfigPatch | undefined = SPATIAL_OFF_PROFILES.includes(profileId) ? { ...stored, spatial: { enabled: false, ...stored?.spatial } } : stored;
    return effectiveQcConfig(base, profile, byScope.get(`station:${stationId}`)).spatial;
  };
  const anyEnabled = base.spatial.enabled || scopes.some((s) => s.config.spatial?.enabled === true);
  return { anyEnabled, configOf };
}

/** The defaults alone (no stored configuration). */
export const defaultSpatialConfigOf: SpatialConfigOf = spatialSettings().configOf;
