/**
 * The open-data API (/open/v1) on the real app and embedded TimescaleDB, anonymous: only public
 * stations and metrics, no /api/v1, embargo and validated-only cutoffs, flagged readings never
 * shown, licence on every answer, CORS, answers from memory (no database query) with ETag
 * revalidation (304), the monthly CSV, and the per-address rate limit (429 + Retry-After).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshAggregate } from '../store/analytics.js';
import { upsertDailyIndex, upsertHourlyIndex } from '../store/indices.js';
import { insertReadings, type ReadingColumns } from '../store/readings.js';
import { startTestApp, type TestApp } from './helpers/app.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const EMBARGO_HOURS = 2;

let t: TestApp;
/** the instant the data was seeded around (hour-aligned, so bucket arithmetic is exact) */
let T0: number;

interface Json {
  license: string;
  licenseUrl: string;
  attribution: string;
  [k: string]: unknown;
}
interface StationJson {
  id: string;
  profile: string;
  metrics: Array<{ key: string; unit: string | null }>;
  index: null | { name: string; ts: string; value: number; category: { key: string; color: string; name: { vi: string } } };
}

/** An anonymous GET (no Authorization, no cookie). */
async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(t.baseUrl + path, { headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // CSV or empty (304)
  }
  return { status: res.status, headers: res.headers, body: body as Json & Record<string, unknown>, text };
}

