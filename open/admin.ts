/**
 * @module open/admin
 * The agency's open-data controls: what is published of every station (public flag, public
 * metrics, the optional hand-set validated-through cutoff, and what these and the validation
 * level rule, OPEN_MIN_VALIDATION_LEVEL, mean today), and changing one station's
 * publication. A change clears the publication settings and every cached public answer, so it
 * is visible at once in this process (other nodes within OPEN_CACHE_SECONDS).
 */
import { createError } from '../lib/errors.js';
import { listPublication, updatePublication, type Publication, type PublishedSpans } from '../store/open-data.js';
import type { Station } from '../store/stations.js';
import type { OpenContext } from './context.js';
import { isPublic, publicationCutoff, publicMetrics } from './policy.js';

/** A change of one station's publication: undefined = unchanged, null = back to the default. */
export interface PublicationPatch {
  public?: boolean | null | undefined;
  publicMetrics?: string[] | null | undefined;
  /** ISO 8601 date-time */
  validatedThrough?: string | null | undefined;
}

function settingsJson(ctx: OpenContext, station: Station, pub: Publication | undefined, spans: PublishedSpans) {
  return {
    id: station.id,
    name: station.name,
    profile: station.profileId,
    public: isPublic(station, pub),
    publicFlag: pub?.public ?? null,
    // what `publicFlag: null` means for this station (the profile's default, open/policy.ts)
    publicByDefault: isPublic(station, undefined),
    publicMetrics: pub?.publicMetrics ?? null,
    validatedThrough: pub?.validatedThrough?.toISOString() ?? null,
    publishedMetrics: publicMetrics(ctx.profiles.get(station.profileId), pub),
    publishedThrough: publicationCutoff(ctx.settings, pub, ctx.now(), spans).toISOString(),
  };
}

/** The open-data settings and what is published of every station, by id. */
export async function publicationOverview(ctx: OpenContext) {
  const { settings } = ctx;
  const pubs = await listPublication(ctx.adminDb);
  const approved = await ctx.approvedSpans();
  return {
    settings: {
      ...ctx.licence,
      embargoHours: settings.embargoHours,
      validatedOnly: settings.validatedOnly,
      minValidationLevel: settings.minValidationLevel,
      raw: settings.raw,
      rateLimitPerMinute: settings.rateLimitPerMinute,
      cacheSeconds: settings.cacheSeconds,
    },
    data: ctx.directory
      .all()
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((s) => settingsJson(ctx, s, pubs.get(s.id), ctx.spansOf(approved, s.id))),
  };
}

/** Sets a station's publication; QT_ERR_NOT_FOUND for an unknown station, QT_ERR_METRIC_UNKNOWN (400) for a metric its profile lacks. */
export async function setPublication(ctx: OpenContext, id: string, patch: PublicationPatch) {
  const station = ctx.directory.get(id);
  if (!station) throw createError('QT_ERR_NOT_FOUND', `Station ${id} does not exist`);
  const { publicMetrics: chosen, validatedThrough } = patch;
  const known = ctx.profiles.get(station.profileId)?.profile.metrics ?? {};
  for (const m of chosen ?? []) if (!known[m]) throw createError('QT_ERR_METRIC_UNKNOWN', `publicMetrics: "${m}" is not a metric of profile ${station.profileId}`);
  const stored = await updatePublication(ctx.adminDb, station.id, {
    public: patch.public,
    publicMetrics: chosen,
    validatedThrough: validatedThrough === undefined ? undefined : validatedThrough === null ? null : new Date(validatedThrough),
  });
  if (!stored) throw createError('QT_ERR_NOT_FOUND', `Station ${id} does not exist`);
  ctx.invalidate();
  return { station: settingsJson(ctx, station, stored, ctx.spansOf(await ctx.approvedSpans(), station.id)) };
}
