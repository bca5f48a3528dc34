/**
 * @module open/series
 * The open data's time series of one public station, each bounded by the station's publication
 * cutoff and, with a minimum validation level, kept to its approved days: the stored VN_AQI /
 * VN_WQI index (hourly or daily), hourly and daily statistics of validated readings, raw valid readings (only with OPEN_RAW) and the months that have data. Also
 * the two query rules they share: which metrics (`?metric=`, each public) and which range
 * (`from`/`to`, or the last `days` up to the cutoff, at most so many days per request).
 */
import { createError } from '../lib/errors.js';
import { addDays, localDate, localDayRange } from '../lib/time.js';
import { aggregateSeries, dailyIndexSeries, hourlyIndexSeries, monthsWithData, validRaw, type PublishedSpans } from '../store/open-data.js';
import type { OpenBody, OpenContext } from './context.js';
import { indexOfProfile } from './policy.js';
import { DAY, HOUR, INDEX_LABEL, categoryJson, decimalsOf, round } from './present.js';

export interface RangeQuery {
  from?: string | undefined;
  to?: string | undefined;
  /** the last N days up to the publication cutoff (when from/to are absent) */
  days?: number | undefined;
}
export interface MetricRangeQuery extends RangeQuery {
  /** comma-separated metric keys (default: every public metric) */
  metric?: string | undefined;
}
export interface IndexQuery extends RangeQuery {
  period: 'hour' | 'day';
}

/** True when the local day (YYYY-MM-DD in `timeZone`) lies inside one of the spans. */
function dayInSpans(day: string, timeZone: string, spans: NonNullable<PublishedSpans>): boolean {
  const r = localDayRange(day, timeZone);
  return r !== undefined && spans.some((s) => r.from >= s.from && r.to <= s.to);
}

/** Raw readings per request, at most. */
const RAW_LIMIT = 20_000;

/** Metric keys from `?metric=a,b`, each of which must be public. */
export function chosenMetrics(query: string | undefined, allowed: readonly string[]): string[] {
  if (query === undefined || query === '') return [...allowed];
  const wanted = query
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  for (const m of wanted)
    if (!allowed.includes(m)) throw createError('QT_ERR_METRIC_UNKNOWN', `metric: "${m}" is not a public metric of this station; public: ${allowed.join(', ')}`);
  return wanted;
}

/** [from, to) from the query: explicit from/to, or the last `days` (default `defaultDays`) up to the cutoff. */
export function range(q: RangeQuery, cutoff: Date, now: number, defaultDays: number, maxDays: number): { from: Date; to: Date } {
  const to = q.to ? new Date(q.to) : new Date(Math.min(cutoff.getTime(), now));
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - (q.days ?? defaultDays) * DAY);
  if (from >= to) throw createError('QT_ERR_RANGE_INVALID', 'from must be earlier than to');
  if (to.getTime() - from.getTime() > maxDays * DAY) throw createError('QT_ERR_RANGE_TOO_LARGE', `At most ${maxDays} days per request (use the monthly CSV files for bulk)`);
  return { from, to };
}

