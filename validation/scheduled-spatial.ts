/**
 * @module validation/scheduled-spatial
 * Spatial consistency (check code `spatial`, issue 18), the judgement itself, without I/O: for each
 * station, metric and hour, the station's hourly mean of its station-valid readings against the
 * robust consensus of its neighbours (the stations of the same profile within the radius that
 * have a mean of that metric for that hour, at most the `maxNeighbours` nearest of them): their
 * median and their MAD. The station is flagged when |mean − median| > max(k × 1.4826 × MAD,
 * minDelta), and only with at least `minNeighbours` neighbours: a lone station is never judged. A
 * drifting sensor stands out this way while a pollution episode, which its neighbours see too, does
 * not.
 *
 * Cost. Each station's neighbours are found once per call, nearest first
 * (validation/spatial-neighbours.ts), and kept up to NEIGHBOUR_LIST_FACTOR ×
 * maxNeighbours; each station hour then reads its first `maxNeighbours` with a mean. So a call is
 * O(stations × band + station hours × maxNeighbours), not O(station hours × stations of the
 * profile): 1,000 stations in one city (all within each other's radius) cost 24–34 s of the main
 * thread per run before (issue 20's soak, the MQTT keepalives of the fleet timed out), and the
 * work yields to the event loop every `sliceMs`.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { StationHourMean } from '../store/qc-scheduled.js';
import type { SpatialConfig, SpatialConfigOf } from './scheduled-config.js';
import { latitudeIndex, nearestWithin } from './spatial-neighbours.js';

/** 1.4826 × MAD estimates the standard deviation of normally distributed values. */
export const MAD_TO_SIGMA = 1.4826;

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

/**
 * How many of a station's nearest neighbours within the radius are kept, as a multiple of its
 * `maxNeighbours`: the consensus of an hour takes the first `maxNeighbours` of them that have a
 * mean, so up to three quarters of the nearest may be silent that hour.
 */
export const NEIGHBOUR_LIST_FACTOR = 4;

const round = (v: number) => Math.round(v * 1000) / 1000;
/** How many neighbours make a consensus: maxNeighbours, never fewer than minNeighbours. */
const consensusSize = (c: SpatialConfig) => Math.max(1, c.maxNeighbours, c.minNeighbours);

interface Site {
  stationId: string;
  lat: number;
  lon: number;
  config: SpatialConfig;
  /** indices into the profile's sites, nearest first (distance, then station id) */
  neighbours: Int32Array;
}

/** A profile's sites, their index by station id, and a scratch row of one hour's means by site (NaN: none). */
interface Profile {
  sites: Site[];
  index: Map<string, number>;
  means: Float64Array;
}

/** Yields to the event loop when the current slice has run `sliceMs`. */
function slicer(sliceMs: number): () => Promise<void> {
  let sliceStart = performance.now();
  return async () => {
    if (performance.now() - sliceStart < sliceMs) return;
    await nextTurn();
    sliceStart = performance.now();
  };
}

/** The sites of each profile (one per station in `means`), each with its nearest neighbours. */
async function sitesByProfile(means: readonly StationHourMean[], configOf: SpatialConfigOf, yieldNow: () => Promise<void>): Promise<Map<string, Profile>> {
  const seen = new Map<string, StationHourMean>();
  for (const m of means) if (!seen.has(m.stationId)) seen.set(m.stationId, m);
  const grouped = new Map<string, StationHourMean[]>();
  for (const m of seen.values()) {
    const list = grouped.get(m.profileId);
    if (list) list.push(m);
    else grouped.set(m.profileId, [m]);
  }
  const out = new Map<string, Profile>();
  for (const [profileId, list] of grouped) {
    list.sort((a, b) => (a.stationId < b.stationId ? -1 : a.stationId > b.stationId ? 1 : 0));
    const sites: Site[] = list.map((m) => ({
      stationId: m.stationId,
      lat: m.lat,
      lon: m.lon,
      config: configOf(m.stationId, profileId),
      neighbours: new Int32Array(0),
    }));
    const byLat = latitudeIndex(sites);
    for (let i = 0; i < sites.length; i++) {
      const site = sites[i]!;
      if (!site.config.enabled) continue;
      site.neighbours = nearestWithin(byLat, i, site.config.radiusKm, consensusSize(site.config) * NEIGHBOUR_LIST_FACTOR);
      await yieldNow();
    }
    out.set(profileId, { sites, index: new Map(sites.map((site, i) => [site.stationId, i])), means: new Float64Array(sites.length) });
  }
  return out;
}

export interface EvaluateSpatialOptions {
  /** The longest the work runs before it yields to the event loop, ms (default 10). */
  sliceMs?: number;
}

/**
 * Judges every station hour in `means` (any number of hours, metrics and profiles at once).
 * @example
 * await evaluateSpatial(await hourlyStationMeans(db, from, to), defaultSpatialConfigOf);
 * // → [{ stationId: 'HN-04', metric: 'pm25', hour, version: 2, detail: { mean: 61.2, median: 38.5, mad: 1.1, limit: 15, neighbours: 4, radiusKm: 10 } }]
 */
export async function evaluateSpatial(means: readonly StationHourMean[], configOf: SpatialConfigOf, options: EvaluateSpatialOptions = {}): Promise<SpatialFinding[]> {
  const yieldNow = slicer(options.sliceMs ?? 10);
  const profiles = await sitesByProfile(means, configOf, yieldNow);
  // One group per profile, metric and hour: the candidates to be each other's neighbours.
  const groups = new Map<string, StationHourMean[]>();
  for (const m of means) {
    const key = `${m.profileId}\u0000${m.metric}\u0000${m.hour}`;
    const group = groups.get(key);
    if (group) group.push(m);
    else groups.set(key, [m]);
  }

  const findings: SpatialFinding[] = [];
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const { sites, index, means: byIndex } = profiles.get(group[0]!.profileId)!;
    byIndex.fill(NaN);
    for (const m of group) byIndex[index.get(m.stationId)!] = m.mean;
    for (const self of group) {
      const site = sites[index.get(self.stationId)!]!;
      const config = site.config;
      const minDelta = config.minDelta[self.metric];
      if (!config.enabled || minDelta === undefined) continue;
      const values: number[] = [];
      const want = consensusSize(config);
      for (let j = 0; j < site.neighbours.length && values.length < want; j++) {
        const v = byIndex[site.neighbours[j]!]!;
        if (!Number.isNaN(v)) values.push(v);
      }
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
    await yieldNow();
  }
  return findings;
}
