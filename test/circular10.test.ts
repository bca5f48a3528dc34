/**
 * Circular 10/2021/TT-BTNMT files end to end: a real FTP client (basic-ftp) over loopback →
 * the embedded FTP receiver → ingest → embedded TimescaleDB → HTTP API; the drop folder; and
 * HTTP ingest for gateways. Ports 0, temporary DATA_DIR.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Client, FTPError } from 'basic-ftp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLocalTimestamp } from '../formats/circular10/codec.js';
import { startTestApp, tempDataDir, type TestApp } from './helpers/app.js';

interface Reading {
  ts: string;
  metric: string;
  value: number | null;
  quality: string;
}
interface QuarantineEntry {
  stationId: string | null;
  reasonCode: string;
  reason: string;
  payload: string;
  payloadBytes: number;
  source: string;
  topic: string | null;
  details: { refused: Array<{ index: number | null; code: string; reason: string }>; readingCount: number };
}

const MAX_FILE_BYTES = 64 * 1024;
let t: TestApp;
let dropDir: string;

beforeAll(async () => {
  dropDir = join(tempDataDir(), 'drop');
  t = await startTestApp({
    ftp: { enabled: true, port: 0, pasvMin: 0, pasvMax: 0 },
    circular10: { maxFileBytes: MAX_FILE_BYTES },
    dropFolder: { dir: dropDir, pollMs: 3_600_000, settleMs: 0 },
  });
});
afterAll(async () => {
  await t?.close(true);
});

/** Whole hours in the recent past, unique per call. */
let cursor = Date.now() - 20 * 86_400_000;
function nextHour(): number {
  cursor += 3_600_000;
  return Math.floor(cursor / 3_600_000) * 3_600_000;
}
const local = (ms: number) => formatLocalTimestamp(ms, 420);

async function readings(stationId: string): Promise<Reading[]> {
  const res = await t.api<{ data: Reading[] }>('GET', `/api/v1/stations/${stationId}/readings?from=${new Date(Date.now() - 25 * 86_400_000).toISOString()}&limit=10000`);
  expect(res.status).toBe(200);
  // the raw value and the station's flag (the validation fields, issue 18, are tested in validation-downstream.test.ts)
  return res.body.data.map(({ ts, metric, value, quality }) => ({ ts, metric, value, quality }));
}
async function quarantine(stationId: string): Promise<QuarantineEntry[]> {
  const res = await t.api<{ data: QuarantineEntry[] }>('GET', `/api/v1/quarantine?station=${stationId}`);
  expect(res.status).toBe(200);
  return res.body.data;
}

