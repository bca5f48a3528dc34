/**
 * Security (issue 9): brute force on HTTP logins, MQTT and HTTP ingest (per address and per
 * account, lockouts that expire on an injected clock, a station never locked out of its own
 * address), per-station message limits (throttled → disconnected → recorded), the audit log
 * (recorded, queried, append-only) and secrets never in the logs (pino at debug level, captured).
 *
 * Test traffic comes from different loopback addresses (127.0.0.x) to play attacker and station.
 */
import { request as httpRequest } from 'node:http';
import { createConnection } from 'node:net';
import { Writable } from 'node:stream';
import { Client as FtpClient } from 'basic-ftp';
import { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../lib/logger.js';
import { ADMIN_PASSWORD, localIso, readResponse, startTestApp, type TestApp } from './helpers/app.js';

let t: TestApp;
let clockOffset = 0;
const now = () => Date.now() + clockOffset;
const logLines: string[] = [];
/** every secret this file handles; none may appear in the logs */
const secrets: string[] = [ADMIN_PASSWORD];

const LOCK_BASE_S = 30;
const LOCK_MAX_S = 60;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(chunk.toString('utf8'));
      cb();
    },
  });
  t = await startTestApp(
    {
      logLevel: 'debug',
      ftp: { enabled: true, port: 0, pasvMin: 0, pasvMax: 0 },
      ingest: { maxPayloadBytes: 65_536 },
      security: {
        loginMaxFailures: 3,
        loginSourceMaxFailures: 6,
        loginLockoutBaseSeconds: LOCK_BASE_S,
        loginLockoutMaxSeconds: LOCK_MAX_S,
        stationMaxMsgsPerSecond: 5,
        stationBurst: 5,
        stationThrottleMaxSeconds: 1,
      },
    },
    undefined,
    { now, logger: createLogger('debug', 'quantrac', sink) },
  );
  secrets.push(t.adminToken);
}, 120_000);

afterAll(async () => {
  await t?.close(true);
});

/** An HTTP request from a chosen loopback address. */
function from<T = unknown>(
  localAddress: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: T }> {
  const url = new URL(t.baseUrl + path);
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        localAddress,
        headers: { ...(data ? { 'content-type': 'application/json' } : {}), ...headers },
      },
      (res) => void readResponse<T>(res).then(resolve, reject),
    );
    req.on('error', reject);
    req.end(data);
  });
}

const login = <T = unknown>(ip: string, username: string, password: string) => from<T>(ip, 'POST', '/api/v1/auth/login', { username, password });

/** MQTT CONNECT from a chosen loopback address; resolves with the CONNACK return code (0 = accepted). */
async function mqttConnect(ip: string, id: string, secret: string): Promise<{ code: number; client?: MqttClient }> {
  const port = t.app.ports.mqtt;
  const client = new MqttClient(() => createConnection({ host: '127.0.0.1', port, localAddress: ip }), {
    clientId: id,
    username: id,
    password: secret,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  });
  return new Promise((resolve) => {
    client.once('connect', () => resolve({ code: 0, client }));
    client.once('error', (err: Error & { code?: number }) => {
      client.end(true);
      resolve({ code: typeof err.code === 'number' ? err.code : -1 });
    });
  });
}

interface AuditEntry {
  actor: string;
  action: string;
  outcome: string;
  target: string | null;
  sourceIp: string | null;
  details: Record<string, unknown>;
}

async function audit(query: string): Promise<AuditEntry[]> {
  const res = await t.api<{ data: AuditEntry[] }>('GET', `/api/v1/audit?${query}`);
  expect(res.status).toBe(200);
  return res.body.data;
}

