/**
 * Security (issue 9): TLS. A self-signed certificate is generated in the test (Debian's openssl),
 * the app is started with TLS_CERT_FILE/TLS_KEY_FILE, and real clients connect with that
 * certificate as their only CA: MQTT over TLS (mqtts), HTTPS (API, page, Secure cookie),
 * socket.io over wss, MQTT over WebSocket over TLS (wss /mqtt) and Node-RED at /red (and its login's
 * brute-force guard).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { io as connectSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, localIso, readResponse, tempDataDir } from './helpers/app.js';
import { createApp, type App } from '../app.js';

let app: App;
let certDir: string;
let ca: Buffer;
let base: string;
let station: { id: string; secret: string };
let adminToken: string;

function https<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: T }> {
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      base + path,
      { method, ca, headers: { ...(data ? { 'content-type': 'application/json' } : {}), ...headers } },
      (res) => void readResponse<T>(res).then(resolve, reject),
    );
    req.on('error', reject);
    req.end(data);
  });
}

beforeAll(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'quantrac-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-keyout',
      join(certDir, 'key.pem'),
      '-out',
      join(certDir, 'cert.pem'),
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  ca = readFileSync(join(certDir, 'cert.pem'));
  app = await createApp({
    dataDir: tempDataDir(),
    host: '127.0.0.1',
    mqtt: { port: 0 },
    http: { port: 0 },
    simulate: 0,
    logLevel: 'silent',
    adminPassword: ADMIN_PASSWORD,
    alerts: { tickMs: 0, indexThrottleMs: 0 },
    automation: { enabled: true },
    security: { tlsCertFile: join(certDir, 'cert.pem'), tlsKeyFile: join(certDir, 'key.pem'), mqttTlsPort: 0 },
  });
  base = `https://127.0.0.1:${app.ports.http}`;
  const login = await https<{ token: string }>('POST', '/api/v1/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
  expect(login.status).toBe(200);
  adminToken = login.body.token;
  const created = await https<{ secret: string }>(
    'POST',
    '/api/v1/stations',
    { id: 'TLS-01', name: 'TLS station', profile: 'air-quality', lat: 21, lon: 105.8 },
    { authorization: `Bearer ${adminToken}` },
  );
  expect(created.status).toBe(201);
  station = { id: 'TLS-01', secret: created.body.secret };
}, 120_000);

afterAll(async () => {
  await app?.close();
  if (app) rmSync(app.config.dataDir, { recursive: true, force: true });
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

describe('TLS with a certificate and key configured', () => {
  it('serves the API and the page over HTTPS only, with a Secure session cookie', async () => {
    expect((await https('GET', '/healthz')).status).toBe(200);
    expect((await https<{ data: unknown[] }>('GET', '/api/v1/stations', undefined, { authorization: `Bearer ${adminToken}` })).body.data).toHaveLength(1);
    const session = await https('POST', '/api/v1/auth/session', { username: 'admin', password: ADMIN_PASSWORD });
    expect(String(session.headers['set-cookie'])).toMatch(/; HttpOnly; SameSite=Strict; .*Secure/);
    expect(session.headers['strict-transport-security']).toBe('max-age=31536000');
    // a client that does not trust the certificate is refused at the handshake
    await expect(
      new Promise((resolve, reject) =>
        httpsRequest(base + '/healthz', { rejectUnauthorized: true }, resolve)
          .on('error', reject)
          .end(),
      ),
    ).rejects.toThrow(/self-signed|self signed/);
    // plain HTTP on the HTTPS port gets no answer an HTTP client can read
    const plain = await new Promise<number | string>((resolve) => {
      httpRequest(`http://127.0.0.1:${app.ports.http}/healthz`, (res) => resolve(res.statusCode ?? 0))
        .on('error', (err) => resolve(err.message))
        .end();
    });
    expect(plain).not.toBe(200);
  });

  it('accepts a station over MQTT over TLS (mqtts) and stores what it publishes', async () => {
    expect(app.ports.mqttTls).toBeGreaterThan(0);
    const client = await mqtt.connectAsync(`mqtts://127.0.0.1:${app.ports.mqttTls}`, {
      ca,
      clientId: station.id,
      username: station.id,
      password: station.secret,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    const ts = Date.now() - 60_000;
    await client.publishAsync(`stations/${station.id}/readings`, JSON.stringify({ ts: localIso(ts), values: { pm25: 21.5 } }), { qos: 1 });
    await client.endAsync();
    const readings = await https<{ data: Array<{ value: number }> }>('GET', `/api/v1/stations/${station.id}/readings?metric=pm25`, undefined, {
      authorization: `Bearer ${adminToken}`,
    });
    expect(readings.body.data).toEqual([expect.objectContaining({ value: 21.5 })]);
    // the secret is still checked over TLS
    await expect(
      mqtt.connectAsync(`mqtts://127.0.0.1:${app.ports.mqttTls}`, { ca, clientId: station.id, username: station.id, password: 'wrong', protocolVersion: 4, reconnectPeriod: 0 }),
    ).rejects.toThrow();
  });

  it('carries MQTT over secure WebSocket (wss /mqtt)', async () => {
    const client = await mqtt.connectAsync(`wss://127.0.0.1:${app.ports.http}/mqtt`, {
      ca,
      clientId: station.id,
      username: station.id,
      password: station.secret,
      protocolVersion: 4,
      reconnectPeriod: 0,
    } as mqtt.IClientOptions);
    await client.publishAsync(`stations/${station.id}/readings`, JSON.stringify({ ts: localIso(Date.now() - 30_000), values: { pm25: 22.5 } }), { qos: 1 });
    await client.endAsync();
    const readings = await https<{ data: Array<{ value: number }> }>('GET', `/api/v1/stations/${station.id}/readings?metric=pm25`, undefined, {
      authorization: `Bearer ${adminToken}`,
    });
    expect(readings.body.data.map((r) => r.value).sort()).toEqual([21.5, 22.5]);
  });

  it('carries the live stream over wss (socket.io)', async () => {
    const socket = connectSocket(base, {
      path: '/socket.io/',
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { token: adminToken },
      ca: ca.toString('utf8'),
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      expect(await socket.timeout(5000).emitWithAck('subscribe', 'overview')).toEqual({ ok: true });
    } finally {
      socket.close();
    }
  });

  it('serves Node-RED at /red over HTTPS', async () => {
    const editor = await https('GET', '/red/');
    expect(editor.status).toBe(200);
    expect(String(editor.body)).toMatch(/Node-RED/);
    expect((await https('GET', '/red/flows')).status).toBe(401);
  });

  it("guards Node-RED logins like the API's, without locking the admin out of the API", async () => {
    const token = (password: string) =>
      https<{ access_token: string }>('POST', '/red/auth/token', { client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'admin', password });
    const ok = await token(ADMIN_PASSWORD);
    expect(ok.status).toBe(200);
    // a deploy made in the editor is in Quantrac's audit log, with who and from where
    const deploy = await https(
      'POST',
      '/red/flows',
      { flows: [{ id: 'sec-tab', type: 'tab', label: 'audit me' }] },
      { authorization: `Bearer ${ok.body.access_token}`, 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'full' },
    );
    expect(deploy.status).toBe(200);
    await app.security.audit.flush();
    const deploys = await https<{ data: unknown[] }>('GET', '/api/v1/audit?action=node-red.flows.set', undefined, { authorization: `Bearer ${adminToken}` });
    expect(deploys.body.data[0]).toMatchObject({ actor: 'admin', role: 'admin', outcome: 'ok', sourceIp: expect.stringContaining('127.0.0.1') });

    for (let i = 0; i < 5; i++) expect((await token(`guess-${i}`)).status).toBe(403);
    // locked for a while: by the guard (403) or Node-RED's own limit of 5 attempts per user in 10 minutes (500)
    expect((await token(ADMIN_PASSWORD)).status).not.toBe(200);
    expect((await https('POST', '/api/v1/auth/login', { username: 'admin', password: ADMIN_PASSWORD })).status).toBe(200);
    const audit = await https<{ data: Array<{ outcome: string }> }>('GET', '/api/v1/audit?action=node-red.login', undefined, { authorization: `Bearer ${adminToken}` });
    expect(audit.body.data.map((e) => e.outcome)).toEqual(expect.arrayContaining(['ok', 'denied']));
    expect(audit.body.data.filter((e) => e.outcome === 'denied')).toHaveLength(5);
  });
});
