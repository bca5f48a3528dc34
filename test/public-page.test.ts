/**
 * The public open-data page (/public) in a real browser: Debian's Chromium driven by
 * playwright-core against the real app, anonymous (no sign-in), on a phone-sized viewport, with
 * seeded public stations in different VN_AQI / VN_WQI categories. Checks the Vietnamese labels,
 * the official category colours on the list and the map, the health advice, the station view's
 * 24-hour and 30-day charts, English, the page's caching headers, and that a non-public station
 * never appears. Takes docs/img/public.png (the README's screenshot) and phone screenshots in
 * test-artifacts/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VN_AQI_CATEGORIES, VN_WQI_CLASSES } from '../domain/indices/categories.js';
import { upsertDailyIndex, upsertHourlyIndex } from '../store/indices.js';
import { insertReadings, type ReadingColumns } from '../store/readings.js';
import { startTestApp, type TestApp } from './helpers/app.js';

const ROOT = join(import.meta.dirname, '..');
const ARTIFACTS = join(ROOT, 'test-artifacts');
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Seeded stations: id, name, place, profile, current index value and its category key. */
const STATIONS = [
  { id: 'HN-PUB', name: 'Hà Nội – Hoàn Kiếm', province: 'Hà Nội', lat: 21.03, lon: 105.85, profile: 'air-quality', value: 168, key: 'bad' },
  { id: 'HUE-PUB', name: 'Huế – Phú Hội', province: 'Huế', lat: 16.46, lon: 107.59, profile: 'air-quality', value: 118, key: 'poor' },
  { id: 'DN-PUB', name: 'Đà Nẵng – Hải Châu', province: 'Đà Nẵng', lat: 16.06, lon: 108.22, profile: 'air-quality', value: 36, key: 'good' },
  { id: 'HCM-PUB', name: 'TP.HCM – Quận 1', province: 'TP. Hồ Chí Minh', lat: 10.78, lon: 106.7, profile: 'air-quality', value: 82, key: 'moderate' },
  { id: 'CT-WATER', name: 'Sông Hậu – Cần Thơ', province: 'Cần Thơ', lat: 10.05, lon: 105.78, profile: 'surface-water', value: 64, key: 'medium' },
  { id: 'QN-WW', name: 'Nhà máy X – cửa xả', province: 'Quảng Ninh', lat: 21.0, lon: 107.3, profile: 'wastewater', value: 0, key: '' },
] as const;

const aqiByValue = (v: number) => VN_AQI_CATEGORIES.find((c) => Math.round(v) >= c.min && Math.round(v) <= c.max)!;
const hexToRgb = (hex: string) => {
  const n = parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
};

let t: TestApp;
let browser: BrowserContext;
let page: Page;
let profileDir: string;
const problems: string[] = [];
const apiCalls: string[] = [];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  t = await startTestApp({ open: { raw: true } });
  const db = t.app.store.db;
  const T0 = Math.floor(Date.now() / HOUR) * HOUR;
  for (const s of STATIONS) {
    const res = await t.api('POST', '/api/v1/stations', { id: s.id, name: s.name, profile: s.profile, lat: s.lat, lon: s.lon, province: s.province });
    expect(res.status).toBe(201);
    if (s.profile === 'wastewater') continue;
    const cols: ReadingColumns = { stationIds: [], metrics: [], ts: [], values: [], quality: [] };
    const add = (metric: string, ts: number, value: number) => {
      cols.stationIds.push(s.id);
      cols.metrics.push(metric);
      cols.ts.push(new Date(ts).toISOString());
      cols.values.push(value);
      cols.quality.push(0);
    };
    const indexName = s.profile === 'air-quality' ? 'vn_aqi' : 'vn_wqi';
    // 24 hours of the hourly index with a daily rhythm ending at the current category, 30 days of the daily one
    for (let k = 0; k < 24; k++) {
      const ts = T0 - k * HOUR;
      const value = Math.max(5, Math.round(s.value * (1 - 0.35 * Math.sin((k * Math.PI) / 12) ** 2)));
      const key = indexName === 'vn_aqi' ? aqiByValue(value).key : VN_WQI_CLASSES.find((c) => value >= c.min && value <= c.max)!.key;
      await upsertHourlyIndex(db, {
        stationId: s.id,
        indexName,
        ts: new Date(ts),
        aqi: k === 0 ? s.value : value,
        category: k === 0 ? s.key : key,
        dominant: 'pm25',
        subIndices: {},
      });
      if (s.profile === 'air-quality') {
        add('pm25', ts - 10 * 60_000, Math.round(s.value * 0.45 * 10) / 10);
        add('pm10', ts - 10 * 60_000, Math.round(s.value * 0.8 * 10) / 10);
      } else {
        add('ph', ts - 10 * 60_000, 7.1);
        add('do', ts - 10 * 60_000, 5.4);
      }
    }
    if (indexName === 'vn_aqi') {
      for (let d = 1; d <= 30; d++) {
        const day = new Date(T0 - d * DAY + 7 * HOUR).toISOString().slice(0, 10);
        const value = Math.max(10, Math.round(s.value * (0.6 + 0.5 * Math.abs(Math.sin(d / 3)))));
        await upsertDailyIndex(db, { stationId: s.id, indexName, day, aqi: value, category: aqiByValue(value).key, dominant: 'pm25', subIndices: {} });
      }
    }
    await insertReadings(db, cols);
  }

  profileDir = mkdtempSync(join(tmpdir(), 'quantrac-chromium-'));
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    // a phone
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    // a zone far from Vietnam's and an English browser: the page must still default to Vietnamese and Vietnam's time
    timezoneId: 'America/New_York',
    locale: 'en-US',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' || /Content Security Policy/i.test(msg.text())) problems.push(`console ${msg.type()}: ${msg.text()}`);
  });
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/socket.io')) apiCalls.push(url.pathname);
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  await t?.close(true);
});

