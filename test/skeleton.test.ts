/**
 * The walking skeleton end to end: real MQTT clients → embedded Aedes → ingest → embedded
 * TimescaleDB → HTTP API, on ports 0 in a temporary DATA_DIR.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { localIso, startTestApp, type TestApp } from './helpers/app.js';

interface ReadingsBody {
  data: Array<{ ts: string; metric: string; value: number | null; quality: string }>;
}
interface QuarantineBody {
  data: Array<{ stationId: string | null; reasonCode: string; reason: string; payload: string; payloadBytes: number; source: string }>;
}

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ ingest: { maxPayloadBytes: 128 * 1024, maxReadingsPerMessage: 2000 } });
});
afterAll(async () => {
  await t?.close(true);
});

/** Hour-aligned timestamps in the recent past, unique per call, so tests never collide. */
let hourCursor = Date.now() - 30 * 86_400_000;
function nextHour(): number {
  hourCursor += 3_600_000;
  return Math.floor(hourCursor / 3_600_000) * 3_600_000;
}

async function readings(stationId: string, query = ''): Promise<ReadingsBody['data']> {
  const res = await t.api<ReadingsBody>('GET', `/api/v1/stations/${stationId}/readings?from=${new Date(Date.now() - 60 * 86_400_000).toISOString()}${query}`);
  expect(res.status).toBe(200);
  // the raw value and the station's flag (the validation fields, issue 18, are tested in validation-downstream.test.ts)
  return res.body.data.map(({ ts, metric, value, quality }) => ({ ts, metric, value, quality }));
}

