/**
 * @module open/present
 * How published things look in the open data: a station with its public metrics and current
 * index, an index category (VN_AQI / VN_WQI) with its bilingual name and colour, values rounded
 * to the profile's decimals, and times in UTC and in Vietnam's local time (UTC+7). Pure
 * functions shared by the catalogue, the series and the monthly CSV.
 */
import { VN_AQI_CATEGORIES, VN_WQI_CLASSES } from '../domain/indices/categories.js';
import type { LoadedProfile } from '../device-profiles/index.js';
import type { CurrentIndex } from '../store/open-data.js';
import type { Station } from '../store/stations.js';
import { indexOfProfile, type PublicIndexName } from './policy.js';

export const HOUR = 3_600_000;
export const DAY = 86_400_000;
const VN_OFFSET = 7 * HOUR;

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

/** The local date (UTC+7) of an instant. */
export const localDay = (ms: number) => new Date(ms + VN_OFFSET).toISOString().slice(0, 10);
/** ISO 8601 in Vietnam's local time, e.g. 2026-11-22T09:00:00+07:00. */
export const localIso = (ms: number) => new Date(ms + VN_OFFSET).toISOString().replace(/\.\d{3}Z$/, '+07:00');

export const round = (v: number, decimals: number) => Math.round(v * 10 ** decimals) / 10 ** decimals;
/** The decimals a metric is published with (its profile's, else 3). */
export const decimalsOf = (profiles: Profiles, station: Station, metric: string) => profiles.get(station.profileId)?.profile.metrics[metric]?.decimals ?? 3;

export function metricsJson(profiles: Profiles, station: Station, keys: readonly string[]) {
  const defs = profiles.get(station.profileId)?.profile.metrics ?? {};
  return keys.map((key) => ({ key, name: defs[key]?.name ?? { vi: key, en: key }, unit: defs[key]?.unit ?? null }));
}

export function indexJson(c: CurrentIndex | undefined) {
  if (!c) return null;
  return { name: INDEX_LABEL[c.indexName as PublicIndexName] ?? c.indexName, ts: c.ts.toISOString(), value: c.value, dominant: c.dominant, category: categoryJson(c.indexName, c.category) };
}

export function stationJson(profiles: Profiles, station: Station, keys: readonly string[], current: CurrentIndex | undefined) {
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
  };
}
