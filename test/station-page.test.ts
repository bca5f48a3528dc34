/**
 * The station page in Chromium (Debian's, driven by playwright-core) against the real app: every
 * station type shows its own index and its own limits, and the history charts load a chosen range
 * whose CSV download holds exactly the points drawn. A surface-water station shows its VN_WQI on
 * the list and its page; a hydromet station shows its own flood alarm levels (9.5/10.5/11.5 m from
 * its attributes, never the rule's ordinals 1/2/3); 7 days of its readings, published over MQTT
 * with past timestamps, come back as raw readings for 24 h and hourly means for 7 days.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localIso as vnIso } from '../lib/time.js';
import { localIso, startTestApp, type TestApp } from './helpers/app.js';

const HOUR = 3_600_000;
let t: TestApp;
let browser: BrowserContext;
let page: Page;
let profileDir: string;
const problems: string[] = [];
/** The hydromet station's published water levels, by epoch ms. */
const levels = new Map<number, number>();

beforeAll(async () => {
  t = await startTestApp();
  // surface water: one finished hour with enough parameter groups for a VN_WQI (QĐ 1460)
  const water = await t.createStation({ id: 'SP-WQI', profile: 'surface-water', name: 'Sông Nhuệ – Cầu Hà Đông' });
  const wc = await t.connectStation(water.id, water.secret);
  const hour = Math.floor((Date.now() - HOUR) / HOUR) * HOUR;
  const values = { ph: 7.2, do: 6.5, temp: 25, cod: 12, toc: 4, nh4: 0.2, po4: 0.1, coliform: 3000 };
  await wc.publishAsync(`stations/${water.id}/readings`, JSON.stringify({ ts: localIso(hour + 10 * 60_000), values }), { qos: 1 });
  // hydromet: the station's own alarm levels, 7 days of water level every 30 min, now 3.17 m
  const hydro = await t.createStation({ id: 'SP-HYD', profile: 'hydromet', name: 'Sông Hồng – Long Biên', attributes: { floodLevels: [9.5, 10.5, 11.5] } });
  const hc = await t.connectStation(hydro.id, hydro.secret);
  const now = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
  const backlog = [];
  for (let i = 7 * 48 - 1; i >= 0; i--) {
    const ts = now - i * 30 * 60_000;
    const v = i === 0 ? 3.17 : Math.round((3 + 1.5 * Math.sin(i / 9) + (i % 7) / 10) * 100) / 100;
    levels.set(ts, v);
    backlog.push({ ts: localIso(ts), values: { water_level: v } });
  }
  await hc.publishAsync(`stations/${hydro.id}/readings`, JSON.stringify(backlog), { qos: 1 });
  await t.app.alerts.idle();

  profileDir = mkdtempSync(join(tmpdir(), 'quantrac-chromium-'));
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    timezoneId: 'America/New_York', // far from Vietnam: the page must still work in Vietnam time
    acceptDownloads: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (/status of 401/.test(msg.text())) return;
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  await t.userToken('sp-op', 'operator');
  await page.goto(`${t.baseUrl}/`);
  await page.fill('input[name=username]', 'sp-op');
  await page.fill('input[name=password]', 'pw-sp-op-long-enough');
  await page.click('form.login button[type=submit]');
  await page.waitForSelector('header.topbar');
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  await t?.close(true);
});

/** Clicks the CSV download and parses the file: [header, ...rows]. */
async function downloadCsv(): Promise<{ raw: string; rows: string[][] }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-csv]')]);
  const raw = readFileSync((await download.path())!, 'utf8');
  return {
    raw,
    rows: raw
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n')
      .map((l) => l.split(',')),
  };
}

