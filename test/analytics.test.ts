/**
 * The analyst API (issue 5) on the real app and embedded TimescaleDB, with seeded readings:
 * local-calendar buckets, coverage and completeness, cursor paging while data arrives, every bad
 * parameter → 400 naming it, SensorThings, API tokens, rate limits, OpenAPI, late-data refresh,
 * and a 1 M-row export in bounded memory. Requests go in-process through `inject()`, except the
 * export, which is read as a stream from the real port.
 */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertReadings, type ReadingColumns } from '../store/readings.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { parseCsvRows } from './helpers/csv.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const vn = (local: string) => Date.parse(`${local}+07:00`);

let t: TestApp;

/** Rows for one station and metric: every minute in [from, to), quality from `quality(ts)`. */
function minutes(station: string, metric: string, from: number, to: number, value: (ts: number) => number, quality: (ts: number) => number = () => 0, step = MIN): ReadingColumns {
  const cols: ReadingColumns = { stationIds: [], metrics: [], ts: [], values: [], quality: [] };
  for (let ts = from; ts < to; ts += step) {
    cols.stationIds.push(station);
    cols.metrics.push(metric);
    cols.ts.push(new Date(ts).toISOString());
    cols.values.push(value(ts));
    cols.quality.push(quality(ts));
  }
  return cols;
}

async function seed(cols: ReadingColumns): Promise<void> {
  await insertReadings(t.app.store.db, cols);
}

interface Bucket {
  ts: string;
  local: string;
  end: string;
  day?: string;
  values: Record<string, number | null>;
  coverage: { expected: number; received: number; valid: number; calibrating: number; percent: number | null };
}
interface SeriesBody {
  source: string;
  from: string;
  series: Array<{ station: string; metric: string; unit: string; data: Bucket[] }>;
}
interface ErrorBody {
  error: { code: string; message: string };
}

beforeAll(async () => {
  t = await startTestApp({ analytics: { rateLimitPerMinute: 1_000_000, backfillRefreshMs: 100 } });
  for (const id of ['AN-A', 'AN-B', 'AN-C']) await t.createStation({ id, lat: 21 + id.charCodeAt(3) / 100, lon: 105.8 });
  await t.createStation({ id: 'AN-W', profile: 'surface-water', lat: 10.8, lon: 106.7 });
}, 120_000);
afterAll(async () => {
  await t?.close(true);
});