describe('brute force on HTTP logins', () => {
  it('locks an account after repeated failures, except from an address it signed in from; the lock expires', async () => {
    const password = 'pw-op1-long-enough';
    secrets.push(password);
    expect((await t.api('POST', '/api/v1/users', { username: 'op1', password, role: 'operator' })).status).toBe(201);
    expect((await login('127.0.0.1', 'op1', password)).status).toBe(200); // 127.0.0.1 becomes a known address of op1

    for (let i = 0; i < 3; i++) expect((await login('127.0.0.2', 'op1', `guess-${i}`)).status).toBe(401);
    // locked now: even the right password from the guesser's address is refused, without hashing
    const locked = await login<{ error: { code: string; message: string } }>('127.0.0.2', 'op1', password);
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe('QT_ERR_RATE_LIMITED');
    expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(LOCK_BASE_S);
    // a third, unknown address is locked out too …
    expect((await login('127.0.0.3', 'op1', password)).status).toBe(429);
    // … but the operator's own address is not: a guesser cannot lock them out
    expect((await login('127.0.0.1', 'op1', password)).status).toBe(200);

    clockOffset += (LOCK_BASE_S + 1) * 1000;
    expect((await login('127.0.0.3', 'op1', password)).status).toBe(200);

    const entries = await audit('actor=op1&action=auth.*');
    expect(entries.some((e) => e.action === 'auth.lockout' && e.target === 'user:op1' && e.sourceIp === '127.0.0.2')).toBe(true);
    expect(entries.filter((e) => e.action === 'auth.login' && e.outcome === 'denied')).toHaveLength(3);
    expect(entries.some((e) => e.action === 'auth.login' && e.outcome === 'locked' && e.sourceIp === '127.0.0.3')).toBe(true);
    expect(entries.some((e) => e.action === 'auth.login' && e.outcome === 'ok')).toBe(true);
    // counted for alerting, too
    const metrics = await t.api<string>('GET', '/metrics', undefined, null);
    expect(metrics.body).toMatch(/quantrac_security_events_total\{event="auth\.lockout",outcome="locked"\} [1-9]/);
  });

  it('blocks an address that guesses across accounts; each lock doubles up to the maximum and expires', async () => {
    const ip = '127.0.0.4';
    const retryAfter: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 6; i++) expect((await login(ip, `nobody-${round}-${i}`, 'guess')).status).toBe(401);
      const blocked = await login<{ error: { code: string; message: string } }>(ip, 'admin', ADMIN_PASSWORD);
      expect(blocked.status).toBe(429);
      expect(blocked.body.error.message).toMatch(/this address/);
      retryAfter.push(Number(blocked.headers['retry-after']));
      // the admin at another address is not affected
      expect((await login('127.0.0.1', 'admin', ADMIN_PASSWORD)).status).toBe(200);
      clockOffset += LOCK_MAX_S * 1000 + 1000;
    }
    expect(retryAfter).toEqual([LOCK_BASE_S, Math.min(2 * LOCK_BASE_S, LOCK_MAX_S), LOCK_MAX_S]);
    expect((await login(ip, 'admin', ADMIN_PASSWORD)).status).toBe(200);
    const lockouts = await audit('action=auth.lockout&outcome=locked');
    expect(lockouts.filter((e) => e.sourceIp === ip && e.target === `source:${ip}`)).toHaveLength(3);
  });
});

