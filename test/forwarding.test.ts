/**
 * Forwarding accepted data as Circular 10 files to an upstream FTP server (a real ftp-srv on
 * loopback, port 0 then the same port again), through a durable outbox that survives the
 * upstream being down.
 */
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { FtpSrv } from 'ftp-srv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLocalTimestamp } from '../formats/circular10/codec.js';
import { startTestApp, tempDataDir, type TestApp } from './helpers/app.js';

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const;
const upstreamRoot = tempDataDir();
mkdirSync(join(upstreamRoot, 'incoming'), { recursive: true });
/** Names in the order the upstream confirmed them. */
const received: string[] = [];

/** A plain FTP server standing in for the ministry's; user "up", password "pw". */
async function startUpstream(port: number): Promise<{ port: number; close(): Promise<void> }> {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const server = new FtpSrv({ url: `ftp://127.0.0.1:${port}`, pasv_url: '127.0.0.1', pasv_min: 0, pasv_max: 0, log: silentLog as never });
  for (const s of SIGNALS) for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);
  server.on('login', ({ connection, username, password }, resolve, reject) => {
    if (username !== 'up' || password !== 'pw') return reject(new Error('bad login'));
    connection.on('STOR', (err: unknown, path: string) => {
      if (!err) received.push(basename(path));
    });
    resolve({ root: upstreamRoot });
  });
  await server.listen();
  const actual = (server as unknown as { server: { address(): AddressInfo } }).server.address().port;
  return { port: actual, close: () => server.close() as Promise<void> };
}
const silentLog = { child: () => silentLog, trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} };

let t: TestApp;
let upstream: { port: number; close(): Promise<void> };

beforeAll(async () => {
  upstream = await startUpstream(0);
  t = await startTestApp({
    forwarding: { targets: [{ name: 'ministry', url: `ftp://up:pw@127.0.0.1:${upstream.port}/incoming`, stations: ['FW-01'], everyMinutes: 60 }], retryMs: 600_000 },
  });
});
afterAll(async () => {
  await t?.close(true);
  await upstream?.close();
});

const local = (ms: number) => formatLocalTimestamp(ms, 420);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Rows are collected up to the database clock minus the commit margin (2 s). */
const pastMargin = () => sleep(2100);

async function store(ts: number, cod: number): Promise<void> {
  const text = `pH\t7.1\tpH\t${local(ts)}\t00\r\nCOD\t${cod}\tmg/L\t${local(ts)}\t01\r\nTSS\t\tmg/L\t${local(ts)}\t02\r\n`;
  const r = await t.app.circular10.intake.receive('FW-01', `test:${ts}`, Buffer.from(text), 'drop');
  expect(r.outcome).toBe('accepted');
}

describe('forwarding to an upstream FTP server', () => {
  it('delivers files in the Circular 10 format, and after an outage delivers what queued, in order and complete', async () => {
    await t.createStation({ id: 'FW-01', profile: 'wastewater', attributes: { circular10: { province: 'HN', facility: 'ABCD', station: 'NUO001' } } });
    await t.createStation({ id: 'FW-OTHER', profile: 'wastewater' });
    const base = Math.floor((Date.now() - 3 * 3_600_000) / 300_000) * 300_000;
    const at = (i: number) => base + i * 300_000;
    const nameAt = (i: number) => `HN_ABCD_NUO001_${local(at(i))}.txt`;

    await store(at(1), 40);
    await store(at(2), 41.26);
    await t.app.circular10.intake.receive('FW-OTHER', 'x', Buffer.from(`pH\t7\tpH\t${local(at(1))}\t00\n`), 'drop');
    await pastMargin();
    await t.app.circular10.forwarder!.runNow('ministry');

    expect(received).toEqual([nameAt(1), nameAt(2)]);
    expect(readFileSync(join(upstreamRoot, 'incoming', nameAt(2)), 'utf8')).toBe(
      `COD\t41.3\tmg/L\t${local(at(2))}\t01\r\npH\t7.10\tpH\t${local(at(2))}\t00\r\nTSS\t\tmg/L\t${local(at(2))}\t02\r\n`,
    );

    // The upstream goes down: files queue durably in the outbox.
    await upstream.close();
    await store(at(4), 44);
    await store(at(3), 43); // late, out of order
    await pastMargin();
    await t.app.circular10.forwarder!.runNow('ministry');
    await store(at(5), 45);
    await pastMargin();
    await t.app.circular10.forwarder!.runNow('ministry');
    const queued = await t.app.circular10.forwarder!.pending('ministry');
    expect(queued.map((n) => n.replace(/^\d{12}_/, ''))).toEqual([nameAt(3), nameAt(4), nameAt(5)]);
    const outboxDir = join(t.dataDir, 'forward', 'outbox', 'ministry');
    expect(readdirSync(outboxDir).sort()).toEqual(queued);
    expect(received).toHaveLength(2);

    // It comes back on the same port: everything goes out, in the outbox's order.
    upstream = await startUpstream(upstream.port);
    await t.app.circular10.forwarder!.runNow('ministry');
    expect(received).toEqual([nameAt(1), nameAt(2), nameAt(3), nameAt(4), nameAt(5)]);
    expect(await t.app.circular10.forwarder!.pending('ministry')).toEqual([]);
    expect(readdirSync(join(t.dataDir, 'forward', 'sent', 'ministry'))).toHaveLength(5);
    for (const i of [1, 2, 3, 4, 5]) {
      const lines = readFileSync(join(upstreamRoot, 'incoming', nameAt(i)), 'utf8')
        .split('\r\n')
        .filter(Boolean);
      expect(lines.map((l) => l.split('\t')[0])).toEqual(['COD', 'pH', 'TSS']);
      expect(lines.every((l) => l.split('\t')[3] === local(at(i)))).toBe(true);
    }
    const metrics = await t.api<string>('GET', '/metrics');
    expect(metrics.body).toMatch(/quantrac_forward_files_total\{target="ministry",outcome="sent"\} 5/);
  });
});

describe('FORWARD_TARGETS', () => {
  it('is read from the environment as JSON and checked', async () => {
    const { configFromEnv } = await import('../config/index.js');
    const c = configFromEnv({ FORWARD_TARGETS: '[{"name":"monre","url":"ftp://u:p@h:21/in","profile":"wastewater"}]' });
    expect(c.forwarding.targets).toEqual([{ name: 'monre', url: 'ftp://u:p@h:21/in', profile: 'wastewater', everyMinutes: 5 }]);
    expect(() => configFromEnv({ FORWARD_TARGETS: '[{' })).toThrow(/FORWARD_TARGETS: is not valid JSON/);
    expect(() => configFromEnv({ FORWARD_TARGETS: '[{"name":"x","url":"http://h"}]' })).toThrow(/forwarding\.targets/);
    expect(() => configFromEnv({ FTP_PASV_MIN: '3000', FTP_PASV_MAX: '2000' })).toThrow(/FTP_PASV_MIN/);
  });
});
