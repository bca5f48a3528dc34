/**
 * FTP over TLS and the FTP reply codes (issue 16): the real app with a self-signed certificate
 * (Debian's openssl, as in security-tls.test.ts) and FTP_REQUIRE_TLS=all (the test client is on
 * loopback, which `remote` would let through in clear), a real client (basic-ftp) doing explicit
 * FTPS (AUTH TLS). A Circular 10 file sent over TLS is stored; a plain login is refused with 530
 * before the secret is sent; RETR, DELE, RNFR, RNTO answer 550; a file over the limit 552.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { Client, FTPError } from 'basic-ftp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../app.js';
import { formatLocalTimestamp } from '../formats/circular10/codec.js';
import { isLoopback, tlsRequired } from '../ingest/adapters/ftp-commands.js';
import { ADMIN_PASSWORD, readResponse, tempDataDir } from './helpers/app.js';

const MAX_FILE_BYTES = 1024;
let app: App;
let certDir: string;
let ca: Buffer;
let adminToken: string;

/** The API over HTTPS (the certificate also serves the HTTP port). */
function api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = adminToken ? { authorization: `Bearer ${adminToken}` } : {};
    if (data) headers['content-type'] = 'application/json';
    const req = httpsRequest({ host: '127.0.0.1', port: app.ports.http, path, method, ca, headers }, (res) => readResponse<T>(res).then(resolve, reject));
    req.on('error', reject);
    req.end(data);
  });
}

async function createStation(id: string): Promise<string> {
  const res = await api<{ secret: string }>('POST', '/api/v1/stations', { id, name: id, profile: 'wastewater', lat: 21, lon: 105.8 });
  expect(res.status).toBe(201);
  return res.body.secret;
}

async function ftps(user: string, password: string): Promise<Client> {
  const client = new Client(10_000);
  await client.access({ host: '127.0.0.1', port: app.ports.ftp!, user, password, secure: true, secureOptions: { ca, servername: 'localhost' } });
  return client;
}

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

beforeAll(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'quantrac-ftps-'));
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
    automation: { enabled: false },
    bulletins: { enabled: false },
    security: { tlsCertFile: join(certDir, 'cert.pem'), tlsKeyFile: join(certDir, 'key.pem'), mqttTlsPort: 0 },
    ftp: { enabled: true, port: 0, pasvMin: 0, pasvMax: 0, requireTls: 'all' },
    circular10: { maxFileBytes: MAX_FILE_BYTES },
  });
  const login = await api<{ token: string }>('POST', '/api/v1/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
  expect(login.status).toBe(200);
  adminToken = login.body.token;
}, 120_000);