describe('a reading published over MQTT', () => {
  it('is queryable through the API as soon as its PUBACK arrives (commit before acknowledge)', async () => {
    const s = await t.createStation({ id: 'HN-AIR-01' });
    const client = await t.connectStation(s.id, s.secret);
    const ts = nextHour();
    await client.publishAsync('stations/HN-AIR-01/readings', JSON.stringify({ ts: localIso(ts), values: { pm25: 42.5, pm10: 70.1, temp: 29.3 } }), { qos: 1 });
    // No polling: the acknowledgement itself promises the rows are committed.
    const rows = await readings(s.id);
    expect(rows).toHaveLength(3);
    const pm25 = rows.find((r) => r.metric === 'pm25');
    expect(pm25).toEqual({ ts: new Date(ts).toISOString(), metric: 'pm25', value: 42.5, quality: 'valid' });
  });

  it('stores a QoS 1 duplicate once', async () => {
    const s = await t.createStation({ id: 'HN-AIR-DUP' });
    const client = await t.connectStation(s.id, s.secret);
    const payload = JSON.stringify({ ts: localIso(nextHour()), values: { pm25: 11 } });
    await client.publishAsync(`stations/${s.id}/readings`, payload, { qos: 1 });
    await client.publishAsync(`stations/${s.id}/readings`, payload, { qos: 1, dup: true });
    // a second copy with a different value: first write wins
    await client.publishAsync(`stations/${s.id}/readings`, payload.replace('"pm25":11', '"pm25":99'), { qos: 1 });
    const rows = await readings(s.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.value).toBe(11);
  });

  it('stores values out of range or sent while calibrating, with their quality flag', async () => {
    const s = await t.createStation({ id: 'HN-AIR-FLAG' });
    const client = await t.connectStation(s.id, s.secret);
    const ts = nextHour();
    await client.publishAsync(
      `stations/${s.id}/readings`,
      JSON.stringify({ ts: localIso(ts), values: { pm25: 5000, pm10: 80, so2: null, rh: 55 }, status: { pm10: '01', so2: '02' } }),
      { qos: 1 },
    );
    const byMetric = Object.fromEntries((await readings(s.id)).map((r) => [r.metric, r]));
    expect(byMetric['pm25']).toMatchObject({ value: 5000, quality: 'out_of_range' });
    expect(byMetric['pm10']).toMatchObject({ value: 80, quality: 'calibrating' });
    expect(byMetric['so2']).toMatchObject({ value: null, quality: 'fault' });
    expect(byMetric['rh']).toMatchObject({ value: 55, quality: 'valid' });
  });

  it('stores a backlog array of 1,000 readings whole, late and out of order, and "latest" means newest timestamp', async () => {
    const s = await t.createStation({ id: 'HN-AIR-BACKLOG' });
    const client = await t.connectStation(s.id, s.secret);
    const newest = Date.now() - 60_000;
    await client.publishAsync(`stations/${s.id}/readings`, JSON.stringify({ ts: localIso(newest), values: { pm25: 1, pm10: 2 } }), { qos: 1 });
    const backlog = Array.from({ length: 1000 }, (_, i) => ({
      ts: localIso(newest - (1000 - i) * 60_000),
      values: { pm25: 10 + (i % 50), pm10: 20 + (i % 70) },
    })).reverse();
    await client.publishAsync(`stations/${s.id}/readings`, JSON.stringify(backlog), { qos: 1 });
    const rows = await readings(s.id, '&limit=100000');
    expect(rows).toHaveLength(2002);
    const latest = await t.api<{ latest: Array<{ metric: string; ts: string; value: number }> }>('GET', `/api/v1/stations/${s.id}`);
    const pm25 = latest.body.latest.find((l) => l.metric === 'pm25');
    expect(pm25).toMatchObject({ ts: new Date(newest).toISOString(), value: 1 });
  });

  it('works over MQTT over WebSocket on the HTTP port at /mqtt', async () => {
    const s = await t.createStation({ id: 'HN-AIR-WS' });
    const client = await mqtt.connectAsync(`ws://127.0.0.1:${t.app.ports.http}/mqtt`, {
      clientId: s.id,
      username: s.id,
      password: s.secret,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    try {
      await client.publishAsync(`stations/${s.id}/readings`, JSON.stringify({ ts: localIso(nextHour()), values: { o3: 88 } }), { qos: 1 });
      expect((await readings(s.id)).map((r) => [r.metric, r.value])).toEqual([['o3', 88]]);
    } finally {
      await client.endAsync();
    }
  });
});

describe('bad payloads', () => {
  const now = Date.now();
  const good = (over: Record<string, unknown> = {}) => JSON.stringify({ ts: localIso(now - 3_600_000), values: { pm25: 12 }, ...over });
  const cases: Array<{ name: string; payload: string | Buffer; code: string; reason: RegExp }> = [
    { name: 'bad JSON', payload: '{"ts": "2026-01-01T00:00:00+07:00", values: {', code: 'invalid_json', reason: /not valid JSON/ },
    { name: 'not UTF-8', payload: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), code: 'invalid_encoding', reason: /UTF-8/ },
    { name: 'a string where a number belongs', payload: good({ values: { pm25: '12.5' } }), code: 'schema', reason: /values\.pm25 must be a number/ },
    { name: 'an unknown metric', payload: good({ values: { pm25: 1, pm1: 3 } }), code: 'unknown_metric', reason: /unknown metric "pm1" for profile air-quality/ },
    { name: 'Infinity (1e999)', payload: `{"ts":"${localIso(now - 3_600_000)}","values":{"pm25":1e999}}`, code: 'schema', reason: /values\.pm25 must be a number/ },
    { name: 'NaN', payload: `{"ts":"${localIso(now - 3_600_000)}","values":{"pm25":NaN}}`, code: 'invalid_json', reason: /not valid JSON/ },
    { name: 'a timestamp far in the future', payload: good({ ts: localIso(now + 3 * 86_400_000) }), code: 'timestamp_in_future', reason: /ahead of the server clock/ },
    { name: 'a timestamp without offset', payload: good({ ts: '2026-01-01T10:00:00' }), code: 'schema', reason: /ISO 8601 date-time with an offset/ },
    { name: 'a clock reset to 1970', payload: good({ ts: '1970-01-01T00:00:00Z' }), code: 'timestamp_too_old', reason: /before 2000/ },
    { name: 'a payload over the size limit', payload: good({ values: { pm25: 1 }, pad: 'x'.repeat(140 * 1024) }), code: 'payload_too_large', reason: /limit is 131072/ },
    { name: 'an empty backlog', payload: '[]', code: 'empty_batch', reason: /empty/ },
    { name: 'a missing ts', payload: JSON.stringify({ values: { pm25: 1 } }), code: 'schema', reason: /missing field "ts"/ },
    { name: 'a null value without fault status', payload: good({ values: { pm25: null } }), code: 'schema', reason: /needs status 02/ },
  ];

  it.each(cases)('$name goes to quarantine whole with its reason, and nothing else is written', async ({ payload, code, reason }) => {
    const id = `BAD-${code.replaceAll('_', '-')}-${Math.random().toString(36).slice(2, 7)}`;
    const s = await t.createStation({ id });
    const client = await t.connectStation(s.id, s.secret);
    await client.publishAsync(`stations/${s.id}/readings`, payload, { qos: 1 });
    expect(await readings(s.id)).toEqual([]);
    const q = await t.api<QuarantineBody>('GET', `/api/v1/quarantine?station=${s.id}`);
    expect(q.status).toBe(200);
    expect(q.body.data).toHaveLength(1);
    const entry = q.body.data[0]!;
    expect(entry.reasonCode).toBe(code);
    expect(entry.reason).toMatch(reason);
    expect(entry.source).toBe('mqtt');
    expect(entry.payloadBytes).toBe(Buffer.byteLength(payload));
    if (typeof payload === 'string') expect(entry.payload).toBe(payload);
    // the connection stays usable: a quarantined payload is acknowledged, not refused
    await client.publishAsync(`stations/${s.id}/readings`, good(), { qos: 1 });
    expect(await readings(s.id)).toHaveLength(1);
  });

  it('keeps the good readings of a backlog and quarantines the payload with the refused ones', async () => {
    const s = await t.createStation({ id: 'BAD-MIXED' });
    const client = await t.connectStation(s.id, s.secret);
    const base = nextHour();
    const backlog = [
      { ts: localIso(base), values: { pm25: 1 } },
      { ts: localIso(base + 60_000), values: { pm25: 'x' } },
      { ts: localIso(base + 120_000), values: { pm25: 3 } },
    ];
    await client.publishAsync(`stations/${s.id}/readings`, JSON.stringify(backlog), { qos: 1 });
    expect((await readings(s.id)).map((r) => r.value)).toEqual([1, 3]);
    const q = await t.api<QuarantineBody>('GET', `/api/v1/quarantine?station=${s.id}`);
    expect(q.body.data[0]!.reason).toMatch(/1 of 3 readings refused: \[1\] \[1\]\.values\.pm25 must be a number/);
  });

  it('counts refusals by reason in /metrics', async () => {
    const res = await fetch(`${t.baseUrl}/metrics`);
    const text = await res.text();
    expect(text).toMatch(/quantrac_readings_rejected_total\{reason="invalid_json",source="mqtt"\} [1-9]/);
    expect(text).toMatch(/quantrac_readings_accepted_total [1-9]/);
  });
});

describe('station security', () => {
  it('refuses a wrong password at CONNACK', async () => {
    const s = await t.createStation({ id: 'SEC-01' });
    const err = await t.connectStation(s.id, 'not-the-secret').then(
      () => undefined,
      (e: unknown) => e as Error & { code?: number },
    );
    expect(err).toBeDefined();
    expect(err!.code).toBe(4); // Bad username or password
  });

  it('refuses a client id that is not the station id', async () => {
    const s = await t.createStation({ id: 'SEC-02' });
    const err = await t.connectStation(s.id, s.secret, { clientId: 'someone-else' }).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: number },
    );
    expect(err?.code).toBe(4);
  });

  it("refuses a publish to another station's topic, stores nothing and counts it", async () => {
    const a = await t.createStation({ id: 'SEC-A' });
    const b = await t.createStation({ id: 'SEC-B' });
    const client = await t.connectStation(a.id, a.secret);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.publish(`stations/${b.id}/readings`, JSON.stringify({ ts: localIso(Date.now() - 60_000), values: { pm25: 500 } }), { qos: 1 });
    await closed; // MQTT 3.1.1 has no negative PUBACK: the broker closes the connection
    expect(await readings(b.id)).toEqual([]);
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/quantrac_mqtt_denied_total\{action="publish"\} [1-9]/);
  });

  it("refuses a subscription outside the station's own commands topic", async () => {
    const s = await t.createStation({ id: 'SEC-SUB' });
    const client = await t.connectStation(s.id, s.secret);
    // SUBACK return code 128 (failure); mqtt.js turns it into a rejection
    await expect(client.subscribeAsync('stations/+/readings', { qos: 1 })).rejects.toThrow(/Subscribe error/);
    const own = await client.subscribeAsync(`stations/${s.id}/commands`, { qos: 1 });
    expect(own[0]!.qos).toBe(1);
  });
});