describe('the station page, per station type', () => {
  it('shows a surface-water station’s VN_WQI on the list and on its page', async () => {
    const res = await t.api<{ data: Array<{ ts: string; aqi: number }> }>('GET', '/api/v1/stations/SP-WQI/aqi?index=wqi');
    const wqi = res.body.data.at(-1)!;
    expect(wqi.aqi).toBeGreaterThan(0);
    const chip = page.locator('[data-testid=station-list] li[data-id="SP-WQI"] .aqi-chip');
    await expect.poll(() => chip.textContent(), { timeout: 10_000 }).toBe(String(wqi.aqi));
    expect(await chip.getAttribute('data-index')).toBe('VN_WQI');

    await page.click('li[data-id="SP-WQI"] a');
    const head = page.locator('[data-testid=index-panel] [data-testid=station-index]');
    await head.waitFor();
    expect(await head.getAttribute('data-index')).toBe('VN_WQI');
    expect(await head.locator('.index-value').textContent()).toBe(String(wqi.aqi));
    expect(await page.locator('[data-testid=index-panel]').textContent()).not.toContain('VN_AQI');
    // its limits are QCVN 08:2023's, and the source is named
    await expect.poll(() => page.textContent('[data-testid=limit-sources]')).toContain('QCVN 08:2023/BTNMT');
  });

  it('shows a hydromet station’s own flood alarm levels, not the rule’s ordinals', async () => {
    await page.goto(`${t.baseUrl}/stations/SP-HYD`);
    const limits = page.locator('[data-testid=latest] td[data-limits=water_level]');
    await limits.waitFor();
    const text = (await limits.textContent())!;
    expect(text).toContain('báo động I (BĐ I): 9,5');
    expect(text).toContain('báo động III (BĐ III): 11,5');
    expect(text).not.toMatch(/: [123](?![,\d])/);
    expect(await page.locator('[data-testid=levels] li').allTextContents()).toEqual(['báo động I (BĐ I): 9,5 m', 'báo động II (BĐ II): 10,5 m', 'báo động III (BĐ III): 11,5 m']);
    const head = page.locator('[data-testid=station-index]');
    expect(await head.locator('.index-value').textContent()).toBe('3,17 m');
    expect(await head.locator('.index-category').textContent()).toBe('Dưới báo động I (BĐ I)');
    expect(await page.locator('[data-testid=levels] li.reached').count()).toBe(0);
    expect(await page.textContent('[data-testid=limit-sources]')).toContain('Thuộc tính trạm (floodLevels) · QĐ 05/2020/QĐ-TTg');
  });

  it('charts 24 h of raw readings and downloads exactly them as CSV', async () => {
    const grid = page.locator('[data-testid=charts]');
    await expect.poll(() => grid.getAttribute('data-resolution'), { timeout: 10_000 }).toBe('raw');
    await page.waitForSelector('[data-testid=charts] .chart[data-metric=water_level] .uplot');
    const from = Date.parse((await grid.getAttribute('data-from'))!);
    const to = Date.parse((await grid.getAttribute('data-to'))!);
    const expected = [...levels].filter(([ts]) => ts >= from && ts <= to).sort((a, b) => a[0] - b[0]);
    expect(expected.length).toBeGreaterThanOrEqual(47);
    expect(await page.getAttribute('[data-metric=water_level] .chart-plot', 'data-points')).toBe(String(expected.length));
    const { raw, rows } = await downloadCsv();
    expect(raw.startsWith('\uFEFF')).toBe(true);
    expect(rows[0]).toEqual(['Thời điểm (giờ Việt Nam)', 'Mực nước (m)']);
    expect(rows.slice(1)).toEqual(expected.map(([ts, v]) => [vnIso(ts), String(v)]));
  });

  it('loads 7 days as hourly means from the range picker, and the CSV holds exactly the points shown', async () => {
    const grid = page.locator('[data-testid=charts]');
    await page.click('[data-testid=range-picker] button[data-range="7d"]');
    await expect.poll(() => grid.getAttribute('data-resolution'), { timeout: 15_000 }).toBe('hour');
    await page.waitForSelector('[data-testid=charts] .chart[data-metric=water_level] .uplot');
    expect(await page.getAttribute('[data-testid=range-picker] button[data-range="7d"]', 'class')).toContain('active');
    const from = (await grid.getAttribute('data-from'))!;
    const to = (await grid.getAttribute('data-to'))!;
    expect(Date.parse(to) - Date.parse(from)).toBe(7 * 24 * HOUR);
    const res = await t.api<{ series: Array<{ metric: string; data: Array<{ ts: string; values: { avg: number | null } }> }> }>(
      'GET',
      `/api/v1/stations/SP-HYD/readings?bucket=1h&agg=avg&metric=water_level&from=${from}&to=${to}`,
    );
    const buckets = res.body.series[0]!.data.filter((b) => Date.parse(b.ts) >= Date.parse(from) - 1 && Date.parse(b.ts) < Date.parse(to) && b.values.avg !== null);
    expect(buckets.length).toBeGreaterThan(150); // a week of hours, less the partial first one
    expect(await page.getAttribute('[data-metric=water_level] .chart-plot', 'data-points')).toBe(String(buckets.length));
    const { rows } = await downloadCsv();
    expect(rows.length - 1).toBe(buckets.length);
    expect(rows.slice(1)).toEqual(buckets.map((b) => [vnIso(Date.parse(b.ts)), String(b.values.avg)]));
    await page.screenshot({ path: join(import.meta.dirname, '..', 'test-artifacts', 'station-hydromet-7d.png'), fullPage: true });
  });

  it('raised no page error', () => {
    expect(problems).toEqual([]);
  });
});