describe('brute force on station logins', () => {
  it('MQTT: a station is never locked out of its own address by someone guessing its secret elsewhere', async () => {
    const s = await t.createStation({ id: 'BF-01' });
    secrets.push(s.secret);
    const own = await mqttConnect('127.0.0.1', s.id, s.secret);
    expect(own.code).toBe(0);
    await own.client!.endAsync();

    for (let i = 0; i < 3; i++) expect((await mqttConnect('127.0.0.5', s.id, `guess-${i}`)).code).toBe(4);
    expect((await mqttConnect('127.0.0.5', s.id, s.secret)).code).toBe(5); // locked for the guesser
    expect((await mqttConnect('127.0.0.6', s.id, s.secret)).code).toBe(5); // and for unknown addresses
    const again = await mqttConnect('127.0.0.1', s.id, s.secret); // the station itself carries on
    expect(again.code).toBe(0);
    await again.client!.endAsync();

    clockOffset += (LOCK_BASE_S + 1) * 1000;
    const later = await mqttConnect('127.0.0.6', s.id, s.secret);
    expect(later.code).toBe(0);
    await later.client!.endAsync();

    const entries = await audit('actor=BF-01');
    expect(entries.some((e) => e.action === 'auth.lockout' && e.target === 'station:BF-01' && e.details.channel === 'mqtt')).toBe(true);
    expect(entries.filter((e) => e.action === 'mqtt.connect' && e.outcome === 'denied')).toHaveLength(3);
    expect(entries.some((e) => e.action === 'mqtt.connect' && e.outcome === 'locked')).toBe(true);
  });

  it('MQTT: a station with a stale secret does not lock out the other stations behind the same address (carrier NAT)', async () => {
    const nat = '127.0.0.9';
    const stale = await t.createStation({ id: 'NAT-01' });
    const neighbour = await t.createStation({ id: 'NAT-02' });
    secrets.push(stale.secret, neighbour.secret);
    for (const s of [stale, neighbour]) {
      const first = await mqttConnect(nat, s.id, s.secret);
      expect(first.code).toBe(0);
      await first.client!.endAsync();
    }
    // NAT-01's secret was rotated but its logger keeps the old one: more failures than the address limit (6)
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) codes.push((await mqttConnect(nat, stale.id, 'old-secret')).code);
    expect(codes.slice(0, 3)).toEqual([4, 4, 4]);
    expect(codes.slice(3)).toEqual([5, 5, 5, 5, 5]); // that station is locked at that address …
    const other = await mqttConnect(nat, neighbour.id, neighbour.secret); // … its neighbour is not
    expect(other.code).toBe(0);
    await other.client!.endAsync();
    const elsewhere = await mqttConnect('127.0.0.1', stale.id, stale.secret); // nor is the station elsewhere
    expect(elsewhere.code).toBe(0);
    await elsewhere.client!.endAsync();
  });

  it('HTTP ingest shares the guard with MQTT', async () => {
    const s = await t.createStation({ id: 'BF-02' });
    secrets.push(s.secret);
    const basic = (secret: string) => ({ authorization: 'Basic ' + Buffer.from(`BF-02:${secret}`).toString('base64') });
    const reading = { ts: localIso(Date.now() - 60_000), values: { pm25: 12 } };
    expect((await from('127.0.0.1', 'POST', '/api/v1/ingest', reading, basic(s.secret))).status).toBe(202);
    for (let i = 0; i < 3; i++) expect((await from('127.0.0.7', 'POST', '/api/v1/ingest', reading, basic('guess'))).status).toBe(401);
    expect((await from('127.0.0.7', 'POST', '/api/v1/ingest', reading, basic(s.secret))).status).toBe(429);
    expect((await from('127.0.0.1', 'POST', '/api/v1/ingest', { ...reading, ts: localIso(Date.now() - 30_000) }, basic(s.secret))).status).toBe(202);
  });
});

describe('FTP logins share the guard', () => {
  it('locks a station guessed over FTP for MQTT too, until the lock expires', async () => {
    const s = await t.createStation({ id: 'BF-03' });
    secrets.push(s.secret);
    const ftp = (password: string) => {
      const client = new FtpClient(10_000);
      return client.access({ host: '127.0.0.1', port: t.app.ports.ftp!, user: s.id, password }).finally(() => client.close());
    };
    for (let i = 0; i < 3; i++) await expect(ftp(`guess-${i}`)).rejects.toMatchObject({ code: 530 });
    await expect(ftp(s.secret)).rejects.toMatchObject({ code: 530 }); // locked: this address never logged in as BF-03
    expect((await mqttConnect('127.0.0.8', s.id, s.secret)).code).toBe(5); // the same lock over MQTT
    clockOffset += (LOCK_BASE_S + 1) * 1000;
    await ftp(s.secret);
    const entries = await audit('actor=BF-03');
    expect(entries.some((e) => e.action === 'auth.lockout' && e.details.channel === 'ftp')).toBe(true);
    expect(entries.some((e) => e.action === 'ftp.login' && e.outcome === 'locked')).toBe(true);
  });
});

