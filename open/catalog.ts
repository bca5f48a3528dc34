/**
 * @module open/catalog
 * The open data's "what is there" answers: the entry document (licence, settings, links), the
 * index categories with their health advice, the list of public stations with their current
 * index (hydromet, salinity, wastewater: their own, domain/type-index.ts, from the latest validated
 * public values before the publication cutoff), and one public station with the latest validated
 * value of each public metric (with a minimum validation level, from its newest approved span only).
 */
import { VN_AQI_CATEGORIES, VN_WQI_CLASSES } from '../domain/indices/categories.js';
import { loadPacks } from '../alerts/packs/index.js';
import { stationTypeIndex, TYPE_INDEX_METRIC, typeIndexKindOf, typeIndexTables, type StationTypeIndex, type TypeIndexTables } from '../domain/type-index.js';
import type { Station } from '../store/stations.js';
import { currentIndicesAndValues } from '../store/latest.js';
import { currentIndices, latestValid } from '../store/open-data.js';
import type { OpenBody, OpenContext } from './context.js';
import { indexOfProfile, isPublic, publicationCutoff, publicationFloor, publicMetrics } from './policy.js';
import { DAY, HOUR, decimalsOf, round, stationJson } from './present.js';

/** An hourly index older than this (before the cutoff) is not shown as "current". */
const CURRENT_INDEX_MAX_AGE_MS = 3 * HOUR;
/** The latest value of a metric is looked for this far back. */
const LATEST_LOOKBACK_MS = 2 * DAY;

/** The built-in packs' salinity lines and QCVN 40 columns (the open data shows the published rule packs), read once. */
let builtinTables: TypeIndexTables | undefined;
function tables(): TypeIndexTables {
  builtinTables ??= typeIndexTables(loadPacks().flatMap((p) => p.rules.map((rule) => ({ pack: p.pack, rule }))));
  return builtinTables;
}

/** The public metrics a hydromet, salinity or wastewater station's own index reads; undefined for other types. */
function ownIndexMetrics(station: Station, keys: readonly string[]): string[] | undefined {
  const kind = typeIndexKindOf(station.profileId);
  if (kind === undefined) return undefined;
  return kind === 'compliance' ? [...keys] : keys.filter((k) => k === TYPE_INDEX_METRIC[kind]);
}

/** That station's own index from its latest valid public values (before its publication cutoff). */
function ownIndex(station: Station, keys: readonly string[], latest: ReadonlyMap<string, number> | undefined): StationTypeIndex | undefined {
  return ownIndexMetrics(station, keys) === undefined ? undefined : stationTypeIndex(station, latest ?? new Map<string, number>(), tables(), keys);
}

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
      minValidationLevel: settings.minValidationLevel,
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
  const approved = await ctx.approvedSpans();
  const stations = ctx.directory
    .all()
    .filter((s) => isPublic(s, pubs.get(s.id)) && (profile === undefined || s.profileId === profile) && (province === undefined || s.province === province))
    .sort((a, b) => a.id.localeCompare(b.id));
  const t = ctx.now();
  const window = (s: Station) => {
    const spans = ctx.spansOf(approved, s.id);
    return { cutoff: publicationCutoff(settings, pubs.get(s.id), t, spans), floor: publicationFloor(settings, spans) };
  };
  const wanted = stations.flatMap((s) => {
    const indexName = indexOfProfile(s.profileId);
    return indexName ? [{ stationId: s.id, indexName, ...window(s) }] : [];
  });
  const keys = new Map(stations.map((s) => [s.id, publicMetrics(profiles.get(s.profileId), pubs.get(s.id))]));
  const values = stations.flatMap((s) => {
    const metrics = ownIndexMetrics(s, keys.get(s.id)!);
    return metrics ? [{ stationId: s.id, metrics, ...window(s) }] : [];
  });
  // with per-type stations, their latest values come in the same round trip as the indices
  const found =
    values.length === 0
      ? { indices: await currentIndices(ctx.publicDb, wanted, CURRENT_INDEX_MAX_AGE_MS), values: new Map<string, Map<string, number>>() }
      : await currentIndicesAndValues(ctx.publicDb, wanted, values, CURRENT_INDEX_MAX_AGE_MS, LATEST_LOOKBACK_MS);
  const current = new Map(found.indices.map((c) => [c.stationId, c]));
  return ctx.json({ data: stations.map((s) => stationJson(profiles, s, keys.get(s.id)!, current.get(s.id), ownIndex(s, keys.get(s.id)!, found.values.get(s.id)))) });
}

/** A public station with its current index and the latest valid value of each public metric. */
export async function publicStationDetail(ctx: OpenContext, id: string): Promise<OpenBody> {
  const { profiles } = ctx;
  const { station, metrics: keys, cutoff, floor } = await ctx.publicStation(id);
  const indexName = indexOfProfile(station.profileId);
  const [current] = indexName ? await currentIndices(ctx.publicDb, [{ stationId: station.id, indexName, cutoff, floor }], CURRENT_INDEX_MAX_AGE_MS) : [];
  const latest = await latestValid(ctx.publicDb, station.id, keys, cutoff, LATEST_LOOKBACK_MS, floor);
  const defs = profiles.get(station.profileId)?.profile.metrics ?? {};
  return ctx.json({
    station: stationJson(profiles, station, keys, current, ownIndex(station, keys, new Map(latest.map((r) => [r.metric, r.value])))),
    latest: latest.map((r) => ({ metric: r.metric, ts: r.ts.toISOString(), value: round(r.value, decimalsOf(profiles, station, r.metric)), unit: defs[r.metric]?.unit ?? null })),
  });
}
