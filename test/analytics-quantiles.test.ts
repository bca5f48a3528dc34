/**
 * Medians and percentiles an analyst asks for with whole-hour, day or month buckets come from the
 * quantile sketches the continuous aggregates carry (migration 011), over any range they serve;
 * `exact=true` computes them from the raw readings (percentile_cont) within the raw range limit.
 * An estimate must be within 1 % of the exact value (SKETCH_ALPHA): for percentile_cont's
 * interpolation between the order statistics a and b around rank q·(n − 1), within
 * 1 % × max(|a|, |b|), which holds for values of either sign and for zeros. The truth here is
 * computed in the test from the raw rows, not by the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { refreshAggregates } from './helpers/seed-readings.js';
import { validatedSql } from '../domain/validation/codes.js';
import { lineQuantiles, rankLineSql, sketchLineSql } from '../store/sketches.js';

const vn = (local: string) => Date.parse(`${local}+07:00`);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const DAY0 = vn('2026-03-01T00:00:00');
const DAYS = 40;
/** Refreshed up to here: the days after it are answered by the views' real-time part (the raw rows). */
const REFRESHED_TO = DAY0 + 38 * DAY;
const STATIONS = ['QS-1', 'QS-2'];
const QUANTILES = { median: 0.5, p95: 0.95, p98: 0.98 } as const;
type Q = keyof typeof QUANTILES;
const ALPHA = 0.01;

let t: TestApp;

type Bucket = { ts: string; values: Record<string, number | null>; coverage: { valid: number } };
type Body = {
  error?: { code: string };
  source: string;
  quantiles?: string;
  /** the range widened to whole buckets */
  from: string;
  to: string;
  series: Array<{ station: string; metric: string; data: Bucket[] }>;
};