describe('per-station limits', () => {
  it('throttles a station over its message rate, then disconnects it, and records both', async () => {
    const s = await t.createStation({ id: 'LIM-01' });
    secrets.push(s.secret);
    const client = await t.connectStation(s.id, s.secret);
    const base = Date.now() - 3_600_000;
    // burst 5 at 5 msg/s: the 6th to 8th are held (PUBACK late) but all are stored
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        client.publishAsync(`stations/${s.id}/readings`, JSON.stringify({ ts: localIso(base + i * 1000), values: { pm25: 10 + i } }), { qos: 1 }),
      ),
    );
    const stored = await t.api<{ data: unknown[] }>(
      'GET',
      `/api/v1/stations/${s.id}/readings?metric=pm25&from=${new Date(base - 1000).toISOString()}&to=${new Date(base + 60_000).toISOString()}`,
    );
    expect(stored.body.data).toHaveLength(8);
    expect(client.connected).toBe(true);

    // a flood far over the rate: the station is disconnected
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    for (let i = 0; i < 300; i++) client.publish(`stations/${s.id}/readings`, JSON.stringify({ ts: localIso(base + 100_000 + i * 1000), values: { pm25: 1 } }), { qos: 0 });
    await closed;

    const entries = await audit('actor=LIM-01&action=station.*');
    expect(entries.map((e) => e.outcome)).toEqual(expect.arrayContaining(['throttled', 'disconnected']));
    expect(entries.find((e) => e.outcome === 'disconnected')).toMatchObject({ action: 'station.disconnected', target: 'station:LIM-01', details: { reason: 'message rate' } });
  });
});

describe('MQTT topics', () => {
  it('records a station reaching outside its own topics (and the broker closes it)', async () => {
    const s = await t.createStation({ id: 'TOP-01' });
    secrets.push(s.secret);
    const client = await t.connectStation(s.id, s.secret);
    await expect(client.subscribeAsync('stations/#', { qos: 1 })).rejects.toThrow(/Subscribe error/); // SUBACK 0x80
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.publish('stations/OTHER/readings', JSON.stringify({ ts: localIso(Date.now()), values: { pm25: 1 } }), { qos: 1 });
    await closed;
    const entries = await audit('actor=TOP-01');
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'mqtt.subscribe', target: 'stations/#', outcome: 'denied' }),
        expect.objectContaining({ action: 'mqtt.publish', target: 'stations/OTHER/readings', outcome: 'denied' }),
      ]),
    );
  });
});

