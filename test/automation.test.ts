/**
 * Node-RED embedded in the real app: flows deployed through the authenticated admin API, a
 * simulator pollution episode, a local webhook receiver on port 0. Node-RED is a process-wide
 * singleton, so this file runs one app (vitest's forks pool gives each file its own process);
 * the restart is checked with the real entry point in a child process.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, localIso, startJsonReceiver, startTestApp, tempDataDir, type JsonReceiver, type TestApp } from './helpers/app.js';
import { createSimulatedStation } from '../simulators/index.js';

let t: TestApp;
let receiver: JsonReceiver;
let receiverUrl: string;

async function redToken(base: string, username: string, password: string): Promise<Response> {
  return fetch(`${base}/red/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username, password }),
  });
}

async function deploy(base: string, token: string, flows: unknown[]): Promise<Response> {
  return fetch(`${base}/red/flows`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'full' },
    body: JSON.stringify({ flows }),
  });
}

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const rule = (id: string, station: string, severity: string, raise = 150) => ({
  id,
  name: { en: `PM2.5 over ${raise}`, vi: `PM2,5 vượt ${raise}` },
  kind: 'threshold',
  scope: { station },
  metric: 'pm25',
  severity,
  op: 'above',
  raise,
  clear: raise - 20,
  over: 'raw',
});

let adminRedToken: string;

beforeAll(async () => {
  receiver = await startJsonReceiver('/hook');
  receiverUrl = receiver.url;
  t = await startTestApp({ automation: { enabled: true, publicUrl: 'http://ioc.test', functionTimeoutSeconds: 1 } });
  const res = await redToken(t.baseUrl, 'admin', ADMIN_PASSWORD);
  expect(res.status).toBe(200);
  adminRedToken = ((await res.json()) as { access_token: string }).access_token;
});

afterAll(async () => {
  await t?.close(true);
  await receiver?.close();
});

describe('Node-RED access', () => {
  it('refuses the admin API without a token, and refuses non-admin users', async () => {
    expect((await fetch(`${t.baseUrl}/red/flows`)).status).toBe(401);
    await t.userToken('op-1', 'operator');
    const op = await redToken(t.baseUrl, 'op-1', 'pw-op-1-long-enough');
    expect(op.status).toBe(403);
    expect((await redToken(t.baseUrl, 'admin', 'wrong password')).status).toBe(403);
    const flows = await fetch(`${t.baseUrl}/red/flows`, { headers: { authorization: `Bearer ${adminRedToken}` } });
    expect(flows.status).toBe(200);
  });

  it('loads the Quantrac nodes and serves the editor', async () => {
    const nodes = await fetch(`${t.baseUrl}/red/nodes`, { headers: { authorization: `Bearer ${adminRedToken}`, accept: 'application/json' } });
    const list = (await nodes.json()) as Array<{ types: string[] }>;
    const types = list.flatMap((n) => n.types);
    for (const type of ['quantrac-reading', 'quantrac-alert', 'quantrac-alert-action', 'quantrac-query', 'quantrac-command']) expect(types).toContain(type);
    const editor = await fetch(`${t.baseUrl}/red/`);
    expect(editor.status).toBe(200);
    expect(await editor.text()).toContain('<title>Quantrac · Node-RED</title>');
  });
});

describe('flows', () => {
  it('send critical alerts to a webhook, acknowledge alerts as the flow, survive a throwing and a looping function', async () => {
    const crit = await t.createStation({ id: 'NR-CRIT' });
    const ack = await t.createStation({ id: 'NR-ACK' });
    const cmd = await t.createStation({ id: 'NR-CMD' });
    expect((await t.api('POST', '/api/v1/rules', rule('nr.crit', crit.id, 'critical'))).status).toBe(201);
    expect((await t.api('POST', '/api/v1/rules', rule('nr.ack', ack.id, 'warning'))).status).toBe(201);

    const flows = [
      { id: 'tab-hook', type: 'tab', label: 'critical webhook' },
      { id: 'n-alert', type: 'quantrac-alert', z: 'tab-hook', severity: 'critical', transitions: 'firing', stations: '', wires: [['n-body']] },
      {
        id: 'n-body',
        type: 'function',
        z: 'tab-hook',
        func: "const a = msg.payload; msg.headers = {'content-type':'application/json'}; msg.payload = { station: a.station, metric: a.metric, value: a.value, severity: a.severity, link: a.link, id: a.id }; return msg;",
        outputs: 1,
        wires: [['n-http']],
      },
      { id: 'n-http', type: 'http request', z: 'tab-hook', method: 'POST', ret: 'txt', url: receiverUrl, wires: [[]] },
      { id: 'tab-ack', type: 'tab', label: 'auto-ack' },
      { id: 'n-alert2', type: 'quantrac-alert', z: 'tab-ack', severity: 'warning', transitions: 'firing', stations: ack.id, wires: [['n-act']] },
      { id: 'n-act', type: 'quantrac-alert-action', z: 'tab-ack', action: 'acknowledge', comment: 'auto-acknowledged by the night flow', wires: [[]] },
      { id: 'tab-bad', type: 'tab', label: 'misbehaving' },
      { id: 'n-read', type: 'quantrac-reading', z: 'tab-bad', stations: '', metrics: '', quality: 'all', output: 'each', wires: [['n-throw']] },
      { id: 'n-throw', type: 'function', z: 'tab-bad', func: "throw new Error('boom');", outputs: 1, wires: [[]] },
      { id: 'n-read-pm10', type: 'quantrac-reading', z: 'tab-bad', stations: ack.id, metrics: 'pm10', quality: 'all', output: 'each', wires: [['n-loop']] },
      { id: 'n-loop', type: 'function', z: 'tab-bad', func: 'while (true) {}', outputs: 1, wires: [[]] },
      { id: 'tab-cmd', type: 'tab', label: 'command' },
      { id: 'n-in', type: 'http in', z: 'tab-cmd', url: '/calibrate', method: 'post', wires: [['n-cmd']] },
      { id: 'n-cmd', type: 'quantrac-command', z: 'tab-cmd', station: cmd.id, command: '{"command":"calibrate","metric":"pm25","durationSeconds":60}', wires: [['n-out']] },
      { id: 'n-out', type: 'http response', z: 'tab-cmd', statusCode: '200', wires: [] },
      { id: 'n-in2', type: 'http in', z: 'tab-cmd', url: '/completeness', method: 'get', wires: [['n-day']] },
      { id: 'n-day', type: 'change', z: 'tab-cmd', rules: [{ t: 'set', p: 'day', pt: 'msg', to: 'req.query.day', tot: 'msg' }], wires: [['n-query']] },
      { id: 'n-query', type: 'quantrac-query', z: 'tab-cmd', mode: 'completeness', wires: [['n-out2']] },
      { id: 'n-out2', type: 'http response', z: 'tab-cmd', statusCode: '200', wires: [] },
    ];
    const res = await deploy(t.baseUrl, adminRedToken, flows);
    expect(res.status).toBe(200);

    // a simulator pollution episode at NR-CRIT → the webhook receives the alert
    const profile = t.app.profiles.get('air-quality')!.profile;
    const station = createSimulatedStation({ url: t.mqttUrl, station: { id: crit.id, secret: crit.secret, profile }, intervalMs: 100, seed: 3 });
    await station.start();
    station.inject({ kind: 'episode', metric: 'pm25', target: 400, rampMs: 800, holdMs: 3000, decayMs: 500 });
    const hook = await until('the webhook', () => receiver.received.find((r) => r['station'] === crit.id));
    await station.close();
    expect(hook).toMatchObject({ station: 'NR-CRIT', metric: 'pm25', severity: 'critical' });
    expect(hook['value'] as number).toBeGreaterThan(150);
    expect(hook['link']).toBe(`http://ioc.test/#/alerts/${hook['id'] as number}`);

    // the auto-ack flow acknowledges NR-ACK's alert, and the history names the flow
    const client = await t.connectStation(ack.id, ack.secret);
    await client.publishAsync(`stations/${ack.id}/readings`, JSON.stringify({ ts: localIso(Date.now() - 30_000), values: { pm25: 300 } }), { qos: 1 });
    const alert = await until('the acknowledgement', async () => {
      const list = (
        await t.api<{ data: Array<{ id: number; state: string; acknowledged: { by: string; comment: string } | null }> }>('GET', `/api/v1/alerts?station=${ack.id}&rule=nr.ack`)
      ).body.data;
      return list[0]?.state === 'acknowledged' ? list[0] : undefined;
    });
    expect(alert.acknowledged).toEqual(expect.objectContaining({ by: 'node-red:auto-ack', comment: 'auto-acknowledged by the night flow' }));

    // ingest keeps storing while the misbehaving flow throws and loops on every reading
    const before = Date.now();
    for (let i = 0; i < 5; i++) {
      await client.publishAsync(`stations/${ack.id}/readings`, JSON.stringify({ ts: localIso(before - 20_000 + i * 1000), values: { pm10: 40 + i } }), { qos: 1 });
    }
    const stored = await t.api<{ data: unknown[] }>('GET', `/api/v1/stations/${ack.id}/readings?metric=pm10`);
    expect(stored.body.data).toHaveLength(5);

    // the query node serves the platform's completeness report (same rows as GET /api/v1/completeness)
    const today = new Date(before - 20_000 + 7 * 3_600_000).toISOString().slice(0, 10); // the local day of those pm10 readings
    const viaFlow = (await (await fetch(`${t.baseUrl}/red/api/completeness?day=${today}`, { headers: { authorization: `Bearer ${t.adminToken}` } })).json()) as {
      day: string;
      rows: Array<{ station: string; metric: string; valid: number }>;
    };
    expect(viaFlow.day).toBe(today);
    expect(viaFlow.rows.find((r) => r.station === ack.id && r.metric === 'pm10')?.valid).toBe(5);

    // an http-in endpoint under /red/api drives a downlink command to a station
    const stationClient = await t.connectStation(cmd.id, cmd.secret);
    await stationClient.subscribeAsync(`stations/${cmd.id}/commands`, { qos: 1 });
    const gotCommand = new Promise<string>((resolve) => stationClient.on('message', (_topic, payload) => resolve(payload.toString())));
    const operator = await t.userToken('nr-operator', 'operator');
    const trigger = await fetch(`${t.baseUrl}/red/api/calibrate`, { method: 'POST', headers: { authorization: `Bearer ${operator}` } });
    expect(trigger.status).toBe(200);
    expect(JSON.parse(await gotCommand)).toEqual({ command: 'calibrate', metric: 'pm25', durationSeconds: 60 });
  });

  it('serves HTTP-in endpoints only to Quantrac callers: viewer for GET, operator for other methods', async () => {
    const flows = [
      { id: 'tab-hello', type: 'tab', label: 'http-in access' },
      { id: 'n-hello-in', type: 'http in', z: 'tab-hello', url: '/hello', method: 'get', wires: [['n-hello-body']] },
      { id: 'n-hello-post', type: 'http in', z: 'tab-hello', url: '/hello', method: 'post', wires: [['n-hello-body']] },
      {
        id: 'n-hello-body',
        type: 'function',
        z: 'tab-hello',
        func: 'msg.payload = { hello: msg.req.quantracUser ? msg.req.quantracUser.username : null }; return msg;',
        outputs: 1,
        wires: [['n-hello-out']],
      },
      { id: 'n-hello-out', type: 'http response', z: 'tab-hello', statusCode: '200', wires: [] },
    ];
    const current = (await (await fetch(`${t.baseUrl}/red/flows`, { headers: { authorization: `Bearer ${adminRedToken}`, 'Node-RED-API-Version': 'v2' } })).json()) as {
      flows: unknown[];
    };
    expect((await deploy(t.baseUrl, adminRedToken, [...current.flows, ...flows])).status).toBe(200);
    const url = `${t.baseUrl}/red/api/hello`;

    // the deploy answers before the new http-in routes are mounted
    const anonymous = await until('the deployed endpoint', async () => {
      const res = await fetch(url);
      return res.status === 404 ? undefined : res;
    });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ error: { code: 'QT_ERR_UNAUTHORIZED', message: expect.any(String) } });
    expect((await fetch(url, { headers: { authorization: 'Bearer v1.forged.token' } })).status).toBe(401);

    const viewer = await t.userToken('nr-viewer', 'viewer');
    const asViewer = await fetch(url, { headers: { authorization: `Bearer ${viewer}` } });
    expect(asViewer.status).toBe(200);
    expect(await asViewer.json()).toEqual({ hello: 'nr-viewer' });

    const viewerPost = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${viewer}` } });
    expect(viewerPost.status).toBe(403);
    expect(((await viewerPost.json()) as { error: { code: string } }).error.code).toBe('QT_ERR_FORBIDDEN');
    const operator = await t.userToken('nr-operator-2', 'operator');
    expect((await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${operator}` } })).status).toBe(200);
  });
});

/** The real entry point (main.ts) in a child process on free ports; resolves once its banner is printed. */
async function startMain(dataDir: string, env: Record<string, string> = {}) {
  const ROOT = fileURLToPath(new URL('..', import.meta.url));
  const TSX = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
  const child = spawn(TSX, ['main.ts'], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ADMIN_PASSWORD: 'restart-admin-pw', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const port = await until('the banner', () => /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1], 60_000);
  return { child, base: `http://127.0.0.1:${port}`, output: () => out, exited: new Promise<number | null>((r) => child.once('exit', (c) => r(c))) };
}

