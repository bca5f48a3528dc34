/**
 * The operations center's "Open data" screen, in Chromium against the real app: an admin sees what
 * each station publishes, publishes a wastewater station with only two of its metrics and a
 * validated-through time typed in Vietnam time; the open API then publishes exactly that, and the
 * change is in the audit log. Operators have no such screen.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from './helpers/app.js';

const CHROMIUM = '/usr/bin/chromium';
let t: TestApp;
let browser: BrowserContext;
let profileDir: string;

beforeAll(async () => {
  t = await startTestApp();
  await t.createStation({ id: 'UI-AIR', name: 'Hà Nội – Nguyễn Văn Cừ' });
  await t.createStation({ id: 'UI-WW', profile: 'wastewater', name: 'Nhà máy B – cửa xả' });
  await t.userToken('ui-operator', 'operator');
  const { chromium } = await import('playwright-core');
  profileDir = mkdtempSync(join(tmpdir(), 'quantrac-chromium-'));
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  await t?.close(true);
});

async function signIn(page: Page, path: string, username: string, password: string): Promise<void> {
  await browser.clearCookies(); // the session of the previous test's user
  await page.goto(`${t.baseUrl}${path}`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.locator('header.topbar').waitFor();
}

interface OpenStation {
  id: string;
  metrics: Array<{ key: string }>;
}

describe('the open data screen', () => {
  it('lets an admin publish a station, chosen metrics and a validated-through time; the open API follows; the change is audited', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    try {
      await signIn(page, '/open-data', 'admin', ADMIN_PASSWORD);
      expect(await page.locator('nav a[href="/open-data"]').textContent()).toBe('Dữ liệu mở');
      const ww = page.locator('[data-testid=open-table] tr[data-id="UI-WW"]');
      const air = page.locator('[data-testid=open-table] tr[data-id="UI-AIR"]');
      await ww.waitFor();
      // the defaults: air stations public, industrial wastewater not until the agency decides
      expect(await air.locator('[data-testid=open-state]').textContent()).toBe('Đang công khai');
      expect(await ww.locator('[data-testid=open-state]').textContent()).toBe('Không công khai');
      expect(await ww.locator('select[name=public]').inputValue()).toBe('default');
      expect(await ww.locator('select[name=public] option[value=default]').textContent()).toBe('Mặc định (không)');
      expect(await air.locator('select[name=public] option[value=default]').textContent()).toBe('Mặc định (có)');
      expect(await page.locator('[data-testid=open-settings]').textContent()).toContain('CC BY 4.0');

      const before = await fetch(`${t.baseUrl}/open/v1/stations`).then((r) => r.json() as Promise<{ data: OpenStation[] }>);
      expect(before.data.map((s) => s.id)).not.toContain('UI-WW');

      await ww.locator('select[name=public]').selectOption('true');
      const boxes = ww.locator('.open-metrics input[type=checkbox]');
      const keys = await boxes.evaluateAll((els) => els.map((e) => (e as HTMLInputElement).name));
      expect(keys).toEqual(expect.arrayContaining(['ph', 'cod', 'tss']));
      for (const key of keys) await ww.locator(`.open-metrics input[name="${key}"]`).setChecked(key === 'ph' || key === 'cod');
      await ww.locator('[data-testid=open-validated]').fill('2026-11-20T07:00');
      await ww.locator('[data-testid=open-save]').click();
      const saved = page.locator('[data-testid=open-table] tr[data-id="UI-WW"]');
      await saved.locator('[data-testid=open-result]', { hasText: 'Đã lưu' }).waitFor();
      expect(await saved.locator('[data-testid=open-state]').textContent()).toBe('Đang công khai');
      expect(await saved.locator('[data-testid=open-validated]').inputValue()).toBe('2026-11-20T07:00');

      // what is stored: 07:00 Vietnam time is 00:00 UTC
      const settings = await t.api<{ data: Array<{ id: string; publicFlag: boolean | null; publicMetrics: string[] | null; validatedThrough: string | null }> }>(
        'GET',
        '/api/v1/open/stations',
      );
      expect(settings.body.data.find((s) => s.id === 'UI-WW')).toMatchObject({
        publicFlag: true,
        publicMetrics: ['ph', 'cod'].sort((a, b) => keys.indexOf(a) - keys.indexOf(b)),
        validatedThrough: '2026-11-20T00:00:00.000Z',
      });
      // what citizens get: the station, with those two metrics only
      const after = await fetch(`${t.baseUrl}/open/v1/stations`).then((r) => r.json() as Promise<{ data: OpenStation[] }>);
      const published = after.data.find((s) => s.id === 'UI-WW');
      expect(published?.metrics.map((m) => m.key).sort()).toEqual(['cod', 'ph']);
      // and who did it
      const audit = await t.api<{ data: Array<{ actor: string; outcome: string; target: string | null }> }>(
        'GET',
        `/api/v1/audit?action=${encodeURIComponent('PATCH /api/v1/open/stations/:id')}`,
      );
      expect(audit.body.data[0]).toMatchObject({ actor: 'admin', outcome: 'ok' });

      // back to the profile's default, every metric ticked = all metrics (null)
      const again = page.locator('[data-testid=open-table] tr[data-id="UI-WW"]');
      await again.locator('select[name=public]').selectOption('default');
      for (const key of keys) await again.locator(`.open-metrics input[name="${key}"]`).setChecked(true);
      await again.locator('[data-testid=open-save]').click();
      await page.locator('[data-testid=open-table] tr[data-id="UI-WW"] [data-testid=open-state]', { hasText: 'Không công khai' }).waitFor();
      const reset = await t.api<{ data: Array<{ id: string; publicFlag: boolean | null; publicMetrics: string[] | null }> }>('GET', '/api/v1/open/stations');
      expect(reset.body.data.find((s) => s.id === 'UI-WW')).toMatchObject({ publicFlag: null, publicMetrics: null });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('is not offered to an operator', async () => {
    const page = await browser.newPage();
    try {
      await signIn(page, '/open-data', 'ui-operator', 'pw-ui-operator-long-enough');
      await page.locator('nav a[href="/bulletins"]').waitFor();
      expect(await page.locator('nav a[href="/open-data"]').count()).toBe(0);
      expect(await page.locator('[data-testid=open-table]').count()).toBe(0);
    } finally {
      await page.close();
    }
  });
});