afterAll(async () => {
  await app?.close();
  if (app) rmSync(app.config.dataDir, { recursive: true, force: true });
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

describe('FTPS (AUTH TLS)', () => {
  it('stores a Circular 10 file uploaded over explicit TLS', async () => {
    const secret = await createStation('TLS-WW-01');
    const ts = Math.floor((Date.now() - 2 * 3_600_000) / 3_600_000) * 3_600_000;
    const local = formatLocalTimestamp(ts, 420);
    const client = await ftps('TLS-WW-01', secret);
    try {
      const res = await client.uploadFrom(Readable.from([Buffer.from(`pH\t7.25\tpH\t${local}\t00\r\nCOD\t45.2\tmg/L\t${local}\t00\r\n`)]), `HN_TLS_WW01_${local}.txt`);
      expect(res.code).toBe(226);
    } finally {
      client.close();
    }
    // 226 promises the rows are committed
    const stored = await api<{ data: Array<{ metric: string; value: number }> }>('GET', `/api/v1/stations/TLS-WW-01/readings?from=${new Date(ts - 3_600_000).toISOString()}`);
    expect(stored.status).toBe(200);
    expect(Object.fromEntries(stored.body.data.map((r) => [r.metric, r.value]))).toEqual({ ph: 7.25, cod: 45.2 });
  });

  it('refuses a plain FTP login with 530 when TLS is required, and counts and audits it', async () => {
    const secret = await createStation('TLS-WW-02');
    const plain = new Client(10_000);
    try {
      const err = await refusal(plain.access({ host: '127.0.0.1', port: app.ports.ftp!, user: 'TLS-WW-02', password: secret }));
      expect(err).toBeInstanceOf(FTPError);
      expect((err as FTPError).code).toBe(530);
      expect((err as FTPError).message).toMatch(/AUTH TLS/);
    } finally {
      plain.close();
    }
    const metrics = await api('GET', '/metrics');
    expect(metrics.body).toMatch(/quantrac_ftp_denied_total\{action="login"\} [1-9]/);
    const audit = await api<{ data: unknown[] }>('GET', '/api/v1/audit?action=ftp.login');
    expect(audit.status).toBe(200);
    expect(audit.body.data).toEqual(expect.arrayContaining([expect.objectContaining({ actor: 'TLS-WW-02', outcome: 'denied', details: { reason: 'tls_required' } })]));
  });

  it('applies FTP_REQUIRE_TLS=remote to every address but loopback', () => {
    for (const ip of ['127.0.0.1', '127.10.0.3', '::1', '::ffff:127.0.0.1']) expect(isLoopback(ip), ip).toBe(true);
    for (const ip of ['10.0.0.5', '::ffff:192.168.1.20', '2001:db8::1', undefined]) expect(isLoopback(ip), String(ip)).toBe(false);
    expect(tlsRequired('remote', '127.0.0.1')).toBe(false);
    expect(tlsRequired('remote', '203.0.113.7')).toBe(true);
    expect(tlsRequired('all', '127.0.0.1')).toBe(true);
    expect(tlsRequired('off', '203.0.113.7')).toBe(false);
    expect(tlsRequired('remote', '127.0.0.1', () => false)).toBe(true); // the loopback check is injectable
  });
});

describe('FTP reply codes', () => {
  it('answers RETR, DELE, RNFR and RNTO with 550 "not allowed"', async () => {
    const secret = await createStation('TLS-WW-03');
    const client = await ftps('TLS-WW-03', secret);
    try {
      const sink = new Writable({ write: (_c, _e, cb) => cb() });
      const download = await refusal(client.downloadTo(sink, 'x.txt'));
      expect(download).toBeInstanceOf(FTPError);
      expect((download as FTPError).code).toBe(550);
      for (const command of ['DELE x.txt', 'RNFR x.txt', 'RNFR 2026', 'RNTO y.txt']) {
        const err = await refusal(client.send(command));
        expect(err, command).toBeInstanceOf(FTPError);
        expect((err as FTPError).code, command).toBe(550);
        expect((err as FTPError).message, command).toMatch(/not allowed/);
      }
      // the session goes on after the refusals
      expect(await client.pwd()).toBe('/TLS-WW-03');
    } finally {
      client.close();
    }
  });

  it('answers 552 to a file over CIRCULAR10_MAX_FILE_BYTES and quarantines its head', async () => {
    const secret = await createStation('TLS-WW-04');
    const client = await ftps('TLS-WW-04', secret);
    try {
      const line = `pH\t7\tpH\t${formatLocalTimestamp(Date.now() - 3_600_000, 420)}\t00\r\n`;
      const err = await refusal(client.uploadFrom(Readable.from([Buffer.from(line.repeat(Math.ceil((4 * MAX_FILE_BYTES) / line.length)))]), 'big.txt'));
      expect(err).toBeInstanceOf(FTPError);
      expect((err as FTPError).code).toBe(552);
    } finally {
      client.close();
    }
    const q = await api<{ data: unknown[] }>('GET', '/api/v1/quarantine?station=TLS-WW-04');
    expect(q.body.data).toEqual([expect.objectContaining({ reasonCode: 'payload_too_large' })]);
  });
});