describe('MQTT packet size', () => {
  it('never buffers an oversized publish: keeps its head in quarantine, acknowledges it, and the station carries on', async () => {
    const s = await t.createStation({ id: 'BIG-01' });
    secrets.push(s.secret);
    // a field station: persistent session, so a message that was not acknowledged comes again
    const client = await t.connectStation(s.id, s.secret, { clean: false, reconnectPeriod: 100 });
    let closes = 0;
    client.on('close', () => closes++);
    const topic = `stations/${s.id}/readings`;
    const big = Buffer.from(`{"ts":"${localIso(Date.now())}","values":{"pm25":1},"pad":"${'x'.repeat(300_000)}"}`);
    await client.publishAsync(topic, big, { qos: 1 }); // PUBACK: quarantined
    const ts = Date.now() - 60_000;
    await client.publishAsync(topic, JSON.stringify({ ts: localIso(ts), values: { pm25: 17 } }), { qos: 1 });
    expect(closes).toBe(0);
    const stored = await t.app.store.db.query<{ value: number }>(`SELECT value FROM readings WHERE station_id = $1`, [s.id]);
    expect(stored.rows.map((r) => r.value)).toEqual([17]);
    const q = await t.api<{ data: Array<{ reasonCode: string; reason: string; payload: string; topic: string }> }>('GET', `/api/v1/quarantine?station=${s.id}`);
    expect(q.body.data).toHaveLength(1);
    expect(q.body.data[0]).toMatchObject({ reasonCode: 'payload_too_large', topic });
    expect(q.body.data[0]!.reason).toMatch(new RegExp(`payload is ${big.length} bytes; the limit is 65536 .*first 4096 bytes kept`));
    expect(q.body.data[0]!.payload).toBe(big.subarray(0, 4096).toString('utf8'));
    const entries = await audit('actor=BIG-01&action=mqtt.publish');
    expect(entries[0]).toMatchObject({ outcome: 'denied', target: topic, details: { reason: 'payload too large', bytes: big.length, limit: 65_536 } });
    await client.endAsync();
  });

  it('closes a connection whose CONNECT announces more than the limit, before reading it or authenticating, and records it', async () => {
    const raw = createConnection({ host: '127.0.0.1', port: t.app.ports.mqtt });
    await new Promise<void>((resolve) => raw.once('connect', () => resolve()));
    const gone = new Promise<void>((resolve) => raw.once('close', () => resolve()));
    raw.write(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f])); // CONNECT, remaining length 268,435,455
    await gone;
    const entries = await audit('action=station.disconnected');
    expect(entries[0]).toMatchObject({ actor: '-', outcome: 'disconnected', details: { reason: 'packet too large', cmd: 'connect', bytes: 268_435_455, limit: 65_536 + 65_536 } });
  });
});

