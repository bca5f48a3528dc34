/**
 * Bulletins (issue 10) in the real app: a day of readings published over real MQTT for two
 * stations of a province (indices computed by the alert engine as readings arrive, alerts fired
 * and resolved on a controlled engine clock), bulletins generated through the API and checked
 * against figures computed by hand, the scheduler's due periods and its idempotent catch-up,
 * HTML escaping, CSV and PDF downloads, the bus event and its delivery to a Node-RED flow.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBulletins } from '../bulletins/index.js';
import { duePeriods } from '../bulletins/scheduler.js';
import { resolveConfig } from '../config/index.js';
import type { EventMap } from '../domain/events.js';
import { ADMIN_PASSWORD, localIso, startJsonReceiver, startTestApp, tempDataDir, type JsonReceiver, type TestApp } from './helpers/app.js';
import { parseCsvRecords } from './helpers/csv.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const vn = (local: string) => Date.parse(`${local}+07:00`);
const DAY = '2026-03-15';
const D0 = vn(`${DAY}T00:00:00`);
const HOSTILE = `<script>alert("x")</script> & Trạm 'A'`;
const CHROMIUM = existsSync('/usr/bin/chromium');

let t: TestApp;
let clock = D0;
let operatorToken: string;
let viewerToken: string;
let receiver: JsonReceiver;
const published: Array<EventMap['bulletinPublished']> = [];

async function download(path: string, token = viewerToken): Promise<Response> {
  return fetch(`${t.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
}

async function until<T>(what: string, fn: () => T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Station BT-A (hostile name): pm25 20 µg/m³, 120 in the hours 08–10 (ending 09:00, 10:00); pm10
 * 40, 200 in 09–10; no2 50, 250 in 14–16 (two hours over QCVN 05's 1-hour 200); nothing at all in
 * 10–11. Station BT-B: pm25 60 all day (24-hour mean over 45), calibrating (status 01) in 03–04;
 * pm10 50. One reading a minute (the air profile's 60 s interval).
 */
function hourOf(station: 'BT-A' | 'BT-B', h: number): Array<{ ts: string; values: Record<string, number>; status?: Record<string, string> }> {
  const out = [];
  for (let m = 0; m < 60; m++) {
    const ts = localIso(D0 + h * HOUR + m * MIN);
    if (station === 'BT-A') out.push({ ts, values: { pm25: h === 8 || h === 9 ? 120 : 20, pm10: h === 9 ? 200 : 40, no2: h === 14 || h === 15 ? 250 : 50 } });
    else out.push({ ts, values: { pm25: 60, pm10: 50 }, ...(h === 3 ? { status: { pm25: '01' } } : {}) });
  }
  return out;
}

