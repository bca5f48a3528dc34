/**
 * @module store/alert-windows
 * The queries behind the alert engine's in-memory sample windows (alerts/windows.ts): the recent
 * readings of many stations and metrics in one round trip (refill at start-up), and the stored
 * readings of the hours late readings fell into (their hourly sums and hourly quantile sketches
 * are recomputed from them).
 */
import { qualityName, type QualityName } from '../domain/quality.js';
import type { Db } from './db.js';

export interface RecentSample {
  stationId: string;
  metric: string;
  ts: Date;
  value: number | null;
  quality: QualityName;
}

/** Rows one page of `recentSamplePages` holds at most (about 10 MB of rows in flight). */
export const RECENT_PAGE_ROWS = 50_000;

/**
 * The readings of `stationIds` × `metrics` newer than `since`, ordered by station, time and
 * metric, in pages of at most `pageRows` rows (keyset on that order, the time as microseconds so
 * the key is exact): the alert engine's refill at start-up reads a day or a week of many stations
 * and holds one page at a time, however dense the stored data (issue 20: one result of every
 * reading of 200 stations' week was hundreds of MB of rows at once).
 *
 * @example for await (const page of recentSamplePages(db, ['HN-01', 'HN-02'], ['pm25'], new Date(Date.now() - 3_600_000))) use(page);
 */
export async function* recentSamplePages(
  db: Db,
  stationIds: readonly string[],
  metrics: readonly string[],
  since: Date,
  pageRows = RECENT_PAGE_ROWS,
): AsyncGenerator<RecentSample[]> {
  let after: [string, string, string] | undefined;
  const limit = Math.max(1, Math.floor(pageRows));
  for (;;) {
    const keyset = after ? `AND (station_id, ts, metric) > ($4::text, 'epoch'::timestamptz + $5::int8 * interval '1 microsecond', $6::text)` : '';
    // One packed text value per page, a line per reading (station TAB metric TAB µs TAB value TAB
    // quality; an empty value is NULL): on the embedded database, 50,000 readings as rows cost about
    // 14 µs each in the driver (a restart refilling 633,000 readings took 8.7 s), as one value a
    // fraction of that (float8's text is its shortest exact form: the value read back is the same).
    const { rows } = await db.query<{ packed: string | null }>(
      `SELECT string_agg(concat_ws(E'\\t', station_id, metric, us, coalesce(value::text, ''), quality), E'\\n' ORDER BY station_id, us, metric) AS packed
         FROM (SELECT station_id, metric, (extract(epoch FROM ts) * 1000000)::int8 AS us, value, quality FROM readings
                WHERE station_id = ANY($1) AND metric = ANY($2) AND ts > $3 ${keyset}
                ORDER BY station_id, ts, metric LIMIT ${limit}) r`,
      after ? [stationIds, metrics, since, ...after] : [stationIds, metrics, since],
    );
    const text = rows[0]?.packed;
    if (!text) return;
    const page: RecentSample[] = [];
    let last: [string, string, string] | undefined;
    for (let start = 0; start < text.length;) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      const t1 = text.indexOf('\t', start);
      const t2 = text.indexOf('\t', t1 + 1);
      const t3 = text.indexOf('\t', t2 + 1);
      const t4 = text.indexOf('\t', t3 + 1);
      const stationId = text.slice(start, t1);
      const metric = text.slice(t1 + 1, t2);
      const us = text.slice(t2 + 1, t3);
      // pg's Date of a timestamptz keeps whole milliseconds (it truncates the microseconds): the same here
      page.push({
        stationId,
        metric,
        ts: new Date(Math.floor(Number(us) / 1000)),
        value: t4 === t3 + 1 ? null : Number(text.slice(t3 + 1, t4)),
        quality: qualityName(Number(text.slice(t4 + 1, end))),
      });
      last = [stationId, us, metric];
      start = end + 1;
    }
    yield page;
    if (page.length < limit) return;
    after = last;
  }
}

/** Stations one probe statement asks about (at most). */
const PROBE_STATIONS = 5_000;

/**
 * Which of `stationIds` have a reading newer than `since`: one index probe per station and chunk
 * ((station_id, ts), LIMIT 1 in a subquery, so the plan cannot turn into a scan of every reading
 * since then; a plain EXISTS was planned as a hash join over every reading). The alert engine's
 * refill at start-up reads only these: of the bench's 10,001 registered stations 2,001 had
 * readings, and the other 8,000 cost a refill query per group of 47 stations; the probe of all
 * 10,001 takes about 80 ms. With the packed pages of recentSamplePages, the refill took 4.4–4.9 s
 * there against 9.2–10.5 s (the two changes measured together).
 */