/** Stored hourly (hour-ending labels) or daily (VN_AQI day, local date) index of a public station. */
export async function indexSeries(ctx: OpenContext, id: string, query: IndexQuery): Promise<OpenBody> {
  const { station, cutoff, spans } = await ctx.publicStation(id);
  const indexName = indexOfProfile(station.profileId);
  if (!indexName) throw createError('QT_ERR_NOT_FOUND', `Station ${station.id} (${station.profileId}) has no index`);
  const { period } = query;
  if (indexName === 'vn_wqi' && period === 'day') throw createError('QT_ERR_QUERY_INVALID', 'period: VN_WQI is hourly only');
  const now = ctx.now();
  // the default range ends at the last whole hour before the cutoff, so the answer (and its ETag) stays the same for the hour
  const q = query.to || query.from ? query : { ...query, to: new Date(Math.floor(Math.min(cutoff.getTime(), now) / HOUR) * HOUR).toISOString() };
  const { from, to } = range(q, cutoff, now, period === 'hour' ? 1 : 30, period === 'hour' ? 31 : 366);
  if (period === 'hour') {
    const end = new Date(Math.min(to.getTime(), cutoff.getTime()));
    const rows = end > from ? await hourlyIndexSeries(ctx.publicDb, station.id, indexName, from, end, spans) : [];
    const data = rows.map((r) => ({
      ts: (r.ts as Date).toISOString(),
      value: r.value,
      category: r.category,
      color: categoryJson(indexName, r.category).color,
      dominant: r.dominant,
    }));
    return ctx.json({ station: station.id, index: INDEX_LABEL[indexName], period, from: from.toISOString(), to: end.toISOString(), data });
  }
  // a VN_AQI day (01:00 → 00:00 in the station's zone, alerts/aqi.ts) is published once it has ended before the cutoff
  const timeZone = ctx.zoneOf(station);
  const lastDay = addDays(localDate(Math.min(to.getTime(), cutoff.getTime()), timeZone), -1);
  const firstDay = localDate(from.getTime(), timeZone);
  const all = firstDay <= lastDay ? await dailyIndexSeries(ctx.publicDb, station.id, indexName, firstDay, lastDay) : [];
  // with a minimum validation level, only approved days
  const rows = spans === null ? all : all.filter((r) => dayInSpans(r.ts as string, timeZone, spans));
  const data = rows.map((r) => ({ ts: r.ts as string, value: r.value, category: r.category, color: categoryJson(indexName, r.category).color, dominant: r.dominant }));
  return ctx.json({ station: station.id, index: INDEX_LABEL[indexName], period, firstDay, lastDay, data });
}

/** Hourly or daily (local days in the station's zone) mean, min, max and count of valid readings, complete buckets only. */
export async function aggregates(ctx: OpenContext, id: string, period: 'hour' | 'day', query: MetricRangeQuery): Promise<OpenBody> {
  const { profiles } = ctx;
  const { station, metrics: allowed, cutoff, spans } = await ctx.publicStation(id);
  const keys = chosenMetrics(query.metric, allowed);
  const { from, to } = range(query, cutoff, ctx.now(), period === 'hour' ? 1 : 30, period === 'hour' ? 31 : 366);
  const timeZone = ctx.zoneOf(station);
  const rows = await aggregateSeries(ctx.publicDb, period, station.id, keys, from, to, cutoff, timeZone, spans);
  const width = period === 'hour' ? HOUR : DAY;
  return ctx.json({
    station: station.id,
    period,
    data: rows.map((r) => {
      const d = decimalsOf(profiles, station, r.metric);
      return {
        metric: r.metric,
        start: period === 'hour' ? r.start.toISOString() : localDate(r.start.getTime(), timeZone),
        end: period === 'hour' ? new Date(r.start.getTime() + width).toISOString() : undefined,
        avg: round(r.avg, d),
        min: round(r.min, d),
        max: round(r.max, d),
        n: r.n,
      };
    }),
  });
}

/** Refuses raw readings unless the agency publishes them (OPEN_RAW); checked before the cache is asked. */
export function assertRawPublished(ctx: OpenContext): void {
  if (!ctx.settings.raw) throw createError('QT_ERR_NOT_FOUND', 'Raw readings are not published here (the agency publishes hourly and daily values; OPEN_RAW is off)');
}

/** Raw valid readings: at most 2 days and RAW_LIMIT readings per request. */
export async function rawReadings(ctx: OpenContext, id: string, query: MetricRangeQuery): Promise<OpenBody> {
  const { station, metrics: allowed, cutoff, spans } = await ctx.publicStation(id);
  const keys = chosenMetrics(query.metric, allowed);
  const { from, to } = range(query, cutoff, ctx.now(), 1, 2);
  const end = new Date(Math.min(to.getTime(), cutoff.getTime()));
  const rows = end > from ? await validRaw(ctx.publicDb, station.id, keys, from, end, RAW_LIMIT, spans) : [];
  return ctx.json({ station: station.id, data: rows.map((r) => ({ ts: r.ts.toISOString(), metric: r.metric, value: r.value })) });
}

/** Local months (in the station's zone) with published data, each with the URL of its CSV file (open/csv.ts). */
export async function months(ctx: OpenContext, id: string): Promise<OpenBody> {
  const { station, metrics: keys, cutoff, spans } = await ctx.publicStation(id);
  const found = await monthsWithData(ctx.publicDb, station.id, keys, cutoff, ctx.zoneOf(station), spans);
  return ctx.json({ station: station.id, data: found.map((month) => ({ month, url: `/open/v1/stations/${encodeURIComponent(station.id)}/months/${month}.csv` })) });
}
