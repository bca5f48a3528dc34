/**
 * An aggregated answer asked again is served as kept (analytics/answer-cache.ts) while the rows it
 * was computed from are unchanged, and computed again as soon as a refresh changes them: an
 * analyst never gets an answer other than the one the database gives now. Real embedded database,
 * real refreshes, through the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { Pm25Rows, insertPm25, refreshAggregates } from './helpers/seed-readings.js';

const vn = (local: string) => Date.parse(`${local}+07:00`);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const DAY0 = vn('2026-06-01T00:00:00');
const IDS = ['AC-1', 'AC-2'];

interface Answer {
  source: string;
  series: Array<{ station: string; data: Array<{ ts: string; values: Record<string, number | null>; coverage: { valid: number } }> }>;
}

let t: TestApp;

const iso = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
const url = (bucket: string, from: number, to: number) =>
  `/api/v1/readings?stations=${IDS.join(',')}&metric=pm25&bucket=${bucket}&agg=avg,max,count&from=${iso(from)}&to=${iso(to)}`;

async function ask(u: string): Promise<Answer> {
  const res = await t.app.http.app.inject({ method: 'GET', url: u, headers: { authorization: `Bearer ${t.adminToken}` } });
  expect(res.statusCode).toBe(200);
  return res.json();
}

async function lookups(): Promise<{ hit: number; miss: number; bytes: number }> {
  const text = (await t.inject<string>('GET', '/metrics', undefined, null)).body;
  const n = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
  return {
    hit: n(/quantrac_analytics_answer_cache_lookups_total\{outcome="hit"\} (\d+)/),
    miss: n(/quantrac_analytics_answer_cache_lookups_total\{outcome="miss"\} (\d+)/),
    bytes: n(/quantrac_analytics_answer_cache_bytes (\d+)/),
  };
}

/** The hour's average and count of station AC-1 read through the view (what the database says now). */
async function hourOfView(hour: number): Promise<{ avg: number; n: number }> {
  const { rows } = await t.app.store.db.query<{ avg: number; n: number }>(
    `SELECT sum / n_valid AS avg, n_valid AS n FROM readings_hourly WHERE station_id = 'AC-1' AND metric = 'pm25' AND bucket = $1`,
    [new Date(hour)],
  );
  return { avg: rows[0]!.avg, n: Number(rows[0]!.n) };
}

beforeAll(async () => {
  t = await startTestApp({ analytics: { rateLimitPerMinute: 1_000_000 } });
  for (const id of IDS) await t.createStation({ id, lat: 21, lon: 105.8 });
  const rows = new Pm25Rows();
  IDS.forEach((id, i) => {
    for (let m = 0; m < 2 * 24 * 4; m++) rows.add(id, DAY0 + m * 15 * 60_000, i * 100 + (m % 37) + 0.5);
  });
  await insertPm25(t.app.store.db, rows);
  await refreshAggregates(t.app.store.db, ['readings_hourly', 'readings_daily'], DAY0 - DAY, DAY0 + 2 * DAY);
}, 120_000);
afterAll(async () => {
  await t?.close(true);
});

describe('aggregated answers kept while their rows are unchanged', () => {
  it('serves an ended, materialized range as kept from its third ask, and computes it again after a refresh changed its rows', async () => {
    const u = url('1h', DAY0, DAY0 + DAY);
    const before = await lookups();
    const first = await ask(u);
    expect(first.source).toBe('hourly');
    // asked once: no stamps read
    expect(await lookups()).toMatchObject({ hit: before.hit, miss: before.miss });
    const second = await ask(u);
    const third = await ask(u);
    const kept = await lookups();
    expect(kept.miss).toBe(before.miss + 1);
    expect(kept.hit).toBe(before.hit + 1);
    expect(kept.bytes).toBeGreaterThan(0);
    expect(second).toEqual(first);
    expect(third).toEqual(first);

    // a late reading of 10:00–11:00 (local), then the refresh the backfill job makes
    const hour = DAY0 + 10 * HOUR;
    const late = new Pm25Rows();
    late.add('AC-1', hour + 7 * 60_000, 900);
    await insertPm25(t.app.store.db, late);
    await refreshAggregates(t.app.store.db, ['readings_hourly'], DAY0, DAY0 + DAY);
    const view = await hourOfView(hour);

    const after = await ask(u);
    const bucket = (a: Answer) => a.series.find((s) => s.station === 'AC-1')!.data.find((b) => Date.parse(b.ts) === hour)!;
    expect(bucket(first).values.count).toBe(4);
    expect(bucket(after).values).toMatchObject({ count: 5, max: 900 });
    expect(bucket(after).values.avg).toBeCloseTo(view.avg, 9);
    expect(view.n).toBe(5);
    expect(await lookups()).toMatchObject({ hit: kept.hit, miss: kept.miss + 1 });
    // the new answer is kept in turn
    expect(await ask(u)).toEqual(after);
    expect((await lookups()).hit).toBe(kept.hit + 1);
  });

  it('keeps daily answers too, and never one whose range reaches past the watermark', async () => {
    const daily = url('1d', DAY0, DAY0 + 2 * DAY);
    const before = await lookups();
    const answers = [await ask(daily), await ask(daily), await ask(daily)];
    expect(answers[0]!.source).toBe('daily');
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    const afterDaily = await lookups();
    expect(afterDaily).toMatchObject({ hit: before.hit + 1, miss: before.miss + 1 });

    // to the fourth day: past the materialized buckets, read in part through the view, never kept nor stamped
    const open = url('1h', DAY0, DAY0 + 4 * DAY);
    for (let i = 0; i < 3; i++) await ask(open);
    expect(await lookups()).toMatchObject({ hit: afterDaily.hit, miss: afterDaily.miss });
  });

  it('answers the same whether kept or not: a station added to the request is a new answer', async () => {
    const u = url('1h', DAY0 + DAY, DAY0 + 2 * DAY);
    const two = [await ask(u), await ask(u), await ask(u)];
    const one = await ask(`/api/v1/readings?stations=AC-2&metric=pm25&bucket=1h&agg=avg,max,count&from=${iso(DAY0 + DAY)}&to=${iso(DAY0 + 2 * DAY)}`);
    expect(one.series).toEqual(two[2]!.series.filter((s) => s.station === 'AC-2'));
    expect(two[2]!.series.map((s) => s.station)).toEqual(IDS);
  });
});

describe('aggregated answers over compressed aggregates', () => {
  it('are answered as ever (computed each time) when the stamps cannot be read', async () => {
    const db = t.app.store.db;
    const u = url('1h', DAY0 + DAY, DAY0 + 2 * DAY);
    const plain = await ask(u);
    // what an operator of a TimescaleDB server may do for a long retention: compress the hourly aggregate
    await db.query(`ALTER MATERIALIZED VIEW readings_hourly SET (timescaledb.compress = true)`);
    const { rows } = await db.query<{ c: string }>(`SELECT show_chunks('readings_hourly')::text AS c`);
    for (const r of rows) await db.query(`SELECT compress_chunk($1::regclass, if_not_compressed => true)`, [r.c]);
    try {
      const before = await lookups();
      const answers = [await ask(u), await ask(u), await ask(u)];
      for (const a of answers) expect(a).toEqual(plain);
      // no stamp read, nothing kept
      expect(await lookups()).toMatchObject({ hit: before.hit, miss: before.miss });
    } finally {
      for (const r of rows) await db.query(`SELECT decompress_chunk($1::regclass, if_compressed => true)`, [r.c]);
      await db.query(`ALTER MATERIALIZED VIEW readings_hourly SET (timescaledb.compress = false)`);
    }
  });
});
