/**
 * The operations center's server side on the real app: browser sessions (cookie, CSRF header),
 * the page's security headers, chart downsampling, and the socket.io stream (authentication,
 * rooms, batching) with the real socket.io-client over the app's HTTP port. Plain HTTP requests go
 * in-process through `inject()`; MQTT and socket.io use the real ports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connectSocket, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import type { AlertsFrame, OverviewFrame, OverviewSnapshot, ReadingsFrame, SubscribeAck } from '../domain/live.js';
import { ADMIN_PASSWORD, localIso, startTestApp, type TestApp } from './helpers/app.js';

let t: TestApp;
const sockets: Socket[] = [];

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await t?.close(true);
});

async function session(username = 'admin', password = ADMIN_PASSWORD): Promise<string> {
  const res = await t.inject('POST', '/api/v1/auth/session', { username, password }, null);
  expect(res.status).toBe(200);
  const setCookie = String(res.headers['set-cookie']);
  expect(setCookie).toMatch(/^qt_session=v1\.[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
  return setCookie.split(';')[0]!;
}

function connect(options: Parameters<typeof connectSocket>[1]): Socket {
  const socket = connectSocket(t.baseUrl, { path: '/socket.io/', transports: ['websocket'], reconnection: false, forceNew: true, ...options });
  sockets.push(socket);
  return socket;
}

function connected(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(err));
  });
}

function subscribe(socket: Socket, room: string): Promise<SubscribeAck> {
  return new Promise((resolve) => socket.emit('subscribe', room, (ack: SubscribeAck) => resolve(ack)));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('browser sessions', () => {
  it('sets an httpOnly SameSite=Strict cookie that authenticates reads, and needs X-Requested-With for writes', async () => {
    const cookie = await session();
    const who = await t.inject('GET', '/api/v1/auth/session', undefined, null, { cookie });
    expect(who.body).toMatchObject({ user: { username: 'admin', role: 'admin' } });
    expect((await t.inject('GET', '/api/v1/stations', undefined, null, { cookie })).status).toBe(200);

    const body = { id: 'SESS-1', name: 'Trạm phiên', profile: 'air-quality', lat: 21, lon: 105.8 };
    const forged = await t.inject<{ error: { message: string } }>('POST', '/api/v1/stations', body, null, { cookie });
    expect(forged.status).toBe(403);
    expect(forged.body.error.message).toMatch(/X-Requested-With/);
    const ok = await t.inject('POST', '/api/v1/stations', body, null, { cookie, 'x-requested-with': 'test' });
    expect(ok.status).toBe(201);
    // a bearer token needs no such header
    expect((await t.inject('PATCH', '/api/v1/stations/SESS-1', { name: 'Trạm phiên 2' })).status).toBe(200);
  });

  it('refuses a wrong password and signs out by clearing the cookie', async () => {
    const bad = await t.inject('POST', '/api/v1/auth/session', { username: 'admin', password: 'wrong-password' }, null);
    expect(bad.status).toBe(401);
    expect(bad.headers['set-cookie']).toBeUndefined();
    const out = await t.inject('DELETE', '/api/v1/auth/session', undefined, null);
    expect(out.status).toBe(204);
    expect(out.headers['set-cookie']).toMatch(/^qt_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0$/);
    expect((await t.inject('GET', '/api/v1/auth/session', undefined, null)).status).toBe(401);
  });
});

describe('the page', () => {
  it('is served at / and at client routes with a strict Content-Security-Policy', async () => {
    for (const path of ['/', '/alerts', '/stations/ANY-1']) {
      const res = await t.inject<string>('GET', path, undefined, null);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("object-src 'none'");
      const html = res.body;
      expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/[^"]+\.js"><\/script>/);
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    }
    const html = (await t.inject<string>('GET', '/', undefined, null)).body;
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const js = await t.inject('GET', asset, undefined, null);
    expect(js.status).toBe(200);
    expect(js.headers['cache-control']).toMatch(/immutable/);
    // the API's 404 is still JSON
    expect((await t.inject('GET', '/api/v1/nope', undefined, null)).status).toBe(404);
  });
});

describe('chart downsampling', () => {
  it('returns at most maxPoints per metric from a month at 1-minute resolution, keeping the peak', async () => {
    const s = await t.createStation({ id: 'DS-MONTH' });
    const client = await t.connectStation(s.id, s.secret);
    const start = Math.floor((Date.now() - 31 * 86_400_000) / 60_000) * 60_000;
    const n = 30 * 24 * 60;
    const peakAt = 20_000;
    for (let i = 0; i < n; i += 9000) {
      const batch = [];
      for (let j = i; j < Math.min(n, i + 9000); j++) batch.push({ ts: localIso(start + j * 60_000), values: { pm25: j === peakAt ? 950 : 20 + 10 * Math.sin(j / 90) } });
      await client.publishAsync(`stations/${s.id}/readings`, JSON.stringify(batch), { qos: 1 });
    }
    const from = new Date(start).toISOString();
    const to = new Date(start + n * 60_000).toISOString();
    const res = await t.api<{ data: Array<{ ts: string; value: number }> }>(
      'GET',
      `/api/v1/stations/${s.id}/readings?metric=pm25&from=${from}&to=${to}&limit=100000&maxPoints=800`,
    );
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(800);
    expect(res.body.data[0]!.ts).toBe(from);
    expect(Math.max(...res.body.data.map((r) => r.value))).toBe(950);
    const raw = await t.api<{ data: unknown[] }>('GET', `/api/v1/stations/${s.id}/readings?metric=pm25&from=${from}&to=${to}&limit=100000`);
    expect(raw.body.data.length).toBe(n);
  });
});

describe('live stream (socket.io)', () => {
  it('refuses a connection without a session or token, and a cookie sent from another origin', async () => {
    await expect(connected(connect({}))).rejects.toThrow(/unauthorized/);
    await expect(connected(connect({ auth: { token: 'v1.forged.token' } }))).rejects.toThrow(/unauthorized/);
    const cookie = await session();
    await expect(connected(connect({ extraHeaders: { cookie, origin: 'https://evil.example' } }))).rejects.toThrow(/cross-origin/);
    const ok = connect({ extraHeaders: { cookie, origin: t.baseUrl } });
    await connected(ok);
    expect(ok.connected).toBe(true);
  });

  it('still serves MQTT over WebSocket at /mqtt and refuses other upgrade paths', async () => {
    const other = new WebSocket(`${t.baseUrl.replace('http', 'ws')}/elsewhere`);
    await expect(new Promise((resolve, reject) => (other.on('open', resolve), other.on('error', reject)))).rejects.toThrow();
    const mqttWs = new WebSocket(`${t.baseUrl.replace('http', 'ws')}/mqtt`, 'mqtt');
    await new Promise((resolve, reject) => (mqttWs.on('open', resolve), mqttWs.on('error', reject)));
    mqttWs.close();
  });

  it('sends a station room only its own readings, in few batched frames', async () => {
    const a = await t.createStation({ id: 'RT-A' });
    const b = await t.createStation({ id: 'RT-B' });
    const socket = connect({ auth: { token: t.adminToken } });
    await connected(socket);
    expect(await subscribe(socket, 'station:RT-A')).toEqual({ ok: true });
    expect(await subscribe(socket, 'station:NOPE')).toMatchObject({ ok: false });
    expect(await subscribe(socket, 'everything')).toMatchObject({ ok: false });
    const frames: ReadingsFrame[] = [];
    socket.on('readings', (f: ReadingsFrame) => frames.push(f));

    const ca = await t.connectStation(a.id, a.secret);
    const cb = await t.connectStation(b.id, b.secret);
    const base = Date.now() - 600_000;
    const started = performance.now();
    // 300 separate publishes to A (QoS 0, not awaited one by one) and 50 to B
    await Promise.all([
      ...Array.from({ length: 300 }, (_, i) => ca.publishAsync(`stations/${a.id}/readings`, JSON.stringify({ ts: localIso(base + i * 1000), values: { pm25: i } }), { qos: 1 })),
      ...Array.from({ length: 50 }, (_, i) => cb.publishAsync(`stations/${b.id}/readings`, JSON.stringify({ ts: localIso(base + i * 1000), values: { pm25: i } }), { qos: 1 })),
    ]);
    const until = Date.now() + 3000;
    while (frames.flatMap((f) => f.readings).length < 300 && Date.now() < until) await sleep(50);
    const elapsed = performance.now() - started;
    const readings = frames.flatMap((f) => f.readings);
    expect(readings).toHaveLength(300);
    expect(frames.every((f) => f.station === 'RT-A')).toBe(true);
    expect(new Set(readings.map((r) => r.value)).size).toBe(300);
    // one frame per 250 ms at most (+1 for a frame boundary)
    expect(frames.length).toBeLessThanOrEqual(Math.ceil(elapsed / 250) + 1);
    expect(frames.length).toBeLessThan(30);
    expect(t.app.http.realtime.framesSent.readings).toBeGreaterThan(0);
  });

  it('sends overview frames with station state and KPIs, and alert frames to the alerts room', async () => {
    const s = await t.createStation({ id: 'RT-OV' });
    const socket = connect({ auth: { token: t.adminToken } });
    await connected(socket);
    await subscribe(socket, 'overview');
    await subscribe(socket, 'alerts');
    const overview: OverviewFrame[] = [];
    const alerts: AlertsFrame[] = [];
    socket.on('overview', (f: OverviewFrame) => overview.push(f));
    socket.on('alerts', (f: AlertsFrame) => alerts.push(f));
    await t.api('POST', '/api/v1/rules', {
      id: 'rt.ov',
      name: { en: 'PM2.5 high', vi: 'PM2,5 cao' },
      kind: 'threshold',
      scope: { station: s.id },
      metric: 'pm25',
      severity: 'critical',
      op: 'above',
      raise: 100,
      clear: 80,
      over: 'raw',
    });
    const client = await t.connectStation(s.id, s.secret);
    await client.publishAsync(`stations/${s.id}/readings`, JSON.stringify({ ts: localIso(Date.now() - 1000), values: { pm25: 300 } }), { qos: 1 });
    await t.app.alerts.idle();
    const until = Date.now() + 3000;
    // The alerts frame and the overview frame counting it leave in the same tick, as two socket.io
    // packets: wait for both (the client may have read the first only).
    const counted = () => (overview.at(-1)?.kpi.firing.critical ?? 0) >= 1;
    while ((alerts.length === 0 || !counted() || !overview.some((f) => f.stations.some((x) => x.id === s.id && x.state === 'online'))) && Date.now() < until) await sleep(50);
    expect(overview.some((f) => f.stations.some((x) => x.id === s.id && x.state === 'online'))).toBe(true);
    expect(overview.at(-1)!.kpi.firing.critical).toBeGreaterThanOrEqual(1);
    const fired = alerts.flatMap((f) => f.alerts).find((x) => x.alert.rule === 'rt.ov' && x.transition === 'firing');
    expect(fired).toMatchObject({ alert: { station: s.id, severity: 'critical', state: 'firing' }, notify: true });

    const snapshot = await t.api<OverviewSnapshot>('GET', '/api/v1/overview');
    expect(snapshot.body.stations.find((x) => x.id === s.id)).toMatchObject({ state: 'online', name: `Station ${s.id}` });
    expect(snapshot.body.kpi.stations.total).toBe(t.app.directory.size);
    expect(snapshot.body.kpi.readingsPerSecond).toBeGreaterThanOrEqual(0);
    expect(snapshot.body.map).toEqual({ tileUrl: '', tileAttribution: '' });
  });
});
