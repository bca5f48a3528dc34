/**
 * OGC SensorThings API 1.1 read conformance (api/sta/) end to end on the real app and embedded
 * TimescaleDB: the requests QGIS 3.38+ sends to add a Locations layer, or-filters and quoted
 * strings, property paths, $value, $ref, FeaturesOfInterest and HistoricalLocations, nested
 * $expand with options, paging links, and bad input → 400/404 with catalogue codes, never 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertReadings, type ReadingColumns } from '../store/readings.js';
import { startTestApp, type TestApp } from './helpers/app.js';

let t: TestApp;
type Collection = { '@iot.count'?: number; value: Array<Record<string, unknown>>; '@iot.nextLink'?: string };
type ErrorBody = { error: { code: string; message: string } };
const T0 = Date.parse('2026-03-20T00:00:00Z');
const MIN = 60_000;

const get = <T = Collection>(path: string) => t.inject<T>('GET', path);
const ids = (c: Collection) => c.value.map((v) => v['@iot.id']);

beforeAll(async () => {
  t = await startTestApp({ analytics: { rateLimitPerMinute: 1_000_000 } });
  await t.createStation({ id: 'ST-A', name: 'Ba Ria and Vung Tau', lat: 21.0, lon: 105.8 });
  await t.createStation({ id: 'ST-B', name: "O'Brien", lat: 21.5, lon: 105.9 });
  await t.createStation({ id: 'ST-W', name: 'Saigon river', profile: 'surface-water', lat: 10.8, lon: 106.7 });
  const cols: ReadingColumns = { stationIds: [], metrics: [], ts: [], values: [], quality: [] };
  for (const [station, n] of [
    ['ST-A', 10],
    ['ST-B', 4],
  ] as const) {
    for (let i = 0; i < n; i++) {
      cols.stationIds.push(station);
      cols.metrics.push('pm25');
      cols.ts.push(new Date(T0 + i * MIN).toISOString());
      cols.values.push(i);
      cols.quality.push(i === 0 ? 2 : 0);
    }
  }
  await insertReadings(t.app.store.db, cols);
}, 120_000);
afterAll(async () => {
  await t?.close(true);
});

describe('QGIS 3.38+ adding a Locations layer', () => {
  it('answers the geometry-type probe with a count and no nextLink', async () => {
    for (const filter of ["location/type eq 'Point' or location/geometry/type eq 'Point'", "st_geometryType(location) eq 'Point'"]) {
      const res = await get(`/sta/v1.1/Locations?$filter=${encodeURIComponent(filter)}&$top=0&$count=true`);
      expect(res.status, filter).toBe(200);
      expect(res.body).toEqual({ '@iot.count': 3, value: [] });
    }
    const polygons = await get(`/sta/v1.1/Locations?$filter=${encodeURIComponent("location/type eq 'Polygon' or location/geometry/type eq 'Polygon'")}&$top=0&$count=true`);
    expect(polygons.body['@iot.count']).toBe(0);
  });

  it('filters by the map extent with geo.intersects and pages through it', async () => {
    const extent = "geo.intersects(location, geography'POLYGON ((105 20, 106.5 20, 106.5 22, 105 22, 105 20))')";
    const first = await get(`/sta/v1.1/Locations?$filter=${encodeURIComponent(extent)}&$top=1&$count=true`);
    expect(first.status).toBe(200);
    expect(first.body['@iot.count']).toBe(2);
    expect(ids(first.body)).toEqual(['ST-A']);
    const next = new URL(first.body['@iot.nextLink']!);
    const second = await get(next.pathname + next.search);
    expect(ids(second.body)).toEqual(['ST-B']);
    expect(second.body['@iot.nextLink']).toBeUndefined();
    const within = await get(`/sta/v1.1/Things?$filter=${encodeURIComponent("st_within(Locations/location, geometry'POLYGON((106 10,107 10,107 11,106 11,106 10))')")}`);
    expect(ids(within.body)).toEqual(['ST-W']);
    const near = await get(`/sta/v1.1/Locations?$filter=${encodeURIComponent("geo.distance(location, geography'POINT(105.8 21.1)') lt 0.2")}`);
    expect(ids(near.body)).toEqual(['ST-A']);
  });
});

describe('$filter', () => {
  it('evaluates or, parentheses, not and quoted strings containing and', async () => {
    expect(ids((await get(`/sta/v1.1/Things?$filter=${encodeURIComponent("name eq 'Ba Ria and Vung Tau' or name eq 'O''Brien'")}`)).body)).toEqual(['ST-A', 'ST-B']);
    expect(ids((await get(`/sta/v1.1/Things?$filter=${encodeURIComponent("not (id eq 'ST-A' or id eq 'ST-B') and startswith(name, 'Sai')")}`)).body)).toEqual(['ST-W']);
    const ds = await get(
      `/sta/v1.1/Datastreams?$filter=${encodeURIComponent("Thing/@iot.id eq 'ST-W' and (ObservedProperty/@iot.id eq 'ph' or ObservedProperty/@iot.id eq 'do')")}&$orderby=name desc`,
    );
    expect(ds.status).toBe(200);
    expect(ids(ds.body).sort()).toEqual(['ST-W:do', 'ST-W:ph']);
  });

  it('filters Observations in SQL with or across Datastreams, results and the FeatureOfInterest', async () => {
    const or = await get(`/sta/v1.1/Observations?$filter=${encodeURIComponent("Datastream/@iot.id eq 'ST-A:pm25' or Datastream/@iot.id eq 'ST-B:pm25'")}&$count=true&$top=3`);
    expect(or.body['@iot.count']).toBe(14);
    const mixed = await get(
      `/sta/v1.1/Observations?$filter=${encodeURIComponent("(Datastream/Thing/name eq 'O''Brien' or result ge 8) and resultQuality eq 'valid' and phenomenonTime ge 2026-03-20T07:00:00+07:00")}&$count=true&$orderby=result desc`,
    );
    expect(mixed.status).toBe(200);
    expect(mixed.body['@iot.count']).toBe(5);
    expect(mixed.body.value.map((o) => o['result'])).toEqual([9, 8, 3, 2, 1]);
    const geo = await get(
      `/sta/v1.1/Observations?$filter=${encodeURIComponent("geo.intersects(FeatureOfInterest/feature, geography'POLYGON((105.85 21.4,106 21.4,106 21.6,105.85 21.6,105.85 21.4))')")}&$count=true`,
    );
    expect(geo.body['@iot.count']).toBe(4);
  });
});

describe('resource paths', () => {
  it('serves properties, $value and sub-properties', async () => {
    expect((await get("/sta/v1.1/Things('ST-A')/name")).body).toEqual({ name: 'Ba Ria and Vung Tau' });
    const raw = await get<string>("/sta/v1.1/Things('ST-A')/name/$value");
    expect(raw.status).toBe(200);
    expect(raw.body).toBe('Ba Ria and Vung Tau');
    expect(raw.headers['content-type']).toMatch(/^text\/plain/);
    expect((await get("/sta/v1.1/Things('ST-A')/properties/province")).body).toEqual({ province: 'Hà Nội' });
    expect((await get("/sta/v1.1/Datastreams('ST-A:pm25')/Thing/Locations('ST-A')/location")).body).toEqual({ location: { type: 'Point', coordinates: [105.8, 21] } });
    expect((await get("/sta/v1.1/Things('O''Brien')")).status).toBe(404);
  });

  it('serves $ref of collections and entities', async () => {
    const refs = await get('/sta/v1.1/Things/$ref?$top=2');
    expect(refs.body.value).toEqual([
      { '@iot.selfLink': expect.stringMatching(/\/sta\/v1\.1\/Things\('ST-A'\)$/) },
      { '@iot.selfLink': expect.stringMatching(/Things\('ST-B'\)$/) },
    ]);
    expect(refs.body['@iot.nextLink']).toMatch(/\/Things\/\$ref\?\$top=2&\$skip=2$/);
    const ds = await get("/sta/v1.1/Things('ST-A')/Datastreams/$ref");
    expect(ds.body.value.length).toBeGreaterThan(1);
    expect(Object.keys(ds.body.value[0]!)).toEqual(['@iot.selfLink']);
    expect((await get<Record<string, unknown>>("/sta/v1.1/Datastreams('ST-A:pm25')/Thing/$ref")).body).toEqual({ '@iot.selfLink': expect.stringMatching(/Things\('ST-A'\)$/) });
  });

  it('serves every navigation link it advertises, FeaturesOfInterest and HistoricalLocations included', async () => {
    const obs = await get("/sta/v1.1/Datastreams('ST-B:pm25')/Observations?$top=1");
    const entities = [
      (await get<Record<string, unknown>>("/sta/v1.1/Things('ST-A')")).body,
      (await get<Record<string, unknown>>("/sta/v1.1/Locations('ST-A')")).body,
      (await get<Record<string, unknown>>("/sta/v1.1/Datastreams('ST-A:pm25')")).body,
      (await get<Record<string, unknown>>("/sta/v1.1/HistoricalLocations('ST-A')")).body,
      (await get<Record<string, unknown>>("/sta/v1.1/FeaturesOfInterest('ST-A')")).body,
      obs.body.value[0]!,
    ];
    for (const e of entities) {
      const links = Object.entries(e).filter(([k]) => k.endsWith('@iot.navigationLink'));
      expect(links.length, String(e['@iot.selfLink'])).toBeGreaterThan(0);
      for (const [, link] of links) {
        const url = new URL(String(link));
        expect((await get(url.pathname)).status, url.pathname).toBe(200);
      }
    }
    const foi = await get<Record<string, unknown>>(`/sta/v1.1/Observations('${String(obs.body.value[0]!['@iot.id'])}')/FeatureOfInterest`);
    expect(foi.body).toMatchObject({ '@iot.id': 'ST-B', encodingType: 'application/geo+json', feature: { type: 'Point', coordinates: [105.9, 21.5] } });
    expect((await get("/sta/v1.1/FeaturesOfInterest('ST-B')/Observations?$count=true&$top=0")).body).toEqual({ '@iot.count': 4, value: [] });
    const hl = await get("/sta/v1.1/Things('ST-A')/HistoricalLocations?$expand=Locations");
    expect(hl.body.value[0]).toMatchObject({ '@iot.id': 'ST-A', time: expect.any(String), Locations: [{ '@iot.id': 'ST-A' }] });
    const root = await get<{ value: Array<{ name: string }>; serverSettings: { conformance: string[] } }>('/sta/v1.1');
    expect(root.body.value.map((v) => v.name)).toContain('FeaturesOfInterest');
    expect(root.body.serverSettings.conformance).toContain('http://www.opengis.net/spec/iot_sensing/1.1/req/request-data');
  });
});

describe('$expand, $select, paging', () => {
  it('expands nested levels with their own options', async () => {
    const q =
      "$expand=Datastreams($select=name,Observations;$filter=ObservedProperty/@iot.id eq 'pm25';$expand=Observations($top=2;$orderby=phenomenonTime desc;$count=true)),Locations($select=location)";
    const res = await get<Record<string, unknown>>(`/sta/v1.1/Things('ST-A')?${q}`);
    expect(res.status).toBe(200);
    const ds = res.body['Datastreams'] as Array<Record<string, unknown>>;
    expect(ds).toHaveLength(1);
    expect(Object.keys(ds[0]!).sort()).toEqual(['Observations', 'Observations@iot.count', 'Observations@iot.navigationLink', 'Observations@iot.nextLink', 'name']);
    expect((ds[0]!['Observations'] as Array<{ result: number }>).map((o) => o.result)).toEqual([9, 8]);
    expect(ds[0]!['Observations@iot.count']).toBe(10);
    expect(res.body['Locations']).toEqual([{ location: { type: 'Point', coordinates: [105.8, 21] } }]);
    const path = await get(`/sta/v1.1/Things?$filter=id eq 'ST-B'&$expand=Datastreams/Observations,Datastreams/ObservedProperty`);
    const pm = (path.body.value[0]!['Datastreams'] as Array<Record<string, unknown>>).find((d) => d['@iot.id'] === 'ST-B:pm25')!;
    expect((pm['Observations'] as unknown[]).length).toBe(4);
    expect(pm['ObservedProperty']).toMatchObject({ '@iot.id': 'pm25' });
  });

  it('gives a nextLink only when more entities exist, never for $top=0', async () => {
    expect((await get('/sta/v1.1/Things?$top=0')).body).toEqual({ value: [] });
    expect(await get('/sta/v1.1/Things?$top=3')).not.toHaveProperty(['body', '@iot.nextLink']);
    expect((await get('/sta/v1.1/Things?$top=2')).body['@iot.nextLink']).toMatch(/\$skip=2/);
    const obs = "/sta/v1.1/Datastreams('ST-B:pm25')/Observations";
    expect((await get(`${obs}?$top=4`)).body['@iot.nextLink']).toBeUndefined();
    const three = await get(`${obs}?$top=3&$orderby=result`);
    const next = new URL(three.body['@iot.nextLink']!);
    expect([next.searchParams.get('$top'), next.searchParams.get('$skip'), next.searchParams.get('$orderby')]).toEqual(['3', '3', 'result']);
    const rest = await get(next.pathname + next.search);
    expect(rest.body.value.map((o) => o['result'])).toEqual([3]);
    expect(rest.body['@iot.nextLink']).toBeUndefined();
  });
});

describe('bad input', () => {
  const cases: Array<[string, number, string, RegExp]> = [
    ['/sta/v1.1/Things(ST-A)', 400, 'QT_ERR_QUERY_INVALID', /quote them: Things\('ST-A'\)/],
    ['/sta/v1.1/Things?$orderby=colour', 400, 'QT_ERR_QUERY_INVALID', /^\$orderby: Thing has no property colour/],
    ['/sta/v1.1/Things?$select=name,colour', 400, 'QT_ERR_QUERY_INVALID', /^\$select: Thing has no property colour/],
    ["/sta/v1.1/Things?$filter=colour eq 'red'", 400, 'QT_ERR_QUERY_INVALID', /^\$filter: Thing has no property colour/],
    ["/sta/v1.1/Things?$filter=Datastreams/name eq 'x'", 400, 'QT_ERR_QUERY_INVALID', /collection/],
    ['/sta/v1.1/Things?$filter=frob(name)', 400, 'QT_ERR_QUERY_INVALID', /unknown function frob/],
    ['/sta/v1.1/Things?$expand=Datastreams($top=x)', 400, 'QT_ERR_QUERY_INVALID', /^\$expand\(Datastreams\) \$top/],
    ['/sta/v1.1/Things?$expand=Datastreams($frob=1)', 400, 'QT_ERR_QUERY_INVALID', /unknown query option/],
    ['/sta/v1.1/Things?$expand=Datastreams/Things', 400, 'QT_ERR_QUERY_INVALID', /not a navigation property of Datastream/],
    ["/sta/v1.1/Observations?$filter=result gt 'high'", 400, 'QT_ERR_QUERY_INVALID', /^\$filter: result compares with a number/],
    ['/sta/v1.1/Observations?$orderby=Datastream/name', 400, 'QT_ERR_QUERY_INVALID', /^\$orderby/],
    ["/sta/v1.1/Things('ST-A')?$top=1", 400, 'QT_ERR_QUERY_INVALID', /^\$top: not applicable/],
    ["/sta/v1.1/Things('ST-A')/colour", 404, 'QT_ERR_NOT_FOUND', /no property or navigation property colour/],
    ['/sta/v1.1/Things/name', 404, 'QT_ERR_NOT_FOUND', /is a collection/],
    ['/sta/v1.1/Widgets', 404, 'QT_ERR_NOT_FOUND', /No SensorThings resource Widgets/],
    ["/sta/v1.1/Things('ST-A')/$value", 404, 'QT_ERR_NOT_FOUND', /\$value follows a property/],
    ["/sta/v1.1/Datastreams('ST-A:pm25')/Observations('ST-B:pm25:2026-03-20T00:00:00.000000Z')", 404, 'QT_ERR_NOT_FOUND', /No Observation/],
  ];
  it.each(cases)('%s → %i', async (path, status, code, message) => {
    const res = await get<ErrorBody>(path);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toMatch(message);
  });

  it('never answers 500 to odd filters', async () => {
    const filters = [
      "name eq 'a",
      '((',
      'not',
      'result add',
      "geo.intersects(location, geography'POLYGON((1 1))')",
      'id eq 1 eq 2',
      "substring(name, 'x') eq 'y'",
      'length(1) gt 0',
      "@iot.id eq 'x:y:z'",
      'day(result) eq 1',
      'phenomenonTime eq 2026-13-01T00:00:00Z',
      'result div 0 gt 1',
      'result mod 0 eq 1',
    ];
    for (const set of ['Things', 'Locations', 'Datastreams', 'Observations']) {
      for (const f of filters) {
        const res = await get(`/sta/v1.1/${set}?$filter=${encodeURIComponent(f)}`);
        expect(res.status, `${set} ${f}`).toBeLessThan(500);
      }
    }
  });
});