export async function stationsWithReadingsSince(db: Db, stationIds: readonly string[], since: Date): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < stationIds.length; i += PROBE_STATIONS) {
    const { rows } = await db.transaction(async (client) => {
      // Without plain index scans: for a chunk wholly after `since`, LIMIT 1 made the planner take
      // the index on ts alone with a filter on the station, counting on a match within the first
      // rows; for a station without readings that read the whole chunk (195,000 rows, 36 ms) once
      // per station, and a start-up with 8,000 such stations did not end within 120 s (the bench's
      // fleet phase, 2026-12-04). Bitmap scans cost what they read, so the (station_id, ts) index
      // is taken: 5,000 stations in 330 ms on the same database.
      await client.query('SET LOCAL enable_indexscan = off');
      return client.query<{ s: string }>(`SELECT s FROM unnest($1::text[]) s WHERE (SELECT 1 FROM readings r WHERE r.station_id = s AND r.ts > $2 LIMIT 1) IS NOT NULL`, [
        stationIds.slice(i, i + PROBE_STATIONS),
        since,
      ]);
    });
    for (const r of rows) out.add(r.s);
  }
  return out;
}

/** A time range of one station and metric: ts in (after, until] and ts < before. */
export interface StoredRange {
  stationId: string;
  metric: string;
  after: Date;
  until: Date;
  before: Date;
}

/**
 * The stored readings in each of `ranges` (one round trip), each row tagged with the index of
 * its range: the alert engine re-reads the hours late readings fell into (alerts/windows.ts).
 *
 * @example const rows = await storedInRanges(db, [{ stationId: 'HN-01', metric: 'pm25', after: new Date('2026-01-01T00:00Z'), until: new Date('2026-01-01T01:00Z'), before: new Date('2026-01-01T00:40Z') }]);
 */
export async function storedInRanges(db: Db, ranges: readonly StoredRange[]): Promise<Array<{ range: number; ts: Date; value: number | null; quality: QualityName }>> {
  if (ranges.length === 0) return [];
  const { rows } = await db.query<{ i: number; ts: Date; value: number | null; quality: number }>(
    `SELECT k.i::int AS i, r.ts, r.value, r.quality
       FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[]) WITH ORDINALITY AS k(station_id, metric, after, until, before, i)
       JOIN readings r ON r.station_id = k.station_id AND r.metric = k.metric AND r.ts > k.after AND r.ts <= k.until AND r.ts < k.before`,
    [ranges.map((r) => r.stationId), ranges.map((r) => r.metric), ranges.map((r) => r.after), ranges.map((r) => r.until), ranges.map((r) => r.before)],
  );
  return rows.map((r) => ({ range: r.i - 1, ts: r.ts, value: r.value, quality: qualityName(r.quality) }));
}

/** A time range of one station and metric: ts in [from, to). */
export interface StoredHourRange {
  stationId: string;
  metric: string;
  from: Date;
  to: Date;
}

/**
 * The stored readings in each of `ranges`, ts in [from, to) (one round trip), each row tagged
 * with the index of its range: the alert engine re-reads the hour sketches late readings fell
 * into (alerts/windows.ts; sketch hours are open at their end, unlike the sums' hours).
 *
 * @example const rows = await storedInHourRanges(db, [{ stationId: 'HN-01', metric: 'pm25', from: new Date('2026-01-01T00:00Z'), to: new Date('2026-01-01T00:40Z') }]);
 */
export async function storedInHourRanges(db: Db, ranges: readonly StoredHourRange[]): Promise<Array<{ range: number; ts: Date; value: number | null; quality: QualityName }>> {
  if (ranges.length === 0) return [];
  const { rows } = await db.query<{ i: number; ts: Date; value: number | null; quality: number }>(
    `SELECT k.i::int AS i, r.ts, r.value, r.quality
       FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[]) WITH ORDINALITY AS k(station_id, metric, t_from, t_to, i)
       JOIN readings r ON r.station_id = k.station_id AND r.metric = k.metric AND r.ts >= k.t_from AND r.ts < k.t_to`,
    [ranges.map((r) => r.stationId), ranges.map((r) => r.metric), ranges.map((r) => r.from), ranges.map((r) => r.to)],
  );
  return rows.map((r) => ({ range: r.i - 1, ts: r.ts, value: r.value, quality: qualityName(r.quality) }));
}
