/**
 * @module open/catalog
 * The open data's "what is there" answers: the entry document (licence, settings, links), the
 * index categories with their health advice, the list of public stations with their current
 * index, and one public station with the latest valid value of each public metric.
 */
import { VN_AQI_CATEGORIES, VN_WQI_CLASSES } from '../domain/indices/categories.js';
import { currentIndices, latestValid } from '../store/open-data.js';
import type { OpenBody, OpenContext } from './context.js';
import { indexOfProfile, isPublic, publicationCutoff, publicMetrics } from './policy.js';
import { DAY, HOUR, decimalsOf, round, stationJson } from './present.js';

/** An hourly index older than this (before the cutoff) is not shown as "current". */
const CURRENT_INDEX_MAX_AGE_MS = 3 * HOUR;
/** The latest value of a metric is looked for this far back. */
const LATEST_LOOKBACK_MS = 2 * DAY;

export interface StationsQuery {
  profile?: string | undefined;
  province?: string | undefined;
}

/** GET /open/v1: licence, attribution, publication settings and links. */
export async function entryDocument(ctx: OpenContext): Promise<OpenBody> {
  const { settings } = ctx;
  return ctx.json({
    name: 'Quantrac open data',
    version: 1,
    settings: {
      embargoHours: settings.embargoHours,
      validatedOnly: settings.validatedOnly,
      raw: settings.raw,
      cacheSeconds: settings.cacheSeconds,
      rateLimitPerMinute: settings.rateLimitPerMinute,
    },
    links: { stations: '/open/v1/stations', categories: '/open/v1/categories', openapi: '/api/openapi.json', docs: '/api/docs', page: '/public' },
  });
}

/** VN_AQI categories (Decision 1459) with health advice; VN_WQI classes (Decision 1460). */
export async function categories(ctx: OpenContext): Promise<OpenBody> {
  return ctx.json({
    vnAqi: VN_AQI_CATEGORIES.map((c) => ({
      key: c.key,
      level: c.level,
      min: c.min,
      max: c.max,
      name: { vi: c.nameVi, en: c.nameEn },
      color: c.colorHex,
      advice: { vi: c.adviceVi, en: c.adviceEn },
    })),
    vnWqi: VN_WQI_CLASSES.map((c) => ({
      key: c.key,
      level: c.level,
      min: c.min,
      max: c.max,
      name: { vi: c.nameVi, en: c.nameEn },
      color: c.colorHex,
      use: { vi: c.useVi, en: c.useEn },
    })),
    notes: {
      advice: 'Summaries of the health messages of Decision 1459/QĐ-TCMT (Bảng 4/5), not the gazette wording.',
      wqi: 'VN_WQI class ranges and colours of Decision 1460/QĐ-TCMT as corroborated by secondary sources; the uses are paraphrased.',
    },
  });
}

/** Public stations (optionally of one profile or province) with their public metrics and current index. */
export async function publicStations(ctx: OpenContext, { profile, province }: StationsQuery): Promise<OpenBody> {
  const { settings, profiles } = ctx;
  const pubs = await ctx.publication();
  const stations = ctx.directory
    .all()
    .filter((s) => isPublic(s, pubs.get(s.id)) && (profile === undefined || s.profileId === profile) && (province === undefined || s.province === province))
    .sort((a, b) => a.id.localeCompare(b.id));
  const t = ctx.now();
  const wanted = stations.flatMap((s) => {
    const indexName = indexOfProfile(s.profileId);
    return indexName ? [{ stationId: s.id, indexName, cutoff: publicationCutoff(settings, pubs.get(s.id), t) }] : [];
  });
  const current = new Map((await currentIndices(ctx.publicDb, wanted, CURRENT_INDEX_MAX_AGE_MS)).map((c) => [c.stationId, c]));
  return ctx.json({ data: stations.map((s) => stationJson(profiles, s, publicMetrics(profiles.get(s.profileId), pubs.get(s.id)), current.get(s.id))) });
}

/** A public station with its current index and the latest valid value of each public metric. */
export async function publicStationDetail(ctx: OpenContext, id: string): Promise<OpenBody> {
  const { profiles } = ctx;
  const { station, metrics: keys, cutoff } = await ctx.publicStation(id);
  const indexName = indexOfProfile(station.profileId);
  const [current] = indexName ? await currentIndices(ctx.publicDb, [{ stationId: station.id, indexName, cutoff }], CURRENT_INDEX_MAX_AGE_MS) : [];
  const latest = await latestValid(ctx.publicDb, station.id, keys, cutoff, LATEST_LOOKBACK_MS);
  const defs = profiles.get(station.profileId)?.profile.metrics ?? {};
  return ctx.json({
    station: stationJson(profiles, station, keys, current),
    latest: latest.map((r) => ({ metric: r.metric, ts: r.ts.toISOString(), value: round(r.value, decimalsOf(profiles, station, r.metric)), unit: defs[r.metric]?.unit ?? null })),
  });
}
