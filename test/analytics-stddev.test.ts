/**
 * The standard deviation an analyst asks for with whole-hour, day or month buckets comes from the
 * continuous aggregates (count, Σx and Σx² of the validated readings), not from the raw rows: a
 * year of daily spreads is answered like a year of daily means, without the raw range limit. It
 * must be the sample standard deviation of the validated readings (what stddev_samp gives over the
 * raw rows), 0 for a bucket of equal readings, null for a bucket of one. From Σx² it differs from
 * stddev_samp by about 2e-16 × (mean ÷ spread)², relative: 1.1e-7 measured here for an hour of a
 * pressure-like series whose mean is 22,000 times its spread, far below any sensor's resolution.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { refreshAggregates } from './helpers/seed-readings.js';
import { validatedSql } from '../domain/validation/codes.js';

const vn = (local: string) => Date.parse(`${local}+07:00`);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const DAY0 = vn('2026-03-01T00:00:00');
/** A longer range than ANALYTICS_MAX_RAW_RANGE_DAYS (92 by default). */
const LONG_DAYS = 120;

let t: TestApp;

type Body = {
  error?: { code: string };
  source: string;
  series: Array<{ station: string; metric: string; data: Array<{ ts: string; values: { stddev: number | null; avg?: number | null } }> }>;
};

/**
 * How far a spread from Σx² may be from stddev_samp, relative: the sum of squares carries about
 * 1e-16 of itself in rounding, and the spread's square is (spread ÷ mean)² of it, so the error
 * grows with (mean ÷ spread)² (a margin of 5 over what was measured).
 */
const tolerance = (mean: number, sd: number) => 1e-15 * (mean / sd) ** 2 + 1e-12;

async function get(url: string): Promise<{ status: number; body: Body }> {
  const res = await t.app.http.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${t.adminToken}` } });
  return { status: res.statusCode, body: res.json() };
}

/** stddev_samp of the validated raw readings per bucket (the truth the aggregate answer must match). */
async function rawStddev(metric: string, bucket: 'hour' | 'day', from: number, to: number): Promise<Map<string, number | null>> {
  const b = bucket === 'hour' ? `time_bucket(INTERVAL '1 hour', ts)` : `time_bucket(INTERVAL '1 day', ts, 'Asia/Ho_Chi_Minh')`;
  const { rows } = await t.app.store.db.query<{ bucket: Date; sd: number | null }>(
    `SELECT ${b} AS bucket, stddev_samp(value) FILTER (WHERE ${validatedSql()}) AS sd FROM readings
      WHERE station_id = 'SD-1' AND metric = $1 AND ts >= $2 AND ts < $3 GROUP BY 1`,
    [metric, new Date(from), new Date(to)],
  );
  return new Map(rows.map((r) => [r.bucket.toISOString(), r.sd]));
}

function range(from: number, to: number): string {
  const iso = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
  return `from=${iso(from)}&to=${iso(to)}`;
}

beforeAll(async () => {
  t = await startTestApp({ analytics: { rateLimitPerMinute: 1_000_000 } });
  await t.createStation({ id: 'SD-1', lat: 21, lon: 105.8 });
  const metric: string[] = [];
  const ts: Date[] = [];
  const values: number[] = [];
  const quality: number[] = [];
  const add = (m: string, at: number, v: number, q = 0) => {
    metric.push(m);
    ts.push(new Date(at));
    values.push(v);
    quality.push(q);
  };
  for (let d = 0; d < LONG_DAYS; d++) {
    for (let h = 0; h < 24; h++) {
      const hour = DAY0 + d * DAY + h * HOUR;
      // a large mean with a small spread (where Σx² − (Σx)²/n cancels most), and outliers flagged as calibration
      for (let m = 0; m < 12; m++) add('pm10', hour + m * 5 * 60_000, 1013.25 + Math.sin(d * 24 + h + m / 7) * 0.37 + ((d * 31 + h * 7 + m) % 5) * 0.011);
      add('pm10', hour + 61_000, 5000, 1);
      // equal readings in every hour: the spread is 0, never a rounding residue
      for (let m = 0; m < 6; m++) add('pm25', hour + m * 10 * 60_000, 0.1 + 0.2);
      // one reading an hour: no sample spread (null) per hour, one per day from 24 readings
      add('so2', hour + 30 * 60_000, 20 + ((d * 24 + h) % 9) * 3.5);
    }
  }
  await t.app.store.db.query(
    `INSERT INTO readings (station_id, metric, ts, value, quality) SELECT 'SD-1', m, ts, v, q FROM unnest($1::text[], $2::timestamptz[], $3::float8[], $4::int2[]) AS r(m, ts, v, q)`,
    [metric, ts, values, quality],
  );
  const from = DAY0 - DAY;
  const to = DAY0 + (LONG_DAYS + 1) * DAY;
  await refreshAggregates(t.app.store.db, ['readings_hourly', 'readings_daily'], from, to);
}, 180_000);
afterAll(async () => {
  await t?.close(true);
});

describe('stddev from the continuous aggregates', () => {
  it('answers hourly spreads from readings_hourly as stddev_samp of the validated readings', async () => {
    const from = DAY0;
    const to = DAY0 + 3 * DAY;
    const { status, body } = await get(`/api/v1/stations/SD-1/readings?metric=pm10,pm25,so2&bucket=1h&agg=stddev,avg&${range(from, to)}`);
    expect(status).toBe(200);
    expect(body.source).toBe('hourly');
    const truth = await rawStddev('pm10', 'hour', from, to);
    const pm10 = body.series.find((s) => s.metric === 'pm10')!;
    expect(pm10.data).toHaveLength(72);
    for (const b of pm10.data) {
      const want = truth.get(b.ts)!;
      expect(want).toBeGreaterThan(0.01);
      expect(Math.abs(b.values.stddev! - want) / want).toBeLessThan(tolerance(b.values.avg!, want));
    }
    expect(body.series.find((s) => s.metric === 'pm25')!.data.every((b) => b.values.stddev === 0)).toBe(true);
    expect(body.series.find((s) => s.metric === 'so2')!.data.every((b) => b.values.stddev === null)).toBe(true);
  });

  it(`answers ${LONG_DAYS} local days from readings_daily, beyond the raw range limit`, async () => {
    const from = DAY0;
    const to = DAY0 + LONG_DAYS * DAY;
    const { status, body } = await get(`/api/v1/stations/SD-1/readings?metric=pm10,pm25,so2&bucket=1d&agg=stddev,avg&${range(from, to)}`);
    expect(status).toBe(200);
    expect(body.source).toBe('daily');
    for (const metric of ['pm10', 'so2']) {
      const truth = await rawStddev(metric, 'day', from, to);
      const s = body.series.find((x) => x.metric === metric)!;
      expect(s.data).toHaveLength(LONG_DAYS);
      for (const b of s.data) {
        const want = truth.get(b.ts)!;
        expect(want).toBeGreaterThan(0.01);
        expect(Math.abs(b.values.stddev! - want) / want).toBeLessThan(tolerance(b.values.avg!, want));
      }
    }
    expect(body.series.find((s) => s.metric === 'pm25')!.data.every((b) => b.values.stddev === 0)).toBe(true);
  });

  it('still refuses an exact median over the same range (it needs the raw rows)', async () => {
    const { status, body } = await get(`/api/v1/stations/SD-1/readings?metric=pm10&bucket=1d&agg=median&exact=true&${range(DAY0, DAY0 + LONG_DAYS * DAY)}`);
    expect(status).toBe(400);
    expect(body.error?.code).toBe('QT_ERR_RANGE_TOO_LARGE');
  });
});