beforeAll(async () => {
  receiver = await startJsonReceiver('/bulletin');
  const receiverUrl = receiver.url;

  t = await startTestApp({ automation: { enabled: true, publicUrl: 'http://ioc.test' }, bulletins: { enabled: false } }, tempDataDir(), { now: () => clock });
  t.app.bus.on('test', 'bulletinPublished', (e) => void published.push(e));
  operatorToken = await t.userToken('bt-operator', 'operator');
  viewerToken = await t.userToken('bt-viewer', 'viewer');

  const a = await t.createStation({ id: 'BT-A', name: HOSTILE });
  const b = await t.createStation({ id: 'BT-B', name: 'Trạm B' });
  const dn = await t.api('POST', '/api/v1/stations', { id: 'BT-DN', name: 'Đà Nẵng 1', profile: 'air-quality', lat: 16.05, lon: 108.2, province: 'Đà Nẵng' });
  expect(dn.status).toBe(201);
  const rule = {
    id: 'test.bt-pm25',
    name: { en: 'PM2.5 above 100', vi: 'PM2,5 vượt 100' },
    kind: 'threshold',
    scope: { station: 'BT-A' },
    metric: 'pm25',
    severity: 'warning',
    op: 'above',
    raise: 100,
    clear: 80,
    over: 'raw',
  };
  expect((await t.api('POST', '/api/v1/rules', rule)).status).toBe(201);

  const ca = await t.connectStation(a.id, a.secret);
  const cb = await t.connectStation(b.id, b.secret);
  for (let h = 0; h < 24; h++) {
    clock = D0 + (h + 1) * HOUR; // the engine sees each hour's readings as the hour ends
    if (h !== 10) await ca.publishAsync('stations/BT-A/readings', JSON.stringify(hourOf('BT-A', h)), { qos: 1 });
    await cb.publishAsync('stations/BT-B/readings', JSON.stringify(hourOf('BT-B', h)), { qos: 1 });
    await t.app.alerts.idle();
  }

  // A flow that forwards each bulletin (its payload and attachment names) to a webhook.
  const token = await fetch(`${t.baseUrl}/red/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'admin', password: ADMIN_PASSWORD }),
  });
  const redToken = ((await token.json()) as { access_token: string }).access_token;
  const deploy = await fetch(`${t.baseUrl}/red/flows`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${redToken}`, 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'full' },
    body: JSON.stringify({
      flows: [
        { id: 'tab-bulletins', type: 'tab', label: 'send bulletins' },
        { id: 'n-bulletin', type: 'quantrac-bulletin', z: 'tab-bulletins', kinds: 'daily', scopes: 'province:Hà Nội', attach: 'html,csv,pdf', wires: [['n-fn']] },
        {
          id: 'n-fn',
          type: 'function',
          z: 'tab-bulletins',
          func: 'msg.payload = { ...msg.payload, files: msg.attachments.map((a) => [a.filename, a.content.length]) }; return msg;',
          outputs: 1,
          wires: [['n-post']],
        },
        { id: 'n-post', type: 'http request', z: 'tab-bulletins', method: 'POST', ret: 'txt', url: receiverUrl, wires: [[]] },
      ],
    }),
  });
  expect(deploy.status).toBe(200);
}, 300_000);

afterAll(async () => {
  await t?.close(true);
  await receiver?.close();
});

interface BulletinJson {
  id: number;
  kind: string;
  period: string;
  scope: string;
  province: string | null;
  generatedBy: string;
  summary: {
    stations: number;
    stationsExceeding: number;
    exceedances: number;
    alertsFired: number;
    alertsResolved: number;
    completeness: number | null;
    worstAqi: { station: string; value: number } | null;
  };
  links: { html: string; csv: string; pdf: string | null };
}