describe('audit log', () => {
  it('records every operator and admin write with who, what, where and a redacted body; admins only can read it', async () => {
    const password = 'pw-viewer1-long-enough';
    secrets.push(password);
    expect((await t.api('POST', '/api/v1/users', { username: 'viewer1', password, role: 'viewer' })).status).toBe(201);
    expect((await t.api('PATCH', '/api/v1/stations/LIM-01', { name: 'Renamed' })).status).toBe(200);
    const viewerToken = (await login<{ token: string }>('127.0.0.1', 'viewer1', password)).body.token;
    secrets.push(viewerToken);
    expect((await t.api('POST', '/api/v1/alerts/1/ack', { comment: 'x' }, viewerToken)).status).toBe(403);

    const created = (await audit('action=' + encodeURIComponent('POST /api/v1/users')))[0]!;
    expect(created).toMatchObject({
      actor: 'admin',
      role: 'admin',
      sourceIp: '127.0.0.1',
      outcome: 'ok',
      details: { status: 201, body: { username: 'viewer1', password: '[redacted]', role: 'viewer' } },
    });
    const patched = (await audit('actor=admin&action=' + encodeURIComponent('PATCH /api/v1/stations/:id')))[0]!;
    expect(patched).toMatchObject({ target: 'id=LIM-01', details: { params: { id: 'LIM-01' }, body: { name: 'Renamed' } } });
    const denied = (await audit('actor=viewer1'))[0]!;
    expect(denied).toMatchObject({ action: 'POST /api/v1/alerts/:id/ack', role: 'viewer', outcome: 'denied', details: { status: 403 } });

    // paging and time filters
    const page1 = await t.api<{ data: Array<{ id: number }>; next: number | null }>('GET', '/api/v1/audit?limit=2');
    expect(page1.body.data).toHaveLength(2);
    const page2 = await t.api<{ data: Array<{ id: number }> }>('GET', `/api/v1/audit?limit=2&before=${page1.body.next}`);
    expect(page2.body.data[0]!.id).toBeLessThan(page1.body.data[1]!.id);
    expect((await t.api<{ data: unknown[] }>('GET', `/api/v1/audit?from=${new Date(Date.now() + 3_600_000 * 24).toISOString()}`)).body.data).toHaveLength(0);

    expect((await t.api('GET', '/api/v1/audit', undefined, viewerToken)).status).toBe(403);
    expect((await t.api('GET', '/api/v1/audit', undefined, null)).status).toBe(401);
  });

  it('is append-only: the database refuses UPDATE, DELETE and TRUNCATE from the application', async () => {
    const db = t.app.store.db;
    await t.app.security.audit.flush();
    const before = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log')).rows[0]!.n;
    expect(before).toBeGreaterThan(0);
    // (the embedded database's connection drops after any error; the pool opens a new one, so settle it after each)
    const settle = async () => {
      for (let i = 0; i < 10; i++) {
        if (
          await db.query('SELECT 1').then(
            () => true,
            () => false,
          )
        )
          return;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await expect(db.query("UPDATE audit_log SET actor = 'someone-else'")).rejects.toThrow(/append-only/);
    await settle();
    await expect(db.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    await settle();
    await expect(db.query('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    await settle();
    const after = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log')).rows[0]!.n;
    expect(after).toBeGreaterThanOrEqual(before);
    expect((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE actor = 'someone-else'")).rows[0]!.n).toBe(0);
  });
});

describe('secrets in logs', () => {
  it('never logs a password, station secret, session or API token, even at debug level', async () => {
    // one more of each path: station creation, rotation, login, session cookie, MQTT connect and publish, API token
    const s = await t.createStation({ id: 'LOG-01' });
    secrets.push(s.secret);
    const rotated = await t.api<{ secret: string }>('POST', '/api/v1/stations/LOG-01/rotate-secret');
    secrets.push(rotated.body.secret);
    const client = await t.connectStation('LOG-01', rotated.body.secret);
    await client.publishAsync('stations/LOG-01/readings', JSON.stringify({ ts: localIso(Date.now() - 5000), values: { pm25: 3 } }), { qos: 1 });
    await client.endAsync();
    expect((await mqttConnect('127.0.0.1', 'LOG-01', s.secret)).code).toBe(4); // the old secret, refused (and logged as a refusal)
    const session = await from('127.0.0.1', 'POST', '/api/v1/auth/session', { username: 'admin', password: ADMIN_PASSWORD });
    const cookie = String(session.headers['set-cookie']).split(';')[0]!.split('=')[1]!;
    secrets.push(cookie);
    const token = await t.api<{ token: string }>('POST', '/api/v1/tokens', { name: 'analyst' });
    expect(token.status).toBe(201);
    secrets.push(token.body.token, token.body.token.slice('qtk_0123456789abcdef_'.length)); // the whole token and its secret part
    expect((await t.api('GET', '/api/v1/stations', undefined, token.body.token)).status).toBe(200);
    await t.app.security.audit.flush();

    const logs = logLines.join('');
    expect(logLines.length).toBeGreaterThan(3); // debug logging did happen
    expect(logs).toMatch(/connect refused/);
    for (const secret of secrets) {
      const at = logs.indexOf(secret);
      expect(at, `a secret is in the logs: …${logs.slice(Math.max(0, at - 300), at + 50)}`).toBe(-1);
    }
    // nor in the database: the audit log, and the tables that verify them keep only hashes
    const db = t.app.store.db;
    for (const table of ['audit_log', 'users', 'station_credentials', 'api_tokens', 'stations', 'settings']) {
      const stored = JSON.stringify((await db.query(`SELECT * FROM ${table}`)).rows);
      for (const secret of secrets) expect(stored.includes(secret), `a secret (${secret.slice(0, 4)}…) is in ${table}`).toBe(false);
    }
    const hashes = (await db.query<{ h: string }>('SELECT password_hash AS h FROM users UNION ALL SELECT secret_hash FROM station_credentials')).rows;
    expect(hashes.length).toBeGreaterThan(3);
    for (const { h } of hashes) expect(h).toMatch(/^scrypt\$32768\$8\$1\$/); // memory-hard: N=2^15, r=8
    const tokenRows = (await db.query<{ secret_hash: string }>('SELECT secret_hash FROM api_tokens')).rows;
    for (const { secret_hash } of tokenRows) expect(secret_hash).toMatch(/^[0-9a-f]{64}$/); // HMAC-SHA256
  });
});
