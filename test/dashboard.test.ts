/**
 * The operations center in a real browser: Debian's Chromium driven by playwright-core (never a
 * downloaded browser) against the real app (embedded TimescaleDB, broker, simulated fleet) on
 * ports 0. Screenshots go to test-artifacts/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OverviewSnapshot } from '../domain/live.js';
import { createSimulatedStation } from '../simulators/index.js';
import { localIso, startTestApp, type TestApp } from './helpers/app.js';
import { scaledOverview } from './helpers/overview-load.js';

const ARTIFACTS = join(import.meta.dirname, '..', 'test-artifacts');
const XSS_NAME = '<img src=x onerror=alert(1)>';

let t: TestApp;
let browser: BrowserContext;
let page: Page;
let profileDir: string;
const dialogs: string[] = [];
const problems: string[] = [];
let operator: { username: string; password: string };

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  t = await startTestApp({ simulate: 20, simulateIntervalMs: 2000 });
  operator = { username: 'duty-op', password: 'pw-duty-op-long-enough' };
  await t.userToken(operator.username, 'operator');
  await t.createStation({ id: 'XSS-1', name: XSS_NAME, lat: 20.95, lon: 105.75 });
  // a station with a day of history, so its charts, limits and hourly AQI have something to show
  const air = await t.createStation({ id: 'DB-AIR', name: 'Trạm Nguyễn Văn Cừ', lat: 21.048, lon: 105.878 });
  const client = await t.connectStation(air.id, air.secret);
  const now = Date.now();
  const backlog = [];
  for (let i = 288; i >= 1; i--) {
    const ts = now - i * 5 * 60_000;
    const hour = new Date(ts + 7 * 3_600_000).getUTCHours();
    const rush = Math.exp(-((hour - 8) ** 2) / 4) + Math.exp(-((hour - 18) ** 2) / 5);
    backlog.push({
      ts: localIso(ts),
      values: {
        pm25: Math.round((28 + 45 * rush + 6 * Math.sin(i / 7)) * 10) / 10,
        pm10: Math.round((50 + 60 * rush) * 10) / 10,
        no2: Math.round((30 + 35 * rush) * 10) / 10,
        co: Math.round(900 + 1500 * rush),
      },
    });
  }
  await client.publishAsync(`stations/${air.id}/readings`, JSON.stringify(backlog), { qos: 1 });
  await t.app.alerts.idle();

  profileDir = mkdtempSync(join(tmpdir(), 'quantrac-chromium-'));
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    // a zone far from Vietnam's: the page must still show Vietnamese time
    timezoneId: 'America/New_York',
    locale: 'en-US',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    // 401s are expected: the page asks for a session before signing in, and the test tries a wrong password
    if (/status of 401/.test(msg.text())) return;
    if (msg.type() === 'error' || /Content Security Policy/i.test(msg.text())) problems.push(`console ${msg.type()}: ${msg.text()}`);
  });
});

afterAll(async () => {
  await browser?.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  await t?.close(true);
});

/** What page-side functions use (the tests are type-checked without the DOM library; strings would need 'unsafe-eval', which the CSP refuses). */
interface PageGlobals {
  document: { cookie: string; querySelector(selector: string): { textContent: string | null } | null };
  localStorage: { getItem(key: string): string | null };
}
const pm25Is = (text: string) => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid=latest] td[data-metric=pm25]')?.textContent === text;

async function signIn(): Promise<void> {
  await page.goto(t.baseUrl + '/');
  await page.fill('input[name=username]', operator.username);
  await page.fill('input[name=password]', operator.password);
  await page.click('form.login button[type=submit]');
  await page.waitForSelector('header.topbar');
}

