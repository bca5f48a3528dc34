/**
 * Test helpers: a real Quantrac app (embedded TimescaleDB, Aedes, HTTP) on ports 0 in a fresh
 * temporary DATA_DIR, real HTTP requests, real MQTT clients.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { createApp, type App, type AppOptions } from '../../app.js';
import type { ConfigInput } from '../../config/index.js';

export const ADMIN_PASSWORD = 'test-admin-password';

/** A per-file database on TEST_DATABASE_URL's server, or the embedded one started separately (server-mode tests). */
export { testServerDatabase, type TestServerDatabase } from './database.js';

export interface TestApp {
  app: App;
  dataDir: string;
  baseUrl: string;
  mqttUrl: string;
  adminToken: string;
  api<T = unknown>(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: T }>;
  /**
   * Like `api`, but in-process through fastify's `inject()` (no socket, no port): for tests of
   * plain HTTP requests. `headers` are added (a cookie, X-Requested-With…); the answer's headers come back.
   */
  inject<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    token?: string | null,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T; headers: Record<string, string | string[] | number | undefined> }>;
  createStation(input: { id: string; profile?: string; name?: string; lat?: number; lon?: number; attributes?: Record<string, unknown> }): Promise<{ id: string; secret: string }>;
  /** Logs in as a new user with the given role; returns the token. */
  userToken(username: string, role: 'viewer' | 'operator' | 'reviewer' | 'admin'): Promise<string>;
  connectStation(id: string, secret: string, options?: IClientOptions): Promise<MqttClient>;
  /** Closes the app; the data directory stays for a restart unless `removeData`. */
  close(removeData?: boolean): Promise<void>;
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'quantrac-test-'));
}

