/**
 * The operations center for a 24/7 control room (issue #15), in Chromium (Debian's, driven by
 * playwright-core) against the real app: a critical alert raised while the operator is on a
 * station page shows the shell's banner there and counts in the tab title; the overview lists the
 * station with the firing critical alert first, and an alert flies the map to its station and
 * opens its charts around the alert; two alerts are acknowledged at once, values carry units, and
 * "Silence" prefills the form; the wall screen, signed in by a wall token, stays signed in past
 * its session's original expiry (the tokens' clock is a fake one, the browser's is fast-forwarded
 * to fire the page's renewal).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localIso, startTestApp, type TestApp } from './helpers/app.js';

const ARTIFACTS = join(import.meta.dirname, '..', 'test-artifacts');
const HOUR_MS = 3_600_000;
const LAUNCH = {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1440, height: 900 },
  timezoneId: 'America/New_York',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};

/** The tokens' clock (app option authNow): moved forward to age sessions. */
let clock = Date.now();
let t: TestApp;
let browser: BrowserContext;
let page: Page;
const profileDirs: string[] = [];
const problems: string[] = [];
type Client = Awaited<ReturnType<TestApp['connectStation']>>;
const clients = new Map<string, Client>();

interface AlertJson {
  id: number;
  station: string;
  rule: string;
  state: string;
  firingAt: string | null;
  openedAt: string;
}
/** What page-side functions use (the tests are type-checked without the DOM library). */
interface PageGlobals {
  document: { title: string };
}

function rule(id: string, station: string, severity: 'warning' | 'critical', raise: number) {
  return {
    id,
    name: { en: `PM2.5 above ${raise} at ${station}`, vi: `PM2,5 vượt ${raise} tại ${station}` },
    kind: 'threshold',
    scope: { station },
    metric: 'pm25',
    severity,
    op: 'above',
    raise,
    clear: raise - 20,
    over: 'raw',
  };
}

async function publish(station: string, pm25: number): Promise<void> {
  await clients.get(station)!.publishAsync(`stations/${station}/readings`, JSON.stringify({ ts: localIso(Date.now() - 30_000), values: { pm25 } }), { qos: 1 });
  await t.app.alerts.idle();
}

async function openAlert(station: string): Promise<AlertJson> {
  const res = await t.api<{ data: AlertJson[] }>('GET', `/api/v1/alerts?station=${station}&state=open`);
  return res.body.data[0]!;
}

async function launch(): Promise<{ context: BrowserContext; page: Page }> {
  const dir = mkdtempSync(join(tmpdir(), 'quantrac-chromium-'));
  profileDirs.push(dir);
  const context = await chromium.launchPersistentContext(dir, LAUNCH);
  const p = context.pages()[0] ?? (await context.newPage());
  p.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  p.on('console', (msg) => {
    // 401s are expected: the page asks for its session before signing in
    if (/status of 401/.test(msg.text())) return;
    if (msg.type() === 'error' || /Content Security Policy/i.test(msg.text())) problems.push(`console ${msg.type()}: ${msg.text()}`);
  });
  return { context, page: p };
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  t = await startTestApp({ auth: { tokenTtlHours: 1 } }, undefined, { authNow: () => clock });
  // names that sort before the one that will have the critical alert
  for (const [id, name] of [
    ['OPS-A', 'An Khánh'],
    ['OPS-B', 'Bạch Mai'],
    ['OPS-CRIT', 'Trạm KCN Thăng Long'],
  ] as const) {
    const s = await t.createStation({ id, name, lat: 21 + clients.size * 0.05, lon: 105.8 });
    clients.set(id, await t.connectStation(s.id, s.secret));
    await publish(id, 20);
  }
  expect((await t.api('POST', '/api/v1/rules', rule('ops.crit', 'OPS-CRIT', 'critical', 150))).status).toBe(201);
  expect((await t.api('POST', '/api/v1/rules', rule('ops.warn-a', 'OPS-A', 'warning', 100))).status).toBe(201);
  expect((await t.api('POST', '/api/v1/rules', rule('ops.warn-b', 'OPS-B', 'warning', 100))).status).toBe(201);
  await t.userToken('ops-op', 'operator');

  ({ context: browser, page } = await launch());
  await page.goto(`${t.baseUrl}/`);
  await page.fill('input[name=username]', 'ops-op');
  await page.fill('input[name=password]', 'pw-ops-op-long-enough');
  await page.click('form.login button[type=submit]');
  await page.waitForSelector('header.topbar');
}, 180_000);

afterAll(async () => {
  await browser?.close();
  for (const dir of profileDirs) rmSync(dir, { recursive: true, force: true });
  await t?.close(true);
});

