/**
 * Every station type's own index on the overview (issue #15), in Chromium against the real app:
 * a hydromet station at 10,7 m with its own levels 9,5/10,5/11,5 m shows "BĐ II" on the list, a
 * salinity station at 2,3 ‰ shows its class (brackish, "Lợ"), and a wastewater station over one
 * limit of its permit shows it exceeded; a live state started afterwards is seeded with the same
 * from the database; the open API and the public page show the same for the public ones
 * (wastewater is private by default).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveState } from '../api/realtime/live-state.js';
import { localIso, startTestApp, type TestApp } from './helpers/app.js';

let t: TestApp;
let browser: BrowserContext;
let page: Page;
let profileDir: string;
const problems: string[] = [];

/** Publishes one reading of `values` a minute ago. */
async function publish(id: string, profile: string, values: Record<string, number>, attributes: Record<string, unknown> = {}): Promise<void> {
  const s = await t.createStation({ id, profile, name: `${profile} ${id}`, attributes });
  const c = await t.connectStation(s.id, s.secret);
  const ts = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
  await c.publishAsync(`stations/${s.id}/readings`, JSON.stringify({ ts: localIso(ts), values }), { qos: 1 });
}

beforeAll(async () => {
  t = await startTestApp();
  await publish('TY-HYD', 'hydromet', { water_level: 10.7 }, { floodLevels: [9.5, 10.5, 11.5] });
  await publish('TY-HYD0', 'hydromet', { water_level: 3.2 });
  await publish('TY-SAL', 'salinity', { salinity: 2.3, water_level: 1.1 });
  // permit: COD ≤ 75 mg/L (exceeded at 90), pH 6–9; the other metrics against QCVN 40 column B
  await publish('TY-WW', 'wastewater', { cod: 90, ph: 7.1, tss: 40, temp: 28 }, { permitLimits: { cod: 75, ph: { min: 6, max: 9 } }, permitName: 'GP 123/GP-BTNMT' });
  await t.app.alerts.idle();

  profileDir = mkdtempSync(join(tmpdir(), 'quantrac-chromium-'));
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (/status of 401/.test(msg.text())) return;
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  await t.userToken('ty-op', 'operator');
  await page.goto(`${t.baseUrl}/`);
  await page.fill('input[name=username]', 'ty-op');
  await page.fill('input[name=password]', 'pw-ty-op-long-enough');
  await page.click('form.login button[type=submit]');
  await page.waitForSelector('header.topbar');
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  await t?.close(true);
});

const chip = (id: string) => page.locator(`[data-testid=station-list] li[data-id="${id}"] .aqi-chip`);

describe('the overview list shows every station type’s own index', () => {
  it('hydromet: the flood alarm level reached at the station’s own levels, or that it has none', async () => {
    await expect.poll(() => chip('TY-HYD').textContent(), { timeout: 15_000 }).toBe('BĐ II');
    expect(await chip('TY-HYD').getAttribute('data-kind')).toBe('flood');
    expect(await chip('TY-HYD').getAttribute('data-class')).toBe('level-2');
    expect(await chip('TY-HYD').getAttribute('title')).toContain('Báo động II');
    expect(await chip('TY-HYD0').getAttribute('title')).toContain('Chưa có cấp báo động');
  });

  it('salinity: its class by the 1‰ and 4‰ lines', async () => {
    await expect.poll(() => chip('TY-SAL').textContent(), { timeout: 15_000 }).toBe('Lợ');
    expect(await chip('TY-SAL').getAttribute('data-class')).toBe('brackish');
    expect(await chip('TY-SAL').getAttribute('title')).toContain('Nước lợ (1–4‰)');
  });

  it('wastewater: one metric over its permit limit is shown exceeded', async () => {
    await expect.poll(() => chip('TY-WW').getAttribute('data-class'), { timeout: 15_000 }).toBe('exceeded');
    expect(await chip('TY-WW').getAttribute('title')).toContain('1 thông số vượt giới hạn');
    const overview = await t.api<{ stations: Array<{ id: string; typeIndex?: unknown }> }>('GET', '/api/v1/overview');
    const ww = overview.body.stations.find((s) => s.id === 'TY-WW');
    expect(ww?.typeIndex).toMatchObject({ kind: 'compliance', exceeded: 1 });
    expect(overview.body.stations.find((s) => s.id === 'TY-HYD')?.typeIndex).toEqual({ kind: 'flood', level: 2, value: 10.7, unit: 'm' });
  });

  it('a live state started now is seeded with the same indices from the newest stored values', async () => {
    const { store, config, directory, profiles, alerts } = t.app;
    const fresh = await createLiveState({ db: store.db, config, directory, profiles, now: Date.now, rules: () => alerts.listRules() });
    const byId = new Map(fresh.stations(Date.now()).map((s) => [s.id, s]));
    expect(byId.get('TY-HYD')?.typeIndex).toEqual({ kind: 'flood', level: 2, value: 10.7, unit: 'm' });
    expect(byId.get('TY-HYD0')).toMatchObject({ typeIndex: null, typeIndexMissing: 'levels' });
    expect(byId.get('TY-SAL')?.typeIndex).toEqual({ kind: 'salinity', class: 'brackish', value: 2.3, unit: '‰' });
    expect(byId.get('TY-WW')?.typeIndex).toMatchObject({ kind: 'compliance', exceeded: 1 });
  });

  it('the open API and the public page show the same for the public stations', async () => {
    const res = await fetch(`${t.baseUrl}/open/v1/stations`);
    const body = (await res.json()) as { data: Array<{ id: string; typeIndex?: unknown }> };
    expect(body.data.find((s) => s.id === 'TY-HYD')?.typeIndex).toEqual({ kind: 'flood', level: 2, value: 10.7, unit: 'm' });
    expect(body.data.find((s) => s.id === 'TY-SAL')?.typeIndex).toMatchObject({ kind: 'salinity', class: 'brackish' });
    expect(body.data.some((s) => s.id === 'TY-WW')).toBe(false);
    await page.goto(`${t.baseUrl}/public`);
    const item = page.locator('[data-testid=stations] li[data-station="TY-HYD"]');
    await expect.poll(() => item.locator('[data-testid=index-chip]').textContent(), { timeout: 15_000 }).toBe('BĐ II');
    expect(await page.locator('[data-testid=stations] li[data-station="TY-SAL"] [data-testid=index-chip]').textContent()).toBe('Lợ');
    expect(problems).toEqual([]);
  });
});
