/**
 * Everything downstream reads the validated view (issue 18), on the real app and embedded
 * TimescaleDB: a reviewer's invalidation of yesterday (through the HTTP API) recomputes the stored
 * indices and yesterday's bulletin as version 2 with other numbers while version 1 stays listed
 * and readable; raw readings and the export carry the checks, the state, the reason and the day's
 * validation level (the CSV read back with an RFC 4180 parser); open data with
 * OPEN_MIN_VALIDATION_LEVEL=1 publishes approved days only and never a flagged or invalidated
 * value; forwarding sends a flagged reading with status 02 and, after a reviewer invalidates a
 * time for calibration, sends that time again with status 01. Also alerts/recompute.ts on its own:
 * a stored index whose hours lost their data is deleted.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { FtpSrv } from 'ftp-srv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recomputeIndices } from '../alerts/recompute.js';
import { forwardStatus } from '../forward/status.js';
import { addDays, localDate, startOfLocalDay } from '../lib/time.js';
import { refreshAggregate } from '../store/analytics.js';
import { insertReadings, type ReadingColumns } from '../store/readings.js';
import { startTestApp, tempDataDir, until, type TestApp } from './helpers/app.js';
import { parseCsvRows } from './helpers/csv.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const ZONE = 'Asia/Ho_Chi_Minh';

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const;
const upstreamRoot = tempDataDir();
mkdirSync(join(upstreamRoot, 'incoming'), { recursive: true });
/** Names in the order the upstream stored them. */
const received: string[] = [];
const silentLog = { child: () => silentLog, trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} };

/** A plain FTP server standing in for the ministry's; user "up", password "pw". */
async function startUpstream(): Promise<{ port: number; close(): Promise<void> }> {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const server = new FtpSrv({ url: 'ftp://127.0.0.1:0', pasv_url: '127.0.0.1', pasv_min: 0, pasv_max: 0, log: silentLog as never });
  for (const s of SIGNALS) for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);
  server.on('login', ({ connection, username, password }, resolve, reject) => {
    if (username !== 'up' || password !== 'pw') return reject(new Error('bad login'));
    connection.on('STOR', (err: unknown, path: string) => {
      if (!err) received.push(basename(path));
    });
    resolve({ root: upstreamRoot });
  });
  await server.listen();
  const port = (server as unknown as { server: { address(): AddressInfo } }).server.address().port;
  return { port, close: () => server.close() as Promise<void> };
}

/** Readings every 5 minutes over [from, to) of each metric with its value at ts. */
function series(station: string, from: number, to: number, values: Record<string, (ts: number) => number>): ReadingColumns {
  const cols: ReadingColumns = { stationIds: [], metrics: [], ts: [], values: [], quality: [] };
  for (let ts = from; ts < to; ts += 5 * MIN) {
    for (const [metric, value] of Object.entries(values)) {
      cols.stationIds.push(station);
      cols.metrics.push(metric);
      cols.ts.push(new Date(ts).toISOString());
      cols.values.push(value(ts));
      cols.quality.push(0);
    }
  }
  return cols;
}

let t: TestApp;
let upstream: { port: number; close(): Promise<void> };
let reviewer: string;
let reviewer2: string;
/** yesterday and the day before, local dates in Vietnam, and their starts */
let yday: string;
let dayBefore: string;
let ydayStart: number;
let beforeStart: number;
/** yesterday 10:00–13:00 local: PM2.5 at 300 µg/m³ (an instrument fault the reviewer invalidates) */
let spikeFrom: number;
let spikeTo: number;