export async function startTestApp(overrides: ConfigInput = {}, dataDir = tempDataDir(), options: AppOptions = {}): Promise<TestApp> {
  const app = await createApp(
    {
      dataDir,
      host: '127.0.0.1',
      mqtt: { port: 0 },
      http: { port: 0 },
      simulate: 0,
      logLevel: 'silent',
      adminPassword: ADMIN_PASSWORD,
      alerts: { tickMs: 0, indexThrottleMs: 0 },
      automation: { enabled: false },
      // no scheduled bulletins (nor their start-up catch-up with Chromium) unless a test asks for them
      bulletins: { enabled: false },
      // no replayed history for simulated stations unless a test asks for it (test/first-run.test.ts)
      simulateBackfillHours: 0,
      // no ingest-time checks unless a test asks for them (test/validation-checks.test.ts): other
      // tests seed hand-made series (a value held all day, a step from 20 to 120) that the checks
      // rightly flag, and flagged readings leave the validated aggregates those tests assert on
      validation: { ingestChecks: false },
      ...overrides,
    },
    options,
  );
  const baseUrl = `http://127.0.0.1:${app.ports.http}`;
  const mqttUrl = `mqtt://127.0.0.1:${app.ports.mqtt}`;
  const clients: MqttClient[] = [];

  async function api<T>(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers['authorization'] = `Bearer ${token}`;
    const res = await fetch(baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON (e.g. /metrics): keep the text
    }
    return { status: res.status, body: parsed as T };
  }

  const login = await api<{ token: string }>('POST', '/api/v1/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
  if (login.status !== 200) throw new Error(`admin login failed: ${login.status} ${JSON.stringify(login.body)}`);
  const adminToken = login.body.token;

  return {
    app,
    dataDir,
    baseUrl,
    mqttUrl,
    adminToken,
    api: (method, path, body, token = adminToken) => api(method, path, body, token),
    async inject<T>(method: string, path: string, body?: unknown, token: string | null = adminToken, extra: Record<string, string> = {}) {
      const headers: Record<string, string> = { ...extra };
      if (body !== undefined) headers['content-type'] ??= 'application/json';
      if (token) headers['authorization'] = `Bearer ${token}`;
      const res = await app.http.app.inject({
        method: method as 'GET',
        url: path,
        headers,
        ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      let parsed: unknown = res.body;
      try {
        parsed = JSON.parse(res.body);
      } catch {
        // not JSON (e.g. CSV, /metrics): keep the text
      }
      return { status: res.statusCode, body: parsed as T, headers: res.headers };
    },
    async createStation({ id, profile = 'air-quality', name = `Station ${id}`, lat = 21.03, lon = 105.85, attributes }) {
      const res = await api<{ secret: string }>('POST', '/api/v1/stations', { id, name, profile, lat, lon, province: 'Hà Nội', ...(attributes ? { attributes } : {}) }, adminToken);
      if (res.status !== 201) throw new Error(`station ${id} not created: ${res.status} ${JSON.stringify(res.body)}`);
      return { id, secret: res.body.secret };
    },
    async userToken(username, role) {
      const password = `pw-${username}-long-enough`;
      const created = await api('POST', '/api/v1/users', { username, password, role }, adminToken);
      if (created.status !== 201) throw new Error(`user ${username} not created: ${created.status}`);
      const res = await api<{ token: string }>('POST', '/api/v1/auth/login', { username, password }, null);
      return res.body.token;
    },
    async connectStation(id, secret, options = {}) {
      const client = await mqtt.connectAsync(mqttUrl, {
        clientId: id,
        username: id,
        password: secret,
        protocolVersion: 4,
        reconnectPeriod: 0,
        ...options,
      });
      clients.push(client);
      return client;
    },
    async close(removeData = false) {
      await Promise.allSettled(clients.map((c) => c.endAsync(true)));
      await app.close();
      if (removeData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An app on a clock the test moves, stopped and started again on the same data directory (restart tests). */
export interface RestartableTestApp {
  /** The app running now (another object after each restart). */
  readonly app: TestApp;
  /** The app's clock, ms. */
  readonly now: number;
  /** Moves the clock on. */
  advance(ms: number): void;
  /** Stops the app, moves the clock on by `downMs` (the time it was down) and starts it again on the same data; returns the new one. */
  restart(downMs?: number): Promise<TestApp>;
  /** Stops it and removes its data. */
  close(): Promise<void>;
}

export async function startRestartableTestApp(overrides: ConfigInput = {}): Promise<RestartableTestApp> {
  const dataDir = tempDataDir();
  let clock = Date.now();
  const options: AppOptions = { now: () => clock };
  let app = await startTestApp(overrides, dataDir, options);
  return {
    get app() {
      return app;
    },
    get now() {
      return clock;
    },
    advance(ms) {
      clock += ms;
    },
    async restart(downMs = 0) {
      await app.close();
      clock += downMs;
      app = await startTestApp(overrides, dataDir, options);
      return app;
    },
    close: () => app.close(true),
  };
}

/** ISO 8601 in Vietnam's local time (UTC+7, no daylight saving), as stations send it. */
export function localIso(ms: number): string {
  const d = new Date(ms + 7 * 3600_000);
  return d.toISOString().replace('Z', '+07:00');
}

/** A raw node:http(s) response read whole: status, headers, and the body parsed as JSON when it is JSON. */
export function readResponse<T = unknown>(res: IncomingMessage): Promise<{ status: number; headers: IncomingHttpHeaders; body: T }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('error', reject);
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: body as T });
    });
  });
}

/** Polls `cond` every 20 ms until it holds; fails with `what` after `limitMs`. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, limitMs = 60_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`gave up waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A webhook receiver on 127.0.0.1 (port 0) that keeps every JSON body posted to it. */
export interface JsonReceiver {
  url: string;
  received: Array<Record<string, unknown>>;
  close(): Promise<void>;
}
export async function startJsonReceiver(path: string): Promise<JsonReceiver> {
  const received: Array<Record<string, unknown>> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as Record<string, unknown>);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
