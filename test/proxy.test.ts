/**
 * Behind a load balancer (issue 17): the clients' real addresses reach the login guard and the
 * audit log when, and only when, the balancer is a trusted proxy (TRUSTED_PROXIES = 127.0.0.1).
 * - MQTT/TCP with MQTT_PROXY_PROTOCOL: stations connect through a tiny TCP proxy on loopback that
 *   prepends a PROXY header (v1 or v2) with a made-up source address; the bad passwords lock that
 *   address, not the proxy, and the audit log names it. The proxy without a header, and anyone
 *   else with one, are refused.
 * - HTTP: a login with X-Forwarded-For from the trusted proxy is audited with the forwarded
 *   address, from an untrusted address with the socket's; MQTT over WebSocket likewise.
 */
import { request as httpRequest } from 'node:http';
import { connect, createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import mqtt, { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResponse, startTestApp, type TestApp } from './helpers/app.js';

let t: TestApp;
let proxy: Server;
let proxyPort: number;
/** The PROXY header the loopback proxy sends for its next connection. */
let nextHeader: Buffer = Buffer.alloc(0);
const proxied = new Set<Socket>();

/** A PROXY v2 header (TCP over IPv4) for `source`. */
function v2Header(source: string, port: number): Buffer {
  const header = Buffer.alloc(28);
  Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]).copy(header, 0);
  header[12] = 0x21; // v2, PROXY
  header[13] = 0x11; // IPv4, TCP
  header.writeUInt16BE(12, 14);
  Buffer.from(source.split('.').map(Number)).copy(header, 16);
  Buffer.from([127, 0, 0, 1]).copy(header, 20);
  header.writeUInt16BE(port, 24);
  header.writeUInt16BE(t.app.ports.mqtt, 26);
  return header;
}

