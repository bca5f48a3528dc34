/**
 * Regenerates docs/screenshots/notifications.png: the operations center's "Thông báo" screen,
 * routing policies tab, with a few realistic Vietnamese contact points, mute timings, an on-call
 * schedule, an escalation chain and policies. Run: npx tsx tools/screenshot-notifications.ts
 * (needs Debian's chromium at /usr/bin/chromium).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
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
  automation: { enabled: false },
  bulletins: { enabled: false },
});
const base = `http://127.0.0.1:${app.ports.http}`;
let token = '';
async function post<T = { id: number }>(path: string, body: unknown): Promise<T> {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
try {
  token = (await post<{ token: string }>('/api/v1/auth/login', { username: 'admin', password: 'screenshot-pw' })).token;
  const P = '/api/v1/notifications';
  const mail = await post(`${P}/contact-points`, {
    name: 'Trực ban Sở TN&MT Hà Nội (e-mail)',
    kind: 'email',
    settings: { host: 'smtp.hanoi.gov.vn', port: 587, user: 'canhbao', from: 'canhbao@tnmt.hanoi.gov.vn', to: 'trucban@tnmt.hanoi.gov.vn' },
    secrets: { password: 'x' },
  });
  const sms1 = await post(`${P}/contact-points`, {
    name: 'Anh Nguyễn Văn Minh (SMS)',
    kind: 'sms',
    settings: { url: 'https://sms.vnpt.example.vn/api/send', to: '0912345678', bodyTemplate: '{"to":"{{to}}","message":"{{short}}"}' },
    secrets: { headers: { Authorization: 'x' } },
  });
  const sms2 = await post(`${P}/contact-points`, {
    name: 'Chị Trần Thị Lan (SMS)',
    kind: 'sms',
    settings: { url: 'https://sms.vnpt.example.vn/api/send', to: '0987654321' },
    secrets: { headers: { Authorization: 'x' } },
  });
  const zalo = await post(`${P}/contact-points`, {
    name: 'Nhóm Zalo trực ban',
    kind: 'chat',
    settings: { url: 'https://openapi.zalo.me/v3.0/oa/message/cs', bodyTemplate: '{"recipient":{"user_id":"4521"},"message":{"text":"{{text}}"}}' },
    secrets: { headers: { access_token: 'x' } },
  });
  const leader = await post(`${P}/contact-points`, {
    name: 'Lãnh đạo UBND tỉnh (e-mail)',
    kind: 'email',
    settings: { host: 'smtp.gov.vn', from: 'canhbao@tnmt.gov.vn', to: 'vanphong@ubnd.gov.vn' },
  });
  const night = await post(`${P}/mute-timings`, { name: 'Ban đêm (22:00–06:00)', intervals: [{ weekdays: [], start: '22:00', end: '06:00' }] });
  const weekend = await post(`${P}/mute-timings`, { name: 'Cuối tuần', intervals: [{ weekdays: [6, 7], start: '00:00', end: '00:00' }] });
  const rota = await post(`${P}/schedules`, { name: 'Lịch trực ca 12 giờ', rotation: { startsAt: '2026-01-05T08:00:00+07:00', shiftHours: 12, members: [sms1.id, sms2.id] } });
  const chain = await post(`${P}/escalation-chains`, {
    name: 'Leo thang trực ban',
    levels: [
      { afterMinutes: 0, scheduleIds: [rota.id] },
      { afterMinutes: 15, contactPointIds: [zalo.id] },
      { afterMinutes: 45, contactPointIds: [leader.id] },
    ],
  });
  await post(`${P}/policies`, {
    name: 'Cảnh báo nghiêm trọng – lãnh đạo tỉnh',
    matchers: { severities: ['critical'], provinces: ['Hà Nội'] },
    contactPointIds: [leader.id],
    continueMatching: true,
    groupBy: 'province',
    groupWaitSeconds: 60,
  });
  await post(`${P}/policies`, {
    name: 'Không khí Hà Nội – trực ban',
    matchers: { severities: ['warning', 'critical'], profiles: ['air-quality'], provinces: ['Hà Nội'] },
    contactPointIds: [mail.id, zalo.id],
    groupBy: 'station',
    groupWaitSeconds: 30,
    repeatIntervalMinutes: 60,
    muteTimingIds: [night.id],
    escalationChainId: chain.id,
  });
  await post(`${P}/policies`, {
    name: 'Dự báo lũ – Sông Hồng',
    matchers: { kinds: ['forecast'], profiles: ['hydromet'] },
    contactPointIds: [zalo.id],
    groupBy: 'province',
    groupWaitSeconds: 120,
  });
  await post(`${P}/policies`, {
    name: 'Nước thải KCN – cảnh báo',
    matchers: { profiles: ['wastewater'], packs: ['qcvn40'] },
    contactPointIds: [mail.id],
    muteTimingIds: [weekend.id],
    groupBy: 'station',
    groupWaitSeconds: 60,
  });

  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1440, height: 720 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${base}/`);
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', 'screenshot-pw');
  await page.click('button[type=submit]');
  await page.locator('nav a[href="/notifications"]').click();
  await page.locator('[data-testid=nt-policies] tr', { hasText: 'Nước thải KCN' }).waitFor();
  await page.waitForTimeout(500);
  const dir = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'notifications.png');
  await page.screenshot({ path: out, fullPage: true });
  await context.close();
  console.log(`wrote ${out}`);
} finally {
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(profileDir, { recursive: true, force: true });
}
