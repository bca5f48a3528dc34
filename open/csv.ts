/**
 * @module open/csv
 * The monthly bulk file of a public station: hourly means of its public metrics (valid readings
 * only) over one local month (UTC+7), one row per hour with data, as CSV with the hour's start
 * in UTC and in local time. Bulk users take these instead of paging through /hourly.
 */
import { createError } from '../lib/errors.js';
import { aggregateSeries } from '../store/open-data.js';
import type { OpenBody, OpenContext } from './context.js';
import { decimalsOf, localIso, round } from './present.js';

/** The CSV of a local month `YYYY-MM`; 404 when the month starts after the station's publication cutoff. */
export async function monthCsv(ctx: OpenContext, id: string, month: string): Promise<OpenBody> {
  const { station, metrics: keys, cutoff } = await ctx.publicStation(id);
  const from = Date.parse(`${month}-01T00:00:00+07:00`);
  const [y, m] = month.split('-').map(Number) as [number, number];
  const to = Date.parse(`${m === 12 ? y + 1 : y}-${String(m === 12 ? 1 : m + 1).padStart(2, '0')}-01T00:00:00+07:00`);
  if (from > cutoff.getTime()) throw createError('QT_ERR_NOT_FOUND', `No published data for ${month} yet`);
  const rows = await aggregateSeries(ctx.publicDb, 'hour', station.id, keys, new Date(from), new Date(to), cutoff);
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
    lines.push([new Date(t).toISOString(), localIso(t), ...keys.map((k) => (row.has(k) ? String(row.get(k)) : ''))].join(','));
  }
  return { body: lines.join('\r\n') + '\r\n', contentType: 'text/csv; charset=utf-8' };
}
