/**
 * Regenerates docs/img/overview.png and docs/img/wall.png: the operations center's overview in
 * triage order (a critical and an acknowledged warning alert, the map flown to the critical
 * station with its popup) and the control room's wall screen (dark, one province, signed in by a
 * wall token). A simulated fleet (with its backfilled history, where the server has it) fills the
 * rest. Run: npx tsx tools/screenshot-ops.ts (needs Debian's chromium at /usr/bin/chromium).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { chromium } from 'playwright-core';
import { createApp } from '../app.js';
import { localIso } from '../lib/time.js';

const dataDir = mkdtempSync(join(tmpdir(), 'quantrac-shot-'));
const profileDirs = [mkdtempSync(join(tmpdir(), 'quantrac-chromium-')), mkdtempSync(join(tmpdir(), 'quantrac-chromium-'))];
const app = await createApp({
  dataDir,
  host: '127.0.0.1',
  mqtt: { port: 0 },
  http: { port: 0 },
  simulate: 20,
  simulateIntervalMs: 3000,
  simulateBackfillHours: 3,
  logLevel: 'warn',
  adminPassword: 'screenshot-pw',
  alerts: { tickMs: 0, indexThrottleMs: 0 },
  automation: { enabled: false },
  bulletins: { enabled: false },
});
const base = `http://127.0.0.1:${app.ports.http}`;
let token = '';
async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? null : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
const rule = (id: string, station: string, severity: string, raise: number) => ({
  id,
  name: { en: `PM2.5 above ${raise}`, vi: `PM2,5 vượt ${raise} µg/m³` },
  kind: 'threshold',
  scope: { station },
  metric: 'pm25',
  severity,
  op: 'above',
  raise,
  clear: raise - 20,
  over: 'raw',
});
const LAUNCH = {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1440, height: 900 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};

try {
  token = (await call<{ token: string }>('POST', '/api/v1/auth/login', { username: 'admin', password: 'screenshot-pw' })).token;
  // two stations of our own in Hà Nội: a pollution episode (critical) and a warning already acknowledged
  const episodes: Array<[string, string, number, string, number]> = [
    ['HN-KCN-TL', 'KCN Thăng Long – Đông Anh', 21.13, 'critical', 310],
    ['HN-MINHKHAI', 'Minh Khai – Hai Bà Trưng', 20.995, 'warning', 142],
  ];
  for (const [id, name, lat, severity, value] of episodes) {
    const { secret } = await call<{ secret: string }>('POST', '/api/v1/stations', { id, name, profile: 'air-quality', lat, lon: 105.8 + (lat - 21) / 2, province: 'Hà Nội' });
    await call('POST', '/api/v1/rules', rule(`demo.${id.toLowerCase()}`, id, severity, severity === 'critical' ? 250 : 100));
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${app.ports.mqtt}`, { clientId: id, username: id, password: secret, protocolVersion: 4, reconnectPeriod: 0 });
    const now = Date.now();
    const backlog = Array.from({ length: 12 }, (_, i) => ({
      ts: localIso(now - (12 - i) * 5 * 60_000),
      values: { pm25: i < 10 ? 40 + i * 3 : value, pm10: 80, no2: 35, co: 900 },
    }));
    await client.publishAsync(`stations/${id}/readings`, JSON.stringify(backlog), { qos: 1 });
    await app.alerts.idle();
    await client.endAsync();
  }
  const warning = (await call<{ data: Array<{ id: number }> }>('GET', '/api/v1/alerts?station=HN-MINHKHAI&state=open')).data[0];
  if (warning) await call('POST', `/api/v1/alerts/${warning.id}/ack`, { comment: 'Đã cử cán bộ kiểm tra' });

  const dir = fileURLToPath(new URL('../docs/img/', import.meta.url));
  mkdirSync(dir, { recursive: true });

  // the overview: signed in as an admin, the fleet reporting, the critical alert chosen in the feed
  const ops = await chromium.launchPersistentContext(profileDirs[0]!, LAUNCH);
  const page = ops.pages()[0] ?? (await ops.newPage());
  await page.goto(`${base}/`);
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', 'screenshot-pw');
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=station-list] li[data-id="HN-KCN-TL"]');
  for (let i = 0; i < 40 && (await page.locator('[data-testid=station-list] li[data-state=online]').count()) < 18; i++) await page.waitForTimeout(500);
  const critical = (await call<{ data: Array<{ id: number }> }>('GET', '/api/v1/alerts?station=HN-KCN-TL&state=open&severity=critical')).data[0];
  if (critical) {
    await page.click(`[data-testid=alert-feed] .feed-item[data-id="${critical.id}"] .msg`);
    await page.waitForSelector('.leaflet-popup .popup');
  }
  await page.waitForTimeout(1500);
  await page.screenshot({ path: join(dir, 'overview.png') });
  await ops.close();

  // the wall: a wall token, exchanged once for a session; Hà Nội's tiles
  const wallToken = (await call<{ token: string }>('POST', '/api/v1/tokens', { name: 'Control room wall' })).token;
  const wallContext = await chromium.launchPersistentContext(profileDirs[1]!, { ...LAUNCH, viewport: { width: 1920, height: 1080 } });
  const wall = wallContext.pages()[0] ?? (await wallContext.newPage());
  await wall.goto(`${base}/wall?token=${wallToken}&rotate=0&province=${encodeURIComponent('Hà Nội')}`);
  await wall.waitForSelector('.wall-tile[data-id="HN-KCN-TL"][data-alert]');
  await wall.waitForTimeout(1500);
  await wall.screenshot({ path: join(dir, 'wall.png') });
  await wallContext.close();
  console.log(`wrote ${join(dir, 'overview.png')} and ${join(dir, 'wall.png')}`);
} finally {
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
  for (const d of profileDirs) rmSync(d, { recursive: true, force: true });
}
