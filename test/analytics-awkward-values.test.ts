/**
 * Aggregated answers carry exact values (issue 20): the database hands the statistics over as
 * binary float8 (store/aggregates.ts) and the answer is written as bytes (analytics/series.ts).
 * Values awkward for either step — tiny, huge (within what the aggregates' sums of squares hold),
 * negative zero, integers past 2^53, numbers
 * JavaScript and PostgreSQL print differently, a bucket whose readings are all excluded (NULL
 * min/max, count 0) — come out as JSON.stringify writes the values computed from the readings,
 * the same from the continuous aggregate and from the raw table, for one station and for several.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';

const vn = (local: string) => Date.parse(`${local}+07:00`);
const HOUR = 3_600_000;
const DAY0 = vn('2026-08-01T00:00:00');
const RANGE = 'from=2026-08-01T00:00:00%2B07:00&to=2026-08-01T10:00:00%2B07:00';
const AGGS = ['avg', 'min', 'max', 'count', 'sum'] as const;

/** Per hour of DAY0: the readings' values as PostgreSQL reads them (text, so -0 stays -0), and their quality (0 valid, 1 calibrating). */
const HOURS: Array<Array<[string, number]>> = [
  [
    ['1e-7', 0],
    ['3e-150', 0],
  ],
  [['1e-150', 0]],
  [['1.2e150', 0]],
  [
    ['-0', 0],
    ['-0', 0],
  ],
  [
    ['123456789012345678', 0],
    ['1.5e20', 0],
  ],
  [
    ['0.1', 0],
    ['0.2', 0],
  ],
  [
    ['1e21', 0],
    ['1e-5', 0],
  ],
  [['42', 1]],
  [
    ['-2.5', 0],
    ['7', 0],
  ],
  [],
];

/** The statistics of an hour computed here from its valid readings (sums in these hours do not depend on the order). */
function expectedValues(hour: Array<[string, number]>): Record<string, number | null> {
  const valid = hour.filter(([, q]) => q === 0).map(([v]) => Number(v));
  if (valid.length === 0) return { avg: null, min: null, max: null, count: 0, sum: null };
  const sum = valid.reduce((a, b) => a + b);
  return { avg: sum / valid.length, min: Math.min(...valid), max: Math.max(...valid), count: valid.length, sum };
}

interface SeriesBody {
  source: string;
  series: Array<{ station: string; data: Array<{ local: string; values: Record<string, number | null>; coverage: Record<string, number | null> }> }>;
}

let t: TestApp;