describe('the operations center in Chromium', () => {
  it('signs in with the session cookie (not readable by scripts)', async () => {
    await page.goto(t.baseUrl + '/');
    await page.fill('input[name=username]', operator.username);
    await page.fill('input[name=password]', 'wrong-password');
    await page.click('form.login button[type=submit]');
    await expect.poll(() => page.textContent('form.login .error')).toBe('Sai tên đăng nhập hoặc mật khẩu');
    await signIn();
    expect(await page.textContent('header .who')).toBe('duty-op (operator)');
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.cookie)).toBe('');
    const cookies = await browser.cookies(t.baseUrl);
    expect(cookies.find((c) => c.name === 'qt_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
  });

  it('shows every station on the overview, a station name with markup as plain text, and the map of Vietnam with both archipelagos', async () => {
    const ids = t.app.directory.all().map((s) => s.id);
    expect(ids.length).toBe(22);
    await expect.poll(() => page.locator('[data-testid=station-list] li').count(), { timeout: 10_000 }).toBe(ids.length);
    for (const id of ids) expect(await page.locator(`[data-testid=station-list] li[data-id="${id}"]`).count()).toBe(1);
    expect(await page.textContent('li[data-id="XSS-1"] .name')).toBe(XSS_NAME);
    expect(await page.locator('img[src=x]').count()).toBe(0);
    expect(dialogs).toEqual([]);
    await expect.poll(() => page.locator('.map-label').allTextContents()).toEqual(expect.arrayContaining(['Quần đảo Hoàng Sa (Việt Nam)', 'Quần đảo Trường Sa (Việt Nam)']));
    await expect.poll(() => page.textContent('[data-testid=kpis]')).toContain('Trạm đang hoạt động');
    // searching narrows the list, without diacritics too
    await page.fill('[data-testid=station-search]', 'nguyen van cu');
    expect(await page.locator('[data-testid=station-list] li:not([hidden])').count()).toBe(1);
    await page.fill('[data-testid=station-search]', '');
    // wait for the simulated fleet to report, then keep a picture of the overview
    await expect.poll(() => page.locator('[data-testid=station-list] li[data-state=online]').count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(15);
    await page.waitForTimeout(1200);
    await page.screenshot({ path: join(ARTIFACTS, 'overview.png') });
  });

  it('shows a reading published over MQTT on the station page as it arrives, without a reload', async () => {
    await page.click('li[data-id="DB-AIR"] a');
    await page.waitForSelector('[data-testid=charts] .uplot');
    expect(await page.textContent('[data-testid=station-name]')).toBe('Trạm Nguyễn Văn Cừ');
    const station = t.app.directory.get('DB-AIR')!;
    // only the station itself may publish: a stranger is refused at CONNACK
    await expect(t.connectStation('DB-AIR-live', 'x')).rejects.toThrow();
    const { secret } = (await t.api<{ secret: string }>('POST', '/api/v1/stations/DB-AIR/rotate-secret')).body;
    const mqtt = await t.connectStation(station.id, secret);
    // a mark on this page's window: a reload (or a navigation) would wipe it
    await page.evaluate(() => ((globalThis as unknown as { quantracMark?: number }).quantracMark = 1));
    const published = Date.now();
    await mqtt.publishAsync('stations/DB-AIR/readings', JSON.stringify({ ts: localIso(published), values: { pm25: 123.4 } }), { qos: 1 });
    // pushed over socket.io (the latency is measured by npm run bench: publish → socket.io client)
    await page.waitForFunction(pm25Is, '123,4', { timeout: 10_000, polling: 'raf' });
    expect(await page.evaluate(() => (globalThis as unknown as { quantracMark?: number }).quantracMark)).toBe(1);
    const vnTime = new Intl.DateTimeFormat('vi-VN', {
      timeZone: 'Asia/Ho_Chi_Minh',
      day: '2-digit',
      month: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    }).format(new Date(published));
    expect(await page.textContent('[data-testid=latest] tr:has(td[data-metric=pm25]) td:last-child')).toBe(vnTime);
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(ARTIFACTS, 'station.png'), fullPage: true });

    // the live connection drops; a reading committed meanwhile is fetched from the API after the reconnect
    for (const socket of t.app.http.realtime.io.sockets.sockets.values()) socket.conn.close();
    await mqtt.publishAsync('stations/DB-AIR/readings', JSON.stringify({ ts: localIso(Date.now()), values: { pm25: 77.7 } }), { qos: 1 });
    await page.waitForFunction(pm25Is, '77,7', { timeout: 5000 });
  });

  it('flags a new critical alert from a simulated pollution episode, lists it in the panel, and acknowledges it', async () => {
    const s = await t.createStation({ id: 'DB-EPI', name: 'Trạm KCN Phố Nối', lat: 20.94, lon: 106.06 });
    const rule = {
      id: 'dash.episode',
      name: { en: 'PM2.5 episode at Phố Nối', vi: 'Đợt ô nhiễm PM2,5 tại Phố Nối' },
      kind: 'threshold',
      scope: { station: s.id },
      metric: 'pm25',
      severity: 'critical',
      op: 'above',
      raise: 150,
      clear: 120,
      over: 'raw',
    };
    expect((await t.api('POST', '/api/v1/rules', rule)).status).toBe(201);
    await page.click('header nav a[href="/"]');
    await page.waitForSelector('[data-testid=station-list] li[data-id="DB-EPI"]');
    const profile = t.app.profiles.get('air-quality')!.profile;
    const sim = createSimulatedStation({ url: t.mqttUrl, station: { id: s.id, secret: s.secret, profile }, intervalMs: 200, seed: 11 });
    try {
      await sim.start();
      sim.inject({ kind: 'episode', metric: 'pm25', target: 400, rampMs: 800, holdMs: 4000, decayMs: 800 });
      // the banner announces the newest critical alert: the simulated fleet may have raised one of its own
      // (an hourly VN_AQI above 200) just before, so wait for this station's, not for the first one shown
      await page.locator('.critical-banner:not([hidden])', { hasText: 'Trạm KCN Phố Nối' }).waitFor({ timeout: 10_000 });
      expect(await page.locator('[data-testid=alert-feed] .feed-item.flash').count()).toBeGreaterThanOrEqual(1);
      // most severe first
      expect(await page.locator('[data-testid=alert-feed] .feed-item').first().getAttribute('class')).toContain('sev-critical');
    } finally {
      await sim.close();
    }
    const open = (await t.api<{ data: Array<{ id: number; rule: string; state: string }> }>('GET', `/api/v1/alerts?station=${s.id}&state=open`)).body.data;
    const alert = open.find((a) => a.rule === 'dash.episode')!;
    expect(alert.state).toBe('firing');

    await page.click('header nav a[href="/alerts"]');
    const row = page.locator(`[data-testid=alerts-table] tr[data-id="${alert.id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('Trạm KCN Phố Nối');
    await page.selectOption('[data-testid=filter-severity]', 'critical');
    await row.waitFor();
    await row.click();
    await page.waitForSelector('[data-testid=alert-history] li');
    expect(await page.locator('[data-testid=alert-history] details').count()).toBeGreaterThanOrEqual(1);
    await page.fill('[data-testid=ack-comment]', 'Đã cử cán bộ kiểm tra <b>hiện trường</b>');
    await page.click('[data-testid=ack]');
    await expect
      .poll(async () => (await t.api<{ alert: { state: string; acknowledged: { by: string; comment: string } | null } }>('GET', `/api/v1/alerts/${alert.id}`)).body.alert, {
        timeout: 5000,
      })
      .toMatchObject({
        state: 'acknowledged',
        acknowledged: { by: 'duty-op', comment: 'Đã cử cán bộ kiểm tra <b>hiện trường</b>' },
      });
    await expect.poll(() => page.textContent('[data-testid=detail-state]')).toBe('Đã tiếp nhận');
    expect(await page.locator('.alert-detail b').count()).toBe(0); // the comment is text, not markup
    await page.screenshot({ path: join(ARTIFACTS, 'alerts.png') });
  });

  it('switches language (labels and number format) and keeps times in Asia/Ho_Chi_Minh', async () => {
    await page.click('header nav a[href="/"]');
    expect(await page.textContent('header nav')).toBe('Tổng quanCảnh báoBản tinKiểm định dữ liệu');
    await page.click('header [data-testid=lang]');
    await expect.poll(() => page.textContent('header nav')).toBe('OverviewAlertsBulletinsData validation');
    await expect.poll(() => page.textContent('[data-testid=kpis]')).toContain('Stations online');
    await page.goto(`${t.baseUrl}/stations/DB-AIR`);
    await page.waitForFunction(pm25Is, '77.7');
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).localStorage.getItem('quantrac.lang'))).toBe('en');
    await page.click('header [data-testid=lang]');
    await page.waitForFunction(pm25Is, '77,7');
    expect(await page.textContent('header nav')).toBe('Tổng quanCảnh báoBản tinKiểm định dữ liệu');
  });

  it('shows 1,000 stations on the overview: every one listed, found by search, and clustered on the map', async () => {
    // the page's own API answer with 1,000 more stations (test/helpers/overview-load.ts)
    const scaled = scaledOverview((await t.api<OverviewSnapshot>('GET', '/api/v1/overview')).body, 1000);
    const stations = scaled.stations;
    await page.route('**/api/v1/overview', (route) => route.fulfill({ json: scaled }));
    try {
      // How fast this is, is measured by bench/overview-browser.ts (npm run bench -- --all), not here.
      await page.goto(`${t.baseUrl}/`);
      await expect.poll(() => page.locator('[data-testid=station-list] li').count(), { timeout: 10_000 }).toBe(stations.length);
      // a search over 1,000 rows leaves the one it names
      await page.fill('[data-testid=station-search]', 'tai 999');
      await expect.poll(() => page.locator('[data-testid=station-list] li:not([hidden])').count()).toBe(1);
      expect(await page.locator('[data-testid=station-list] li:not([hidden])').textContent()).toContain('Trạm tải 999');
      // the map draws clusters, not 1,000 markers: a few dozen labelled circles whose counts hold most stations
      const clusters = async () => {
        const counts = (await page.locator('.cluster-label').allTextContents()).map(Number);
        return { clusters: counts.length, stations: counts.reduce((a, b) => a + b, 0) };
      };
      await expect.poll(async () => (await clusters()).stations, { timeout: 10_000 }).toBeGreaterThan(stations.length / 2);
      const before = await clusters();
      expect(before.clusters).toBeLessThan(stations.length / 10);
      expect(before.stations).toBeLessThanOrEqual(stations.length);
      // zooming in redraws them: the clusters split into more, smaller ones
      await page.click('.leaflet-control-zoom-in');
      await expect.poll(async () => (await clusters()).clusters, { timeout: 10_000 }).toBeGreaterThan(before.clusters);
      // (the old labels fade out for a moment after a redraw: wait until only the new ones are left)
      await expect.poll(async () => (await clusters()).stations, { timeout: 10_000 }).toBeLessThanOrEqual(stations.length);
    } finally {
      await page.unroute('**/api/v1/overview');
    }
  });

  it('raised no page error, no console error and no CSP violation, and no dialog ever opened', () => {
    expect(problems).toEqual([]);
    expect(dialogs).toEqual([]);
  });
});
