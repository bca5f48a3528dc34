/**
 * A large aggregated answer is asked of the database in parts (analytics/series.ts: groups of its
 * stations, one statement each, so that an ingest commit waits behind one part at most). The parts
 * must add up to the answer asked for: every station's series once, in the order the stations were
 * asked, each the same bytes as that station's own answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { Pm25Rows, insertPm25, refreshAggregates } from './helpers/seed-readings.js';

const vn = (local: string) => Date.parse(`${local}+07:00`);
const HOUR = 3_600_000;
const DAY0 = vn('2026-07-01T00:00:00');
// 31 days of hourly buckets: 744 a series, so the database is asked for a few stations at a time
const RANGE = 'from=2026-07-01T00:00:00%2B07:00&to=2026-08-01T00:00:00%2B07:00';
const IDS = Array.from({ length: 20 }, (_, i) => `PT-${String(i).padStart(2, '0')}`);

let t: TestApp;

async function rawText(url: string): Promise<string> {
  const res = await t.app.http.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${t.adminToken}` } });
  expect(res.statusCode).toBe(200);
  return res.body;
}

beforeAll(async () => {
  t = await startTestApp({ analytics: { rateLimitPerMinute: 1_000_000 } });
  for (const id of IDS) await t.createStation({ id, lat: 21, lon: 105.8 });
  // each station its own readings: station i reports in hours i, i + 100, i + 200… with values of its own
  const rows = new Pm25Rows();
  IDS.forEach((id, i) => {
    for (let h = i; h < 744; h += 100) {
      for (let m = 0; m < 3; m++) rows.add(id, DAY0 + h * HOUR + m * 60_000, i * 1000 + h + m / 4);
    }
  });
  await insertPm25(t.app.store.db, rows);
  await refreshAggregates(t.app.store.db, ['readings_hourly'], DAY0 - HOUR, DAY0 + 32 * 24 * HOUR);
}, 120_000);
afterAll(async () => {
  await t?.close(true);
});

describe('a large aggregated answer asked in parts', () => {
  it('is every station asked for, in its order, each series the bytes of its own answer', async () => {
    const asked = [...IDS].reverse();
    const multi = await rawText(`/api/v1/readings?stations=${asked.join(',')}&metric=pm25&bucket=1h&agg=avg,min,max,count&${RANGE}`);
    const body = JSON.parse(multi) as { source: string; series: Array<{ station: string; data: Array<{ values: { count: number; avg: number | null } }> }> };
    expect(body.source).toBe('hourly');
    expect(body.series.map((s) => s.station)).toEqual(asked);
    for (const s of body.series) {
      expect(s.data).toHaveLength(744);
      const i = IDS.indexOf(s.station);
      const counted = s.data.flatMap((b, h) => (b.values.count > 0 ? [h] : []));
      expect(counted).toEqual(Array.from({ length: Math.ceil((744 - i) / 100) }, (_, k) => i + 100 * k));
      expect(s.data[i]!.values.avg).toBe(i * 1000 + i + 0.25);
    }
    // the series text of each station is the text of that station's own answer
    let at = multi.indexOf('"series":[') + '"series":['.length;
    for (const id of asked) {
      const one = await rawText(`/api/v1/stations/${id}/readings?metric=pm25&bucket=1h&agg=avg,min,max,count&${RANGE}`);
      const series = one.slice(one.indexOf('"series":[') + '"series":['.length, -2);
      expect(multi.slice(at, at + series.length)).toBe(series);
      at += series.length + 1;
    }
    expect(multi.slice(at - 1)).toBe(']}');
  });
});