async function ftpLogin(user: string, password: string): Promise<Client> {
  const client = new Client(10_000);
  await client.access({ host: '127.0.0.1', port: t.app.ports.ftp!, user, password });
  return client;
}
async function upload(client: Client, name: string, content: string | Buffer): Promise<number> {
  const res = await client.uploadFrom(Readable.from([Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8')]), name);
  return res.code;
}

describe('FTP receiver', () => {
  it('stores a file with every tolerance once the 226 arrives: local time → UTC, units converted, status → quality', async () => {
    const s = await t.createStation({ id: 'HN-WW-01', profile: 'wastewater' });
    const ts = nextHour();
    const text =
      '\ufeff' +
      [
        `pH\t7,25\tpH\t${local(ts)}\t00`,
        `COD\t45.2300\tmg/L\t${local(ts)}\t01`,
        `TSS\t\tmg/L\t${local(ts)}\t02`,
        `Flow\t2\tl/s\t${local(ts)}\t00`,
        `Temp\t31\t°C\t${local(ts)}\t03`,
        `NH4\t5000\tmg/L\t${local(ts)}\t00`,
      ].join('\r\n') +
      '\r\n';
    const client = await ftpLogin(s.id, s.secret);
    try {
      expect(await client.pwd()).toBe('/HN-WW-01');
      await client.ensureDir('2026/11/22'); // dataloggers often file by day
      expect(await upload(client, `HN_ABCD_WW01_${local(ts)}.txt`, text)).toBe(226);
    } finally {
      client.close();
    }
    // No polling: 226 promises the rows are committed.
    const byMetric = Object.fromEntries((await readings(s.id)).map((r) => [r.metric, r]));
    const iso = new Date(ts).toISOString();
    expect(byMetric).toEqual({
      ph: { ts: iso, metric: 'ph', value: 7.25, quality: 'valid' },
      cod: { ts: iso, metric: 'cod', value: 45.23, quality: 'calibrating' },
      tss: { ts: iso, metric: 'tss', value: null, quality: 'fault' },
      flow_out: { ts: iso, metric: 'flow_out', value: 7.2, quality: 'valid' },
      temp: { ts: iso, metric: 'temp', value: 31, quality: 'maintenance' },
      nh4: { ts: iso, metric: 'nh4', value: 5000, quality: 'out_of_range' },
    });
    expect(await quarantine(s.id)).toEqual([]);
  });

  it('stores a file sent twice once, without quarantining the copy, and files arriving late and out of order', async () => {
    const s = await t.createStation({ id: 'HN-WW-02', profile: 'wastewater' });
    const [t1, t2, t3] = [nextHour(), nextHour(), nextHour()];
    const file = (ts: number, cod: number) => `COD\t${cod}\tmg/L\t${local(ts)}\t00\nXYZ\t1\tmg/L\t${local(ts)}\t00\n`;
    const client = await ftpLogin(s.id, s.secret);
    try {
      expect(await upload(client, `HN_F_WW02_${local(t3)}.txt`, file(t3, 30))).toBe(226);
      expect(await upload(client, `HN_F_WW02_${local(t1)}.txt`, file(t1, 10))).toBe(226);
      expect(await upload(client, `HN_F_WW02_${local(t1)}.txt`, file(t1, 10))).toBe(226);
      expect(await upload(client, `HN_F_WW02_${local(t2)}.txt`, file(t2, 20))).toBe(226);
    } finally {
      client.close();
    }
    expect((await readings(s.id)).map((r) => [r.ts, r.value])).toEqual([
      [new Date(t1).toISOString(), 10],
      [new Date(t2).toISOString(), 20],
      [new Date(t3).toISOString(), 30],
    ]);
    // three distinct files with one unknown symbol each; the repeated copy is not quarantined again
    expect(await quarantine(s.id)).toHaveLength(3);
  });

  it('keeps the good lines of a broken file and quarantines the whole file with the reason of every refused line', async () => {
    const s = await t.createStation({ id: 'HN-WW-03', profile: 'wastewater' });
    const ts = nextHour();
    const text = [
      `pH\t7.1\tpH\t${local(ts)}\t00`,
      `COD\t45\tmg/L\t${local(ts)}`, // missing field
      `TSS\t12\tmg/L\t2026-11-22 09:30\t00`, // bad timestamp
      `BOD5\t3\tmg/L\t${local(ts)}\t00`, // unknown symbol
      `NH4\t1.5\tmg/L\t${local(ts)}\t00`,
    ].join('\n');
    const client = await ftpLogin(s.id, s.secret);
    try {
      expect(await upload(client, `HN_F_WW03_${local(ts)}.txt`, text)).toBe(226);
    } finally {
      client.close();
    }
    expect((await readings(s.id)).map((r) => r.metric).sort()).toEqual(['nh4', 'ph']);
    const [entry, ...rest] = await quarantine(s.id);
    expect(rest).toEqual([]);
    expect(entry!.source).toBe('file');
    expect(entry!.topic).toBe(`ftp:/HN-WW-03/HN_F_WW03_${local(ts)}.txt`);
    expect(entry!.payload).toBe(text);
    expect(entry!.details.readingCount).toBe(5);
    expect(entry!.details.refused.map((r) => [r.index, r.code])).toEqual([
      [2, 'malformed_line'],
      [3, 'invalid_timestamp'],
      [4, 'unknown_metric'],
    ]);
    expect(entry!.details.refused[2]!.reason).toBe('line 4: unknown symbol "BOD5" for profile wastewater');
    expect(entry!.reason).toMatch(/^3 of 5 readings refused/);
  });

  it('refuses a wrong password, and any write outside the station area or of a non-.txt file', async () => {
    const s = await t.createStation({ id: 'HN-WW-04', profile: 'wastewater' });
    await t.createStation({ id: 'HN-WW-05', profile: 'wastewater' });
    await expect(ftpLogin(s.id, 'wrong-secret')).rejects.toMatchObject({ code: 530 });
    await expect(ftpLogin('NO-SUCH-STATION', s.secret)).rejects.toMatchObject({ code: 530 });

    const ts = nextHour();
    const good = `pH\t7\tpH\t${local(ts)}\t00\n`;
    const client = await ftpLogin(s.id, s.secret);
    try {
      for (const name of ['/HN-WW-05/x.txt', '../HN-WW-05/x.txt', '../../../etc/passwd.txt', '..\\..\\evil.txt', 'notes.exe']) {
        const err = await upload(client, name, good).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err, name).toBeInstanceOf(FTPError);
        expect((err as FTPError).code, name).toBeGreaterThanOrEqual(550);
      }
      await expect(client.cd('/HN-WW-05')).rejects.toBeInstanceOf(FTPError);
      await expect(client.remove('x.txt')).rejects.toBeInstanceOf(FTPError);
      expect((await client.list('/')).map((f) => f.name)).toEqual(['HN-WW-04']);
    } finally {
      client.close();
    }
    expect(await readings('HN-WW-05')).toEqual([]);
    expect(await readings(s.id)).toEqual([]);
    const metrics = await t.api<string>('GET', '/metrics');
    expect(metrics.body).toMatch(/quantrac_ftp_denied_total\{action="login"\} 2/);
  });

  it('cuts off a 50 MB upload at the size limit without holding it in memory, and keeps its head in quarantine', async () => {
    const s = await t.createStation({ id: 'HN-WW-06', profile: 'wastewater' });
    const line = Buffer.from(`pH\t7\tpH\t${local(nextHour())}\t00\r\n`);
    const total = 50 * 1024 * 1024;
    let produced = 0;
    const source = new Readable({
      read() {
        if (produced >= total) return this.push(null);
        const chunk = Buffer.concat(Array.from({ length: 2048 }, () => line));
        produced += chunk.byteLength;
        this.push(chunk);
      },
    });
    const client = await ftpLogin(s.id, s.secret);
    try {
      await expect(client.uploadFrom(source, 'huge.txt')).rejects.toBeDefined();
    } finally {
      client.close();
      source.destroy();
    }
    expect(produced).toBeLessThan(total); // the server stopped reading long before the end
    expect(await readings(s.id)).toEqual([]);
    const [entry] = await quarantine(s.id);
    expect(entry).toMatchObject({ reasonCode: 'payload_too_large', source: 'file' });
    expect(entry!.reason).toMatch(new RegExp(`limit of ${MAX_FILE_BYTES} bytes`));
    expect(entry!.payloadBytes).toBeLessThanOrEqual(4096);
  });
});

describe('drop folder', () => {
  it('reads <dir>/<stationId>/…/*.txt, moves stored files to done/ and refused ones to rejected/ with a reason', async () => {
    const s = await t.createStation({ id: 'HN-DROP-01', profile: 'surface-water' });
    const [t1, t2] = [nextHour(), nextHour()];
    const stationDir = join(dropDir, s.id, '2026', '11');
    mkdirSync(stationDir, { recursive: true });
    writeFileSync(join(stationDir, `HN_F_DROP01_${local(t1)}.txt`), `pH\t7.4\tpH\t${local(t1)}\t00\r\nDO\t6,1\tmg/l\t${local(t1)}\t00\r\n`);
    writeFileSync(join(stationDir, `HN_F_DROP01_${local(t2)}.txt`), `garbage line\nmore garbage\n`);
    writeFileSync(join(stationDir, 'being-written.tmp'), 'pH\t7');
    mkdirSync(join(dropDir, 'NO-SUCH'), { recursive: true });
    writeFileSync(join(dropDir, 'NO-SUCH', 'x.txt'), `pH\t7\tpH\t${local(t1)}\t00\n`);

    await t.app.circular10.dropFolder!.scan();

    expect((await readings(s.id)).map((r) => [r.metric, r.value])).toEqual([
      ['do', 6.1],
      ['ph', 7.4],
    ]);
    expect(readdirSync(join(dropDir, 'done', s.id, '2026', '11'))).toEqual([`HN_F_DROP01_${local(t1)}.txt`]);
    const rejected = join(dropDir, 'rejected', s.id, '2026', '11');
    expect(readdirSync(rejected).sort()).toEqual([`HN_F_DROP01_${local(t2)}.txt`, `HN_F_DROP01_${local(t2)}.txt.reason.txt`]);
    expect(readFileSync(join(rejected, `HN_F_DROP01_${local(t2)}.txt.reason.txt`), 'utf8')).toMatch(/line 1: expected 5 TAB-separated fields/);
    expect(existsSync(join(stationDir, 'being-written.tmp'))).toBe(true);
    expect(readdirSync(stationDir)).toEqual(['being-written.tmp']);
    expect(readFileSync(join(dropDir, 'rejected', 'NO-SUCH', 'x.txt.reason.txt'), 'utf8')).toMatch(/not registered/);
    const q = await quarantine(s.id);
    expect(q).toHaveLength(1);
    expect(q[0]!.topic).toBe(`drop:${s.id}/2026/11/HN_F_DROP01_${local(t2)}.txt`);
  });
});

describe('HTTP ingest', () => {
  const post = (body: string, auth?: string) =>
    fetch(`${t.baseUrl}/api/v1/ingest`, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) }, body });
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  const iso = (ms: number) => new Date(ms).toISOString();

  it('answers 202 only after commit, for a single reading and a batch', async () => {
    const s = await t.createStation({ id: 'HN-GW-01' });
    const [t1, t2] = [nextHour(), nextHour()];
    const one = await post(JSON.stringify({ ts: iso(t1), values: { pm25: 12.5 } }), basic(s.id, s.secret));
    expect(one.status).toBe(202);
    expect(await one.json()).toEqual({ accepted: 1 });
    const batch = await post(JSON.stringify([{ ts: iso(t2), values: { pm25: 13, pm10: 20 } }]), basic(s.id, s.secret));
    expect(batch.status).toBe(202);
    expect((await readings(s.id)).map((r) => [r.metric, r.value])).toEqual([
      ['pm25', 12.5],
      ['pm10', 20],
      ['pm25', 13],
    ]);
  });

  it('refuses wrong credentials with 401, unreadable payloads with 400 and refused readings with 422, each quarantined', async () => {
    const s = await t.createStation({ id: 'HN-GW-02' });
    const wrong = await post('{}', basic(s.id, 'nope'));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect((await post('{}')).status).toBe(401);

    const bad = await post('{"ts": ', basic(s.id, s.secret));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'QT_ERR_PAYLOAD_INVALID', details: { refused: [{ index: null, code: 'invalid_json' }] } } });

    const ts = nextHour();
    const partial = await post(
      JSON.stringify([
        { ts: iso(ts), values: { pm25: 1 } },
        { ts: iso(ts + 60_000), values: { pm1: 3 } },
      ]),
      basic(s.id, s.secret),
    );
    expect(partial.status).toBe(422);
    const body = (await partial.json()) as { error: { code: string; details: { accepted: number; refused: Array<{ index: number; code: string; reason: string }> } } };
    expect(body.error.code).toBe('QT_ERR_READINGS_REFUSED');
    expect(body.error.details.accepted).toBe(1);
    expect(body.error.details.refused).toEqual([{ index: 1, code: 'unknown_metric', reason: expect.stringMatching(/unknown metric "pm1"/) }]);
    expect((await readings(s.id)).map((r) => r.metric)).toEqual(['pm25']);
    const q = await quarantine(s.id);
    expect(q.map((e) => [e.source, e.reasonCode])).toEqual([
      ['http', 'unknown_metric'],
      ['http', 'invalid_json'],
    ]);
  });
});