describe('the daily bulletin of a seeded day', () => {
  let bulletin: BulletinJson;
  let rows: Array<Record<string, string>>;

  it('is generated on request by an operator (not a viewer) and announced on the bus', async () => {
    const body = { kind: 'daily', day: DAY, province: 'Hà Nội' };
    expect((await t.api('POST', '/api/v1/bulletins', body, viewerToken)).status).toBe(403);
    const res = await t.api<{ bulletin: BulletinJson }>('POST', '/api/v1/bulletins', body, operatorToken);
    expect(res.status).toBe(201);
    bulletin = res.body.bulletin;
    expect(bulletin).toMatchObject({ kind: 'daily', period: DAY, scope: 'province:Hà Nội', province: 'Hà Nội', generatedBy: 'bt-operator' });
    // BT-A: no2 over the 1-hour limit in two hours; BT-B: pm25 over the 24-hour limit
    expect(bulletin.summary).toMatchObject({ stations: 2, stationsExceeding: 2, exceedances: 3 });
    const event = published.find((e) => e.bulletin.id === bulletin.id);
    expect(event).toMatchObject({ period: DAY, trigger: 'request' });
    expect(event!.html).toMatch(/^<!DOCTYPE html>/);
    expect(event!.csv.split('\n')[0]).toBe('section,station,station_name,province,metric,averaging,time,value,unit,limit,category,detail');

    const csv = await download(bulletin.links.csv);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="quantrac-bulletin-daily-${DAY}-ha-noi.csv"`);
    rows = parseCsvRecords(await csv.text());
    expect(new Set(rows.map((r) => r.station))).toEqual(new Set(['BT-A', 'BT-B'])); // not BT-DN (another province)
  });

  const find = (section: string, station: string, metric = '') => rows.filter((r) => r.section === section && r.station === station && (metric === '' || r.metric === metric));

  it('has the right maxima and means per station and metric', () => {
    const max = (station: string, metric: string) => find('metric_max_hourly_mean', station, metric).map((r) => [Number(r.value), r.time]);
    expect(max('BT-A', 'pm25')).toEqual([[120, `${DAY}T09:00:00+07:00`]]); // first of the two hours at 120
    expect(max('BT-A', 'pm10')).toEqual([[200, `${DAY}T10:00:00+07:00`]]);
    expect(max('BT-A', 'no2')).toEqual([[250, `${DAY}T15:00:00+07:00`]]);
    expect(max('BT-B', 'pm25')).toEqual([[60, `${DAY}T01:00:00+07:00`]]);
    const mean = (station: string, metric: string) => find('metric_daily_mean', station, metric).map((r) => [Number(r.value), r.detail]);
    expect(mean('BT-A', 'pm25')[0]![0]).toBeCloseTo((21 * 20 + 2 * 120) / 23, 1); // 28.7: rounded to PM2.5's 1 decimal
    expect(mean('BT-A', 'pm25')[0]![1]).toBe('hours=23');
    expect(mean('BT-A', 'no2')[0]![0]).toBeCloseTo((21 * 50 + 2 * 250) / 23, 1);
    expect(mean('BT-B', 'pm25')).toEqual([[60, 'hours=23']]); // the calibrating hour has no valid mean
    expect(mean('BT-B', 'pm10')).toEqual([[50, 'hours=24']]);
    // only the metrics each station measures
    expect(
      find('metric_daily_mean', 'BT-B')
        .map((r) => r.metric)
        .sort(),
    ).toEqual(['pm10', 'pm25']);
  });

  it("rounds every value to its metric's resolution (the profile's decimals), indices to whole numbers", () => {
    const decimals = (v: string) => (v.includes('.') ? v.split('.')[1]!.length : 0);
    const air = t.app.profiles.get('air-quality')!.profile.metrics;
    expect(find('metric_daily_mean', 'BT-A', 'pm25')[0]!.value).toBe('28.7'); // (21 × 20 + 2 × 120) / 23 = 28.695…
    for (const r of rows) {
      if (r.value === '') continue;
      if (r.metric) expect(decimals(r.value!), `${r.section} ${r.station} ${r.metric} ${r.value}`).toBeLessThanOrEqual(air[r.metric!]!.decimals!);
      else if (r.section!.startsWith('aqi_')) expect(decimals(r.value!), `${r.section} ${r.value}`).toBe(0);
      else if (r.section === 'completeness') expect(decimals(r.value!), `${r.section} ${r.value}`).toBeLessThanOrEqual(1);
      else expect(decimals(r.value!), `${r.section} ${r.value}`).toBeLessThanOrEqual(2);
    }
  });

  it('reports the stored daily and highest hourly VN_AQI, not a recomputation', async () => {
    for (const id of ['BT-A', 'BT-B']) {
      const daily = await t.api<{ data: Array<{ ts: string; day?: string; aqi: number; category: { key: string } }> }>(
        'GET',
        `/api/v1/stations/${id}/aqi?period=day&from=${encodeURIComponent(`${DAY}T00:00:00+07:00`)}&to=${encodeURIComponent(`${DAY}T23:59:59+07:00`)}`,
      );
      expect(daily.status).toBe(200);
      expect(daily.body.data).toHaveLength(1);
      expect(find('aqi_daily', id).map((r) => [Number(r.value), r.category])).toEqual([[daily.body.data[0]!.aqi, daily.body.data[0]!.category.key]]);
      const hourly = await t.api<{ data: Array<{ ts: string; aqi: number; category: { key: string } }> }>(
        'GET',
        `/api/v1/stations/${id}/aqi?period=hour&from=${new Date(D0).toISOString()}&to=${new Date(D0 + 24 * HOUR).toISOString()}`,
      );
      const inDay = hourly.body.data.filter((h) => Date.parse(h.ts) > D0 && Date.parse(h.ts) <= D0 + 24 * HOUR);
      expect(inDay.length).toBeGreaterThanOrEqual(22); // the NowCast needs 2 of the last 3 hours
      const top = Math.max(...inDay.map((h) => h.aqi));
      const first = inDay.find((h) => h.aqi === top)!;
      expect(find('aqi_max_hourly', id).map((r) => [Number(r.value), r.time])).toEqual([[top, localIso(Date.parse(first.ts)).replace('.000', '')]]);
    }
    // BT-B's 24-hour PM2.5 mean of 60 µg/m³ puts its day in "Trung bình" or worse
    expect(Number(find('aqi_daily', 'BT-B')[0]!.value)).toBeGreaterThan(50);
  });

  it('lists exactly the stations and hours over the QCVN limits', () => {
    const over = rows.filter((r) => r.section === 'exceedance').map((r) => [r.station, r.metric, r.averaging, r.time, Number(r.value), r.limit, r.detail]);
    expect(over).toEqual([
      ['BT-A', 'no2', '1h', `${DAY}T15:00:00+07:00`, 250, '>200', 'qcvn05.no2-1h'],
      ['BT-A', 'no2', '1h', `${DAY}T16:00:00+07:00`, 250, '>200', 'qcvn05.no2-1h'],
      ['BT-B', 'pm25', '24h', '2026-03-16T00:00:00+07:00', 60, '>45', 'qcvn05.pm25-24h-from-2026'],
    ]);
  });

  it('has the completeness computed by hand from the seeded data', () => {
    const c = (id: string) => find('completeness', id).map((r) => [Number(r.value), r.detail]);
    // BT-A: 3 metrics × 1440 expected, one hour missing in each: 3 × 1380 = 4140 valid → 95.8 %
    expect(c('BT-A')).toEqual([[95.8, 'expected=4320 excluded=0 valid=4140']]);
    // BT-B: 2 × 1440 expected, 60 calibrating readings excluded, everything else valid → 100 %
    expect(c('BT-B')).toEqual([[100, 'expected=2880 excluded=60 valid=2820']]);
    expect(bulletin.summary.completeness).toBe(Math.round(((4140 + 2820) / (4320 + 2820)) * 1000) / 10);
  });

  it('lists the alerts that fired and were resolved during the day', () => {
    const mine = (section: string) => rows.filter((r) => r.section === section && (r.detail ?? '').startsWith('test.bt-pm25:')).map((r) => [r.station, r.time, r.category]);
    expect(mine('alert_fired')).toEqual([['BT-A', `${DAY}T09:00:00+07:00`, 'warning']]);
    expect(mine('alert_resolved')).toEqual([['BT-A', `${DAY}T12:00:00+07:00`, 'warning']]);
    for (const r of rows.filter((x) => (x.section ?? '').startsWith('alert_'))) expect((r.time ?? '').slice(0, 10)).toBe(DAY);
  });

  it('renders a self-contained HTML document that escapes a hostile station name', async () => {
    const res = await download(bulletin.links.html);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="quantrac-bulletin-daily-${DAY}-ha-noi.html"`);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Trạm &#39;A&#39;');
    expect(html).not.toContain('<script');
    expect(html).not.toMatch(/src=|href=/);
    expect(html).toContain('Bản tin quan trắc môi trường ngày 15/03/2026');
    expect(html).toContain('Vượt quy chuẩn kỹ thuật quốc gia (QCVN) <span class="en">/ Exceedances');
    expect(html).toContain('24:00: 60'); // the 24-hour mean, ending at the day's end
  });

  it.runIf(CHROMIUM)('prints a PDF with the installed Chromium', async () => {
    expect(bulletin.links.pdf).toBe(`/api/v1/bulletins/${bulletin.id}.pdf`);
    const res = await download(bulletin.links.pdf!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(bytes.length).toBeGreaterThan(5000);
  });

  it('is listed, kept as version 1 when generated again (version 2 is current), and delivered to a Node-RED flow', async () => {
    const list = await t.api<{ data: BulletinJson[] }>('GET', `/api/v1/bulletins?province=${encodeURIComponent('Hà Nội')}&kind=daily`, undefined, viewerToken);
    expect(list.status).toBe(200);
    expect(list.body.data.map((b) => b.id)).toEqual([bulletin.id]);
    const again = await t.api<{ bulletin: BulletinJson & { version: number; revisionReason: string | null } }>(
      'POST',
      '/api/v1/bulletins',
      { kind: 'daily', day: DAY, province: 'Hà Nội' },
      t.adminToken,
    );
    expect(again.body.bulletin).toMatchObject({ version: 2, generatedBy: 'admin', revisionReason: 'generated again at the request of admin' });
    expect(again.body.bulletin.id).not.toBe(bulletin.id);
    const relisted = await t.api<{ data: Array<BulletinJson & { olderVersions: Array<{ id: number; version: number; current: boolean }> }> }>(
      'GET',
      `/api/v1/bulletins?province=${encodeURIComponent('Hà Nội')}&kind=daily`,
      undefined,
      viewerToken,
    );
    expect(relisted.body.data.map((b) => [b.id, b.olderVersions.map((o) => [o.id, o.version, o.current])])).toEqual([[again.body.bulletin.id, [[bulletin.id, 1, false]]]]);

    const delivered = await until('the flow to post the bulletin', () => receiver.received.find((m) => m['id'] === again.body.bulletin.id));
    expect(delivered).toMatchObject({ kind: 'daily', period: DAY, scope: 'province:Hà Nội', links: { html: `http://ioc.test/api/v1/bulletins/${again.body.bulletin.id}.html` } });
    const files = (delivered['files'] as Array<[string, number]>).map(([name]) => name);
    expect(files).toEqual([
      `quantrac-bulletin-daily-${DAY}-ha-noi.html`,
      `quantrac-bulletin-daily-${DAY}-ha-noi.csv`,
      ...(CHROMIUM ? [`quantrac-bulletin-daily-${DAY}-ha-noi.pdf`] : []),
    ]);
  });

  it.runIf(CHROMIUM)('is listed in the operations center, where an operator generates one', async () => {
    const { chromium } = await import('playwright-core');
    const profileDir = mkdtempSync(join(tmpdir(), 'quantrac-chromium-'));
    const browser = await chromium.launchPersistentContext(profileDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = browser.pages()[0] ?? (await browser.newPage());
      await page.goto(`${t.baseUrl}/bulletins`);
      await page.fill('input[name=username]', 'bt-operator');
      await page.fill('input[name=password]', 'pw-bt-operator-long-enough');
      await page.click('button[type=submit]');
      const row = page.locator(`[data-testid=bulletins-table] tr[data-id="${bulletin.id}"]`);
      await row.waitFor();
      expect(await row.textContent()).toContain('Hà Nội');
      expect(await row.locator('[data-testid=download-csv]').getAttribute('href')).toBe(bulletin.links.csv);
      expect(await page.locator('nav a[href="/bulletins"]').textContent()).toBe('Bản tin');
      await page.fill('[data-testid=bulletin-day]', '2026-03-14');
      await page.click('[data-testid=bulletin-generate] button[type=submit]');
      await page.locator('[data-testid=bulletin-result]', { hasText: 'Đã lập' }).waitFor();
      const list = await t.api<{ data: BulletinJson[] }>('GET', '/api/v1/bulletins?kind=daily&from=2026-03-14&to=2026-03-14');
      expect(list.body.data.map((b) => [b.scope, b.generatedBy])).toEqual([['all', 'bt-operator']]);
    } finally {
      await browser.close();
      rmSync(profileDir, { recursive: true, force: true });
    }
  });

  it('refuses bad requests', async () => {
    const post = (body: unknown) => t.api<{ error: { code: string } }>('POST', '/api/v1/bulletins', body, operatorToken);
    expect((await post({ kind: 'daily', day: '2999-01-01' })).body.error.code).toBe('QT_ERR_RANGE_INVALID');
    expect((await post({ kind: 'daily', day: '2026-02-30' })).body.error.code).toBe('QT_ERR_RANGE_INVALID');
    expect((await post({ kind: 'daily', month: '2026-03' })).status).toBe(400);
    expect((await post({ kind: 'daily', day: DAY, province: 'Atlantis' })).status).toBe(404);
    expect((await t.api('GET', '/api/v1/bulletins/999999.csv')).status).toBe(404);
    expect((await t.api('GET', '/api/v1/bulletins/1.exe')).status).toBe(400);
    expect((await t.api('GET', '/api/v1/bulletins', undefined, null)).status).toBe(401);
    const openapi = await t.api<{ paths: Record<string, unknown> }>('GET', '/api/openapi.json');
    expect(Object.keys(openapi.body.paths)).toEqual(expect.arrayContaining(['/api/v1/bulletins', '/api/v1/bulletins/{file}']));
  });
});

