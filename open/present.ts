/**
 * @module open/present
 * How published things look in the open data: a station with its public metrics and current
 * index (VN_AQI, VN_WQI, or the per-type index of hydromet, salinity and wastewater stations:
 * domain/type-index.ts), an index category (VN_AQI / VN_WQI) with its bilingual name and colour, values rounded
 * to the profile's decimals, and times in UTC and in the station's local time (lib/time). Pure
 * functions shared by the catalogue, the series and the monthly CSV.
 */
import { VN_AQI_CATEGORIES, VN_WQI_CLASSES } from '../domain/indices/categories.js';
import type { LoadedProfile } from '../device-profiles/index.js';
import type { StationTypeIndex } from '../domain/type-index.js';
import { DAY_MS, HOUR_MS } from '../lib/time.js';
import type { CurrentIndex } from '../store/open-data.js';
import type { Station } from '../store/stations.js';
import { indexOfProfile, type PublicIndexName } from './policy.js';

export const HOUR = HOUR_MS;
export const DAY = DAY_MS;

export const INDEX_LABEL: Record<PublicIndexName, string> = { vn_aqi: 'VN_AQI', vn_wqi: 'VN_WQI' };

type Profiles = ReadonlyMap<string, LoadedProfile>;

/** The category row of a stored index's category key. */
export function categoryJson(indexName: string, key: string) {
  if (indexName === 'vn_wqi') {
    const c = VN_WQI_CLASSES.find((x) => x.key === key);
    return c ? { key: c.key, level: c.level, name: { vi: c.nameVi, en: c.nameEn }, color: c.colorHex } : { key, level: null, name: { vi: key, en: key }, color: null };
  }
  const c = VN_AQI_CATEGORIES.find((x) => x.key === key);
  return c ? { key: c.key, level: c.level, name: { vi: c.nameVi, en: c.nameEn }, color: c.colorHex } : { key, level: null, name: { vi: key, en: key }, color: null };
}

export const round = (v: number, decimals: number) => Math.round(v * 10 ** decimals) / 10 ** decimals;
/** The decimals a metric is published with (its profile's, else 3). */
export const decimalsOf = (profiles: Profiles, station: Station, metric: string) => profiles.get(station.profileId)?.profile.metrics[metric]?.decimals ?? 3;

export function metricsJson(profiles: Profiles, station: Station, keys: readonly string[]) {
  const defs = profiles.get(station.profileId)?.profile.metrics ?? {};
  return keys.map((key) => ({ key, name: defs[key]?.name ?? { vi: key, en: key }, unit: defs[key]?.unit ?? null }));
}

export function indexJson(c: CurrentIndex | undefined) {
  if (!c) return null;
  return {
    name: INDEX_LABEL[c.indexName as PublicIndexName] ?? c.indexName,
    ts: c.ts.toISOString(),
    value: c.value,
    dominant: c.dominant,
    category: categoryJson(c.indexName, c.category),
  };
}

/**
 * @param own hydromet, salinity and wastewater stations: their flood level, salinity class or
 *   compliance (of the public metrics), sent as `typeIndex` (null: no value or, per
 *   `typeIndexMissing`, no levels/limits of the station's own); absent for the other types.
 */
export function stationJson(profiles: Profiles, station: Station, keys: readonly string[], current: CurrentIndex | undefined, own?: StationTypeIndex) {
  const indexName = indexOfProfile(station.profileId);
  return {
    id: station.id,
    name: station.name,
    profile: station.profileId,
    province: station.province,
    lat: station.lat,
    lon: station.lon,
    indexName: indexName ? INDEX_LABEL[indexName] : null,
    metrics: metricsJson(profiles, station, keys),
    index: indexJson(current),
    ...(own ? { typeIndex: own.typeIndex, ...(own.typeIndexMissing ? { typeIndexMissing: own.typeIndexMissing } : {}) } : {}),
  };
}
