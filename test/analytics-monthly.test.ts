/**
 * The monthly continuous aggregate (readings_monthly, migration 010, issue 20) on the real app and
 * embedded TimescaleDB: bucket=1mo is answered from it (source "monthly") with the same values and
 * coverage as the raw table gives over months of readings with calibrating, flagged, restored and
 * invalidated ones; the multi-station answer (built as JSON text) equals the single-station ones;
 * and a late reading or a reviewer's invalidation reaches a materialized month after the refresh.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertReadings } from '../store/readings.js';
import { aggregateWatermarks } from '../store/validation.js';
import { startTestApp, type TestApp } from './helpers/app.js';

const vn = (local: string) => Date.parse(`${local}+07:00`);

let t: TestApp;

interface Bucket {
  ts: string;
  local: string;
  end: string;
  values: Record<string, number | null>;
  coverage: {
    expected: number;
    received: number;
    valid: number;
    flagged: number;
    invalidated: number;
    calibrating: number;
    fault: number;
    maintenance: number | null;
    percent: number | null;
  };
}
interface SeriesBody {
  source: string;
  series: Array<{ station: string; metric: string; data: Bucket[] }>;
}

const RANGE = 'from=2026-04-01T00:00:00%2B07:00&to=2026-07-01T00:00:00%2B07:00';
const STATS = 'avg,min,max,count,sum';

async function months(station: string, metric: string, aggs = STATS, bucket = '1mo'): Promise<SeriesBody> {
  const res = await t.inject<SeriesBody>('GET', `/api/v1/stations/${station}/readings?metric=${metric}&bucket=${bucket}&agg=${aggs}&${RANGE}`);
  expect(res.status).toBe(200);
  return res.body;
}

/** The monthly answer equals the raw one (an exact median asks for the raw table): counts exactly, sums and means to float rounding. */
async function expectMonthlyEqualsRaw(station: string, metric: string, bucket = '1mo'): Promise<Bucket[]> {
  const monthly = await months(station, metric, STATS, bucket);
  const raw = await months(station, metric, `${STATS},median&exact=true`, bucket);
  expect(monthly.source).toBe('monthly');
  expect(raw.source).toBe('raw');
  const m = monthly.series[0]!.data;
  const r = raw.series[0]!.data;
  expect(m.map((b) => [b.ts, b.end, b.local])).toEqual(r.map((b) => [b.ts, b.end, b.local]));
  for (let i = 0; i < m.length; i++) {
    expect(m[i]!.coverage).toEqual(r[i]!.coverage);
    expect({ min: m[i]!.values['min'], max: m[i]!.values['max'], count: m[i]!.values['count'] }).toEqual({
      min: r[i]!.values['min'],
      max: r[i]!.values['max'],
      count: r[i]!.values['count'],
    });
    for (const a of ['avg', 'sum']) {
      const want = r[i]!.values[a]!;
      expect(Math.abs(m[i]!.values[a]! - want)).toBeLessThanOrEqual(Math.abs(want) * 1e-12);
    }
  }
  return m;
}

beforeAll(async () => {
  t = await startTestApp({ analytics: { rateLimitPerMinute: 1_000_000, backfillRefreshMs: 100 } });
  for (const id of ['MO-A', 'MO-B']) await t.createStation({ id, lat: 21, lon: 105.8 });
  const db = t.app.store.db;
  // every 20 minutes from April 1st to June 15th (local): calibrating at 05:00, flagged by a check
  // at 08:20, invalidated by a reviewer at 13:40, flagged but restored at 17:20
  await db.query(
    `INSERT INTO readings (station_id, metric, ts, value, quality, qc, review)
     SELECT s, m, ts, ((extract(epoch FROM ts)::int8 / 60) % 97) * 0.37 + 1.1 + (CASE WHEN s = 'MO-B' THEN 3 ELSE 0 END),
            CASE WHEN h = 5 AND mi = 0 THEN 1 ELSE 0 END,
            CASE WHEN (h = 8 AND mi = 20) OR (h = 17 AND mi = 20) THEN 4 ELSE 0 END,
            CASE WHEN h = 13 AND mi = 40 THEN 11 WHEN h = 17 AND mi = 20 THEN 1 ELSE 0 END
       FROM unnest($1::text[]) s, unnest($2::text[]) m,
            generate_series($3::timestamptz, $4::timestamptz, '20 minutes') ts,
            LATERAL (SELECT extract(hour FROM ts AT TIME ZONE 'Asia/Ho_Chi_Minh')::int AS h, extract(minute FROM ts)::int AS mi) l
      WHERE ts < $4::timestamptz`,
    [['MO-A', 'MO-B'], ['pm25', 'co'], new Date(vn('2026-04-01T00:00:00')), new Date(vn('2026-06-15T00:00:00'))],
  );
  // as the policy jobs do, each built on the one before
  for (const view of ['readings_hourly', 'readings_daily', 'readings_monthly']) {
    await db.query(`CALL refresh_continuous_aggregate($1::regclass, '2026-03-01', '2026-07-01')`, [view]);
  }
}, 120_000);
afterAll(async () => {
  await t?.close(true);
});