beforeAll(async () => {
  upstream = await startUpstream();
  t = await startTestApp({
    open: { minValidationLevel: 1, cacheSeconds: 0, embargoHours: 0, raw: true },
    forwarding: { targets: [{ name: 'ministry', url: `ftp://up:pw@127.0.0.1:${upstream.port}/incoming`, stations: ['FW-V'], everyMinutes: 60 }], retryMs: 600_000 },
  });
  reviewer = await t.userToken('rev-an', 'reviewer');
  reviewer2 = await t.userToken('rev-binh', 'reviewer');
  yday = localDate(Date.now() - 86_400_000, ZONE);
  dayBefore = addDays(yday, -1);
  ydayStart = startOfLocalDay(yday, ZONE)!;
  beforeStart = startOfLocalDay(dayBefore, ZONE)!;
  spikeFrom = ydayStart + 10 * HOUR;
  spikeTo = ydayStart + 13 * HOUR;
  await t.createStation({ id: 'DV-1', name: 'Downstream air' });
  const db = t.app.store.db;
  await insertReadings(
    db,
    series('DV-1', beforeStart, ydayStart + 24 * HOUR, {
      pm25: (ts) => (ts >= spikeFrom && ts < spikeTo ? 300 : 30),
      pm10: () => 50,
    }),
  );
  // one reading an automatic check flagged (spike and flat line) the morning of yesterday
  await db.query(`UPDATE readings SET qc = 3 WHERE station_id = 'DV-1' AND metric = 'pm10' AND ts = $1`, [new Date(ydayStart + 2 * HOUR)]);
  await refreshAggregate(db, 'readings_hourly', new Date(beforeStart - HOUR), new Date(ydayStart + 25 * HOUR));
  await refreshAggregate(db, 'readings_daily', new Date(beforeStart - 86_400_000), new Date(ydayStart + 2 * 86_400_000));
  // the stored indices, as the alert engine keeps them while readings arrive
  const done = await recomputeIndices({ db, log: t.app.logger, timeZone: ZONE }, 'DV-1', new Date(beforeStart), new Date(ydayStart + 24 * HOUR));
  expect(done.hours).toBeGreaterThanOrEqual(48);
  expect(done.days).toBeGreaterThanOrEqual(2);
}, 180_000);

afterAll(async () => {
  await t?.close(true);
  await upstream?.close();
});

async function dailyAqi(station: string, day: string): Promise<number | undefined> {
  const { rows } = await t.app.store.db.query<{ aqi: number }>(`SELECT aqi FROM aqi_daily WHERE station_id = $1 AND index_name = 'vn_aqi' AND day = $2::date`, [station, day]);
  return rows[0]?.aqi;
}

interface BulletinJson {
  id: number;
  version: number;
  current: boolean;
  revisionReason: string | null;
  summary: Record<string, unknown>;
  links: { csv: string };
  olderVersions: BulletinJson[];
}

describe('a reviewer invalidates part of yesterday', () => {
  let v1: BulletinJson;

  it('publishes yesterday’s bulletin (version 1) over the raw spike', async () => {
    const res = await t.api<{ bulletin: BulletinJson }>('POST', '/api/v1/bulletins', { kind: 'daily', day: yday });
    expect(res.status).toBe(201);
    v1 = res.body.bulletin;
    expect(v1).toMatchObject({ version: 1, current: true, revisionReason: null });
  });

  it('recomputes the indices and revises the bulletin as version 2 with other numbers; version 1 stays listed and readable', async () => {
    const aqiBefore = await dailyAqi('DV-1', yday);
    expect(aqiBefore).toBeDefined();
    const action = await t.api<{ action: { id: number } }>(
      'POST',
      '/api/v1/stations/DV-1/validation/actions',
      {
        action: 'invalidate',
        metrics: ['pm25'],
        from: new Date(spikeFrom).toISOString(),
        to: new Date(spikeTo).toISOString(),
        reason: 'instrument_fault',
        comment: 'sensor fault',
      },
      reviewer,
    );
    expect(action.status).toBe(201);
    // the daily VN_AQI no longer sees the 300 µg/m³ hours
    expect(await dailyAqi('DV-1', yday)).toBeLessThan(aqiBefore!);
    // the hourly aggregate excludes them; the raw readings still show them, flagged
    const hourly = await t.api<{ series: Array<{ data: Array<{ values: { max: number | null }; coverage: { invalidated: number; valid: number } }> }> }>(
      'GET',
      `/api/v1/stations/DV-1/readings?metric=pm25&bucket=1h&agg=max&from=${new Date(spikeFrom).toISOString()}&to=${new Date(spikeFrom + HOUR).toISOString()}`,
    );
    expect(hourly.body.series[0]!.data[0]).toMatchObject({ values: { max: null }, coverage: { invalidated: 12, valid: 0 } });
    const raw = await t.api<{ data: Array<{ value: number; qc: string[]; validation: string; reason: string | null }> }>(
      'GET',
      `/api/v1/stations/DV-1/readings?metric=pm25&from=${new Date(spikeFrom).toISOString()}&to=${new Date(spikeFrom + 10 * MIN).toISOString()}`,
    );
    expect(raw.body.data).toEqual([
      { ts: new Date(spikeFrom).toISOString(), metric: 'pm25', value: 300, quality: 'valid', qc: [], validation: 'invalidated', reason: 'instrument_fault', validationLevel: 0 },
      {
        ts: new Date(spikeFrom + 5 * MIN).toISOString(),
        metric: 'pm25',
        value: 300,
        quality: 'valid',
        qc: [],
        validation: 'invalidated',
        reason: 'instrument_fault',
        validationLevel: 0,
      },
    ]);

    let listed: BulletinJson | undefined;
    await until(async () => {
      const list = await t.api<{ data: BulletinJson[] }>('GET', `/api/v1/bulletins?kind=daily&from=${yday}&to=${yday}`);
      listed = list.body.data[0];
      return listed?.version === 2;
    }, 'the revised bulletin');
    expect(listed!.revisionReason).toBe(`validation: pm25 of DV-1 invalidated (instrument_fault) by rev-an, action ${action.body.action.id}`);
    expect(listed!.olderVersions.map((o) => [o.id, o.version, o.current])).toEqual([[v1.id, 1, false]]);
    const [csv1, csv2] = await Promise.all([
      fetch(`${t.baseUrl}${v1.links.csv}`, { headers: { authorization: `Bearer ${t.adminToken}` } }),
      fetch(`${t.baseUrl}${listed!.links.csv}`, { headers: { authorization: `Bearer ${t.adminToken}` } }),
    ]);
    expect([csv1.status, csv2.status]).toEqual([200, 200]);
    const [text1, text2] = [await csv1.text(), await csv2.text()];
    expect(text1).not.toBe(text2);
    // the station's daily VN_AQI line: the revised one is lower
    const aqiOf = (text: string) => {
      const [header, ...rows] = parseCsvRows(text.replace(/^\uFEFF/, ''));
      const row = rows.find((r) => r[header!.indexOf('section')] === 'aqi_daily' && r[header!.indexOf('station')] === 'DV-1');
      return Number(row?.[header!.indexOf('value')]);
    };
    expect(aqiOf(text1)).toBeGreaterThan(0);
    expect(aqiOf(text2)).toBeLessThan(aqiOf(text1));
    const one = await t.api<{ bulletin: BulletinJson; versions: Array<{ id: number; version: number }> }>('GET', `/api/v1/bulletins/${v1.id}`);
    expect(one.body.bulletin).toMatchObject({ id: v1.id, version: 1, current: false });
    expect(one.body.versions.map((v) => v.version)).toEqual([2, 1]);
  });
});

