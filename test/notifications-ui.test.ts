/**
 * The operations center's "Thông báo" screen, in Chromium against the real app: an admin adds
 * a webhook contact point and a routing policy through the screen; the API then has both, the
 * policy pointing at the contact point with its matchers and grouping. Operators have no link.
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
  await browser.clearCookies();
  await page.goto(`${t.baseUrl}${path}`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.locator('header.topbar').waitFor();
}

describe('the notifications screen', () => {
  it('creates a contact point and a policy that the API then returns', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    try {
      await signIn(page, '/', 'admin', ADMIN_PASSWORD);
      expect(await page.locator('nav a[href="/notifications"]').textContent()).toBe('Thông báo');
      await page.click('nav a[href="/notifications"]');
      await page.click('[data-testid=nt-tab-contactPoints]');
      await page.click('[data-testid=nt-add-contact]');
      const form = page.locator('[data-testid=nt-contact-form]');
      await form.locator('input[name=name]').fill('Zalo trực ban Hà Nội');
      await form.locator('select[name=kind]').selectOption('chat');
      await form.locator('input[name=url]').fill('https://openapi.zalo.me/v3.0/oa/message/cs');
      await form.locator('textarea[name=bodyTemplate]').fill('{"recipient":{"user_id":"123"},"message":{"text":"{{text}}"}}');
      await form.locator('input[name=secretHeader]').fill('access_token');
      await form.locator('input[name=secret]').fill('zalo-secret-token');
      await form.locator('input[name=username]').fill('ui-operator');
      await page.click('[data-testid=nt-save-contact]');
      await page.locator('[data-testid=nt-contact-points] tr', { hasText: 'Zalo trực ban Hà Nội' }).waitFor();
      expect(await page.content()).not.toContain('zalo-secret-token');

      await page.click('[data-testid=nt-tab-policies]');
      await page.click('[data-testid=nt-add-policy]');
      const pf = page.locator('[data-testid=nt-policy-form]');
      await pf.locator('input[name=name]').fill('Nghiêm trọng Hà Nội');
      await pf.locator('input[name=severities][value=critical]').check();
      await pf.locator('input[name=provinces]').fill('Hà Nội');
      await pf.locator('label.check', { hasText: 'Zalo trực ban Hà Nội' }).locator('input').check();
      await pf.locator('select[name=groupBy]').selectOption('station');
      await page.click('[data-testid=nt-save-policy]');
      await page.locator('[data-testid=nt-policies] tr', { hasText: 'Nghiêm trọng Hà Nội' }).waitFor();

      const cps = await t.api<{ data: Array<{ id: number; name: string; kind: string; secretsSet: string[]; username: string }> }>('GET', '/api/v1/notifications/contact-points');
      const cp = cps.body.data.find((c) => c.name === 'Zalo trực ban Hà Nội');
      expect(cp).toMatchObject({ kind: 'chat', secretsSet: ['headers.access_token'], username: 'ui-operator' });
      const policies = await t.api<{ data: Array<{ name: string; matchers: unknown; contactPointIds: number[]; groupBy: string }> }>('GET', '/api/v1/notifications/policies');
      expect(policies.body.data.find((p) => p.name === 'Nghiêm trọng Hà Nội')).toMatchObject({
        matchers: { severities: ['critical'], provinces: ['Hà Nội'] },
        contactPointIds: [cp!.id],
        groupBy: 'station',
      });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('shows no notifications link to an operator', async () => {
    const page = await browser.newPage();
    try {
      await signIn(page, '/', 'ui-operator', 'pw-ui-operator-long-enough');
      expect(await page.locator('nav a[href="/notifications"]').count()).toBe(0);
    } finally {
      await page.close();
    }
  });
});