describe('readings_monthly', () => {
  it('answers bucket=1mo with the raw answer over months with flagged, restored and invalidated readings', async () => {
    const m = await expectMonthlyEqualsRaw('MO-A', 'pm25');
    expect(m.map((b) => b.local)).toEqual(['2026-04-01T00:00:00+07:00', '2026-05-01T00:00:00+07:00', '2026-06-01T00:00:00+07:00']);
    // April: 30 days × 72 readings; each day 1 calibrating, 1 flagged, 1 invalidated (the restored one counts)
    expect(m[0]!.coverage).toMatchObject({ valid: 30 * 69, received: 30 * 69, calibrating: 30, flagged: 30, invalidated: 30 });
    expect(m[0]!.values['count']).toBe(30 * 69);
    // June: half a month of data
    expect(m[2]!.coverage.valid).toBe(14 * 69);
    await expectMonthlyEqualsRaw('MO-B', 'co');
    // months re-grouped from readings_monthly (a quarter from 2026-04-01) agree too
    const quarter = await expectMonthlyEqualsRaw('MO-A', 'pm25', '3mo');
    expect(quarter).toHaveLength(1);
    expect(quarter[0]!.values['count']).toBe((30 + 31 + 14) * 69);
  });

  it('gives several stations the same series as one station each (the answer built as JSON text)', async () => {
    const res = await t.inject<SeriesBody & { stations: string[]; agg: string[] }>('GET', `/api/v1/readings?stations=MO-A,MO-B&metric=pm25,co&bucket=1mo&agg=${STATS}&${RANGE}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toMatchObject({ stations: ['MO-A', 'MO-B'], bucket: '1mo', agg: STATS.split(','), quality: 'valid', source: 'monthly' });
    expect(res.body.series.map((s) => `${s.station}:${s.metric}`)).toEqual(['MO-A:pm25', 'MO-A:co', 'MO-B:pm25', 'MO-B:co']);
    for (const s of res.body.series) {
      const one = await t.inject<SeriesBody & { station: string }>('GET', `/api/v1/stations/${s.station}/readings?metric=${s.metric}&bucket=1mo&agg=${STATS}&${RANGE}`);
      expect(one.body.series[0]).toEqual(s);
    }
  });

  it('a late reading reaches the materialized month after the refresh', async () => {
    const db = t.app.store.db;
    // May is materialized (before the watermark): its answer is read from the stored rows
    expect((await aggregateWatermarks(db)).readings_monthly).toBeGreaterThanOrEqual(vn('2026-06-01T00:00:00'));
    const before = (await months('MO-A', 'pm25')).series[0]!.data[1]!;
    const late = { stationIds: ['MO-A'], metrics: ['pm25'], ts: [new Date(vn('2026-05-10T10:05:00')).toISOString()], values: [1000], quality: [0] };
    await insertReadings(db, late);
    // not refreshed yet: the stored month does not have it
    expect((await months('MO-A', 'pm25')).series[0]!.data[1]!.values).toEqual(before.values);
    // as ingest announces every committed reading: the backfill refresher refreshes hour, day and month
    t.app.bus.emit('readingsAccepted', { readings: [{ stationId: 'MO-A', metric: 'pm25', ts: vn('2026-05-10T10:05:00'), value: 1000, quality: 'valid' as const }] });
    let may = before;
    for (let i = 0; i < 100 && may.values['count'] === before.values['count']; i++) {
      await new Promise((r) => setTimeout(r, 100));
      may = (await months('MO-A', 'pm25')).series[0]!.data[1]!;
    }
    expect(may.values).toMatchObject({ count: before.values['count']! + 1, max: 1000 });
    await expectMonthlyEqualsRaw('MO-A', 'pm25');
  });

  it("a reviewer's invalidation reaches the materialized month", async () => {
    const before = (await months('MO-B', 'pm25')).series[0]!.data[1]!;
    const res = await t.inject<{ action: { rowsAffected: number } }>('POST', '/api/v1/stations/MO-B/validation/actions', {
      action: 'invalidate',
      metrics: ['pm25'],
      from: new Date(vn('2026-05-20T00:00:00')).toISOString(),
      to: new Date(vn('2026-05-21T00:00:00')).toISOString(),
      reason: 'instrument_fault',
    });
    expect(res.status).toBe(201);
    const after = (await months('MO-B', 'pm25')).series[0]!.data[1]!;
    // the day's 69 valid readings and its flagged one are now invalidated
    expect(after.values['count']).toBe(before.values['count']! - 69);
    expect(after.coverage).toMatchObject({ valid: before.coverage.valid - 69, flagged: before.coverage.flagged - 1 });
    expect(after.coverage.invalidated).toBeGreaterThanOrEqual(before.coverage.invalidated + 70);
    await expectMonthlyEqualsRaw('MO-B', 'pm25');
  });
});