/** The answer's exact text (the helpers' inject parses it). */
async function rawText(url: string): Promise<string> {
  const res = await t.app.http.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${t.adminToken}` } });
  expect(res.statusCode).toBe(200);
  return res.body;
}

/** As the answer carries it: JSON has no -0. */
const asJson = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

beforeAll(async () => {
  t = await startTestApp({ analytics: { rateLimitPerMinute: 1_000_000 } });
  for (const id of ['AW-A', 'AW-B']) await t.createStation({ id, lat: 21, lon: 105.8 });
  const rows = HOURS.flatMap((hour, h) => hour.map(([value, quality], i) => ({ ts: new Date(DAY0 + h * HOUR + (i + 1) * 60_000), value, quality })));
  await t.app.store.db.query(
    `INSERT INTO readings (station_id, metric, ts, value, quality)
     SELECT s, 'pm25', r.ts, r.value::float8, r.quality
       FROM unnest($1::text[]) s, unnest($2::timestamptz[], $3::text[], $4::int[]) AS r(ts, value, quality)`,
    [['AW-A', 'AW-B'], rows.map((r) => r.ts), rows.map((r) => r.value), rows.map((r) => r.quality)],
  );
  await t.app.store.db.query(`CALL refresh_continuous_aggregate('readings_hourly', $1::timestamptz, $2::timestamptz)`, [new Date(DAY0 - HOUR), new Date(DAY0 + 24 * HOUR)]);
}, 120_000);
afterAll(async () => {
  await t?.close(true);
});

describe('aggregated values awkward in binary and in text', () => {
  it('equal the values computed from the readings, written as JSON.stringify writes them, from the aggregate and from the raw table', async () => {
    const text = await rawText(`/api/v1/readings?stations=AW-A,AW-B&metric=pm25&bucket=1h&agg=${AGGS.join(',')}&${RANGE}`);
    const multi = { body: JSON.parse(text) as SeriesBody };
    expect(multi.body.source).toBe('hourly');
    expect(multi.body.series).toHaveLength(2);
    for (const s of multi.body.series) {
      expect(s.data).toHaveLength(HOURS.length);
      HOURS.forEach((hour, h) => {
        const want = expectedValues(hour);
        expect(s.data[h]!.values).toEqual(asJson(want));
        // the exact text: -0 as 0, 1.5e20 as 150000000000000000000, 1e-5 as 0.00001, 1e-150 as 1e-150
        expect(text).toContain(`"local":"${new Date(DAY0 + h * HOUR + 7 * HOUR).toISOString().slice(0, 19)}+07:00","values":${JSON.stringify(want)}`);
      });
      // an hour of excluded readings only: a row with no statistics, its readings counted as calibrating
      expect(s.data[7]!.coverage).toMatchObject({ received: 0, valid: 0, calibrating: 1 });
      expect(s.data[9]!.coverage).toMatchObject({ received: 0, valid: 0, calibrating: 0 });
    }
    const raw = await t.inject<SeriesBody>('GET', `/api/v1/readings?stations=AW-A,AW-B&metric=pm25&bucket=1h&agg=${AGGS.join(',')},median&exact=true&${RANGE}`);
    expect(raw.body.source).toBe('raw');
    for (let i = 0; i < 2; i++) {
      expect(raw.body.series[i]!.data.map((b) => ({ ...b.values, median: undefined }))).toEqual(multi.body.series[i]!.data.map((b) => ({ ...b.values, median: undefined })));
      expect(raw.body.series[i]!.data.map((b) => b.coverage)).toEqual(multi.body.series[i]!.data.map((b) => b.coverage));
    }
  });

  it('are the same bytes for one station as in the answer for several', async () => {
    for (const bucket of ['1h', '2h']) {
      const multi = await rawText(`/api/v1/readings?stations=AW-A,AW-B&metric=pm25&bucket=${bucket}&agg=${AGGS.join(',')}&${RANGE}`);
      // the single-station answer is written by the response schema's serializer from objects
      const oneText = await rawText(`/api/v1/stations/AW-B/readings?metric=pm25&bucket=${bucket}&agg=${AGGS.join(',')}&${RANGE}`);
      const series = oneText.slice(oneText.indexOf('"series":[') + '"series":['.length, -2);
      expect(series.startsWith('{"station":"AW-B"')).toBe(true);
      expect(multi).toContain(`,${series}]}`);
    }
    const one = JSON.parse(await rawText(`/api/v1/stations/AW-B/readings?metric=pm25&bucket=2h&agg=${AGGS.join(',')}&${RANGE}`)) as SeriesBody;
    // two hours re-grouped from the aggregate: 1.2e150 and -0; 0.1 + 0.2 lost beside 1.5e20
    expect(one.series[0]!.data[1]!.values).toEqual({ avg: 1.2e150 / 3, min: 0, max: 1.2e150, count: 3, sum: 1.2e150 });
    expect(one.series[0]!.data[2]!.values).toEqual(expectedValues([...HOURS[4]!, ...HOURS[5]!]));
  });
});

describe('counts of every kind', () => {
  /** AW-C, per hour of DAY0: [value, quality, qc, review] (hours 1 and 4… have no readings). */
  const AW_C: Array<Array<[number, number, number, number]>> = [
    [
      [10, 0, 0, 0],
      [20, 0, 0, 0],
      [99, 0, 1, 0], // flagged by a check
      [98, 0, 0, 10], // invalidated by a reviewer
    ],
    [],
    [
      [1, 1, 0, 0], // calibrating
      [2, 2, 0, 0], // fault
      [3, 4, 0, 0], // maintenance
      [4, 3, 0, 0], // out of range
      [5.5, 0, 0, 0],
    ],
    [[7, 0, 1, 1]], // flagged, then restored
  ];

  beforeAll(async () => {
    await t.createStation({ id: 'AW-C', lat: 21, lon: 105.8 });
    const rows = AW_C.flatMap((hour, h) => hour.map(([value, quality, qc, review], i) => ({ ts: new Date(DAY0 + h * HOUR + (i + 1) * 60_000), value, quality, qc, review })));
    await t.app.store.db.query(
      `INSERT INTO readings (station_id, metric, ts, value, quality, qc, review)
       SELECT 'AW-C', 'pm25', r.* FROM unnest($1::timestamptz[], $2::float8[], $3::int[], $4::int[], $5::int[]) AS r`,
      [rows.map((r) => r.ts), rows.map((r) => r.value), rows.map((r) => r.quality), rows.map((r) => r.qc), rows.map((r) => r.review)],
    );
    await t.app.store.db.query(`CALL refresh_continuous_aggregate('readings_hourly', $1::timestamptz, $2::timestamptz)`, [new Date(DAY0 - HOUR), new Date(DAY0 + 24 * HOUR)]);
  }, 60_000);

  it('come out as counted, from the aggregate and from the raw table, buckets without readings included', async () => {
    for (const quality of ['valid', 'all'] as const) {
      const { body } = await t.inject<SeriesBody>('GET', `/api/v1/readings?stations=AW-A,AW-C&metric=pm25&bucket=1h&agg=avg,min,max,count,sum&quality=${quality}&${RANGE}`);
      expect(body.source).toBe(quality === 'all' ? 'raw' : 'hourly');
      const c = body.series.find((s) => s.station === 'AW-C')!.data.map((b) => b.coverage);
      expect(c[0]).toMatchObject({ received: quality === 'all' ? 4 : 2, valid: 2, flagged: 1, invalidated: 1, calibrating: 0, fault: 0, maintenance: 0 });
      expect(c[1]).toMatchObject({ received: 0, valid: 0, flagged: 0, invalidated: 0, calibrating: 0, fault: 0, maintenance: 0 });
      expect(c[2]).toMatchObject({ received: quality === 'all' ? 5 : 1, valid: 1, flagged: 0, invalidated: 0, calibrating: 1, fault: 1, maintenance: 1 });
      expect(c[3]).toMatchObject({ received: 1, valid: 1, flagged: 0, invalidated: 0, calibrating: 0, fault: 0, maintenance: 0 });
      // the raw table's answer (an exact median asks for it) counts the same
      if (quality === 'valid') {
        const raw = await t.inject<SeriesBody>('GET', `/api/v1/readings?stations=AW-A,AW-C&metric=pm25&bucket=1h&agg=avg,min,max,count,sum,median&exact=true&${RANGE}`);
        expect(raw.body.source).toBe('raw');
        expect(raw.body.series.find((s) => s.station === 'AW-C')!.data.map((b) => b.coverage)).toEqual(c);
      }
    }
  });
});
