/**
 * The export built by the database (store/export.ts) writes exactly what the JavaScript export
 * wrote before (issue 20): every column of CSV and NDJSON, compared byte for byte with a reference
 * built here the old way (rows through pg, csv-stringify, JSON.stringify, the validation helpers of
 * domain/validation/codes.ts and the level spans of analytics/levels.ts). Values at the edges of
 * the float formats (tiny, huge, exponents, -0, NaN, ±Infinity, null), every quality flag, check
 * bit, review and reason, a metric that needs quoting, microsecond timestamps, an approved day;
 * and pages that end in the middle of a timestamp's metrics neither repeat nor skip rows, nor do
 * the time windows the pages are read in (store/export.ts exportPages): windows that end inside a
 * timestamp's metrics, empty windows across a gap of weeks, a window ending exactly on a
 * reading's ts, over compressed chunks, uncompressed ones and a compressed chunk with late rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'csv-stringify/sync';
import { startTestApp, type TestApp } from './helpers/app.js';
import { rawRows, type RawRow } from '../store/analytics.js';
import { qualityName } from '../domain/quality.js';
import { checksOf, reasonOfReview, validationStateOf } from '../domain/validation/codes.js';
import { levelAt, levelSpans } from '../analytics/levels.js';
import { approvedPeriods } from '../store/validation-levels.js';
import { localDate } from '../lib/time.js';
import { csvField, exportPage, exportPages, FIRST_WINDOW_MS, nextWindow, type ExportQuery } from '../store/export.js';

let t: TestApp;
const DAY = 86_400_000;
// minimum page size: pages of 100 rows end inside a timestamp's 7 metrics
const PAGE = 100;

const EDGE_VALUES: Array<number | null> = [
  1e-7,
  1.5e-7,
  -1e-7,
  1e-6,
  1.5e-6,
  1e-5,
  0.0001,
  0.001,
  0.1 + 0.2,
  12.5,
  100,
  -123.456,
  123456789012345,
  1234567890123456,
  1e15,
  1e16,
  1.2345e20,
  9.999e20,
  1e21,
  1e22,
  2 ** 53 + 2,
  5e-324,
  1.7976931348623157e308,
  -1.7976931348623157e308,
  0,
  -0,
  null,
  NaN,
  Infinity,
  -Infinity,
  7,
  3.14159,
  2.5e-300,
  1e100,
];

async function insert(rows: Array<{ s: string; m: string; ts: string; v: number | null; q?: number; qc?: number; review?: number }>) {
  await t.app.store.db.query(
    `INSERT INTO readings (station_id, metric, ts, value, quality, qc, review)
     SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::float8[], $5::int2[], $6::int[], $7::int[])`,
    [
      rows.map((r) => r.s),
      rows.map((r) => r.m),
      rows.map((r) => r.ts),
      rows.map((r) => (r.v === null ? null : Number.isNaN(r.v) ? 'NaN' : r.v === Infinity ? 'Infinity' : r.v === -Infinity ? '-Infinity' : String(r.v))),
      rows.map((r) => r.q ?? 0),
      rows.map((r) => r.qc ?? 0),
      rows.map((r) => r.review ?? 0),
    ],
  );
}

/** The export as the JavaScript handler wrote it before issue 20 (the reference). */
async function reference(stationIds: string[], metric: string | null, from: Date, to: Date, format: 'csv' | 'ndjson', validOnly = false): Promise<string> {
  const db = t.app.store.db;
  const units = new Map<string, string>();
  for (const id of stationIds) {
    const s = t.app.directory.get(id)!;
    for (const [k, m] of Object.entries(t.app.profiles.get(s.profileId)?.profile.metrics ?? {})) units.set(`${id}\u0000${k}`, m.unit);
  }
  const approved = await approvedPeriods(db, { stationIds, fromDay: localDate(from.getTime() - DAY, 'UTC'), toDay: localDate(to.getTime() + DAY, 'UTC') });
  const spans = levelSpans(approved, () => t.app.config.timezone);
  const validation = (r: RawRow) =>
    r.quality === 0 && r.qc === 0 && r.review === 0
      ? { qc: [], validation: 'valid', reason: null }
      : { qc: checksOf(r.qc), validation: validationStateOf(r.quality, r.qc, r.review), reason: reasonOfReview(r.review) };
  let out = format === 'csv' ? stringify([['ts', 'station', 'metric', 'value', 'unit', 'quality', 'qc_flags', 'validation', 'reason', 'validation_level']]) : '';
  for await (const rows of rawRows(db, { stationIds, metrics: metric === null ? null : [metric], from, to, validOnly }, 10_000)) {
    for (const r of rows) {
      const v = validation(r);
      const unit = units.get(`${r.stationId}\u0000${r.metric}`) ?? '';
      const level = levelAt(spans.get(r.stationId), r.ts.getTime());
      out +=
        format === 'csv'
          ? stringify([[r.ts.toISOString(), r.stationId, r.metric, r.value, unit, qualityName(r.quality), v.qc.join(';'), v.validation, v.reason ?? '', level]])
          : JSON.stringify({
              ts: r.ts.toISOString(),
              station: r.stationId,
              metric: r.metric,
              value: r.value,
              unit,
              quality: qualityName(r.quality),
              ...v,
              validationLevel: level,
            }) + '\n';
    }
  }
  return out;
}