describe('alert awareness everywhere', () => {
  it('shows a critical alert raised while the operator is on a station page, there, with the count in the tab title', async () => {
    await page.goto(`${t.baseUrl}/stations/OPS-A`);
    await page.waitForSelector('[data-testid=station-name]');
    expect(await page.locator('[data-testid=alert-banner]').isHidden()).toBe(true);
    await publish('OPS-CRIT', 320);
    const banner = page.locator('[data-testid=alert-banner].critical-banner:not([hidden])');
    await banner.waitFor({ timeout: 10_000 });
    expect(await banner.textContent()).toContain('Trạm KCN Thăng Long');
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as PageGlobals).document.title)).toMatch(/^\(1\) /);
    expect(new URL(page.url()).pathname).toBe('/stations/OPS-A'); // still where the operator was
    await page.screenshot({ path: join(ARTIFACTS, 'ops-banner-station.png') });
  });

  it('lists the station with the firing critical alert first on the overview, and an alert opens its station on the map and its chart around it', async () => {
    await page.click('header nav a[href="/"]');
    const first = page.locator('[data-testid=station-list] li').first();
    await expect.poll(() => first.getAttribute('data-id'), { timeout: 10_000 }).toBe('OPS-CRIT');
    expect(await first.getAttribute('data-alert')).toBe('critical-firing');
    // a warning moves its station above the quiet one, below the critical one
    await publish('OPS-B', 180);
    await expect
      .poll(() => page.locator('[data-testid=station-list] li').evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { id: string } }).dataset.id)))
      .toEqual(['OPS-CRIT', 'OPS-B', 'OPS-A']);
    const alert = await openAlert('OPS-CRIT');
    await page.click(`[data-testid=alert-feed] .feed-item[data-id="${alert.id}"] .msg`);
    const popup = page.locator('.leaflet-popup .popup[data-station="OPS-CRIT"]');
    await popup.waitFor({ timeout: 5000 });
    await popup.locator('[data-testid=popup-chart]').click();
    await page.waitForURL(/\/stations\/OPS-CRIT\?at=/);
    const grid = page.locator('[data-testid=charts]');
    await expect.poll(() => grid.getAttribute('data-from'), { timeout: 10_000 }).toBe(new Date(Date.parse(alert.firingAt ?? alert.openedAt) - 6 * HOUR_MS).toISOString());
  });

  it('acknowledges two alerts at once, shows values with units, and prefills a silence from an alert', async () => {
    await publish('OPS-A', 140);
    const [a, b, crit] = [await openAlert('OPS-A'), await openAlert('OPS-B'), await openAlert('OPS-CRIT')];
    await page.click('header nav a[href="/alerts"]');
    const row = (id: number) => page.locator(`[data-testid=alerts-table] tr[data-id="${id}"]`);
    await row(a.id).waitFor();
    expect(await row(a.id).getAttribute('class')).toContain('is-new');
    expect(await row(crit.id).locator('[data-testid=value]').textContent()).toBe('320 µg/m³');
    await row(a.id).locator('[data-testid=tick]').check();
    await row(b.id).locator('[data-testid=tick]').check();
    expect(await page.textContent('[data-testid=bulk-count]')).toBe('2 đã chọn');
    await page.fill('[data-testid=bulk-comment]', 'Đã báo cán bộ hiện trường');
    await page.click('[data-testid=bulk-ack]');
    await expect.poll(() => page.textContent('[data-testid=bulk-progress]'), { timeout: 10_000 }).toBe('Đã tiếp nhận: 2/2');
    for (const x of [a, b]) {
      const got = (await t.api<{ alert: { state: string; acknowledged: { by: string; comment: string } } }>('GET', `/api/v1/alerts/${x.id}`)).body.alert;
      expect(got).toMatchObject({ state: 'acknowledged', acknowledged: { by: 'ops-op', comment: 'Đã báo cán bộ hiện trường' } });
    }
    // acknowledged and new look different
    await expect.poll(() => row(a.id).getAttribute('class')).toContain('ast-row-acknowledged');
    expect(await row(crit.id).getAttribute('class')).toContain('is-new');
    await expect.poll(() => page.getAttribute('[data-testid=alert-banner]', 'data-count')).toBe('1'); // only the critical one is left unacknowledged

    await row(crit.id).locator('[data-testid=silence]').click();
    expect(await page.inputValue('[data-testid=silence-rule]')).toBe('ops.crit');
    expect(await page.inputValue('[data-testid=silence-station]')).toBe('OPS-CRIT');
    await page.screenshot({ path: join(ARTIFACTS, 'ops-alerts.png'), fullPage: true });
  });
});

describe('the wall screen', () => {
  it('signs in with a wall token once and stays signed in past the session’s original expiry', async () => {
    const created = await t.api<{ token: string }>('POST', '/api/v1/tokens', { name: 'Control room wall' });
    expect(created.status).toBe(201);
    const { context, page: wall } = await launch();
    await wall.clock.install();
    await wall.goto(`${t.baseUrl}/wall?token=${created.body.token}&rotate=0`);
    await wall.waitForSelector('[data-testid=wall-grid] .wall-tile[data-id="OPS-CRIT"]', { timeout: 15_000 });
    expect(wall.url()).toBe(`${t.baseUrl}/wall?rotate=0`); // the token left the address bar
    expect(await wall.locator('header.topbar').count()).toBe(0); // no navigation chrome
    expect(await wall.getAttribute('html', 'data-theme')).toBe('dark');
    await expect.poll(() => wall.getAttribute('.wall-tile[data-id="OPS-CRIT"]', 'data-alert')).toBe('critical-firing');
    expect(await wall.textContent('[data-testid=alert-banner]')).toContain('Trạm KCN Thăng Long');
    const session = async () => (await context.cookies(t.baseUrl)).find((c) => c.name === 'qt_session')?.value;
    const original = (await session())!;
    expect(original).toMatch(/^v1\./);
    await wall.screenshot({ path: join(ARTIFACTS, 'ops-wall.png') });

    // past half the session's hour: the page's own renewal (a timer) gets a new cookie
    clock += 0.6 * HOUR_MS;
    await wall.clock.fastForward('10:30');
    await expect.poll(session, { timeout: 10_000 }).not.toBe(original);
    // past the original expiry: the first cookie is refused, the page is still signed in
    clock += 0.6 * HOUR_MS;
    expect((await t.inject('GET', '/api/v1/auth/session', undefined, null, { cookie: `qt_session=${original}` })).status).toBe(401);
    await wall.reload();
    await wall.waitForSelector('[data-testid=wall-grid] .wall-tile[data-id="OPS-CRIT"]', { timeout: 15_000 });
    expect(await wall.locator('form.login').count()).toBe(0);
    await context.close();
  });

  it('raised no page error, no console error and no CSP violation', () => {
    expect(problems).toEqual([]);
  });
});