describe('flows survive a restart', () => {
  it('keeps the deployed flows in DATA_DIR', async () => {
    const dataDir = tempDataDir();
    const run = () => startMain(dataDir);
    try {
      const first = await run();
      const token = ((await (await redToken(first.base, 'admin', 'restart-admin-pw')).json()) as { access_token: string }).access_token;
      const flows = [
        { id: 'tab-keep', type: 'tab', label: 'kept across restarts' },
        { id: 'n-keep', type: 'quantrac-alert', z: 'tab-keep', severity: 'critical', transitions: 'firing', wires: [[]] },
      ];
      expect((await deploy(first.base, token, flows)).status).toBe(200);
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);

      const second = await run();
      const token2 = ((await (await redToken(second.base, 'admin', 'restart-admin-pw')).json()) as { access_token: string }).access_token;
      const got = (await (await fetch(`${second.base}/red/flows`, { headers: { authorization: `Bearer ${token2}`, 'Node-RED-API-Version': 'v2' } })).json()) as {
        flows: Array<{ id: string; label?: string }>;
      };
      expect(got.flows.map((f) => f.id).sort()).toEqual(['n-keep', 'tab-keep']);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('NODE_RED_HTTP_ANONYMOUS', () => {
  it('leaves HTTP-in endpoints open to anyone, and says so at start', async () => {
    const dataDir = tempDataDir();
    let main: Awaited<ReturnType<typeof startMain>> | undefined;
    try {
      main = await startMain(dataDir, { NODE_RED_HTTP_ANONYMOUS: 'true' });
      expect(main.output()).toMatch(/NODE_RED_HTTP_ANONYMOUS is on/);
      const token = ((await (await redToken(main.base, 'admin', 'restart-admin-pw')).json()) as { access_token: string }).access_token;
      const flows = [
        { id: 'tab-open', type: 'tab', label: 'open endpoint' },
        { id: 'n-open-in', type: 'http in', z: 'tab-open', url: '/open-hello', method: 'get', wires: [['n-open-out']] },
        { id: 'n-open-out', type: 'http response', z: 'tab-open', statusCode: '200', wires: [] },
      ];
      expect((await deploy(main.base, token, flows)).status).toBe(200);
      const base = main.base;
      const open = await until('the deployed endpoint', async () => {
        const res = await fetch(`${base}/red/api/open-hello`);
        return res.status === 404 ? undefined : res;
      });
      expect(open.status).toBe(200);
      main.child.kill('SIGTERM');
      expect(await main.exited).toBe(0);
    } finally {
      if (main && main.child.exitCode === null) main.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
