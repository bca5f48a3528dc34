/**
 * @module open/csv
 * The monthly bulk file of a public station: hourly means of its public metrics (validated readings
 * only; with a minimum validation level, of approved days only) over one local month (in the station's zone, lib/time), one row per hour with data, as
 * CSV with the hour's start in UTC and in local time. Bulk users take these instead of paging through /hourly.
 * `bom`: start with a UTF-8 byte order mark, for people opening the file in Excel (analytics/csv-bom.ts).
 */
import { createError } from '../lib/errors.js';
import { localIso, localMonthRange } from '../lib/time.js';
import { aggregateSeries } from '../store/open-data.js';
import type { OpenBody, OpenContext } from './context.js';
import { decimalsOf, round } from './present.js';
import { withBom } from '../analytics/csv-bom.js';

/** The CSV of a local month `YYYY-MM`; 404 when the month starts after the station's publication cutoff. */
export async function monthCsv(ctx: OpenContext, id: string, month: string, { bom = false }: { bom?: boolean } = {}): Promise<OpenBody> {
  const { station, metrics: keys, cutoff, spans } = await ctx.publicStation(id);
  const timeZone = ctx.zoneOf(station);
  const range = localMonthRange(month, timeZone);
  if (!range) throw createError('QT_ERR_QUERY_INVALID', `month: ${month} is not a month YYYY-MM`);
  const { from, to } = range;
  if (from > cutoff.getTime()) throw createError('QT_ERR_NOT_FOUND', `No published data for ${month} yet`);
  const rows = await aggregateSeries(ctx.publicDb, 'hour', station.id, keys, new Date(from), new Date(to), cutoff, undefined, spans);
  const byHour = new Map<number, Map<string, number>>();
  for (const r of rows) {
    const t = r.start.getTime();
    let row = byHour.get(t);
    if (!row) byHour.set(t, (row = new Map()));
    row.set(r.metric, round(r.avg, decimalsOf(ctx.profiles, station, r.metric)));
  }
  // keys are metric identifiers of the profile ([a-z0-9_]), times are ISO: nothing here needs quoting
  const lines = [['hour_start_utc', 'hour_start_local', ...keys].join(',')];
  for (const t of [...byHour.keys()].sort((a, b) => a - b)) {
    const row = byHour.get(t)!;
    lines.push([new Date(t).toISOString(), localIso(t, timeZone), ...keys.map((k) => (row.has(k) ? String(row.get(k)) : ''))].join(','));
  }
  return { body: withBom(lines.join('\r\n') + '\r\n', bom), contentType: 'text/csv; charset=utf-8' };
}