describe('exports carry the flags and the day’s validation level', () => {
  it('approves yesterday (level 1, then 2 by another reviewer) and exports CSV and NDJSON with qc_flags, validation, reason and validation_level', async () => {
    expect((await t.api('POST', '/api/v1/stations/DV-1/validation/approvals', { period: yday, level: 1 }, reviewer)).status).toBe(201);
    const res = await fetch(
      `${t.baseUrl}/api/v1/export?stations=DV-1&from=${new Date(ydayStart - HOUR).toISOString()}&to=${new Date(spikeFrom + 5 * MIN).toISOString()}&format=csv&bom=true`,
      { headers: { authorization: `Bearer ${t.adminToken}` } },
    );
    expect(res.status).toBe(200);
    const rows = parseCsvRows((await res.text()).replace(/^\uFEFF/, ''));
    const header = rows[0]!;
    expect(header).toEqual(['ts', 'station', 'metric', 'value', 'unit', 'quality', 'qc_flags', 'validation', 'reason', 'validation_level']);
    const records = rows.slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
    expect(new Set(records.map((r) => Object.keys(r).length))).toEqual(new Set([10]));
    const at = (ts: number, metric: string) => records.find((r) => r['ts'] === new Date(ts).toISOString() && r['metric'] === metric);
    // the day before: not approved; yesterday: level 1
    expect(at(ydayStart - 30 * MIN, 'pm25')).toMatchObject({ value: '30', validation: 'valid', qc_flags: '', reason: '', validation_level: '0' });
    expect(at(ydayStart, 'pm25')).toMatchObject({ validation: 'valid', validation_level: '1' });
    expect(at(ydayStart + 2 * HOUR, 'pm10')).toMatchObject({ qc_flags: 'spike;flatline', validation: 'flagged', reason: '', validation_level: '1' });
    expect(at(spikeFrom, 'pm25')).toMatchObject({ value: '300', validation: 'invalidated', reason: 'instrument_fault', validation_level: '1' });

    expect((await t.api('POST', '/api/v1/stations/DV-1/validation/approvals', { period: yday, level: 2 }, reviewer2)).status).toBe(201);
    const nd = await fetch(
      `${t.baseUrl}/api/v1/export?stations=DV-1&metric=pm10&from=${new Date(ydayStart + 2 * HOUR).toISOString()}&to=${new Date(ydayStart + 2 * HOUR + MIN).toISOString()}&format=ndjson`,
      {
        headers: { authorization: `Bearer ${t.adminToken}` },
      },
    );
    const lines = (await nd.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([expect.objectContaining({ metric: 'pm10', qc: ['spike', 'flatline'], validation: 'flagged', reason: null, validationLevel: 2 })]);
    const page = await t.api<{ data: Array<{ metric: string; qc: string[]; validation: string; validationLevel: number }> }>(
      'GET',
      `/api/v1/readings?stations=DV-1&metric=pm10&from=${new Date(ydayStart + 2 * HOUR).toISOString()}&to=${new Date(ydayStart + 2 * HOUR + MIN).toISOString()}`,
    );
    expect(page.body.data).toEqual([expect.objectContaining({ station: 'DV-1', qc: ['spike', 'flatline'], validation: 'flagged', validationLevel: 2 })]);
  });
});

describe('open data with OPEN_MIN_VALIDATION_LEVEL=1', () => {
  it('publishes the approved day only, and never the flagged or invalidated values', async () => {
    const range = `from=${encodeURIComponent(new Date(beforeStart).toISOString())}&to=${encodeURIComponent(new Date(ydayStart + 24 * HOUR).toISOString())}`;
    const daily = await fetch(`${t.baseUrl}/open/v1/stations/DV-1/daily?metric=pm25&${range}`);
    expect(daily.status).toBe(200);
    const days = ((await daily.json()) as { data: Array<{ start: string; max: number }> }).data;
    expect(days.map((d) => d.start)).toEqual([yday]);
    expect(days[0]!.max).toBe(30);
    const hourly = (
      (await (await fetch(`${t.baseUrl}/open/v1/stations/DV-1/hourly?metric=pm25,pm10&${range}`)).json()) as {
        data: Array<{ metric: string; start: string; max: number; n: number }>;
      }
    ).data;
    expect(hourly.length).toBeGreaterThan(0);
    for (const h of hourly) expect(Date.parse(h.start)).toBeGreaterThanOrEqual(ydayStart);
    expect(Math.max(...hourly.map((h) => h.max))).toBeLessThan(100);
    // the hour with the flagged pm10 reading counts the other 11
    expect(hourly.find((h) => h.metric === 'pm10' && Date.parse(h.start) === ydayStart + 2 * HOUR)?.n).toBe(11);
    expect(hourly.some((h) => h.metric === 'pm25' && Date.parse(h.start) === spikeFrom)).toBe(false);
    const raw = (
      (await (
        await fetch(
          `${t.baseUrl}/open/v1/stations/DV-1/raw?metric=pm25&from=${encodeURIComponent(new Date(ydayStart - HOUR).toISOString())}&to=${encodeURIComponent(new Date(ydayStart + HOUR - MIN).toISOString())}`,
        )
      ).json()) as {
        data: Array<{ ts: string }>;
      }
    ).data;
    expect(raw.length).toBe(12);
    for (const r of raw) expect(Date.parse(r.ts)).toBeGreaterThanOrEqual(ydayStart);
    const index = ((await (await fetch(`${t.baseUrl}/open/v1/stations/DV-1/index?period=day&${range}`)).json()) as { data: Array<{ ts: string }> }).data;
    expect(index.map((d) => d.ts)).toEqual([yday]);
    const months = ((await (await fetch(`${t.baseUrl}/open/v1/stations/DV-1/months`)).json()) as { data: Array<{ month: string }> }).data;
    expect(months.map((m) => m.month)).toEqual([yday.slice(0, 7)]);
    // the station's latest value comes from the approved day, before its end
    const station = (await (await fetch(`${t.baseUrl}/open/v1/stations/DV-1`)).json()) as { latest: Array<{ metric: string; ts: string }> };
    for (const l of station.latest) {
      expect(Date.parse(l.ts)).toBeGreaterThanOrEqual(ydayStart);
      expect(Date.parse(l.ts)).toBeLessThan(ydayStart + 24 * HOUR);
    }
    // a station nobody approved publishes nothing
    await t.createStation({ id: 'DV-NONE' });
    await insertReadings(t.app.store.db, series('DV-NONE', ydayStart, ydayStart + 2 * HOUR, { pm25: () => 20 }));
    const none = (await (await fetch(`${t.baseUrl}/open/v1/stations/DV-NONE/hourly?metric=pm25&${range}`)).json()) as { data: unknown[] };
    expect(none.data).toEqual([]);
  });
});

describe('forwarding', () => {
  it('maps validation to Circular 10 status codes', () => {
    expect(forwardStatus(0, 0, 0)).toBe('00');
    expect(forwardStatus(0, 1, 0)).toBe('02'); // flagged by a check
    expect(forwardStatus(0, 1, 1)).toBe('00'); // restored
    expect(forwardStatus(1, 0, 0)).toBe('01'); // station calibrating
    expect(forwardStatus(4, 0, 0)).toBe('03'); // station maintenance
    expect(forwardStatus(0, 0, 10)).toBe('01'); // invalidated: calibration
    expect(forwardStatus(0, 0, 11)).toBe('03'); // invalidated: maintenance
    expect(forwardStatus(0, 0, 13)).toBe('02'); // invalidated: instrument fault
  });

  it('sends a flagged reading with 02, and a time invalidated later again with the new status', async () => {
    await t.createStation({ id: 'FW-V' });
    const base = ydayStart + 20 * HOUR;
    const cols = series('FW-V', base, base + 15 * MIN, { pm25: () => 25, pm10: () => 40 });
    await insertReadings(t.app.store.db, cols);
    await t.app.store.db.query(`UPDATE readings SET qc = 1 WHERE station_id = 'FW-V' AND metric = 'pm10' AND ts = $1`, [new Date(base + 5 * MIN)]);
    await new Promise((r) => setTimeout(r, 2100)); // past the commit margin
    await t.app.circular10.forwarder!.runNow('ministry');
    expect(received).toHaveLength(3);
    const lineOf = (file: string, symbol: string) =>
      readFileSync(join(upstreamRoot, 'incoming', file), 'utf8')
        .split('\r\n')
        .find((l) => l.startsWith(`${symbol}\t`))!
        .split('\t');
    expect(lineOf(received[0]!, 'PM10')[4]).toBe('00');
    expect(lineOf(received[1]!, 'PM10')[4]).toBe('02');
    expect(lineOf(received[1]!, 'PM2,5')[4]).toBe('00');

    const third = received[2]!;
    const action = await t.api(
      'POST',
      '/api/v1/stations/FW-V/validation/actions',
      { action: 'invalidate', metrics: ['pm25'], from: new Date(base + 10 * MIN).toISOString(), to: new Date(base + 11 * MIN).toISOString(), reason: 'calibration' },
      reviewer,
    );
    expect(action.status).toBe(201);
    await until(() => received.length === 4, 'the corrected file');
    expect(received[3]).toBe(third);
    expect(lineOf(third, 'PM2,5')[4]).toBe('01');
    expect(lineOf(third, 'PM10')[4]).toBe('00');
  });
});

describe('alerts/recompute', () => {
  it('deletes a stored index whose hours no longer have validated data', async () => {
    await t.createStation({ id: 'DV-2' });
    const db = t.app.store.db;
    // 20 hours of the day before (a VN_AQI day needs 18 of its 24 hours)
    const from = beforeStart;
    await insertReadings(db, series('DV-2', from, from + 20 * HOUR, { pm25: () => 40 }));
    await refreshAggregate(db, 'readings_hourly', new Date(from - HOUR), new Date(from + 21 * HOUR));
    const deps = { db, log: t.app.logger, timeZone: ZONE };
    const first = await recomputeIndices(deps, 'DV-2', new Date(from), new Date(from + 20 * HOUR));
    // its 20 hours and the 11 after them (into yesterday), and those two days
    expect(first).toEqual({ hours: 20 + 11, days: 2 });
    const count = async () =>
      (
        await db.query<{ hourly: number; daily: number }>(
          `SELECT (SELECT count(*) FROM aqi_hourly WHERE station_id = 'DV-2')::int AS hourly, (SELECT count(*) FROM aqi_daily WHERE station_id = 'DV-2')::int AS daily`,
        )
      ).rows[0]!;
    const before = await count();
    expect(before.hourly).toBeGreaterThan(0);
    expect(before.daily).toBe(1);
    // a reviewer invalidated all of it ('other'): the aggregates then the indices follow
    await db.query(`UPDATE readings SET review = 15 WHERE station_id = 'DV-2'`);
    await refreshAggregate(db, 'readings_hourly', new Date(from - HOUR), new Date(from + 21 * HOUR));
    await recomputeIndices(deps, 'DV-2', new Date(from), new Date(from + 20 * HOUR));
    expect(await count()).toEqual({ hourly: 0, daily: 0 });
    // a station type without stored indices: nothing to do
    await t.createStation({ id: 'DV-WW', profile: 'wastewater' });
    expect(await recomputeIndices(deps, 'DV-WW', new Date(from), new Date(from + HOUR))).toEqual({ hours: 0, days: 0 });
  });
});