describe('aggregates on the local calendar', () => {
  it('starts a day bucket at 00:00+07:00 and a month bucket on the local 1st', async () => {
    await seed(minutes('AN-A', 'pm25', vn('2026-03-10T23:58:00'), vn('2026-03-11T00:02:00'), (ts) => (ts < vn('2026-03-11T00:00:00') ? 10 : 30)));
    const day = await t.inject<SeriesBody>(
      'GET',
      '/api/v1/stations/AN-A/readings?metric=pm25&bucket=1d&agg=count,avg&from=2026-03-10T00:00:00%2B07:00&to=2026-03-12T00:00:00%2B07:00',
    );
    expect(day.status).toBe(200);
    expect(day.body.source).toBe('daily');
    const [d10, d11] = day.body.series[0]!.data;
    expect(d10).toMatchObject({ ts: '2026-03-09T17:00:00.000Z', local: '2026-03-10T00:00:00+07:00', values: { count: 2, avg: 10 } });
    expect(d11).toMatchObject({ ts: '2026-03-10T17:00:00.000Z', local: '2026-03-11T00:00:00+07:00', values: { count: 2, avg: 30 } });
    expect(day.body.series[0]!.unit).toBe('µg/m³');

    const month = await t.inject<SeriesBody>('GET', '/api/v1/stations/AN-A/readings?metric=pm25&bucket=1mo&agg=count&from=2026-03-05T00:00:00Z&to=2026-03-20T00:00:00Z');
    expect(month.body.series[0]!.data).toHaveLength(1);
    expect(month.body.series[0]!.data[0]).toMatchObject({ local: '2026-03-01T00:00:00+07:00', end: '2026-03-31T17:00:00.000Z', values: { count: 4 } });

    // the same from raw rows (an exact median asks for the raw table) agrees
    const raw = await t.inject<SeriesBody>(
      'GET',
      '/api/v1/stations/AN-A/readings?metric=pm25&bucket=1d&agg=count,median&exact=true&from=2026-03-10T00:00:00%2B07:00&to=2026-03-12T00:00:00%2B07:00',
    );
    expect(raw.body.source).toBe('raw');
    expect(raw.body.series[0]!.data.map((b) => b.values)).toEqual([
      { count: 2, median: 10 },
      { count: 2, median: 30 },
    ]);

    // the VN_AQI day: labelled by its local date, statistics over hourly means
    const aqi = await t.inject<SeriesBody>(
      'GET',
      '/api/v1/stations/AN-A/readings?metric=pm25&bucket=aqiday&agg=avg,count&from=2026-03-11T00:00:00%2B07:00&to=2026-03-12T00:00:00%2B07:00',
    );
    expect(aqi.status).toBe(200);
    expect(aqi.body.series[0]!.data[0]).toMatchObject({ day: '2026-03-11', values: { avg: 30, count: 1 } });
  });

  it('reports coverage with gaps and calibration, valid-only by default', async () => {
    // 2026-03-20 local: 00:00–11:59 valid (720), 12:00–12:59 calibrating (60), then nothing
    const day = vn('2026-03-20T00:00:00');
    await seed(
      minutes(
        'AN-B',
        'pm25',
        day,
        day + 13 * HOUR,
        (ts) => (ts - day) / HOUR,
        (ts) => (ts >= day + 12 * HOUR ? 1 : 0),
      ),
    );
    const q = '/api/v1/stations/AN-B/readings?metric=pm25&from=2026-03-20T00:00:00%2B07:00&to=2026-03-21T00:00:00%2B07:00';
    const daily = await t.inject<SeriesBody>('GET', `${q}&bucket=1d&agg=avg,max`);
    expect(daily.body.series[0]!.data[0]!.coverage).toMatchObject({ expected: 1440, received: 720, valid: 720, calibrating: 60, percent: 50 });
    expect(daily.body.series[0]!.data[0]!.values['max']).toBeLessThan(12);

    const all = await t.inject<SeriesBody>('GET', `${q}&bucket=1d&agg=max&quality=all`);
    expect(all.body.series[0]!.data[0]!.coverage).toMatchObject({ received: 780, percent: 54.2 });
    expect(all.body.series[0]!.data[0]!.values['max']).toBeGreaterThanOrEqual(12);

    const hourly = await t.inject<SeriesBody>('GET', `${q}&bucket=1h&agg=avg,p95`);
    const hours = hourly.body.series[0]!.data;
    expect(hours).toHaveLength(24);
    expect(hours[0]!.coverage).toMatchObject({ expected: 60, received: 60, percent: 100 });
    expect(hours[12]!.coverage).toMatchObject({ received: 0, calibrating: 60, percent: 0 });
    expect(hours[20]).toMatchObject({ values: { avg: null, p95: null }, coverage: { expected: 60, received: 0, percent: 0 } });

    const report = await t.inject<{
      formula: string;
      data: Array<{ station: string; metric: string; day: string; expected: number; valid: number; excluded: { calibrating: number }; percent: number }>;
    }>('GET', '/api/v1/completeness?stations=AN-B&metric=pm25&from=2026-03-20T00:00:00%2B07:00&to=2026-03-21T00:00:00%2B07:00');
    expect(report.status).toBe(200);
    expect(report.body.formula).toMatch(/valid ÷ \(expected − calibrating − fault − maintenance\)/);
    // 720 valid of 1440 − 60 calibrating
    expect(report.body.data).toEqual([
      { station: 'AN-B', metric: 'pm25', day: '2026-03-20', expected: 1440, excluded: { calibrating: 60, fault: 0, maintenance: 0 }, valid: 720, outOfRange: 0, percent: 52.2 },
    ]);
    const csv = await t.inject<string>('GET', '/api/v1/completeness?stations=AN-B&metric=pm25&from=2026-03-20T00:00:00%2B07:00&to=2026-03-21T00:00:00%2B07:00&format=csv');
    expect(csv.headers['content-disposition']).toMatch(/attachment; filename="quantrac-completeness-.*\.csv"/);
    expect(csv.body.trim().split('\n')).toEqual([
      'station,metric,day,expected,calibrating,fault,maintenance,valid,out_of_range,percent',
      'AN-B,pm25,2026-03-20,1440,60,0,0,720,0,52.2',
    ]);
  });

  it('compares several stations in one request', async () => {
    const res = await t.inject<SeriesBody>(
      'GET',
      '/api/v1/readings?stations=AN-A,AN-B&metric=pm25&bucket=1d&agg=count&from=2026-03-10T00:00:00%2B07:00&to=2026-03-21T00:00:00%2B07:00',
    );
    expect(res.status).toBe(200);
    expect(res.body.series.map((s) => [s.station, s.data.reduce((n, b) => n + (b.values['count'] ?? 0), 0)])).toEqual([
      ['AN-A', 4],
      ['AN-B', 720],
    ]);
  });

  it('refreshes the aggregates over late (backfilled) data', async () => {
    const day = vn('2026-02-01T00:00:00');
    await seed(minutes('AN-C', 'pm10', day, day + 10 * MIN, () => 5));
    // as the policy jobs do: readings_daily is built on readings_hourly, refreshed first
    await t.app.store.db.query(`CALL refresh_continuous_aggregate('readings_hourly', '2026-01-01', '2026-03-01')`);
    await t.app.store.db.query(`CALL refresh_continuous_aggregate('readings_daily', '2026-01-01', '2026-03-01')`);
    const late = minutes('AN-C', 'pm10', day + HOUR, day + HOUR + 10 * MIN, () => 50);
    await seed(late);
    // as ingest announces every committed reading
    t.app.bus.emit('readingsAccepted', { readings: late.ts.map((ts) => ({ stationId: 'AN-C', metric: 'pm10', ts: Date.parse(ts), value: 50, quality: 'valid' as const })) });
    const url = '/api/v1/stations/AN-C/readings?metric=pm10&bucket=1d&agg=count,avg&from=2026-02-01T00:00:00%2B07:00&to=2026-02-02T00:00:00%2B07:00';
    let counted = 0;
    for (let i = 0; i < 50 && counted !== 20; i++) {
      await new Promise((r) => setTimeout(r, 100));
      counted = (await t.inject<SeriesBody>('GET', url)).body.series[0]!.data[0]!.values['count'] ?? 0;
    }
    expect(counted).toBe(20);
  });
});