async function exported(query: string): Promise<string> {
  const res = await fetch(`${t.baseUrl}/api/v1/export?${query}`, { headers: { authorization: `Bearer ${t.adminToken}` } });
  expect(res.status).toBe(200);
  return res.text();
}

beforeAll(async () => {
  t = await startTestApp({ analytics: { exportChunkRows: PAGE, rateLimitPerMinute: 100_000 } });
  for (const id of ['EF-A', 'EF-B']) await t.createStation({ id });
  await t.createStation({ id: 'EF-W', profile: 'surface-water' });
}, 120_000);

afterAll(async () => {
  await t?.close(true);
});

describe('export text built by the database', () => {
  it('writes every float edge, flag, check, review and reason exactly as the JavaScript export did', async () => {
    const t0 = Date.parse('2026-03-10T00:00:00Z');
    const rows: Parameters<typeof insert>[0] = EDGE_VALUES.map((v, i) => ({ s: 'EF-A', m: 'pm25', ts: new Date(t0 + i * 60_000).toISOString(), v }));
    // every quality code (5 = unknown: reads as fault), every check bit alone and together, every review
    for (let q = 0; q <= 5; q++)
      for (let qc = 0; qc < 64; qc += 7)
        for (const review of [0, 1, 10, 11, 12, 13, 14, 15, 16]) {
          rows.push({ s: 'EF-A', m: 'pm10', ts: new Date(t0 + (q * 1000 + qc * 10 + review) * 1000).toISOString(), v: q + qc / 100, q, qc, review });
        }
    rows.push({ s: 'EF-A', m: 'pm10', ts: new Date(t0 + DAY - 1000).toISOString(), v: 1, qc: 63 });
    // a metric no profile knows, one that needs quoting, and microsecond timestamps
    rows.push({ s: 'EF-A', m: 'odd,metric "x"', ts: new Date(t0 + 5_000).toISOString(), v: 2 });
    rows.push({ s: 'EF-A', m: 'plain_unknown', ts: new Date(t0 + 5_000).toISOString(), v: 3 });
    rows.push({ s: 'EF-A', m: 'so2', ts: '2026-03-10T00:00:07.123999Z', v: 4 });
    rows.push({ s: 'EF-A', m: 'so2', ts: '2026-03-10T00:00:07.123001Z', v: 5 });
    rows.push({ s: 'EF-A', m: 'so2', ts: '2026-03-10T00:00:07.579000Z', v: 6 });
    rows.push({ s: 'EF-W', m: 'ph', ts: new Date(t0 + 60_000).toISOString(), v: 7.25 });
    rows.push({ s: 'EF-W', m: 'pm25', ts: new Date(t0 + 60_000).toISOString(), v: 1 });
    await insert(rows);
    // the day is approved (level 1): the day before and after stay 0
    const reviewer = await t.userToken('ef-reviewer', 'reviewer');
    expect((await t.api('POST', '/api/v1/stations/EF-A/validation/approvals', { period: localDate(t0 + DAY / 2, t.app.config.timezone), level: 1 }, reviewer)).status).toBe(201);

    const from = new Date(t0 - DAY);
    const to = new Date(t0 + 2 * DAY);
    const range = `from=${from.toISOString()}&to=${to.toISOString()}`;
    for (const format of ['csv', 'ndjson'] as const) {
      for (const [stations, metric, quality] of [
        ['EF-A', null, 'all'],
        ['EF-A,EF-W', null, 'all'],
        ['EF-W,EF-A', null, 'valid'],
        ['EF-A', 'pm25', 'all'],
      ] as const) {
        const got = await exported(`stations=${stations}${metric ? `&metric=${metric}` : ''}&${range}&format=${format}&quality=${quality}`);
        const want = await reference(stations.split(','), metric, from, to, format, quality === 'valid');
        expect(want.split('\n').length).toBeGreaterThan(metric ? 30 : quality === 'valid' ? 40 : 500);
        expect(got, `${format} ${stations} ${metric} ${quality}`).toBe(want);
      }
    }
    // a few values spelled out, so the reference itself is pinned
    const csv = await exported(`stations=EF-A&metric=pm25&${range}&format=csv`);
    const values = csv
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',')[3]);
    expect(values.slice(0, 6)).toEqual(['1e-7', '1.5e-7', '-1e-7', '0.000001', '0.0000015', '0.00001']);
    expect(values).toContain('1234567890123456');
    expect(values).toContain('123450000000000000000');
    expect(values).toContain('1e+21');
    expect(values).toContain('1.7976931348623157e+308');
    expect(values).toContain('NaN');
    expect(values).toContain('-Infinity');
    const nd = (await exported(`stations=EF-A&metric=pm25&${range}&format=ndjson`))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { value: number | null });
    expect(nd.map((r) => r.value)).toEqual(EDGE_VALUES.map((v) => (v === null || !Number.isFinite(v) ? null : v === 0 ? 0 : v)));
    expect(csv).toContain(',µg/m³,valid,,valid,,1\n');
  });

  it('quotes a CSV field the way csv-stringify does', () => {
    for (const s of ['', 'µg/m³', 'a,b', 'a"b', 'a\nb', 'a\rb', ' x ', 'a;b']) expect(csvField(s) + '\n').toBe(stringify([[s]]));
  });

  it('pages that end inside a timestamp or a station neither repeat nor skip rows, with one station or several', async () => {
    const t0 = Date.parse('2026-04-01T00:00:00Z');
    const metrics = ['pm25', 'pm10', 'tsp', 'so2', 'no2', 'co', 'o3'];
    const rows: Parameters<typeof insert>[0] = [];
    for (const s of ['EF-A', 'EF-B']) {
      for (let i = 0; i < 75; i++) {
        // every 3rd minute carries microseconds, so a page's last key must keep them
        const ts = new Date(t0 + i * 60_000).toISOString().replace('Z', i % 3 === 0 ? '456Z' : '000Z');
        for (const m of metrics) rows.push({ s, m, ts, v: i + metrics.indexOf(m) / 10 });
      }
    }
    await insert(rows);
    const range = `from=${new Date(t0).toISOString()}&to=${new Date(t0 + 75 * 60_000).toISOString()}`;
    // a station without readings between two with them: its pages are empty, the next station's follow
    await t.createStation({ id: 'EF-AA' });
    for (const stations of ['EF-A', 'EF-A,EF-B', 'EF-B,EF-A', 'EF-B,EF-AA,EF-A']) {
      for (const format of ['csv', 'ndjson'] as const) {
        const got = await exported(`stations=${stations}&${range}&format=${format}`);
        const lines = got
          .trim()
          .split('\n')
          .slice(format === 'csv' ? 1 : 0);
        const n = stations.split(',').filter((id) => id !== 'EF-AA').length * 75 * metrics.length;
        expect(lines).toHaveLength(n);
        expect(new Set(lines).size).toBe(n);
        expect(got).toBe(await reference(stations.split(','), null, new Date(t0), new Date(t0 + 75 * 60_000), format));
      }
    }
  });

  it('pages read in time windows hold every row once, in order, across gaps, window edges and compressed chunks', async () => {
    await t.createStation({ id: 'EF-C' });
    const db = t.app.store.db;
    const metrics = ['pm25', 'pm10', 'tsp', 'so2', 'no2', 'co', 'o3'];
    const HOUR = 3_600_000;
    const from = Date.parse('2025-06-02T00:00:00Z');
    const rows: Parameters<typeof insert>[0] = [];
    const at = (ms: number, micros = '000') => new Date(ms).toISOString().replace('Z', `${micros}Z`);
    // 10 days, a timestamp every hour the first day (the first window is [from, from + 1 h): the
    // reading at from + 1 h is on its edge), then every 4 hours; every 4th with microseconds,
    // every 5th with 3 metrics only
    for (let i = 0; i < 78; i++) {
      const ms = from + (i < 24 ? i : 24 + (i - 24) * 4) * HOUR;
      for (const m of i % 5 === 4 ? metrics.slice(2, 5) : metrics) rows.push({ s: 'EF-C', m, ts: at(ms, i % 4 === 3 ? '250' : '000'), v: i + metrics.indexOf(m) / 10 });
    }
    // a gap of six weeks, then two days every 30 minutes (uncompressed chunks)
    const later = from + 10 * 24 * HOUR + 42 * 24 * HOUR;
    for (let i = 0; i < 96; i++) for (const m of metrics) rows.push({ s: 'EF-C', m, ts: at(later + i * 1_800_000, i % 7 === 0 ? '999' : '000'), v: -i - metrics.indexOf(m) });
    await insert(rows);
    // the first 10 days' chunks compressed, then a late reading into one of them (its uncompressed part)
    const { rows: chunks } = await db.query<{ c: string }>(
      `SELECT format('%I.%I', chunk_schema, chunk_name) AS c FROM timescaledb_information.chunks
        WHERE hypertable_name = 'readings' AND range_start < $2 AND range_end > $1 AND NOT is_compressed`,
      [new Date(from), new Date(from + 10 * 24 * HOUR)],
    );
    expect(chunks.length).toBeGreaterThanOrEqual(2);
    for (const c of chunks) await db.query(`SELECT compress_chunk($1::regclass)`, [c.c]);
    await insert([{ s: 'EF-C', m: 'zz_late', ts: at(from + 30 * HOUR, '500'), v: 42 }]);
    const { rows: state } = await db.query<{ compressed: number }>(
      `SELECT count(*) FILTER (WHERE is_compressed)::int AS compressed FROM timescaledb_information.chunks
        WHERE hypertable_name = 'readings' AND range_start < $2 AND range_end > $1`,
      [new Date(from), new Date(later + 2 * 24 * HOUR)],
    );
    expect(state[0]!.compressed).toBe(chunks.length);

    const total = rows.length + 1;
    for (const format of ['csv', 'ndjson'] as const) {
      const q: ExportQuery = { stationIds: ['EF-C'], metrics: null, from: new Date(from), to: new Date(later + 2 * 24 * HOUR), validOnly: false, format, units: [], levels: [] };
      // the whole range in one query, no window: the order and the rows every paging must give
      const whole = await exportPage(db, q, undefined, 1_000_000);
      expect(whole.rows).toBe(total);
      // the first window ends exactly on the second timestamp: its readings start the next window
      const firstWindow = await exportPage(db, { ...q, to: new Date(from + FIRST_WINDOW_MS) }, undefined, 1_000_000);
      expect(firstWindow.rows).toBe(metrics.length);
      expect(firstWindow.last?.ts).toBe('2025-06-02T00:00:00.000000Z');
      // pages of 3 and 10 end inside a timestamp's 7 metrics, 100 and 1,000 inside windows
      for (const pageRows of format === 'csv' ? [3, 100] : [10, 1000]) {
        let got = '';
        for await (const text of exportPages(db, q, pageRows, (err) => expect.fail(String(err)))) got += text;
        expect(got, `${format}, pages of ${pageRows}`).toBe(whole.text);
      }
    }
    // and over HTTP (pages of 100), as the JavaScript export wrote it
    const range = `from=${new Date(from).toISOString()}&to=${new Date(later + 2 * 24 * HOUR).toISOString()}`;
    const csv = await exported(`stations=EF-C&${range}&format=csv`);
    expect(csv.trim().split('\n')).toHaveLength(total + 1);
    expect(csv).toBe(await reference(['EF-C'], null, new Date(from), new Date(later + 2 * 24 * HOUR), 'csv'));
  }, 120_000);

  it('sizes windows from the density of the page before, within bounds', () => {
    const key = (ts: string) => ({ stationId: 'X', ts, metric: 'pm25' });
    const HOUR = 3_600_000;
    const w = { from: Date.parse('2026-01-01T00:00:00Z'), span: HOUR, after: undefined };
    // a full page goes on after its last key (microseconds kept), as wide as that page took
    expect(nextWindow(w, 100, key('2026-01-01T00:30:00.000250Z'), 100)).toEqual({ from: w.from + HOUR / 2, span: HOUR / 2, after: key('2026-01-01T00:30:00.000250Z') });
    // ... at most 16 times narrower (a burst of rows at one timestamp)
    expect(nextWindow(w, 100, key('2026-01-01T00:00:00.000000Z'), 100)?.span).toBe(HOUR / 16);
    // an under-filled window: the next starts at its end, sized for a page (at most 16 times wider)
    expect(nextWindow(w, 50, key('2026-01-01T00:59:00.000000Z'), 100)).toEqual({ from: w.from + HOUR, span: 2 * HOUR, after: undefined });
    expect(nextWindow(w, 1, key('2026-01-01T00:59:00.000000Z'), 100)?.span).toBe(16 * HOUR);
    // an empty one twice as wide, up to 28 days
    expect(nextWindow(w, 0, undefined, 100)).toEqual({ from: w.from + HOUR, span: 2 * HOUR, after: undefined });
    expect(nextWindow({ ...w, span: 20 * 24 * HOUR }, 0, undefined, 100)?.span).toBe(28 * 24 * HOUR);
  });
});
