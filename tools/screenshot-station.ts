/**
 * Regenerates docs/img/station-water.png and docs/img/station-hydromet.png: the operations
 * center's station page for a surface-water station (its VN_WQI, QCVN 08:2023 limits) and for a
 * hydromet station (its own flood alarm levels from its attributes, a week of water level as
 * hourly means). Run: npx tsx tools/screenshot-station.ts (needs Debian's chromium at /usr/bin/chromium).
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
const profileDir = mkdtempSync(join(tmpdir(), 'quantrac-chromium-'));
const app = await createApp({
  dataDir,
  host: '127.0.0.1',
  mqtt: { port: 0 },
  http: { port: 0 },
  simulate: 0,
  logLevel: 'warn',
  adminPassword: 'screenshot-pw',
  alerts: { tickMs: 0, indexThrottleMs: 0 },
  automation: { enabled: false },
  bulletins: { enabled: false },
});
const base = `http://127.0.0.1:${app.ports.http}`;
let token = '';
async function post<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
/** Publishes `payload` in chunks of `chunk` readings (the hourly indices are computed for each chunk's newest hour). */
async function publish(id: string, secret: string, payload: unknown[], chunk = 500): Promise<void> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${app.ports.mqtt}`, { clientId: id, username: id, password: secret, protocolVersion: 4, reconnectPeriod: 0 });
  for (let i = 0; i < payload.length; i += chunk) {
    await client.publishAsync(`stations/${id}/readings`, JSON.stringify(payload.slice(i, i + chunk)), { qos: 1 });
    await app.alerts.idle();
  }
  await client.endAsync();
}
try {
  token = (await post<{ token: string }>('/api/v1/auth/login', { username: 'admin', password: 'screenshot-pw' })).token;
  const now = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
  const water = await post<{ secret: string }>('/api/v1/stations', {
    id: 'HN-NHUE-01',
    name: 'Sông Nhuệ – Cầu Hà Đông',
    profile: 'surface-water',
    lat: 20.97,
    lon: 105.77,
    province: 'Hà Nội',
  });
  const w: unknown[] = [];
  for (let i = 24 * 12 - 1; i >= 0; i--) {
    const ts = now - i * 5 * 60_000;
    const d = Math.sin((i / 288) * 2 * Math.PI);
    w.push({
      ts: localIso(ts),
      values: {
        ph: +(7.3 + 0.2 * d).toFixed(2),
        do: +(5.8 + 0.9 * d).toFixed(2),
        temp: +(26 + 1.5 * d).toFixed(1),
        cod: +(11 + 3 * Math.cos(i / 40)).toFixed(1),
        toc: 4.1,
        nh4: +(0.18 + 0.05 * d).toFixed(3),
        po4: 0.09,
        coliform: 2600,
      },
    });
  }
  await publish('HN-NHUE-01', water.secret, w, 12);
  const hydro = await post<{ secret: string }>('/api/v1/stations', {
    id: 'HN-LONGBIEN',
    name: 'Sông Hồng – Long Biên',
    profile: 'hydromet',
    lat: 21.044,
    lon: 105.861,
    province: 'Hà Nội',
    attributes: { floodLevels: [9.5, 10.5, 11.5] },
  });
  const hy: unknown[] = [];
  for (let i = 14 * 96 - 1; i >= 0; i--) {
    const ts = now - i * 15 * 60_000;
    hy.push({ ts: localIso(ts), values: { water_level: +(5.2 + 2.2 * Math.sin(i / 60) + 0.3 * Math.sin(i / 7)).toFixed(2), rain: i % 40 < 4 ? 2.5 : 0 } });
  }
  await publish('HN-LONGBIEN', hydro.secret, hy);
  await app.alerts.idle();

  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${base}/`);
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', 'screenshot-pw');
  await page.click('button[type=submit]');
  await page.waitForSelector('header.topbar');
  const dir = fileURLToPath(new URL('../docs/img/', import.meta.url));
  mkdirSync(dir, { recursive: true });

  await page.goto(`${base}/stations/HN-NHUE-01`);
  await page.waitForSelector('[data-testid=station-index][data-index=VN_WQI]');
  await page.waitForSelector('[data-testid=charts] .uplot');
  await page.waitForTimeout(600);
  await page.screenshot({ path: join(dir, 'station-water.png'), fullPage: true });

  await page.goto(`${base}/stations/HN-LONGBIEN`);
  await page.waitForSelector('[data-testid=levels]');
  await page.click('[data-testid=range-picker] button[data-range="7d"]');
  await page.waitForSelector('[data-testid=charts][data-resolution=hour] .uplot');
  await page.selectOption('[data-testid=compare]', '@previous');
  await page.waitForTimeout(1500);
  await page.screenshot({ path: join(dir, 'station-hydromet.png'), fullPage: true });
  await context.close();
  console.log(`wrote ${join(dir, 'station-water.png')} and station-hydromet.png`);
} finally {
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(profileDir, { recursive: true, force: true });
}