describe('HTTP API', () => {
  it('requires a token, and the admin role to create stations', async () => {
    expect((await t.api('GET', '/api/v1/stations', undefined, null)).status).toBe(401);
    expect((await t.api('GET', '/api/v1/stations', undefined, 'v1.forged.token')).status).toBe(401);
    const bad = await t.api('POST', '/api/v1/auth/login', { username: 'admin', password: 'wrong' }, null);
    expect(bad).toMatchObject({ status: 401, body: { error: { code: 'QT_ERR_BAD_CREDENTIALS' } } });
  });

  it('names the wrong field of a bad request', async () => {
    const res = await t.api<{ error: { code: string; message: string } }>('POST', '/api/v1/stations', { id: 'bad/id', name: 'x', profile: 'air-quality', lat: 100, lon: 0 });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('QT_ERR_BAD_REQUEST');
    expect(res.body.error.message).toMatch(/id must match pattern/);
    expect(res.body.error.message).toMatch(/lat must be <= 90/);
    const unknownProfile = await t.api<{ error: { code: string } }>('POST', '/api/v1/stations', { id: 'X-1', name: 'x', profile: 'nuclear', lat: 10, lon: 106 });
    expect(unknownProfile).toMatchObject({ status: 422, body: { error: { code: 'QT_ERR_PROFILE_UNKNOWN' } } });
    const dup = await t.api('POST', '/api/v1/stations', { id: 'HN-AIR-01', name: 'x', profile: 'air-quality', lat: 10, lon: 106 });
    expect(dup.status).toBe(409);
    const metric = await t.api<{ error: { code: string } }>('GET', '/api/v1/stations/HN-AIR-01/readings?metric=ph');
    expect(metric).toMatchObject({ status: 400, body: { error: { code: 'QT_ERR_METRIC_UNKNOWN' } } });
    const range = await t.api<{ error: { code: string } }>('GET', '/api/v1/stations/HN-AIR-01/readings?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z');
    expect(range).toMatchObject({ status: 400, body: { error: { code: 'QT_ERR_RANGE_INVALID' } } });
    expect((await t.api('GET', '/api/v1/stations/NOPE/readings')).status).toBe(404);
  });

  it('lists profiles with metrics, units and ranges, and stations', async () => {
    const profiles = await t.api<{ data: Array<{ id: string; metrics: Record<string, { unit: string; range: { min: number; max: number } }> }> }>('GET', '/api/v1/profiles');
    expect(profiles.body.data.map((p) => p.id).sort()).toEqual(['air-quality', 'hydromet', 'salinity', 'surface-water', 'wastewater']);
    const air = profiles.body.data.find((p) => p.id === 'air-quality')!;
    expect(air.metrics['pm25']).toMatchObject({ unit: 'µg/m³', range: { min: 0 } });
    const stations = await t.api<{ data: Array<{ id: string; profile: string; connection: { state: string } }> }>('GET', '/api/v1/stations?profile=air-quality');
    expect(stations.body.data.map((s) => s.id)).toContain('HN-AIR-01');
  });

  it('reports health', async () => {
    const res = await t.api('GET', '/healthz', undefined, null);
    expect(res).toMatchObject({ status: 200, body: { status: 'ok', database: 'ok', mode: 'embedded' } });
  });
});

describe('station connection state', () => {
  it('shows a station online while connected and offline after it leaves', async () => {
    const s = await t.createStation({ id: 'STATE-01' });
    const state = async () => (await t.api<{ station: { connection: { state: string } } }>('GET', `/api/v1/stations/${s.id}`)).body.station.connection.state;
    expect(await state()).toBe('unknown');
    const client = await t.connectStation(s.id, s.secret, { will: { topic: `stations/${s.id}/state`, payload: Buffer.from('offline'), qos: 1, retain: true } });
    await client.publishAsync(`stations/${s.id}/state`, 'online', { qos: 1, retain: true });
    await expect.poll(state, { timeout: 5000 }).toBe('online');
    client.stream.destroy(); // an abrupt loss: the broker publishes the last will
    await expect.poll(state, { timeout: 5000 }).toBe('offline');
  });
});
