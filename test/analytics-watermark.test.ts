/**
 * The analyst API reads a continuous aggregate's materialized rows straight from its hypertable
 * before the watermark, and the view (real-time aggregation of the raw rows) from it
 * (store/cagg-source.ts). An analyst must get the same answer as through the view whichever side
 * of the watermark the range falls, across it too, and hours not materialized yet must come from
 * the raw rows, never go missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { Pm25Rows, insertPm25, refreshAggregates } from './helpers/seed-readings.js';
import { WATERMARK_REUSE_MS, caggReader } from '../store/cagg-source.js';

const vn = (local: string) => Date.parse(`${local}+07:00`);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// 6 days of readings; the hourly and daily aggregates materialized for the first 3 days only
const DAY0 = vn('2026-06-01T00:00:00');
const WATERMARK = DAY0 + 3 * DAY;
const IDS = ['WM-1', 'WM-2'];

let t: TestApp;

async function series(
  url: string,
): Promise<{ source: string; series: Array<{ station: string; data: Array<{ ts: string; values: Record<string, number | null>; coverage: { valid: number } }> }> }> {
  const res = await t.app.http.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${t.adminToken}` } });
  expect(res.statusCode).toBe(200);
  return res.json();
}

/** The same statistics read through the view (what the API answered before it read the hypertable). */
async function throughView(view: string, from: number, to: number): Promise<Map<string, { avg: number; min: number; max: number; n: number }>> {
  const { rows } = await t.app.store.db.query<{ station_id: string; bucket: Date; avg: number; min: number; max: number; n: number }>(
    `SELECT station_id, bucket, sum / NULLIF(n_valid, 0) AS avg, min, max, n_valid AS n FROM ${view}
      WHERE station_id = ANY($1::text[]) AND metric = 'pm25' AND bucket >= $2 AND bucket < $3`,
    [IDS, new Date(from), new Date(to)],
  );
  return new Map(rows.map((r) => [`${r.station_id} ${r.bucket.toISOString()}`, { avg: r.avg, min: r.min, max: r.max, n: Number(r.n) }]));
}

function range(from: number, to: number): string {
  const iso = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
  return `from=${iso(from)}&to=${iso(to)}`;
}

beforeAll(async () => {
  t = await startTestApp({ analytics: { rateLimitPerMinute: 1_000_000 } });
  for (const id of IDS) await t.createStation({ id, lat: 21, lon: 105.8 });
  const rows = new Pm25Rows();
  IDS.forEach((id, i) => {
    for (let m = 0; m < 6 * 24 * 4; m++) rows.add(id, DAY0 + m * 15 * 60_000, i * 100 + (m % 37) + 0.25);
  });
  await insertPm25(t.app.store.db, rows);
  await refreshAggregates(t.app.store.db, ['readings_hourly', 'readings_daily'], DAY0 - DAY, WATERMARK);
}, 120_000);
afterAll(async () => {
  await t?.close(true);
});

describe('continuous aggregates read before and after the watermark', () => {
  it('reads the materialized hypertable before the watermark, the view after it, both across it', async () => {
    const reader = await caggReader(t.app.store.db);
    const before = reader.fromItem('readings_hourly', new Date(DAY0), new Date(DAY0 + DAY));
    const across = reader.fromItem('readings_hourly', new Date(DAY0), new Date(DAY0 + 6 * DAY));
    const after = reader.fromItem('readings_hourly', new Date(WATERMARK), new Date(DAY0 + 6 * DAY));
    expect(before).toMatch(/_materialized_hypertable_\d+" readings_hourly$/);
    expect(before).not.toContain('UNION');
    expect(across).toContain(`bucket < '${new Date(WATERMARK).toISOString()}'::timestamptz UNION ALL`);
    expect(after).toBe('readings_hourly');
  });

  for (const [name, from, to] of [
    ['wholly before', DAY0, DAY0 + 2 * DAY],
    ['across', DAY0 + DAY, DAY0 + 5 * DAY],
    ['wholly after', WATERMARK, DAY0 + 6 * DAY],
  ] as const) {
    it(`answers hourly buckets ${name} the watermark as the view does, every hour with readings present`, async () => {
      const body = await series(`/api/v1/readings?stations=${IDS.join(',')}&metric=pm25&bucket=1h&agg=avg,min,max,count&${range(from, to)}`);
      expect(body.source).toBe('hourly');
      const view = await throughView('readings_hourly', from, to);
      expect(view.size).toBe(IDS.length * ((to - from) / HOUR));
      let compared = 0;
      for (const s of body.series) {
        expect(s.data).toHaveLength((to - from) / HOUR);
        for (const b of s.data) {
          const v = view.get(`${s.station} ${b.ts}`)!;
          expect(b.coverage.valid).toBe(4);
          expect(b.values.count).toBe(v.n);
          expect(b.values.avg).toBe(v.avg);
          expect(b.values.min).toBe(v.min);
          expect(b.values.max).toBe(v.max);
          compared++;
        }
      }
      expect(compared).toBe(view.size);
    });
  }

  it('answers as the view does after a refresh moved the watermark past what an earlier answer read', async () => {
    const db = t.app.store.db;
    const early = await caggReader(db);
    await refreshAggregates(db, ['readings_hourly'], WATERMARK, WATERMARK + DAY);
    // within WATERMARK_REUSE_MS the watermark read before the refresh is used again
    expect((await caggReader(db)).fromItem('readings_hourly', new Date(DAY0), new Date(DAY0 + 6 * DAY))).toBe(
      early.fromItem('readings_hourly', new Date(DAY0), new Date(DAY0 + 6 * DAY)),
    );
    const later = await caggReader(db, Date.now() + WATERMARK_REUSE_MS);
    expect(later.fromItem('readings_hourly', new Date(DAY0), new Date(DAY0 + 6 * DAY))).toContain(`bucket < '${new Date(WATERMARK + DAY).toISOString()}'`);
    const from = DAY0 + 2 * DAY;
    const to = DAY0 + 5 * DAY;
    const body = await series(`/api/v1/readings?stations=${IDS.join(',')}&metric=pm25&bucket=1h&agg=avg,min,max,count&${range(from, to)}`);
    const view = await throughView('readings_hourly', from, to);
    expect(view.size).toBe(IDS.length * 72);
    for (const s of body.series) {
      for (const b of s.data) {
        const v = view.get(`${s.station} ${b.ts}`)!;
        expect([b.values.count, b.values.avg, b.values.min, b.values.max]).toEqual([v.n, v.avg, v.min, v.max]);
      }
    }
  });

  it('answers local days across the watermark as the daily view does', async () => {
    const from = DAY0;
    const to = DAY0 + 6 * DAY;
    const body = await series(`/api/v1/readings?stations=${IDS.join(',')}&metric=pm25&bucket=1d&agg=avg,min,max,count&${range(from, to)}`);
    expect(body.source).toBe('daily');
    const view = await throughView('readings_daily', from, to);
    expect(view.size).toBe(IDS.length * 6);
    for (const s of body.series) {
      expect(s.data).toHaveLength(6);
      for (const b of s.data) {
        const v = view.get(`${s.station} ${b.ts}`)!;
        expect(b.coverage.valid).toBe(96);
        expect([b.values.count, b.values.avg, b.values.min, b.values.max]).toEqual([v.n, v.avg, v.min, v.max]);
      }
    }
  });
});
