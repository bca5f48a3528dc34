/**
 * `shape=columns`: an aggregated answer with each series' buckets field by field, one array each,
 * for data frames and for answers too large as an object per bucket. What an analyst relies on:
 * the columns hold exactly the figures of the row shape, bucket for bucket (values, every coverage
 * count, empty buckets, NULL maintenance), through every path an answer takes (several stations
 * written as bytes, one station through the schema's serializer, the aggregates materialized and
 * real-time, wider buckets, the raw table, the VN_AQI day), and a bucket ends where the next starts.
 * The continuous aggregates' own buckets are read as the aggregates keep them (migration 012,
 * store/stored-rows.ts): their figures are checked against the raw readings here too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { refreshAggregates } from './helpers/seed-readings.js';
import { validatedSql } from '../domain/validation/codes.js';

const vn = (local: string) => Date.parse(`${local}+07:00`);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const DAY0 = vn('2026-05-01T00:00:00');
const STATIONS = ['CS-1', 'CS-2', 'CS-3'];

let t: TestApp;

type Coverage = Record<string, number | null>;
type RowSeries = {
  station: string;
  metric: string;
  unit: string;
  timezone: string;
  data: Array<{ ts: string; end: string; local: string; day?: string; values: Record<string, number | null>; coverage: Coverage }>;
};
type ColumnSeries = Omit<RowSeries, 'data'> & {
  data?: unknown;
  columns: { ts: string[]; day?: string[]; values: Record<string, Array<number | null>>; coverage: Record<string, Array<number | null>> };
};
type Body<S> = { error?: { code: string; message: string }; source: string; to: string; series: S[] };

async function get<S>(url: string): Promise<{ status: number; text: string; body: Body<S> }> {
  const res = await t.app.http.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${t.adminToken}` } });
  return { status: res.statusCode, text: res.body, body: res.json() };
}

/** The row shape's buckets turned into columns, as the API must write them. */
function transpose(s: RowSeries): ColumnSeries['columns'] {
  const aggs = Object.keys(s.data[0]?.values ?? {});
  const counts = Object.keys(s.data[0]?.coverage ?? {});
  return {
    ts: s.data.map((b) => b.ts),
    ...(s.data[0]?.day !== undefined ? { day: s.data.map((b) => b.day!) } : {}),
    values: Object.fromEntries(aggs.map((a) => [a, s.data.map((b) => b.values[a]!)])),
    coverage: Object.fromEntries(counts.map((c) => [c, s.data.map((b) => b.coverage[c]!)])),
  };
}

/** Both shapes of `url`: the columns must be the rows transposed, series for series; returns the two answers. */
async function expectSameFigures(url: string, source: string) {
  const rows = await get<RowSeries>(url);
  const cols = await get<ColumnSeries>(`${url}&shape=columns`);
  expect(rows.status, rows.text.slice(0, 300)).toBe(200);
  expect(cols.status, cols.text.slice(0, 300)).toBe(200);
  expect(cols.body.source).toBe(source);
  expect(cols.body.series.map((s) => [s.station, s.metric, s.unit, s.timezone])).toEqual(rows.body.series.map((s) => [s.station, s.metric, s.unit, s.timezone]));
  for (let k = 0; k < rows.body.series.length; k++) {
    const r = rows.body.series[k]!;
    const c = cols.body.series[k]!;
    expect(c.data).toBeUndefined();
    expect(c.columns, `${r.station} ${r.metric}`).toEqual(transpose(r));
    // the end of a bucket is the start of the next, the last one's the answer's `to`
    expect([...c.columns.ts.slice(1), rows.body.to]).toEqual(r.data.map((b) => b.end));
  }
  return { rows, cols };
}