describe('raw readings by cursor', () => {
  it('pages on (ts, metric) without repeats or gaps while new data arrives', async () => {
    const start = Date.now() - 10 * HOUR;
    await seed(minutes('AN-C', 'pm25', start, start + 125 * MIN, () => 1));
    await seed(minutes('AN-C', 'temp', start, start + 125 * MIN, () => 2));
    const q = `/api/v1/stations/AN-C/readings?from=${new Date(start).toISOString()}&limit=100`;
    const seen: string[] = [];
    let page = await t.inject<{ data: Array<{ ts: string; metric: string }>; next: string | null }>('GET', q);
    seen.push(...page.body.data.map((r) => `${r.ts}|${r.metric}`));
    // new readings arrive, later than the cursor, while the client pages
    await seed(minutes('AN-C', 'pm25', start + 125 * MIN, start + 130 * MIN, () => 3));
    while (page.body.next) {
      page = await t.inject('GET', `${q}&cursor=${page.body.next}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((r) => `${r.ts}|${r.metric}`));
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(250 + 5);
    expect([...seen].sort()).toEqual(seen);
  });
});

describe('every bad parameter is a 400 that names it', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['/api/v1/stations/AN-A/readings?bucket=7x', 'QT_ERR_INTERVAL_INVALID', /^bucket/],
    ['/api/v1/stations/AN-A/readings?bucket=0m', 'QT_ERR_INTERVAL_INVALID', /^bucket/],
    ['/api/v1/stations/AN-A/readings?bucket=1h&agg=mean', 'QT_ERR_QUERY_INVALID', /^agg/],
    ['/api/v1/stations/AN-A/readings?agg=avg', 'QT_ERR_QUERY_INVALID', /^agg/],
    ['/api/v1/stations/AN-A/readings?metric=nope', 'QT_ERR_METRIC_UNKNOWN', /^metric/],
    ['/api/v1/readings?stations=AN-A,AN-W&metric=pm25', 'QT_ERR_METRIC_UNKNOWN', /^metric.*AN-W/],
    ['/api/v1/stations/AN-A/readings?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'QT_ERR_RANGE_TOO_LARGE', /^from\/to/],
    ['/api/v1/stations/AN-A/readings?bucket=1m&agg=p95&from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'QT_ERR_RANGE_TOO_LARGE', /^from\/to/],
    ['/api/v1/stations/AN-A/readings?bucket=1h&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', 'QT_ERR_RANGE_INVALID', /^from/],
    ['/api/v1/stations/AN-A/readings?cursor=not-a-cursor', 'QT_ERR_CURSOR_INVALID', /^cursor/],
    [`/api/v1/stations/AN-A/readings?cursor=${Buffer.from('{"v":1,"s":"AN-A","t":"x","m":"pm25","f":"y"}').toString('base64url')}`, 'QT_ERR_CURSOR_INVALID', /^cursor/],
    ['/api/v1/stations/AN-A/readings?from=yesterday', 'QT_ERR_BAD_REQUEST', /from/],
    ['/api/v1/stations/AN-A/readings?quality=good', 'QT_ERR_BAD_REQUEST', /quality/],
    ['/api/v1/stations/AN-A/readings?limit=0', 'QT_ERR_BAD_REQUEST', /limit/],
    ['/api/v1/stations/AN-A/readings?colour=red', 'QT_ERR_BAD_REQUEST', /colour/],
    ['/api/v1/stations?bbox=1,2,3', 'QT_ERR_QUERY_INVALID', /^bbox/],
    ['/api/v1/stations?bbox=106,22,105,21', 'QT_ERR_QUERY_INVALID', /^bbox/],
    ['/api/v1/readings?stations=AN-A;drop&metric=pm25', 'QT_ERR_QUERY_INVALID', /^stations/],
    ['/api/v1/export?stations=AN-A&from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'QT_ERR_RANGE_TOO_LARGE', /^from\/to/],
    ['/api/v1/export?stations=AN-A&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&format=xlsx', 'QT_ERR_BAD_REQUEST', /format/],
    ['/sta/v1.1/Things?$top=abc', 'QT_ERR_QUERY_INVALID', /^\$top/],
    ['/sta/v1.1/Things?$expand=Observations', 'QT_ERR_QUERY_INVALID', /^\$expand/],
    ["/sta/v1.1/Observations?$filter=phenomenonTime ge 'soon'", 'QT_ERR_QUERY_INVALID', /^\$filter/],
    ['/sta/v1.1/Observations?$filter=name eq 1', 'QT_ERR_QUERY_INVALID', /^\$filter/],
    ['/sta/v1.1/Things?$search=x', 'QT_ERR_QUERY_INVALID', /^\$search/],
  ];
  it.each(cases)('%s', async (path, code, message) => {
    const res = await t.inject<ErrorBody>('GET', path);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toMatch(message);
  });

  it('a cursor of another query is refused', async () => {
    const start = Date.now() - 20 * HOUR;
    await seed(minutes('AN-A', 'pm10', start, start + 5 * MIN, () => 1));
    const first = await t.inject<{ next: string }>('GET', `/api/v1/stations/AN-A/readings?metric=pm10&from=${new Date(start).toISOString()}&limit=2`);
    expect(first.body.next).toBeTruthy();
    const other = await t.inject<ErrorBody>('GET', `/api/v1/stations/AN-A/readings?metric=pm25&from=${new Date(start).toISOString()}&limit=2&cursor=${first.body.next}`);
    expect(other).toMatchObject({ status: 400, body: { error: { code: 'QT_ERR_CURSOR_INVALID' } } });
  });
});

describe('stations list', () => {
  it('filters by bounding box, metric and profile, with metrics, units and first/last reading', async () => {
    const north = await t.inject<{ data: Array<{ id: string; metrics: Array<{ key: string; unit: string; firstReading: string | null; lastReading: string | null }> }> }>(
      'GET',
      '/api/v1/stations?bbox=105,20,106,22.5',
    );
    expect(north.body.data.map((s) => s.id)).toEqual(['AN-A', 'AN-B', 'AN-C']);
    const pm25 = north.body.data.find((s) => s.id === 'AN-A')!.metrics.find((m) => m.key === 'pm25')!;
    expect(pm25).toMatchObject({ unit: 'µg/m³', firstReading: new Date(vn('2026-03-10T23:58:00')).toISOString(), lastReading: new Date(vn('2026-03-11T00:01:00')).toISOString() });
    const water = await t.inject<{ data: Array<{ id: string }> }>('GET', '/api/v1/stations?metric=do');
    expect(water.body.data.map((s) => s.id)).toEqual(['AN-W']);
  });
});

describe('OGC SensorThings API 1.1', () => {
  it('lists Things with $top, $count and @iot.nextLink', async () => {
    const res = await t.inject<{ '@iot.count': number; value: Array<Record<string, unknown>>; '@iot.nextLink': string }>('GET', '/sta/v1.1/Things?$top=2&$count=true');
    expect(res.status).toBe(200);
    expect(res.body['@iot.count']).toBe(4);
    expect(res.body.value.map((v) => v['@iot.id'])).toEqual(['AN-A', 'AN-B']);
    expect(res.body.value[0]).toMatchObject({
      '@iot.selfLink': expect.stringMatching(/\/sta\/v1\.1\/Things\('AN-A'\)$/),
      'Datastreams@iot.navigationLink': expect.stringMatching(/Things\('AN-A'\)\/Datastreams$/),
    });
    const next = new URL(res.body['@iot.nextLink']);
    expect(next.searchParams.get('$skip')).toBe('2');
    const page2 = await t.inject<{ value: Array<Record<string, unknown>>; '@iot.nextLink'?: string }>('GET', next.pathname + next.search);
    expect(page2.body.value.map((v) => v['@iot.id'])).toEqual(['AN-C', 'AN-W']);
    expect(page2.body['@iot.nextLink']).toBeUndefined();
  });

  it('gives the Datastreams of a Thing with unitOfMeasurement, and expands one level', async () => {
    const ds = await t.inject<{ value: Array<Record<string, unknown>> }>('GET', "/sta/v1.1/Things('AN-A')/Datastreams?$filter=properties/metric eq 'pm25'");
    expect(ds.body.value).toHaveLength(1);
    expect(ds.body.value[0]).toMatchObject({
      '@iot.id': 'AN-A:pm25',
      observationType: 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement',
      unitOfMeasurement: { name: 'µg/m³', symbol: 'µg/m³' },
    });
    const expanded = await t.inject<{ value: Array<{ Locations: Array<{ location: { type: string; coordinates: number[] } }>; Datastreams: unknown[] }> }>(
      'GET',
      "/sta/v1.1/Things?$filter=id eq 'AN-W'&$expand=Locations,Datastreams",
    );
    expect(expanded.body.value[0]!.Locations[0]!.location).toEqual({ type: 'Point', coordinates: [106.7, 10.8] });
    expect(expanded.body.value[0]!.Datastreams.length).toBeGreaterThan(3);
    const sel = await t.inject<Record<string, unknown>>('GET', "/sta/v1.1/Datastreams('AN-A:pm25')?$select=name,unitOfMeasurement&$expand=Thing");
    expect(Object.keys(sel.body).sort()).toEqual(['name', 'unitOfMeasurement']);
  });

  it('filters Observations on phenomenonTime and result', async () => {
    const base = "/sta/v1.1/Datastreams('AN-B:pm25')/Observations";
    const res = await t.inject<{ '@iot.count': number; value: Array<{ phenomenonTime: string; result: number; '@iot.id': string }> }>(
      'GET',
      `${base}?$filter=phenomenonTime ge 2026-03-20T01:00:00%2B07:00 and phenomenonTime lt 2026-03-20T02:00:00%2B07:00 and result ge 1&$count=true&$top=5&$orderby=phenomenonTime desc`,
    );
    expect(res.status).toBe(200);
    expect(res.body['@iot.count']).toBe(60);
    expect(res.body.value).toHaveLength(5);
    expect(res.body.value[0]!.phenomenonTime).toBe(new Date(vn('2026-03-20T01:59:00')).toISOString());
    const one = await t.inject<{ result: number; 'Datastream@iot.navigationLink': string }>('GET', `/sta/v1.1/Observations('${res.body.value[0]!['@iot.id']}')`);
    expect(one.body.result).toBeCloseTo(1 + 59 / 60);
    const parent = await t.inject<{ '@iot.id': string }>('GET', `/sta/v1.1/Observations('${res.body.value[0]!['@iot.id']}')/Datastream`);
    expect(parent.body['@iot.id']).toBe('AN-B:pm25');
    expect((await t.inject('GET', "/sta/v1.1/Things('NOPE')")).status).toBe(404);
  });
});

describe('OpenAPI', () => {
  it('documents every route, the existing ones too', async () => {
    const doc = await t.inject<{ openapi: string; paths: Record<string, Record<string, { tags?: string[] }>> }>('GET', '/api/openapi.json', undefined, null);
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    for (const path of [
      '/api/v1/stations',
      '/api/v1/stations/{id}/readings',
      '/api/v1/readings',
      '/api/v1/export',
      '/api/v1/completeness',
      '/api/v1/tokens',
      '/api/v1/tokens/{id}',
      '/api/v1/auth/login',
      '/api/v1/alerts',
      '/sta/v1.1',
    ]) {
      expect(doc.body.paths, path).toHaveProperty([path]);
    }
    expect(Object.keys(doc.body.paths).filter((p) => p.startsWith('/sta/v1.1/'))).toHaveLength(1);
    expect(doc.body.paths['/api/v1/readings']!['get']!.tags).toEqual(['readings']);
    const ui = await t.inject<string>('GET', '/api/docs/', undefined, null);
    expect(ui.status).toBe(200);
    expect(ui.body).toMatch(/swagger/i);
  });
});

describe('API tokens and rate limits', () => {
  let r: TestApp;
  beforeAll(async () => {
    r = await startTestApp({ analytics: { rateLimitPerMinute: 5 } });
    await r.createStation({ id: 'RL-1' });
  }, 120_000);
  afterAll(async () => {
    await r?.close(true);
  });

  it('creates, uses, lists and revokes a read-only token', async () => {
    const viewer = await r.userToken('ana', 'viewer');
    const created = await r.inject<{ token: string; id: string; role: string }>('POST', '/api/v1/tokens', { name: 'notebook' }, viewer);
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^qtk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const token = created.body.token;
    expect((await r.inject('GET', '/api/v1/stations/RL-1/readings', undefined, token)).status).toBe(200);
    const write = await r.inject<ErrorBody>('POST', '/api/v1/tokens', { name: 'more' }, token);
    expect(write).toMatchObject({ status: 403, body: { error: { code: 'QT_ERR_TOKEN_READ_ONLY' } } });
    const list = await r.inject<{ data: Array<{ id: string; name: string; revokedAt: string | null }> }>('GET', '/api/v1/tokens', undefined, viewer);
    expect(list.body.data).toEqual([expect.objectContaining({ id: created.body.id, name: 'notebook', revokedAt: null })]);
    // the stored hash is not the secret
    const stored = await r.app.store.db.query<{ secret_hash: string }>('SELECT secret_hash FROM api_tokens WHERE id = $1', [created.body.id]);
    expect(token).not.toContain(stored.rows[0]!.secret_hash);
    expect((await r.inject('DELETE', `/api/v1/tokens/${created.body.id}`, undefined, viewer)).status).toBe(204);
    expect((await r.inject<ErrorBody>('GET', '/api/v1/stations', undefined, token)).status).toBe(401);
    expect((await r.inject('GET', '/api/v1/stations', undefined, 'qtk_0123456789abcdef_' + 'A'.repeat(43))).status).toBe(401);
  });

  it('limits each token separately: 429 with Retry-After', async () => {
    const viewer = await r.userToken('bob', 'viewer');
    const a = (await r.inject<{ token: string }>('POST', '/api/v1/tokens', { name: 'a' }, viewer)).body.token;
    const b = (await r.inject<{ token: string }>('POST', '/api/v1/tokens', { name: 'b' }, viewer)).body.token;
    const statuses: number[] = [];
    let last: { status: number; body: ErrorBody; headers: Record<string, unknown> } | undefined;
    for (let i = 0; i < 7; i++) {
      last = await r.inject<ErrorBody>('GET', '/api/v1/readings?stations=RL-1&metric=pm25', undefined, a);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    expect(last!.body.error.code).toBe('QT_ERR_RATE_LIMITED');
    expect((await r.inject('GET', '/sta/v1.1/Things', undefined, b)).status).toBe(200);
  });
});

describe('CSV for people (bom=true)', () => {
  it('starts the export and the completeness report with a UTF-8 BOM when asked, and only then', async () => {
    const from = vn('2026-04-02T00:00:00');
    await seed(minutes('AN-A', 'pm25', from, from + 3 * MIN, (ts) => 37.25 + (ts - from) / MIN));
    const range = `from=${new Date(from).toISOString()}&to=${new Date(from + 3 * MIN).toISOString()}`;
    const get = async (path: string) => Buffer.from(await (await fetch(`${t.baseUrl}${path}`, { headers: { authorization: `Bearer ${t.adminToken}` } })).arrayBuffer());

    const withBom = await get(`/api/v1/export?stations=AN-A&metric=pm25&${range}&format=csv&bom=true`);
    expect([...withBom.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsvRows(withBom.subarray(3).toString('utf8'));
    expect(rows[0]).toEqual(['ts', 'station', 'metric', 'value', 'unit', 'quality', 'qc_flags', 'validation', 'reason', 'validation_level']);
    expect(rows.slice(1)).toEqual([0, 1, 2].map((i) => [new Date(from + i * MIN).toISOString(), 'AN-A', 'pm25', String(37.25 + i), 'µg/m³', 'valid', '', 'valid', '', '0']));

    const plain = await get(`/api/v1/export?stations=AN-A&metric=pm25&${range}&format=csv`);
    expect(plain.subarray(0, 2).toString('utf8')).toBe('ts');
    expect(plain.equals(withBom.subarray(3))).toBe(true);

    const report = await get(`/api/v1/completeness?stations=AN-A&metric=pm25&${range}&format=csv&bom=true`);
    expect([...report.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(parseCsvRows(report.subarray(3).toString('utf8'))[0]![0]).toBe('station');
  });
});

describe('export', () => {
  it('streams 1 M rows as CSV in bounded memory, with units and a download name', async () => {
    // 10 metrics × 100,000 minutes (about 69 days) of one station
    const metrics = ['pm25', 'pm10', 'tsp', 'so2', 'no2', 'co', 'o3', 'temp', 'rh', 'pressure'];
    const start = vn('2025-06-01T00:00:00');
    const n = 100_000;
    for (let off = 0; off < n; off += 10_000) {
      const cols: ReadingColumns = { stationIds: [], metrics: [], ts: [], values: [], quality: [] };
      for (let i = off; i < off + 10_000; i++) {
        const ts = new Date(start + i * MIN).toISOString();
        for (const m of metrics) {
          cols.stationIds.push('AN-EXP');
          cols.metrics.push(m);
          cols.ts.push(ts);
          cols.values.push(m === 'pressure' ? 1000 : i % 100);
          cols.quality.push(0);
        }
      }
      await seed(cols);
    }
    // the station row (readings need no FK; the API needs the station)
    await t.createStation({ id: 'AN-EXP' });

    const url = `${t.baseUrl}/api/v1/export?stations=AN-EXP&from=${new Date(start).toISOString()}&to=${new Date(start + n * MIN).toISOString()}&format=csv`;
    // RSS also holds the embedded database (PGlite's WebAssembly heap on its worker thread), which
    // grows to its own high-water mark. What would grow if the export were buffered is the
    // server's JavaScript memory: sampled after a full GC (so garbage does not count) every few
    // chunks while the download runs.
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const retained = () => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const js0 = retained();
    let jsPeak = js0;
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    let chunks = 0;
    const res = await fetch(url, { headers: { authorization: `Bearer ${t.adminToken}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="quantrac-AN-EXP-2025-05-31_2025-08-09\.csv"$/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let lines = 0;
    let bytes = 0;
    let head = '';
    let tail = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (++chunks % 200 === 0) jsPeak = Math.max(jsPeak, retained());
      const text = decoder.decode(value, { stream: true });
      if (head.length < 200) head += text.slice(0, 200);
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
      tail = (tail + text).slice(-200);
    }
    clearInterval(sampler);
    const growthMb = (jsPeak - js0) / 1e6;
    console.log(
      `export: ${lines - 1} rows, ${(bytes / 1e6).toFixed(1)} MB in ${chunks} chunks, retained JS heap+buffers growth ${growthMb.toFixed(1)} MB (peak), RSS growth ${((peak - rss0) / 1e6).toFixed(1)} MB`,
    );
    expect(lines).toBe(1 + n * metrics.length);
    expect(head.split('\n')[0]).toBe('ts,station,metric,value,unit,quality,qc_flags,validation,reason,validation_level');
    expect(head.split('\n')[1]).toBe(`${new Date(start).toISOString()},AN-EXP,co,0,µg/m³,valid,,valid,,0`);
    expect(tail.trim().split('\n').pop()).toBe(`${new Date(start + (n - 1) * MIN).toISOString()},AN-EXP,tsp,99,µg/m³,valid,,valid,,0`);
    // the CSV is about 52 MB (two-byte strings in JS: about 100 MB); holding it would exceed this
    expect(growthMb).toBeLessThan(40);
  }, 300_000);
});