describe('the monthly bulletin', () => {
  it('counts exceedance days, alerts, VN_AQI days per category and completeness over the month', async () => {
    const res = await t.api<{ bulletin: BulletinJson }>('POST', '/api/v1/bulletins', { kind: 'monthly', month: '2026-03', province: 'Hà Nội' }, operatorToken);
    expect(res.status).toBe(201);
    const rows = parseCsvRecords(await (await download(res.body.bulletin.links.csv)).text());
    const of = (section: string, station: string) => rows.filter((r) => r.section === section && r.station === station);
    expect(of('exceedance_days', 'BT-A').map((r) => [r.metric, Number(r.value), r.detail])).toEqual([['no2', 1, `qcvn05.no2-1h: ${DAY}`]]);
    expect(of('exceedance_days', 'BT-B').map((r) => [r.metric, Number(r.value), r.detail])).toEqual([['pm25', 1, `qcvn05.pm25-24h-from-2026: ${DAY}`]]);
    // one VN_AQI day each; the monthly mean of one day is that day's value
    for (const id of ['BT-A', 'BT-B']) {
      const daily = rows.filter((r) => r.section === 'aqi_category_days' && r.station === id);
      expect(daily.reduce((n, r) => n + Number(r.value), 0)).toBe(1);
      expect(of('aqi_monthly_mean', id)[0]!.detail).toBe('days=1');
    }
    // 31 days expected, one seeded
    expect(of('completeness', 'BT-A').map((r) => r.detail)).toEqual([`expected=${3 * 1440 * 31} excluded=0 valid=4140`]);
    expect(of('completeness', 'BT-B').map((r) => [Number(r.value), r.detail])).toEqual([
      [Math.round((2820 / (2 * 1440 * 31 - 60)) * 1000) / 10, `expected=${2 * 1440 * 31} excluded=60 valid=2820`],
    ]);
    expect(Number(of('alerts', 'BT-A')[0]!.value)).toBeGreaterThanOrEqual(1);
    expect(res.body.bulletin.summary.stationsExceeding).toBe(2);
  });
});