beforeAll(async () => {
  t = await startTestApp({ analytics: { rateLimitPerMinute: 1_000_000 } });
  for (const id of STATIONS) await t.createStation({ id, lat: 21, lon: 105.8 });
  // three days of pm25 and no2 every 5 minutes, with readings calibrating, in fault, in
  // maintenance, flagged by a check, invalidated, restored, hours without readings, values of both signs
  const station: string[] = [];
  const metric: string[] = [];
  const ts: Date[] = [];
  const value: number[] = [];
  const quality: number[] = [];
  const qc: number[] = [];
  const review: number[] = [];
  STATIONS.forEach((id, s) => {
    for (let m = 0; m < 3 * 24 * 12; m++) {
      const hour = Math.floor(m / 12);
      if ((hour + s) % 7 === 3) continue;
      for (const [k, name] of ['pm25', 'no2'].entries()) {
        station.push(id);
        metric.push(name);
        ts.push(new Date(DAY0 + m * 5 * MINUTE));
        value.push(((m * (7 + s + k)) % 113) - 20 + m / 9);
        quality.push(m % 41 === 0 ? 1 : m % 53 === 0 ? 2 : m % 67 === 0 ? 4 : 0);
        qc.push(m % 29 === 0 || m % 58 === 1 ? 1 : 0);
        // invalidated by a reviewer, or flagged by a check and restored
        review.push(m % 31 === 0 ? 10 : m % 58 === 1 ? 1 : 0);
      }
    }
  });
  await t.app.store.db.query(
    `INSERT INTO readings (station_id, metric, ts, value, quality, qc, review)
     SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::float8[], $5::int2[], $6::int4[], $7::int2[])`,
    [station, metric, ts, value, quality, qc, review],
  );
  // the first two days materialized; the third answered by the aggregates' real-time part
  await refreshAggregates(t.app.store.db, ['readings_hourly', 'readings_daily'], DAY0 - DAY, DAY0 + 2 * DAY);
}, 120_000);
afterAll(async () => {
  await t?.close(true);
});

const range = (from: number, to: number) => `from=${encodeURIComponent(new Date(from).toISOString())}&to=${encodeURIComponent(new Date(to).toISOString())}`;
const several = `/api/v1/readings?stations=${STATIONS.join(',')}&metric=pm25,no2`;

describe('an aggregated answer as columns (shape=columns)', () => {
  it('holds the figures of the rows, hourly, over materialized and real-time hours, in half the bytes or less', async () => {
    const { rows, cols } = await expectSameFigures(`${several}&bucket=1h&agg=avg,min,max,count,sum,stddev,median,p95&${range(DAY0, DAY0 + 3 * DAY)}`, 'hourly');
    const s = cols.body.series[0]!.columns;
    expect(s.ts).toHaveLength(72);
    // hours without readings are there, empty: count 0, other values null, coverage 0 %
    const empty = s.coverage.valid!.indexOf(0);
    expect(empty).toBeGreaterThanOrEqual(0);
    expect([s.values.count![empty], s.values.avg![empty], s.coverage.percent![empty]]).toEqual([0, null, 0]);
    // some hour has readings in fault, in maintenance, calibrating and flagged
    for (const c of ['fault', 'maintenance', 'calibrating', 'flagged', 'invalidated'])
      expect(
        cols.body.series.some((x) => x.columns.coverage[c]!.some((n) => (n ?? 0) > 0)),
        c,
      ).toBe(true);
    expect(cols.text.length).toBeLessThan(rows.text.length * 0.5);
  });

  it('holds them for wider buckets, days, the VN_AQI day and the raw table', async () => {
    await expectSameFigures(`${several}&bucket=3h&agg=avg,max,p98&${range(DAY0, DAY0 + 3 * DAY)}`, 'hourly');
    await expectSameFigures(`${several}&bucket=1d&agg=avg,count,median&${range(DAY0, DAY0 + 3 * DAY)}`, 'daily');
    const aqi = await expectSameFigures(`${several}&bucket=aqiday&agg=avg,max&${range(DAY0, DAY0 + 3 * DAY)}`, 'hourly');
    expect(aqi.cols.body.series[0]!.columns.day).toEqual(['2026-05-01', '2026-05-02', '2026-05-03']);
    await expectSameFigures(`${several}&bucket=30m&agg=avg,min&quality=all&${range(DAY0, DAY0 + DAY)}`, 'raw');
  });

  it('is written the same for one station through its own endpoint', async () => {
    const one = await expectSameFigures(`/api/v1/stations/CS-2/readings?metric=pm25,no2&bucket=1h&agg=avg,count,p95&${range(DAY0 + DAY, DAY0 + 3 * DAY)}`, 'hourly');
    const many = await get<ColumnSeries>(`/api/v1/readings?stations=CS-2&metric=pm25,no2&bucket=1h&agg=avg,count,p95&${range(DAY0 + DAY, DAY0 + 3 * DAY)}&shape=columns`);
    expect(many.body.series).toEqual(one.cols.body.series);
  });

  it('is never the other shape served again from the answer cache', async () => {
    // ended, materialized buckets: an answer asked again is kept and served again while its rows are unchanged
    const url = `${several}&bucket=1h&agg=avg,max&${range(DAY0, DAY0 + 2 * DAY)}`;
    for (let i = 0; i < 3; i++) expect((await get<RowSeries>(url)).body.series[0]!.data).toHaveLength(48);
    for (let i = 0; i < 3; i++) {
      const c = (await get<ColumnSeries>(`${url}&shape=columns`)).body.series[0]!;
      expect(c.data).toBeUndefined();
      expect(c.columns.ts).toHaveLength(48);
    }
    expect((await get<RowSeries>(url)).body.series[0]!.data).toHaveLength(48);
  });

  it('is refused with a catalogue code for raw readings and for an unknown shape', async () => {
    const raw = await get(`${several}&${range(DAY0, DAY0 + HOUR)}&shape=columns`);
    expect(raw.status).toBe(400);
    expect(raw.body.error?.code).toBe('QT_ERR_QUERY_INVALID');
    expect(raw.body.error?.message).toMatch(/shape/);
    const odd = await get(`${several}&bucket=1h&${range(DAY0, DAY0 + HOUR)}&shape=table`);
    expect(odd.status).toBe(400);
    expect(odd.body.error?.code).toMatch(/^QT_ERR_/);
  });
});

