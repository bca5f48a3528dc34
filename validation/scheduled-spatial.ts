/**
 * @module validation/scheduled-spatial
 * Spatial consistency (check code `spatial`, issue 18), the judgement itself, without I/O: for each
 * station, metric and hour, the station's hourly mean of its station-valid readings against the
 * robust consensus of its neighbours (the stations of the same profile within the radius that
 * have a mean of that metric for that hour): their median and their MAD. The station is flagged
 * when |mean − median| > max(k × 1.4826 × MAD, minDelta), and only with at least `minNeighbours`
 * neighbours: a lone station is never judged. A drifting sensor stands out this way while a
 * pollution episode, which its neighbours see too, does not.
 */
import type { StationHourMean } from '../store/qc-scheduled.js';
import type { SpatialConfig, SpatialConfigOf } from './scheduled-config.js';

/** 1.4826 × MAD estimates the standard deviation of normally distributed values. */
export const MAD_TO_SIGMA = 1.4826;
const EARTH_RADIUS_KM = 6371.0088;

/** Great-circle distance between two points (haversine), km. */
export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** The median of a non-empty list (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A station's hour that the check flags, with what it saw. */
export interface SpatialFinding {
  stationId: string;
  metric: string;
  /** start of the UTC hour, ms */
  hour: number;
  version: number;
  detail: { mean: number; median: number; mad: number; limit: number; neighbours: number; radiusKm: number };
}

const round = (v: number) => Math.round(v * 1000) / 1000;

/**
 * Judges every station hour in `means` (any number of hours, metrics and profiles at once).
 * @example
 * evaluateSpatial(await hourlyStationMeans(db, from, to), defaultSpatialConfigOf);
 * // → [{ stationId: 'HN-04', metric: 'pm25', hour, version: 1, detail: { mean: 61.2, median: 38.5, mad: 1.1, limit: 15, neighbours: 4, radiusKm: 10 } }]
 */
export function evaluateSpatial(means: readonly StationHourMean[], configOf: SpatialConfigOf): SpatialFinding[] {
  // One group per profile, metric and hour: the candidates to be each other's neighbours.
  const groups = new Map<string, StationHourMean[]>();
  for (const m of means) {
    const key = `${m.profileId}\u0000${m.metric}\u0000${m.hour}`;
    const group = groups.get(key);
    if (group) group.push(m);
    else groups.set(key, [m]);
  }
  const configs = new Map<string, SpatialConfig>();
  const configFor = (m: StationHourMean) => {
    let c = configs.get(m.stationId);
    if (!c) configs.set(m.stationId, (c = configOf(m.stationId, m.profileId)));
    return c;
  };
  const distances = new Map<string, number>();
  const distance = (a: StationHourMean, b: StationHourMean) => {
    const key = a.stationId < b.stationId ? `${a.stationId}\u0000${b.stationId}` : `${b.stationId}\u0000${a.stationId}`;
    let d = distances.get(key);
    if (d === undefined) distances.set(key, (d = haversineKm(a.lat, a.lon, b.lat, b.lon)));
    return d;
  };

  const findings: SpatialFinding[] = [];
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    for (const self of group) {
      const config = configFor(self);
      const minDelta = config.minDelta[self.metric];
      if (!config.enabled || minDelta === undefined) continue;
      const values = group.filter((o) => o !== self && distance(self, o) <= config.radiusKm).map((o) => o.mean);
      if (values.length < Math.max(1, config.minNeighbours)) continue;
      const med = median(values);
      const mad = median(values.map((v) => Math.abs(v - med)));
      const limit = Math.max(config.k * MAD_TO_SIGMA * mad, minDelta);
      if (Math.abs(self.mean - med) <= limit) continue;
      findings.push({
        stationId: self.stationId,
        metric: self.metric,
        hour: self.hour,
        version: config.version,
        detail: { mean: round(self.mean), median: round(med), mad: round(mad), limit: round(limit), neighbours: values.length, radiusKm: config.radiusKm },
      });
    }
  }
  return findings;
}