describe('the schedule', () => {
  it('names the latest due day and month in Asia/Ho_Chi_Minh', () => {
    const slots = { dailyAt: '07:00', monthlyAt: '1 07:30' };
    expect(duePeriods(slots, vn('2026-03-16T06:59:59'))).toEqual({ day: '2026-03-14', month: '2026-02' });
    expect(duePeriods(slots, vn('2026-03-16T07:00:00'))).toEqual({ day: DAY, month: '2026-02' });
    expect(duePeriods(slots, vn('2026-04-01T07:29:00'))).toEqual({ day: '2026-03-31', month: '2026-02' });
    expect(duePeriods(slots, vn('2026-04-01T07:30:00'))).toEqual({ day: '2026-03-31', month: '2026-03' });
    expect(duePeriods(slots, vn('2026-01-01T08:00:00'))).toEqual({ day: '2025-12-31', month: '2025-12' });
  });

  it("follows the agency's zone when it is not Vietnam's (Europe/Paris, the day daylight saving starts)", () => {
    const slots = { dailyAt: '07:00', monthlyAt: '1 07:30' };
    // 29 March 2026 07:00 in Paris is 05:00 UTC (+02:00 since 02:00 local)
    expect(duePeriods(slots, Date.parse('2026-03-29T04:59:59Z'), 'Europe/Paris')).toEqual({ day: '2026-03-27', month: '2026-02' });
    expect(duePeriods(slots, Date.parse('2026-03-29T05:00:00Z'), 'Europe/Paris')).toEqual({ day: '2026-03-28', month: '2026-02' });
    expect(duePeriods(slots, Date.parse('2026-04-01T05:29:59Z'), 'Europe/Paris')).toEqual({ day: '2026-03-31', month: '2026-02' });
    expect(duePeriods(slots, Date.parse('2026-04-01T05:30:00Z'), 'Europe/Paris')).toEqual({ day: '2026-03-31', month: '2026-03' });
  });

  it('produces the due bulletins for every scope at the configured time, once', async () => {
    const before = published.length;
    const made = await t.app.bulletins.runDue(vn('2026-03-16T07:00:00'));
    // the Hà Nội daily bulletin exists already (generated above); Đà Nẵng's only station came later,
    // and so did every station for February: nothing to report there
    expect(made.map((m) => `${m.kind} ${m.periodStart} ${m.scope} ${m.generatedBy}`)).toEqual([`daily ${DAY} all schedule`]);
    expect(published.slice(before).map((e) => e.trigger)).toEqual(['schedule']);
    expect(await t.app.bulletins.runDue(vn('2026-03-16T07:05:00'))).toEqual([]);

    const list = await t.api<{ data: BulletinJson[] }>('GET', `/api/v1/bulletins?kind=daily&from=${DAY}&to=${DAY}`, undefined, viewerToken);
    expect(list.body.data.map((b) => b.scope).sort()).toEqual(['all', 'province:Hà Nội']);
    const all = list.body.data.find((b) => b.scope === 'all')!;
    // BT-DN was registered after the day and has no data in it
    expect(all.summary).toMatchObject({ stations: 2, exceedances: 3 });
  });

  it('catches up the missed monthly bulletin when it starts after the configured time', async () => {
    const config = resolveConfig({ bulletins: { enabled: true, dailyAt: '07:00', monthlyAt: '1 07:30', pdf: 'off' } });
    const bulletins = createBulletins({ config, db: t.app.store.db, bus: t.app.bus, profiles: t.app.profiles, logger: t.app.logger, now: () => vn('2026-04-01T08:15:00') });
    const before = published.length;
    await bulletins.start();
    await bulletins.idle();
    await bulletins.close();
    // due: the day 2026-03-31 (no data: skipped) and the month 2026-03 (Hà Nội's exists already)
    const made = published.slice(before).map((e) => `${e.bulletin.kind} ${e.period} ${e.bulletin.scope} pdf=${e.pdf !== null}`);
    expect(made).toEqual(['monthly 2026-03 all pdf=false']);
  });
});
