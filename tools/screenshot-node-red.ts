/// <reference lib="dom" />
/**
 * Regenerates docs/img/node-red.png: the Node-RED editor inside Quantrac, with the Quantrac
 * palette and the "critical alerts → webhook" example flow deployed. Run: npx tsx tools/screenshot-node-red.ts
 * (needs Debian's chromium at /usr/bin/chromium).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { createApp } from '../app.js';

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
  automation: { enabled: true },
});
const base = `http://127.0.0.1:${app.ports.http}`;
try {
  const tokenRes = await fetch(`${base}/red/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'admin', password: 'screenshot-pw' }),
  });
  const token = ((await tokenRes.json()) as { access_token: string }).access_token;
  const example = JSON.parse(readFileSync(fileURLToPath(new URL('../automation/nodes/examples/critical-alert-webhook.json', import.meta.url)), 'utf8')) as unknown[];
  const deployed = await fetch(`${base}/red/flows`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'full' },
    body: JSON.stringify({ flows: example }),
  });
  if (deployed.status !== 200) throw new Error(`deploy failed: ${deployed.status}`);

  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 720 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${base}/red/`);
  await page.fill('#node-dialog-login-username', 'admin');
  await page.fill('#node-dialog-login-password', 'screenshot-pw');
  await page.click('.ui-dialog-buttonset button, #node-dialog-login-submit');
  await page.waitForSelector('.red-ui-palette-node[data-palette-type="quantrac-alert"]', { timeout: 30_000 });
  await page.evaluate(() => {
    const header = Array.from(document.querySelectorAll('.red-ui-palette-header')).find((h) => /quantrac/i.test(h.textContent ?? ''));
    header?.scrollIntoView();
  });
  await page.waitForTimeout(1500);
  const out = fileURLToPath(new URL('../docs/img/node-red.png', import.meta.url));
  await page.screenshot({ path: out });
  await context.close();
  console.log(`wrote ${out}`);
} finally {
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(profileDir, { recursive: true, force: true });
}