/** The value of a counter line in /metrics (0 when absent). */
async function counter(name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${t.baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

/** One reading every 5 minutes over [from, to) with quality from `quality(ts)`. */
function series(station: string, metric: string, from: number, to: number, value: (ts: number) => number, quality: (ts: number) => number = () => 0): ReadingColumns {
  const cols: ReadingColumns = { stationIds: [], metrics: [], ts: [], values: [], quality: [] };
  for (let ts = from; ts < to; ts += 5 * MIN) {
    cols.stationIds.push(station);
    cols.metrics.push(metric);
    cols.ts.push(new Date(ts).toISOString());
    cols.values.push(value(ts));
    cols.quality.push(quality(ts));
  }
  return cols;
}

beforeAll(async () => {
  t = await startTestApp({
    open: { embargoHours: EMBARGO_HOURS, validatedOnly: true, rateLimitPerMinute: 400, cacheSeconds: 60, license: 'CC BY 4.0', attribution: 'Sở TN&MT (test)' },
  });
  await t.createStation({ id: 'AIR-1', name: 'Hà Nội – Hoàn Kiếm' });
  await t.createStation({ id: 'AIR-HIDDEN', name: 'Not public' });
  await t.createStation({ id: 'WW-1', profile: 'wastewater', name: 'Nhà máy A – cửa xả' });
  T0 = Math.floor(Date.now() / HOUR) * HOUR;
  const db = t.app.store.db;
  // 8 hours of PM2.5 at ~30 µg/m³, with flagged readings right before the embargo cutoff that
  // would stand out if they leaked: 999 calibrating (1), 888 fault (2), 5000 out of range (3).
  const flagged = new Map<number, number>([
    [T0 - 2 * HOUR - 5 * MIN, 1],
    [T0 - 2 * HOUR - 10 * MIN, 2],
    [T0 - 3 * HOUR - 5 * MIN, 3],
  ]);
  const flaggedValue = { 1: 999, 2: 888, 3: 5000 } as Record<number, number>;
  await insertReadings(
    db,
    series(
      'AIR-1',
      'pm25',
      T0 - 8 * HOUR,
      T0 + 30 * MIN,
      (ts) => (flagged.has(ts) ? flaggedValue[flagged.get(ts)!]! : 30 + ((ts / (5 * MIN)) % 3)),
      (ts) => flagged.get(ts) ?? 0,
    ),
  );
  await insertReadings(
    db,
    series('AIR-1', 'pm10', T0 - 8 * HOUR, T0 + 30 * MIN, () => 55),
  );
  await insertReadings(
    db,
    series('WW-1', 'ph', T0 - 8 * HOUR, T0, () => 7.2),
  );
  await insertReadings(
    db,
    series('WW-1', 'cod', T0 - 8 * HOUR, T0, () => 40),
  );
  // stored indices (the alert engine stores them as readings arrive; here seeded at known hours)
  for (let k = 0; k <= 6; k++) {
    await upsertHourlyIndex(db, {
      stationId: 'AIR-1',
      indexName: 'vn_aqi',
      ts: new Date(T0 - k * HOUR),
      aqi: 60 + k,
      category: 'moderate',
      dominant: 'pm25',
      subIndices: { pm25: 60 + k },
    });
  }
  await upsertDailyIndex(db, {
    stationId: 'AIR-1',
    indexName: 'vn_aqi',
    day: new Date(T0 - 3 * 86_400_000 + 7 * HOUR).toISOString().slice(0, 10),
    aqi: 120,
    category: 'poor',
    dominant: 'pm25',
    subIndices: { pm25: 120 },
  });
  const hide = await t.api('PATCH', '/api/v1/open/stations/AIR-HIDDEN', { public: false });
  expect(hide.status).toBe(200);
}, 120_000);

afterAll(async () => {
  await t?.close(true);
});

describe('open data API, anonymous', () => {
  it('lists public stations only, with licence, attribution, CORS and the licence link', async () => {
    const res = await get('/open/v1/stations');
    expect(res.status).toBe(200);
    expect(res.body.license).toBe('CC BY 4.0');
    expect(res.body.attribution).toBe('Sở TN&MT (test)');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('link')).toBe('<https://creativecommons.org/licenses/by/4.0/>; rel="license"');
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
    const ids = (res.body['data'] as StationJson[]).map((s) => s.id);
    // wastewater is off by default, AIR-HIDDEN was turned off by the agency
    expect(ids).toEqual(['AIR-1']);
    const hidden = await get('/open/v1/stations/AIR-HIDDEN');
    expect(hidden.status).toBe(404);
    expect(hidden.body.license).toBe('CC BY 4.0');
    expect((await get('/open/v1/stations/WW-1/hourly')).status).toBe(404);
    const pre = await fetch(`${t.baseUrl}/open/v1/stations`, { method: 'OPTIONS', headers: { origin: 'https://example.org', 'access-control-request-method': 'GET' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-methods')).toContain('GET');
  });

  it('cannot reach any /api/v1 route', async () => {
    for (const path of [
      '/api/v1/stations',
      '/api/v1/stations/AIR-1',
      '/api/v1/stations/AIR-1/readings?metric=pm25',
      '/api/v1/stations/AIR-1/aqi',
      '/api/v1/open/stations',
      '/api/v1/overview',
      '/api/v1/export?stations=AIR-1&metric=pm25',
    ]) {
      expect((await get(path)).status, path).toBe(401);
    }
    const patch = await fetch(`${t.baseUrl}/api/v1/open/stations/WW-1`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ public: true }),
    });
    expect(patch.status).toBe(401);
    const viewer = await t.userToken('citizen-viewer', 'viewer');
    expect((await t.api('PATCH', '/api/v1/open/stations/WW-1', { public: true }, viewer)).status).toBe(403);
  });

  it('with validated-only, publishes nothing of a station before the agency validates its data', async () => {
    const station = await get('/open/v1/stations/AIR-1');
    expect(station.status).toBe(200);
    expect(station.body['latest']).toEqual([]);
    expect((station.body['station'] as StationJson).index).toBeNull();
    expect((await get('/open/v1/stations/AIR-1/hourly')).body['data']).toEqual([]);
    expect((await get('/open/v1/stations/AIR-1/index')).body['data']).toEqual([]);
  });

  it('after validation, applies the embargo and never shows flagged readings', async () => {
    const ok = await t.api('PATCH', '/api/v1/open/stations/AIR-1', { validatedThrough: new Date(T0 + HOUR).toISOString() });
    expect(ok.status).toBe(200);
    const cutoff = Date.now() - EMBARGO_HOURS * HOUR;

    const station = await get('/open/v1/stations/AIR-1');
    const latest = station.body['latest'] as Array<{ metric: string; ts: string; value: number }>;
    expect(latest.map((l) => l.metric).sort()).toEqual(['pm10', 'pm25']);
    for (const l of latest) {
      expect(Date.parse(l.ts)).toBeLessThanOrEqual(cutoff);
      expect(Date.parse(l.ts)).toBeGreaterThan(cutoff - 10 * MIN);
      expect(l.value).toBeLessThan(100); // not 999, 888 or 5000
    }
    const index = (station.body['station'] as StationJson).index!;
    expect(Date.parse(index.ts)).toBeLessThanOrEqual(cutoff);
    expect(index.category).toMatchObject({ key: 'moderate', color: '#FFFF00', name: { vi: 'Trung bình' } });

    const hourly = (await get('/open/v1/stations/AIR-1/hourly?metric=pm25&days=1')).body['data'] as Array<{ start: string; end: string; max: number; n: number }>;
    expect(hourly.length).toBeGreaterThanOrEqual(5);
    for (const h of hourly) {
      expect(Date.parse(h.end)).toBeLessThanOrEqual(cutoff);
      expect(h.max).toBeLessThan(100);
    }
    // the hour holding the calibrating and fault readings counts only its 10 valid readings
    const flaggedHour = hourly.find((h) => Date.parse(h.start) === T0 - 3 * HOUR);
    expect(flaggedHour?.n).toBe(10);

    const hours = (await get('/open/v1/stations/AIR-1/index?period=hour')).body['data'] as Array<{ ts: string; value: number }>;
    expect(hours.length).toBeGreaterThan(0);
    for (const h of hours) expect(Date.parse(h.ts)).toBeLessThanOrEqual(cutoff);
    const days = (await get('/open/v1/stations/AIR-1/index?period=day')).body['data'] as Array<{ ts: string; category: string; color: string }>;
    expect(days).toEqual([expect.objectContaining({ category: 'poor', color: '#FF7E00' })]);

    const raw = await get('/open/v1/stations/AIR-1/raw?metric=pm25');
    expect(raw.status).toBe(404); // OPEN_RAW is off
  });

  it('moves the cutoff back when validation is older than the embargo', async () => {
    expect((await t.api('PATCH', '/api/v1/open/stations/AIR-1', { validatedThrough: new Date(T0 - 5 * HOUR).toISOString() })).status).toBe(200);
    const latest = (await get('/open/v1/stations/AIR-1')).body['latest'] as Array<{ ts: string }>;
    for (const l of latest) expect(Date.parse(l.ts)).toBeLessThanOrEqual(T0 - 5 * HOUR);
    const hourly = (await get('/open/v1/stations/AIR-1/hourly?metric=pm25&days=1')).body['data'] as Array<{ end: string }>;
    expect(Math.max(...hourly.map((h) => Date.parse(h.end)))).toBe(T0 - 5 * HOUR);
    expect((await t.api('PATCH', '/api/v1/open/stations/AIR-1', { validatedThrough: new Date(T0 + HOUR).toISOString() })).status).toBe(200);
  });

  it('publishes a wastewater station and only the chosen metrics once the agency decides', async () => {
    const set = await t.api<{ station: { public: boolean; publishedMetrics: string[] } }>('PATCH', '/api/v1/open/stations/WW-1', {
      public: true,
      publicMetrics: ['ph'],
      validatedThrough: new Date(T0).toISOString(),
    });
    expect(set.status).toBe(200);
    expect(set.body.station).toMatchObject({ public: true, publishedMetrics: ['ph'] });
    const list = (await get('/open/v1/stations')).body['data'] as StationJson[];
    const ww = list.find((s) => s.id === 'WW-1');
    expect(ww?.metrics.map((m) => m.key)).toEqual(['ph']);
    expect((await get('/open/v1/stations/WW-1/hourly?metric=cod')).status).toBe(400);
    const hourly = (await get('/open/v1/stations/WW-1/hourly')).body['data'] as Array<{ metric: string }>;
    expect(new Set(hourly.map((h) => h.metric))).toEqual(new Set(['ph']));
    expect((await t.api('PATCH', '/api/v1/open/stations/WW-1', { publicMetrics: ['nope'] })).status).toBe(400);
  });

  it('answers identical requests from memory without a database query, and revalidates with 304', async () => {
    const first = await get('/open/v1/stations/AIR-1/hourly?days=1');
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"[\w-]+"$/);
    const queries = await counter('quantrac_open_db_queries_total');
    const hits = await counter('quantrac_open_cache_lookups_total', '{outcome="hit"}');
    const again = await get('/open/v1/stations/AIR-1/hourly?days=1');
    expect(again.text).toBe(first.text);
    const revalidated = await get('/open/v1/stations/AIR-1/hourly?days=1', { 'if-none-match': etag });
    expect(revalidated.status).toBe(304);
    expect(revalidated.text).toBe('');
    expect(revalidated.headers.get('etag')).toBe(etag);
    expect(await counter('quantrac_open_db_queries_total')).toBe(queries);
    expect(await counter('quantrac_open_cache_lookups_total', '{outcome="hit"}')).toBe(hits + 2);
    // gzip for clients that take it
    const gz = await fetch(`${t.baseUrl}/open/v1/stations/AIR-1/hourly?days=1`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(await gz.text()).toBe(first.text);
  });

  it('lets a crowd on a cold cache cost one computation: concurrent identical requests share it', async () => {
    // an admin change clears the cache (and the publication settings it holds)
    expect((await t.api('PATCH', '/api/v1/open/stations/AIR-1', { validatedThrough: new Date(T0 + 2 * HOUR).toISOString() })).status).toBe(200);
    const queries = await counter('quantrac_open_db_queries_total');
    const misses = await counter('quantrac_open_cache_lookups_total', '{outcome="miss"}');
    const crowd = await Promise.all(Array.from({ length: 150 }, () => get('/open/v1/stations')));
    expect(new Set(crowd.map((r) => r.status))).toEqual(new Set([200]));
    expect(new Set(crowd.map((r) => r.text)).size).toBe(1);
    // one computation: the publication settings and the current indices, 2 queries for 150 visits
    expect(await counter('quantrac_open_cache_lookups_total', '{outcome="miss"}')).toBe(misses + 1);
    expect(await counter('quantrac_open_db_queries_total')).toBe(queries + 2);
  });

  it('serves a monthly CSV of hourly means with UTC and local time, and lists the months', async () => {
    const month = new Date(T0 - 3 * HOUR + 7 * HOUR).toISOString().slice(0, 7);
    const months = (await get('/open/v1/stations/AIR-1/months')).body['data'] as Array<{ month: string; url: string }>;
    expect(months.map((m) => m.month)).toContain(month);
    const url = months.find((m) => m.month === month)!.url;
    const csv = await get(url);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('etag')).toBeTruthy();
    const lines = csv.text.trim().split('\r\n');
    // every public metric of the profile, in the profile's order, whether measured or not (stable columns across months)
    expect(lines[0]).toBe('hour_start_utc,hour_start_local,pm25,pm10,tsp,so2,no2,co,o3,temp,rh,pressure,wind_speed,wind_dir');
    const rows = lines.slice(1).map((l) => l.split(','));
    const flaggedRow = rows.find((r) => Date.parse(r[0]!) === T0 - 3 * HOUR);
    // (the hour 3 h ago is in this month unless the month began within the last 3 hours)
    if (flaggedRow) {
      expect(flaggedRow[1]).toBe(new Date(T0 - 3 * HOUR + 7 * HOUR).toISOString().replace(/\.\d{3}Z$/, '+07:00'));
      expect(Number(flaggedRow[2])).toBeLessThan(100);
      expect(Number(flaggedRow[3])).toBe(55);
      expect(flaggedRow[4]).toBe('');
    }
    for (const r of rows) expect(Date.parse(r[0]!) + HOUR).toBeLessThanOrEqual(Date.now() - EMBARGO_HOURS * HOUR);
    expect((await get(url, { 'if-none-match': csv.headers.get('etag')! })).status).toBe(304);
    expect((await get('/open/v1/stations/AIR-1/months/2026-13.csv')).status).toBe(400);
  });

  it('puts a station in another zone (Asia/Tokyo, UTC+9) on its own calendar: months, monthly CSV and daily means', async () => {
    const created = await t.api('POST', '/api/v1/stations', { id: 'AIR-TYO', name: 'Tokyo', profile: 'air-quality', lat: 35.68, lon: 139.76, timezone: 'Asia/Tokyo' });
    expect(created.status).toBe(201);
    // 15:00–16:00 UTC on 31 January is 00:00–01:00 on 1 February in Tokyo (22:00–23:00 on 31 January in Vietnam)
    const from = Date.parse('2026-01-31T15:00:00Z');
    const db = t.app.store.db;
    await insertReadings(
      db,
      series('AIR-TYO', 'pm25', from, from + HOUR, () => 30),
    );
    await refreshAggregate(db, 'readings_hourly', new Date('2026-01-31T00:00:00Z'), new Date('2026-02-02T00:00:00Z'));
    await refreshAggregate(db, 'readings_daily', new Date('2026-01-30T17:00:00Z'), new Date('2026-02-02T17:00:00Z'));
    expect((await t.api('PATCH', '/api/v1/open/stations/AIR-TYO', { validatedThrough: new Date(T0).toISOString() })).status).toBe(200);

    const months = (await get('/open/v1/stations/AIR-TYO/months')).body['data'] as Array<{ month: string; url: string }>;
    expect(months.map((m) => m.month)).toEqual(['2026-02']);
    const csv = await get(months[0]!.url);
    expect(csv.status).toBe(200);
    const rows = csv.text
      .trim()
      .split('\r\n')
      .slice(1)
      .map((l) => l.split(','));
    expect(rows.map((r) => [r[0], r[1], r[2]])).toEqual([['2026-01-31T15:00:00.000Z', '2026-02-01T00:00:00+09:00', '30']]);
    expect((await get('/open/v1/stations/AIR-TYO/months/2026-01.csv')).text.trim().split('\r\n')).toHaveLength(1); // header only

    const daily = await get(`/open/v1/stations/AIR-TYO/daily?metric=pm25&from=${encodeURIComponent('2026-01-31T15:00:00Z')}&to=${encodeURIComponent('2026-02-01T15:00:00Z')}`);
    expect(daily.status).toBe(200);
    expect(daily.body['data']).toEqual([{ metric: 'pm25', start: '2026-02-01', avg: 30, min: 30, max: 30, n: 12 }]);
  });

  it('documents /open/v1 in the OpenAPI file as anonymous', async () => {
    const doc = (await get('/api/openapi.json')).body as unknown as { paths: Record<string, { get?: { security?: unknown[]; tags?: string[] } }> };
    for (const path of [
      '/open/v1/stations',
      '/open/v1/stations/{id}',
      '/open/v1/stations/{id}/index',
      '/open/v1/stations/{id}/hourly',
      '/open/v1/stations/{id}/daily',
      '/open/v1/stations/{id}/months/{file}',
    ]) {
      expect(doc.paths[path]?.get?.security, path).toEqual([]);
      expect(doc.paths[path]?.get?.tags).toContain('open-data');
    }
  });

  it('limits each address: 429 QT_ERR_RATE_LIMITED with Retry-After (last: it spends the budget)', async () => {
    let limited: Awaited<ReturnType<typeof get>> | undefined;
    for (let i = 0; i < 500 && !limited; i++) {
      const res = await get('/open/v1');
      if (res.status === 429) limited = res;
      else expect(res.status).toBe(200);
    }
    expect(limited).toBeDefined();
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited!.headers.get('access-control-allow-origin')).toBe('*');
    expect(limited!.body).toMatchObject({ license: 'CC BY 4.0', error: { code: 'QT_ERR_RATE_LIMITED' } });
  });
});