beforeAll(async () => {
  t = await startTestApp({
    trustedProxies: ['127.0.0.1'],
    mqtt: { port: 0, proxyProtocol: true },
    // the address limit hits first; no account lock to blur what is keyed on the address
    security: { loginSourceMaxFailures: 3, loginMaxFailures: 1000 },
  });
  // the balancer: from 127.0.0.1 (trusted) to the MQTT port, the header first, then the client's bytes
  proxy = createServer((downstream) => {
    const upstream = connect({ port: t.app.ports.mqtt, host: '127.0.0.1', localAddress: '127.0.0.1' });
    proxied.add(downstream).add(upstream);
    upstream.write(nextHeader);
    downstream.pipe(upstream).pipe(downstream);
    const end = () => {
      downstream.destroy();
      upstream.destroy();
    };
    downstream.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  proxyPort = (proxy.address() as AddressInfo).port;
}, 120_000);

afterAll(async () => {
  for (const s of proxied) s.destroy();
  await new Promise<void>((r) => (proxy ? proxy.close(() => r()) : r()));
  await t?.close(true);
});

/** MQTT CONNECT to `port` from `localAddress`; the CONNACK return code (0 = accepted), or -1 when the connection is closed without one. */
async function mqttConnect(port: number, localAddress: string, id: string, secret: string, first?: Buffer): Promise<number> {
  const client = new MqttClient(
    () => {
      const socket = createConnection({ host: '127.0.0.1', port, localAddress });
      if (first) socket.write(first);
      return socket;
    },
    { clientId: id, username: id, password: secret, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000 },
  );
  const code = await new Promise<number>((resolve) => {
    client.once('connect', () => resolve(0));
    client.once('error', (err: Error & { code?: number }) => resolve(typeof err.code === 'number' ? err.code : -1));
    client.once('close', () => resolve(-1));
  });
  await client.endAsync(true);
  return code;
}

/** Through the loopback balancer, claiming `header`. */
function viaProxy(header: Buffer, id: string, secret: string): Promise<number> {
  nextHeader = header;
  return mqttConnect(proxyPort, '127.0.0.1', id, secret);
}

type AuditRow = { actor: string; action: string; outcome: string; target: string | null; sourceIp: string | null; details: { reason?: string } };
async function audit(query: string): Promise<AuditRow[]> {
  const res = await t.api<{ data: AuditRow[] }>('GET', `/api/v1/audit?${query}`);
  expect(res.status).toBe(200);
  return res.body.data;
}

describe('MQTT behind a balancer that sends the PROXY protocol', () => {
  it('bad passwords lock the address the header names, not the balancer; the audit log names it', async () => {
    const s = await t.createStation({ id: 'PX-01' });
    const guesser = Buffer.from(`PROXY TCP4 198.51.100.23 127.0.0.1 40000 ${t.app.ports.mqtt}\r\n`);
    for (let i = 0; i < 3; i++) expect(await viaProxy(guesser, s.id, `guess-${i}`)).toBe(4);
    expect(await viaProxy(guesser, s.id, s.secret)).toBe(5); // that address is blocked now …
    expect(await viaProxy(v2Header('198.51.100.24', 40001), s.id, s.secret)).toBe(0); // … another one behind the same balancer is not

    const entries = await audit('actor=PX-01');
    const denied = entries.filter((e) => e.action === 'mqtt.connect' && e.outcome === 'denied');
    expect(denied.map((e) => e.sourceIp)).toEqual(['198.51.100.23', '198.51.100.23', '198.51.100.23']);
    expect(entries.some((e) => e.action === 'auth.lockout' && e.target === 'source:198.51.100.23' && e.sourceIp === '198.51.100.23')).toBe(true);
    expect(entries.some((e) => e.action === 'mqtt.connect' && e.outcome === 'locked' && e.sourceIp === '198.51.100.23')).toBe(true);
    expect(entries.some((e) => e.sourceIp === '127.0.0.1')).toBe(false);
  });

  it('the balancer without a header is refused, and so is a PROXY header from anyone else; other clients connect as before', async () => {
    const s = await t.createStation({ id: 'PX-02' });
    expect(await mqttConnect(t.app.ports.mqtt, '127.0.0.1', s.id, s.secret)).toBe(-1); // trusted, no header
    expect(await mqttConnect(t.app.ports.mqtt, '127.0.0.2', s.id, s.secret, Buffer.from(`PROXY TCP4 203.0.113.99 127.0.0.1 1 ${t.app.ports.mqtt}\r\n`))).toBe(-1);
    expect(await mqttConnect(t.app.ports.mqtt, '127.0.0.2', s.id, s.secret)).toBe(0); // untrusted, no header: its own address

    const refused = await audit('actor=-&action=mqtt.connect');
    expect(refused.some((e) => e.sourceIp === '127.0.0.1' && /trusted proxy without a valid PROXY protocol header/.test(e.details.reason ?? ''))).toBe(true);
    expect(refused.some((e) => e.sourceIp === '127.0.0.2' && /not a trusted proxy/.test(e.details.reason ?? ''))).toBe(true);
  });
});

describe('HTTP behind a balancer that sends X-Forwarded-For', () => {
  it('MQTT over WebSocket: a station is the address the trusted proxy forwards', async () => {
    const s = await t.createStation({ id: 'PX-03' });
    const wsConnect = (localAddress: string, secret: string) =>
      mqtt.connectAsync(`ws://127.0.0.1:${t.app.ports.http}/mqtt`, {
        clientId: s.id,
        username: s.id,
        password: secret,
        protocolVersion: 4,
        reconnectPeriod: 0,
        wsOptions: { localAddress, headers: { 'x-forwarded-for': '203.0.113.50' } },
      });
    await expect(wsConnect('127.0.0.1', 'wrong')).rejects.toThrow();
    await expect(wsConnect('127.0.0.2', 'wrong')).rejects.toThrow();
    const denied = (await audit('actor=PX-03&action=mqtt.connect')).filter((e) => e.outcome === 'denied');
    expect(denied.map((e) => e.sourceIp).sort()).toEqual(['127.0.0.2', '203.0.113.50']);
  });

  /** A login from `localAddress` with an X-Forwarded-For header. */
  function login(localAddress: string, username: string): Promise<{ status: number }> {
    const url = new URL(t.baseUrl + '/api/v1/auth/login');
    const body = JSON.stringify({ username, password: 'wrong-password' });
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', localAddress, headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' } },
        (res) => void readResponse(res).then(resolve, reject),
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  it('is believed from the trusted proxy only', async () => {
    expect((await login('127.0.0.1', 'xff-trusted')).status).toBe(401);
    expect((await login('127.0.0.2', 'xff-untrusted')).status).toBe(401);
    const [trusted] = await audit('actor=xff-trusted&action=auth.login');
    expect(trusted).toMatchObject({ outcome: 'denied', sourceIp: '203.0.113.7' });
    const [untrusted] = await audit('actor=xff-untrusted&action=auth.login');
    expect(untrusted).toMatchObject({ outcome: 'denied', sourceIp: '127.0.0.2' });
  });
});