describe("a continuous aggregate's own buckets, read as it keeps them", () => {
  it('hold the figures of the raw readings, hour by hour and day by day, materialized and real-time', async () => {
    const V = validatedSql();
    for (const [bucket, sqlBucket] of [
      ['1h', `time_bucket('1 hour', ts)`],
      ['1d', `time_bucket('1 day', ts, 'Asia/Ho_Chi_Minh')`],
    ] as const) {
      const answer = await get<RowSeries>(`${several}&bucket=${bucket}&agg=avg,min,max,sum,count,stddev&${range(DAY0, DAY0 + 3 * DAY)}`);
      expect(answer.body.source).toBe(bucket === '1h' ? 'hourly' : 'daily');
      let compared = 0;
      for (const s of answer.body.series) {
        const { rows } = await t.app.store.db.query<Record<string, number | null> & { bucket: Date }>(
          `SELECT ${sqlBucket} AS bucket, avg(value) FILTER (WHERE ${V}) AS avg, min(value) FILTER (WHERE ${V}) AS min, max(value) FILTER (WHERE ${V}) AS max,
                  sum(value) FILTER (WHERE ${V}) AS sum, count(*) FILTER (WHERE ${V})::int AS valid, stddev_samp(value) FILTER (WHERE ${V}) AS stddev,
                  count(*) FILTER (WHERE quality = 1)::int AS calibrating, count(*) FILTER (WHERE quality = 2)::int AS fault,
                  count(*) FILTER (WHERE quality = 4)::int AS maintenance, count(*) FILTER (WHERE quality = 0 AND review = 0 AND qc <> 0)::int AS flagged,
                  count(*) FILTER (WHERE review >= 10)::int AS invalidated
             FROM readings WHERE station_id = $1 AND metric = $2 GROUP BY 1`,
          [s.station, s.metric],
        );
        const truth = new Map(rows.map((r) => [r.bucket.toISOString(), r]));
        for (const b of s.data) {
          const raw = truth.get(b.ts);
          const at = `${s.station} ${s.metric} ${b.ts}`;
          if (!raw) {
            expect(b.coverage.received, at).toBe(0);
            continue;
          }
          const { calibrating, fault, maintenance, flagged, invalidated, valid } = raw;
          expect(b.coverage, at).toMatchObject({ received: valid, valid, calibrating, fault, maintenance, flagged, invalidated });
          expect(b.values.count, at).toBe(valid);
          for (const k of ['min', 'max'] as const) expect(b.values[k], at).toBe(raw[k]);
          for (const k of ['avg', 'sum', 'stddev'] as const) {
            if (raw[k] === null) expect(b.values[k], at).toBeNull();
            else expect(Math.abs(b.values[k]! - raw[k]!), `${at} ${k}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(raw[k]!)));
          }
          compared++;
        }
      }
      // every series' buckets with readings were compared (the hours without any are empty in both)
      expect(compared).toBeGreaterThan(bucket === '1h' ? 6 * 60 : 6 * 3 - 1);
    }
  });
});
