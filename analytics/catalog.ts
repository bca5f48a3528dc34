/**
 * @module dashboard/server/analytics/catalog
 * What each station measures: its profile's metrics with units and reporting interval, and the
 * first and last reading time of each (stations list, SensorThings Datastreams).
 */
import type { LoadedProfile } from '../device-profiles/index.js';
import { createError } from '../lib/errors.js';
import { seriesSpans } from '../store/analytics.js';
import type { Db } from '../store/index.js';
import type { Station } from '../store/stations.js';

export interface StationMetric {
  key: string;
  name: { en: string; vi: string };
  unit: string;
  intervalSeconds: number;
  firstReading: string | null;
  lastReading: string | null;
}

export async function stationMetrics(db: Db, profiles: ReadonlyMap<string, LoadedProfile>, stations: readonly Station[]): Promise<Map<string, StationMetric[]>> {
  const pairs = stations.flatMap((s) => Object.keys(profiles.get(s.profileId)?.profile.metrics ?? {}).map((metric) => ({ stationId: s.id, metric })));
  const spans = new Map((await seriesSpans(db, pairs)).map((r) => [`${r.stationId}\u0000${r.metric}`, r]));
  const out = new Map<string, StationMetric[]>();
  for (const s of stations) {
    const profile = profiles.get(s.profileId)?.profile;
    out.set(
      s.id,
      Object.entries(profile?.metrics ?? {}).map(([key, m]) => {
        const span = spans.get(`${s.id}\u0000${key}`);
        return {
          key,
          name: m.name,
          unit: m.unit,
          intervalSeconds: m.intervalSeconds ?? profile!.expectedIntervalSeconds,
          firstReading: span?.first?.toISOString() ?? null,
          lastReading: span?.last?.toISOString() ?? null,
        };
      }),
    );
  }
  return out;
}

export interface Bbox {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

/** `minLon,minLat,maxLon,maxLat` (WGS 84 degrees). */
export function parseBbox(text: string): Bbox {
  const n = text.split(',').map((p) => Number(p.trim()));
  const [minLon, minLat, maxLon, maxLat] = n as [number, number, number, number];
  if (n.length !== 4 || n.some((v, i) => text.split(',')[i]!.trim() === '' || !Number.isFinite(v))) {
    throw createError('QT_ERR_QUERY_INVALID', `bbox: "${text}" must be minLon,minLat,maxLon,maxLat`);
  }
  if (minLon < -180 || maxLon > 180 || minLat < -90 || maxLat > 90 || minLon > maxLon || minLat > maxLat) {
    throw createError('QT_ERR_QUERY_INVALID', `bbox: "${text}" is not a box (lon −180…180, lat −90…90, min ≤ max)`);
  }
  return { minLon, minLat, maxLon, maxLat };
}

export function inBbox(s: Station, b: Bbox): boolean {
  return s.lon >= b.minLon && s.lon <= b.maxLon && s.lat >= b.minLat && s.lat <= b.maxLat;
}