describe('the public page', () => {
  it('is served without sign-in, with its CSP, ETag and Cache-Control, and revalidates with 304', async () => {
    const res = await fetch(`${t.baseUrl}/public`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
    const etag = res.headers.get('etag')!;
    expect((await fetch(`${t.baseUrl}/public`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    // the hashed assets come compressed when the browser takes it
    const html = await res.text();
    const script = /src="(\/assets\/public-[^"]+\.js)"/.exec(html)![1]!;
    const js = await fetch(t.baseUrl + script, { headers: { 'accept-encoding': 'gzip' } });
    expect(js.headers.get('content-encoding')).toBe('gzip');
    expect(js.headers.get('cache-control')).toContain('immutable');
  });

  it('serves the API behind the page: daily means of complete local days, and raw valid readings when the agency turns them on', async () => {
    const daily = (await (await fetch(`${t.baseUrl}/open/v1/stations/HN-PUB/daily?metric=pm25`)).json()) as { data: Array<{ start: string; avg: number; n: number }> };
    const today = new Date(Date.now() + 7 * HOUR).toISOString().slice(0, 10);
    expect(daily.data.length).toBeGreaterThanOrEqual(1);
    for (const d of daily.data) {
      expect(d.start < today).toBe(true);
      expect(d.avg).toBe(75.6);
    }
    const raw = (await (await fetch(`${t.baseUrl}/open/v1/stations/HN-PUB/raw?metric=pm25&days=2`)).json()) as { license: string; data: Array<{ value: number }> };
    expect(raw.license).toBe('CC BY 4.0');
    expect(raw.data.length).toBe(24);
    expect((await fetch(`${t.baseUrl}/open/v1/stations/QN-WW/raw`)).status).toBe(404);
  });

  it('shows the map and every public station with its index, Vietnamese category and official colour', async () => {
    await page.goto(`${t.baseUrl}/public`);
    await page.waitForSelector('#app[data-ready=true] [data-testid=stations] li');
    expect(await page.getAttribute('html', 'lang')).toBe('vi');
    expect(await page.textContent('header')).toContain('Chất lượng môi trường');
    expect(await page.textContent('.list-box h2')).toBe('Trạm quan trắc');

    const items = await page.$$eval('[data-testid=stations] li', (els) =>
      els.map((el) => ({
        id: el.getAttribute('data-station'),
        chip: el.querySelector('[data-testid=index-chip]')?.textContent,
        background: getComputedStyle(el.querySelector('[data-testid=index-chip]')!).backgroundColor,
        category: el.querySelector('[data-testid=category]')?.textContent ?? '',
        text: el.textContent ?? '',
      })),
    );
    // the wastewater station is not public; the worst category level first (1 = best in both tables), then the higher index
    expect(items.map((i) => i.id)).toEqual(['HN-PUB', 'HUE-PUB', 'CT-WATER', 'HCM-PUB', 'DN-PUB']);
    for (const s of STATIONS.filter((x) => x.profile !== 'wastewater')) {
      const item = items.find((i) => i.id === s.id)!;
      const category = s.profile === 'air-quality' ? VN_AQI_CATEGORIES.find((c) => c.key === s.key)! : VN_WQI_CLASSES.find((c) => c.key === s.key)!;
      expect(item.chip).toBe(String(s.value));
      expect(item.background, s.id).toBe(hexToRgb(category.colorHex));
      expect(item.category).toContain(category.nameVi);
      if (s.profile === 'air-quality') expect(item.text).toContain((category as (typeof VN_AQI_CATEGORIES)[number]).adviceVi);
    }
    // Hà Nội's "Xấu" is red (#FF0000), Đà Nẵng's "Tốt" green (#00E400)
    expect(items[0]!.background).toBe('rgb(255, 0, 0)');
    expect(items.at(-1)!.background).toBe('rgb(0, 228, 0)');

    const dots = await page.$$eval('svg.vn-map circle.map-dot', (els) => els.map((el) => ({ id: el.getAttribute('data-station'), fill: el.getAttribute('fill') })));
    expect(dots).toHaveLength(5);
    expect(dots.find((d) => d.id === 'HN-PUB')?.fill).toBe('#FF0000');
    expect(dots.find((d) => d.id === 'CT-WATER')?.fill).toBe('#FFFF00');
    // the archipelagos are labelled as Vietnam's, as on the operations center's map
    const labels = await page.$$eval('svg.vn-map text.map-label', (els) => els.map((el) => el.textContent));
    expect(labels).toContain('Quần đảo Hoàng Sa (Việt Nam)');
    expect(labels).toContain('Quần đảo Trường Sa (Việt Nam)');
    expect(await page.textContent('[data-testid=legend-aqi]')).toContain('Nguy hại');
    expect(await page.textContent('[data-testid=license]')).toBe('CC BY 4.0');
    await page.screenshot({ path: join(ARTIFACTS, 'public-phone-list.png'), fullPage: true });
  });

  it('opens a station: advice, latest values, 24 hours and 30 days of the index', async () => {
    await page.click('[data-station=HN-PUB] a');
    await page.waitForSelector('main.station-view[data-station=HN-PUB] .charts svg.bar-chart + h2 + svg.bar-chart');
    expect(new URL(page.url()).search).toBe('?station=HN-PUB');
    expect(await page.textContent('h1')).toBe('Hà Nội – Hoàn Kiếm');
    expect(await page.textContent('main [data-testid=category]')).toBe('Xấu');
    expect(await page.textContent('[data-testid=advice]')).toBe(VN_AQI_CATEGORIES.find((c) => c.key === 'bad')!.adviceVi);
    const rows = await page.$$eval('table.latest tbody tr', (els) => els.map((el) => el.textContent ?? ''));
    expect(rows.some((r) => r.includes('Bụi PM2,5') && r.includes('75,6'))).toBe(true);
    const charts = await page.$$eval('svg.bar-chart', (els) => els.map((el) => Array.from(el.querySelectorAll('rect.bar')).map((r) => r.getAttribute('fill'))));
    expect(charts).toHaveLength(2);
    expect(charts[0]!.length).toBe(24);
    expect(charts[0]!.at(-1)).toBe('#FF0000');
    expect(charts[1]!.length).toBe(30);
    for (const fill of charts.flat()) expect(VN_AQI_CATEGORIES.map((c) => c.colorHex)).toContain(fill);
    await page.screenshot({ path: join(ARTIFACTS, 'public-phone-station.png'), fullPage: true });
    // a surface-water station: VN_WQI, hourly only
    await page.goto(`${t.baseUrl}/public?station=CT-WATER`);
    await page.waitForSelector('main.station-view[data-station=CT-WATER] .charts svg.bar-chart + h2 + svg.bar-chart');
    expect(await page.textContent('main [data-testid=category]')).toBe('Trung bình');
    expect(await page.textContent('.now-index')).toBe('VN_WQI');
  });

  it('switches to English and back; never calls the signed-in API; no errors or CSP violations', async () => {
    await page.goto(`${t.baseUrl}/public`);
    await page.waitForSelector('#app[data-ready=true] [data-testid=stations] li');
    await page.click('[data-testid=lang]');
    // drawn in the new language (html[lang] turns at the click; the page is redrawn after its data is read)
    await page.waitForSelector('#app[data-ready=true][data-lang=en]');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.textContent('header')).toContain('Environmental quality');
    expect(await page.textContent('[data-station=HN-PUB] [data-testid=category]')).toContain('Bad');
    await page.click('[data-testid=lang]');
    await page.waitForSelector('#app[data-ready=true][data-lang=vi]');
    expect(await page.getAttribute('html', 'lang')).toBe('vi');
    expect(await page.textContent('header')).toContain('Chất lượng môi trường');
    expect(apiCalls).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('takes the README screenshot (docs/img/public.png) on a laptop-sized window', async () => {
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.goto(`${t.baseUrl}/public`);
    await page.waitForSelector('#app[data-ready=true] [data-testid=stations] li');
    mkdirSync(join(ROOT, 'docs', 'img'), { recursive: true });
    // one image pixel per CSS pixel: the phone context renders at 2×, the README does not need it
    await page.screenshot({ path: join(ROOT, 'docs', 'img', 'public.png'), scale: 'css' });
    expect(problems).toEqual([]);
  });
});