async function get(url: string): Promise<{ status: number; body: Body }> {
  const res = await t.app.http.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${t.adminToken}` } });
  return { status: res.statusCode, body: res.json() };
}

function range(from: number, to: number): string {
  const iso = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
  return `from=${iso(from)}&to=${iso(to)}`;
}

/** percentile_cont of sorted values, and the bound an estimate must keep: α × the larger magnitude of the order statistics it interpolates. */
function truth(sorted: readonly number[], q: number): { value: number; bound: number } {
  const rank = q * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return { value: a + (b - a) * (rank - lo), bound: ALPHA * Math.max(Math.abs(a), Math.abs(b)) + 1e-9 };
}

/** The validated raw values of a station's metric per bucket start (ISO), sorted. */
async function rawBuckets(station: string, metric: string, bucketSql: string, from: number, to: number): Promise<Map<string, number[]>> {
  const { rows } = await t.app.store.db.query<{ bucket: Date; vs: number[] }>(
    `SELECT ${bucketSql} AS bucket, array_agg(value ORDER BY value) AS vs FROM readings
      WHERE station_id = $1 AND metric = $2 AND ts >= $3 AND ts < $4 AND ${validatedSql()} AND value IS NOT NULL GROUP BY 1`,
    [station, metric, new Date(from), new Date(to)],
  );
  return new Map(rows.map((r) => [r.bucket.toISOString(), r.vs]));
}

/** Every bucket's estimates against the truth of the raw rows (over the answer's range, widened to whole buckets); returns how many values were compared. */
async function expectWithinAlpha(body: Body, bucketSql: string): Promise<number> {
  let compared = 0;
  for (const s of body.series) {
    const raw = await rawBuckets(s.station, s.metric, bucketSql, Date.parse(body.from), Date.parse(body.to));
    for (const b of s.data) {
      const values = raw.get(b.ts) ?? [];
      expect(b.coverage.valid, `${s.station} ${s.metric} ${b.ts}`).toBe(values.length);
      for (const q of Object.keys(QUANTILES) as Q[]) {
        const got = b.values[q];
        if (values.length === 0) {
          expect(got).toBeNull();
          continue;
        }
        const { value, bound } = truth(values, QUANTILES[q]);
        expect(typeof got, `${s.station} ${s.metric} ${b.ts} ${q}`).toBe('number');
        expect(Math.abs(got! - value), `${s.station} ${s.metric} ${b.ts} ${q}: ${got} vs ${value}`).toBeLessThanOrEqual(bound);
        compared++;
      }
    }
  }
  return compared;
}

beforeAll(async () => {
  t = await startTestApp({ analytics: { rateLimitPerMinute: 1_000_000 } });
  for (const id of STATIONS) await t.createStation({ id, lat: 21, lon: 105.8 });
  const cols = { station: [] as string[], metric: [] as string[], ts: [] as Date[], value: [] as number[], quality: [] as number[] };
  const add = (station: string, metric: string, at: number, value: number, quality = 0) => {
    cols.station.push(station);
    cols.metric.push(metric);
    cols.ts.push(new Date(at));
    cols.value.push(value);
    cols.quality.push(quality);
  };
  STATIONS.forEach((station, s) => {
    for (let i = 0; i < (DAYS * DAY) / (5 * MINUTE); i++) {
      const at = DAY0 + i * 5 * MINUTE;
      // skewed and positive, over two decades
      add(station, 'pm25', at, Math.exp(2 + 1.2 * Math.sin(i * 0.37 + s) + 0.8 * Math.cos(i * 0.011)));
      // both signs and exact zeros
      add(station, 'temp', at, (((i * 7919 + s * 13) % 1601) - 800) / 100);
      // constant, with a calibration outlier an hour that no statistic counts
      add(station, 'pm10', at, 42.5);
      if (i % 12 === 3) add(station, 'pm10', at + MINUTE, 5000, 1);
    }
  });
  await t.app.store.db.query(
    `INSERT INTO readings (station_id, metric, ts, value, quality)
     SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::float8[], $5::int2[])`,
    [cols.station, cols.metric, cols.ts, cols.value, cols.quality],
  );
  await refreshAggregates(t.app.store.db, ['readings_hourly', 'readings_daily', 'readings_monthly'], DAY0 - DAY, REFRESHED_TO);
}, 300_000);

afterAll(async () => {
  await t?.close();
});

const STATS = 'agg=median,p95,p98,count';
const STATIONS_Q = `stations=${STATIONS.join(',')}&metric=pm25,temp,pm10`;
const HOURLY_SQL = `time_bucket(INTERVAL '1 hour', ts)`;
const DAILY_SQL = `time_bucket(INTERVAL '1 day', ts, 'Asia/Ho_Chi_Minh')`;

describe('quantiles from the continuous aggregates', () => {
  it('hourly buckets: estimated from readings_hourly (materialized and real-time) within 1 %', async () => {
    const from = REFRESHED_TO - 2 * DAY;
    const to = DAY0 + DAYS * DAY;
    const { status, body } = await get(`/api/v1/readings?${STATIONS_Q}&bucket=1h&${STATS}&${range(from, to)}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ source: 'hourly', quantiles: 'estimated' });
    expect(await expectWithinAlpha(body, HOURLY_SQL)).toBe(2 * 3 * 4 * 24 * 3);
  });

  it("the database's picks of an hour's codes (rank lines) give the estimates its whole line of codes gives, for any quantile", async () => {
    // q = 1 first: its rank is the last code, and the codes of the quantiles after it must keep their places
    const qs = [1, 0, 0.01, 0.25, 0.5, 0.95, 0.98, 0.999];
    // every hour of the test, materialized and real-time, and an hour without a counted value (NULL sketch)
    const { rows } = await t.app.store.db.query<{ whole: string; ranks: string }>(
      `SELECT ${sketchLineSql('min', 'max', 'sketch')} AS whole, ${rankLineSql('min', 'max', 'sketch', qs)} AS ranks
         FROM (SELECT min, max, sketch FROM readings_hourly WHERE bucket >= $1 AND bucket < $2
               UNION ALL SELECT NULL::float8, NULL::float8, NULL::int4[]) h`,
      [new Date(DAY0), new Date(DAY0 + DAYS * DAY)],
    );
    expect(rows.length).toBe(2 * 3 * DAYS * 24 + 1);
    const whole = new Float64Array(qs.length);
    const ranks = new Float64Array(qs.length);
    const differ: string[] = [];
    let compared = 0;
    for (const r of rows) {
      lineQuantiles(r.whole, 'codes', qs, whole);
      lineQuantiles(r.ranks, 'ranks', qs, ranks);
      qs.forEach((q, i) => {
        if (!Object.is(whole[i], ranks[i])) differ.push(`q ${q}: ${ranks[i]} against ${whole[i]} (${r.ranks})`);
        if (!Number.isNaN(whole[i])) compared++;
      });
    }
    expect(differ.slice(0, 5)).toEqual([]);
    expect(compared).toBe(2 * 3 * DAYS * 24 * qs.length);
  });

  it('a constant series is answered exactly (estimates clamp to the exact min and max), the outliers flagged by the station left out', async () => {
    const { body } = await get(`/api/v1/stations/QS-1/readings?metric=pm10&bucket=1d&${STATS}&${range(DAY0, DAY0 + 3 * DAY)}`);
    expect(body.series[0]!.data.map((b) => b.values)).toEqual(Array(3).fill({ median: 42.5, p95: 42.5, p98: 42.5, count: 288 }));
  });

  it('daily, weekly (merged daily sketches) and monthly buckets agree with the raw readings within 1 %', async () => {
    const daily = await get(`/api/v1/readings?${STATIONS_Q}&bucket=1d&${STATS}&${range(DAY0, DAY0 + DAYS * DAY)}`);
    expect(daily.body.source).toBe('daily');
    expect(await expectWithinAlpha(daily.body, DAILY_SQL)).toBe(2 * 3 * 3 * DAYS);

    const weekly = await get(`/api/v1/readings?${STATIONS_Q}&bucket=7d&${STATS}&${range(DAY0, DAY0 + 35 * DAY)}`);
    expect(weekly.body.source).toBe('daily');
    const weekSql = `time_bucket(INTERVAL '7 days', ts, 'Asia/Ho_Chi_Minh')`;
    expect(await expectWithinAlpha(weekly.body, weekSql)).toBeGreaterThan(0);

    const monthly = await get(`/api/v1/readings?${STATIONS_Q}&bucket=1mo&${STATS}&${range(DAY0, vn('2026-04-01T00:00:00'))}`);
    expect(monthly.body.source).toBe('monthly');
    const monthSql = `time_bucket(INTERVAL '1 month', ts, 'Asia/Ho_Chi_Minh')`;
    expect(await expectWithinAlpha(monthly.body, monthSql)).toBe(2 * 3 * 3);
  });

  it('three-hour buckets merge the hourly sketches in the database', async () => {
    const from = DAY0 + 5 * DAY;
    const to = from + 2 * DAY;
    const { body } = await get(`/api/v1/readings?${STATIONS_Q}&bucket=3h&${STATS}&${range(from, to)}`);
    expect(body.source).toBe('hourly');
    expect(await expectWithinAlpha(body, `time_bucket(INTERVAL '3 hours', ts, 'Asia/Ho_Chi_Minh')`)).toBe(2 * 3 * 3 * 16);
  });

  it('exact=true computes them from the raw readings, as percentile_cont', async () => {
    const from = DAY0 + 2 * DAY;
    const to = from + DAY;
    const { body } = await get(`/api/v1/readings?${STATIONS_Q}&bucket=1h&${STATS}&exact=true&${range(from, to)}`);
    expect(body).toMatchObject({ source: 'raw', quantiles: 'exact' });
    for (const s of body.series) {
      const raw = await rawBuckets(s.station, s.metric, HOURLY_SQL, from, to);
      for (const b of s.data) for (const q of Object.keys(QUANTILES) as Q[]) expect(b.values[q]).toBeCloseTo(truth(raw.get(b.ts)!, QUANTILES[q]).value, 9);
    }
  });

  it('a median over more days than the raw range limit is estimated; exact=true over it is refused', async () => {
    const long = range(DAY0, DAY0 + 120 * DAY);
    const estimated = await get(`/api/v1/stations/QS-1/readings?metric=pm25&bucket=1d&agg=median&${long}`);
    expect(estimated.status).toBe(200);
    expect(estimated.body.series[0]!.data).toHaveLength(120);
    const exact = await get(`/api/v1/stations/QS-1/readings?metric=pm25&bucket=1d&agg=median&exact=true&${long}`);
    expect(exact.status).toBe(400);
    expect(exact.body.error?.code).toBe('QT_ERR_RANGE_TOO_LARGE');
  });
});
