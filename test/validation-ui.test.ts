/**
 * The data validation pages (issue 18) in Chromium (Debian's, driven by playwright-core) against
 * the real app: an air station's day of readings (yesterday, every 5 minutes; two pm25 readings
 * flagged by the spike check through the store, as the checks do) is opened in the review view by
 * a reviewer, who selects a range BY DRAGGING THE MOUSE on the pm25 chart, chooses a reason and
 * invalidates it: the hourly aggregate, the stored VN_AQI and the open API then exclude it while
 * the raw readings and the audit log still show it and the history lists the action; Undo on the page puts it back. The same
 * reviewer's level-2 approval after their level-1 is refused, with the code and the reason on the
 * page. A viewer sees the page without any action. The report view shows the month's counts as
 * the API gives them. The screenshot in docs/img is taken here, of the page as it is.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDate, localDayRange, localToUtc } from '../lib/time.js';
import { recomputeIndices } from '../alerts/recompute.js';
import { createLogger } from '../lib/logger.js';
import { refreshAggregate } from '../store/analytics.js';
import { recordQcFlags } from '../store/qc-flags.js';
import { localIso, startTestApp, until, type TestApp } from './helpers/app.js';

const ZONE = 'Asia/Ho_Chi_Minh';
const STATION = 'VR-AIR';
const STEP = 5 * 60_000;
const DOCS_IMG = join(import.meta.dirname, '..', 'docs', 'img');
const ARTIFACTS = join(import.meta.dirname, '..', 'test-artifacts');
const LAUNCH = {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1280, height: 800 },
  timezoneId: 'America/New_York', // far from the station: the page must work in the station's zone
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};

let t: TestApp;
const contexts: BrowserContext[] = [];
const profileDirs: string[] = [];
const problems: string[] = [];
let page: Page;
/** Yesterday in the station's zone, and its [from, to). */
const day = addDays(localDate(Date.now(), ZONE), -1);
const { from: dayFrom, to: dayTo } = localDayRange(day, ZONE)!;
const at = (hour: number, minute = 0) => localToUtc(Number(day.slice(0, 4)), Number(day.slice(5, 7)), Number(day.slice(8, 10)), hour, minute, 0, ZONE);
const baseAt = (i: number) => Math.round((22 + 6 * Math.sin(i / 9) + (i % 4) * 0.7) * 10) / 10;
/**
 * PM2.5 of the i-th 5-minute reading: about 22 µg/m³; 150 from 07:00 to 09:00 (a faulty PM2.5 sensor
 * the reviewer will invalidate; PM10 stays normal); 95 at 15:00 and 15:05 (two spikes).
 */
const pm25At = (i: number) => (i >= 84 && i < 108 ? 150 : i === 180 || i === 181 ? 95 : baseAt(i));

interface Action {
  id: number;
  action: string;
  metrics: string[];
  from: string;
  to: string;
  reason: string | null;
  comment: string | null;
  username: string;
  undoes: number | null;
  undoneBy: number | null;
}

async function launch(): Promise<Page> {
  const dir = mkdtempSync(join(tmpdir(), 'quantrac-chromium-'));
  profileDirs.push(dir);
  const context = await chromium.launchPersistentContext(dir, LAUNCH);
  contexts.push(context);
  const p = context.pages()[0] ?? (await context.newPage());
  p.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  p.on('console', (msg) => {
    if (/status of (401|400)/.test(msg.text())) return; // the session probe; the refused approval
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  return p;
}

async function signIn(p: Page, username: string): Promise<void> {
  await p.goto(`${t.baseUrl}/`);
  await p.fill('input[name=username]', username);
  await p.fill('input[name=password]', `pw-${username}-long-enough`);
  await p.click('form.login button[type=submit]');
  await p.waitForSelector('header.topbar');
}

/** pm25 valid counts per local hour of yesterday, from the hourly aggregate (the analyst API). */
async function hourlyCounts(): Promise<Map<number, number>> {
  const q = new URLSearchParams({ bucket: '1h', agg: 'avg,count', metric: 'pm25', from: new Date(dayFrom).toISOString(), to: new Date(dayTo).toISOString() });
  const res = await t.api<{ series: Array<{ metric: string; data: Array<{ ts: string; values: { count?: number | null } }> }> }>(
    'GET',
    `/api/v1/stations/${STATION}/readings?${q.toString()}`,
  );
  expect(res.status).toBe(200);
  const out = new Map<number, number>();
  for (const b of res.body.series[0]?.data ?? []) out.set(Date.parse(b.ts), Number(b.values.count ?? 0));
  return out;
}

/** The highest stored hourly VN_AQI over the hours ending in (from, to]. */
async function maxAqi(from: number, to: number): Promise<number> {
  const res = await t.api<{ data: Array<{ ts: string; aqi: number }> }>(
    'GET',
    `/api/v1/stations/${STATION}/aqi?period=hour&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`,
  );
  expect(res.status).toBe(200);
  return Math.max(0, ...res.body.data.map((d) => d.aqi));
}

/** The open API's (citizens') hourly PM2.5 means of yesterday. */
async function openHourly(): Promise<Array<{ start: string; avg: number | null }>> {
  const res = await fetch(`${t.baseUrl}/open/v1/stations/${STATION}/hourly?metric=pm25&from=${new Date(dayFrom).toISOString()}&to=${new Date(dayTo).toISOString()}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: Array<{ start: string; avg: number | null }> }).data;
}

async function history(): Promise<Action[]> {
  const res = await t.api<{ actions: Action[] }>('GET', `/api/v1/stations/${STATION}/validation?from=${new Date(dayFrom).toISOString()}&to=${new Date(dayTo).toISOString()}`);
  expect(res.status).toBe(200);
  return res.body.actions;
}

/** Waits until the review page has (re)loaded its charts after `previous` loads. */
async function chartsLoadedAfter(p: Page, previous: number): Promise<number> {
  await expect.poll(async () => Number((await p.getAttribute('[data-testid=review-charts]', 'data-loaded')) ?? 0), { timeout: 20_000 }).toBeGreaterThan(previous);
  return Number(await p.getAttribute('[data-testid=review-charts]', 'data-loaded'));
}

beforeAll(async () => {
  t = await startTestApp({ open: { cacheSeconds: 0 } });
  const s = await t.createStation({ id: STATION, name: 'Trạm Nguyễn Văn Cừ' });
  const client = await t.connectStation(s.id, s.secret);
  const backlog = [];
  for (let i = 0, ts = dayFrom; ts < dayTo; i++, ts += STEP) backlog.push({ ts: localIso(ts), values: { pm25: pm25At(i), pm10: Math.round((baseAt(i) * 1.8 + 6) * 10) / 10 } });
  await client.publishAsync(`stations/${STATION}/readings`, JSON.stringify(backlog), { qos: 1 });
  const readings = async () =>
    (
      await t.api<{ data: unknown[] }>(
        'GET',
        `/api/v1/stations/${STATION}/readings?metric=pm25&limit=1000&from=${new Date(dayFrom).toISOString()}&to=${new Date(dayTo).toISOString()}`,
      )
    ).body.data?.length ?? 0;
  await until(async () => (await readings()) === 288, 'a day of pm25 readings stored', 30_000);
  // two spikes, flagged as the spike check flags them (detail row + bit)
  await recordQcFlags(t.app.store.db, [
    { stationId: STATION, metric: 'pm25', ts: at(15, 0), check: 'spike', version: 1, detail: { median: 22, mad: 1.1 } },
    { stationId: STATION, metric: 'pm25', ts: at(15, 5), check: 'spike', version: 1, detail: { median: 22, mad: 1.1 } },
  ]);
  // the backlog's buckets, materialized now rather than at the backfill refresher's next run
  await refreshAggregate(t.app.store.db, 'readings_hourly', new Date(dayFrom), new Date(dayTo));
  await refreshAggregate(t.app.store.db, 'readings_daily', new Date(dayFrom - 12 * 3_600_000), new Date(dayTo + 12 * 3_600_000));
  // yesterday's stored hourly and daily VN_AQI, as the index queue computes them for live data
  await recomputeIndices({ db: t.app.store.db, log: createLogger('silent'), timeZone: ZONE }, STATION, new Date(dayFrom), new Date(dayTo));
  await t.userToken('vr-rev', 'reviewer');
  await t.userToken('vr-view', 'viewer');
  page = await launch();
  await signIn(page, 'vr-rev');
}, 180_000);

afterAll(async () => {
  await Promise.allSettled(contexts.map((c) => c.close()));
  for (const dir of profileDirs) rmSync(dir, { recursive: true, force: true });
  await t?.close(true);
});

describe('the review view', () => {
  let invalidated: Action;
  let before: Map<number, number>;
  let loads = 0;

  it('opens from the station page on yesterday, with each reading marked by its state', async () => {
    await page.goto(`${t.baseUrl}/stations/${STATION}`);
    await page.click('[data-testid=review-link]');
    await page.waitForURL(/\/stations\/VR-AIR\/review$/);
    loads = await chartsLoadedAfter(page, 0);
    expect(await page.inputValue('[data-testid=review-from]')).toBe(day);
    const pm25 = page.locator('.review-chart[data-metric=pm25]');
    expect(await pm25.getAttribute('data-points')).toBe('288');
    expect(await pm25.getAttribute('data-n_flagged')).toBe('2');
    // the legend says in words what each mark means, with its count
    expect(await page.textContent('[data-testid=review-legend]')).toContain('Bị kiểm tra tự động gắn cờ (2)');
    expect(await page.locator('[data-testid=level-strip] [data-day]').getAttribute('data-day')).toBe(day);
  });

  it('invalidates a range selected by dragging on the pm25 chart; the hourly aggregate, the VN_AQI and the open API exclude it, the raw readings and the audit log keep it', async () => {
    before = await hourlyCounts();
    // before: the faulty 150 µg/m³ hours count everywhere
    expect(await maxAqi(at(7), at(10))).toBeGreaterThan(150);
    expect((await openHourly()).filter((b) => b.avg === 150)).toHaveLength(2);
    expect(before.size).toBe(24);
    expect(before.get(at(7))).toBe(12);
    expect(before.get(at(15))).toBe(10); // the two spikes do not count
    const over = page.locator('.review-chart[data-metric=pm25] .u-over');
    const box = (await over.boundingBox())!;
    const xOf = (ms: number) => box.x + (box.width * (ms - dayFrom)) / (dayTo - dayFrom);
    const y = box.y + box.height / 2;
    await page.mouse.move(xOf(at(6, 40)), y);
    await page.mouse.down();
    await page.mouse.move(xOf(at(8)), y, { steps: 8 });
    await page.mouse.move(xOf(at(9, 20)), y, { steps: 8 });
    await page.mouse.up();
    const fromValue = await page.inputValue('[data-testid=action-from]');
    const toValue = await page.inputValue('[data-testid=action-to]');
    // the drag is as precise as a pixel (~1.2 min here): the form holds the dragged range to the minute
    const asMs = (v: string) => Date.parse(`${v}:00+07:00`);
    expect(Math.abs(asMs(fromValue) - at(6, 40))).toBeLessThan(4 * 60_000);
    expect(Math.abs(asMs(toValue) - at(9, 20))).toBeLessThan(4 * 60_000);
    expect(await page.isChecked('[data-testid=action-metric-pm25]')).toBe(true);
    expect(await page.isChecked('[data-testid=action-metric-pm10]')).toBe(false);

    // without a reason, the page asks for one and sends nothing
    await page.click('[data-testid=action-invalidate]');
    expect(await page.textContent('[data-testid=action-result]')).toBe('Chọn lý do để loại bỏ số liệu');
    expect(await history()).toEqual([]);

    await page.selectOption('[data-testid=action-reason]', 'instrument_fault');
    await page.fill('[data-testid=action-comment]', 'Đầu đo PM2.5 hỏng, đã thay');
    await page.click('[data-testid=action-invalidate]');
    await page.waitForSelector('[data-testid=action-result].ok');
    loads = await chartsLoadedAfter(page, loads);

    const actions = await history();
    expect(actions).toHaveLength(1);
    invalidated = actions[0]!;
    expect(invalidated).toMatchObject({
      action: 'invalidate',
      metrics: ['pm25'],
      reason: 'instrument_fault',
      comment: 'Đầu đo PM2.5 hỏng, đã thay',
      username: 'vr-rev',
      undoneBy: null,
    });
    expect(Date.parse(invalidated.from)).toBe(asMs(fromValue));
    expect(Date.parse(invalidated.to)).toBe(asMs(toValue));
    const rows = Math.ceil((Date.parse(invalidated.to) - Date.parse(invalidated.from)) / STEP);
    expect(Math.abs(Number(await page.getAttribute('.review-chart[data-metric=pm25]', 'data-n_invalidated')) - rows)).toBeLessThanOrEqual(1);

    // the hours fully inside the range count nothing any more; the hours outside are as they were
    const after = await hourlyCounts();
    expect(after.get(at(7)) ?? 0).toBe(0);
    expect(after.get(at(8)) ?? 0).toBe(0);
    expect(after.get(at(12))).toBe(before.get(at(12)));
    expect(after.get(at(5))).toBe(before.get(at(5)));
    // the raw readings are all still there, values unchanged
    const raw = await t.api<{ data: Array<{ ts: string; value: number }> }>(
      'GET',
      `/api/v1/stations/${STATION}/readings?metric=pm25&from=${new Date(at(7)).toISOString()}&to=${new Date(at(9)).toISOString()}`,
    );
    expect(raw.body.data).toHaveLength(24);
    expect(raw.body.data.every((r) => r.value === 150)).toBe(true);
    // the stored VN_AQI of those hours is recomputed without them (NowCast over the other hours, about 22 µg/m³)
    expect(await maxAqi(at(7), at(10))).toBeLessThan(100);
    // citizens no longer see them
    expect((await openHourly()).some((b) => b.avg === 150)).toBe(false);
    // the audit log has the request, with who made it
    const audit = await t.api<{ data: Array<{ actor: string; outcome: string }> }>(
      'GET',
      `/api/v1/audit?action=${encodeURIComponent('POST /api/v1/stations/:id/validation/actions')}`,
    );
    expect(audit.body.data[0]).toMatchObject({ actor: 'vr-rev', outcome: 'ok' });

    // the history on the page shows who, what and why
    const item = page.locator(`[data-testid=review-history] li[data-id="${invalidated.id}"]`);
    const text = (await item.textContent())!;
    expect(text).toContain('vr-rev');
    expect(text).toContain('Lỗi thiết bị đo');
    expect(text).toContain('pm25');

    // the screenshot in the README: the top of the page, the tooltip of a flagged reading
    mkdirSync(DOCS_IMG, { recursive: true });
    await page.locator('.review-head h1').scrollIntoViewIfNeeded();
    const top = (await over.boundingBox())!;
    await page.mouse.move(top.x + (top.width * (at(15, 5) - dayFrom)) / (dayTo - dayFrom), top.y + 30);
    await page.waitForSelector('.review-tip:not([hidden])');
    await page.screenshot({ path: join(DOCS_IMG, 'validation-review.png') });
  });

  it('puts the readings back with Undo on the page, as another audited action', async () => {
    await page.click(`[data-testid=review-history] li[data-id="${invalidated.id}"] [data-testid=undo]`);
    loads = await chartsLoadedAfter(page, loads);
    await page.waitForSelector(`[data-testid=review-history] li[data-action=undo]`);
    const actions = await history();
    expect(actions.map((a) => a.action)).toEqual(['undo', 'invalidate']);
    expect(actions[0]!.undoes).toBe(invalidated.id);
    expect(actions[1]!.undoneBy).toBe(actions[0]!.id);
    expect(await hourlyCounts()).toEqual(before);
    expect(await page.getAttribute('.review-chart[data-metric=pm25]', 'data-n_invalidated')).toBeNull();
    // an undone action has no Undo button any more
    expect(await page.locator(`li[data-id="${invalidated.id}"] [data-testid=undo]`).count()).toBe(0);
  });

  it('refuses, clearly, a level-2 approval by the person who gave level 1', async () => {
    await page.selectOption('[data-testid=approval-period]', day);
    await page.click('[data-testid=approve-1]');
    await page.waitForSelector('[data-testid=approval-result].ok');
    await chartsLoadedAfter(page, loads);
    await expect.poll(() => page.getAttribute(`[data-testid=day-levels] tr[data-day="${day}"]`, 'data-level')).toBe('1');
    await page.selectOption('[data-testid=approval-period]', day);
    await page.click('[data-testid=approve-2]');
    await page.waitForSelector('[data-testid=approval-result].error');
    const refusal = (await page.textContent('[data-testid=approval-result]'))!;
    expect(refusal).toContain('QT_ERR_APPROVAL_SAME_USER');
    expect(refusal).toContain('không được tự phê duyệt mức 2');
    expect(await page.getAttribute(`[data-testid=day-levels] tr[data-day="${day}"]`, 'data-level')).toBe('1');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'validation-review-full.png'), fullPage: true });
  });

  it('shows a viewer the same page without any action', async () => {
    const viewer = await launch();
    await signIn(viewer, 'vr-view');
    await viewer.goto(`${t.baseUrl}/stations/${STATION}/review`);
    await chartsLoadedAfter(viewer, 0);
    expect(await viewer.locator('.review-chart[data-metric=pm25]').getAttribute('data-points')).toBe('288');
    await viewer.waitForSelector('[data-testid=read-only]');
    await viewer.waitForSelector('[data-testid=review-history] li[data-action=undo]');
    for (const sel of ['[data-testid=action-form]', '[data-testid=undo]', '[data-testid=approve-1]', '[data-testid=approve-2]']) expect(await viewer.locator(sel).count()).toBe(0);
  });
});

describe('the report view', () => {
  it('shows every station’s month and the station’s report per metric, as the API counts them', async () => {
    const month = day.slice(0, 7);
    const summary = await t.api<{ stations: Array<{ stationId: string; valid: number; total: number; flaggedAny: number }> }>('GET', `/api/v1/validation/report?month=${month}`);
    expect(summary.status).toBe(200);
    const mine = summary.body.stations.find((s) => s.stationId === STATION)!;
    expect(mine.total).toBe(2 * 288);
    await page.click('header.topbar nav a[href="/validation"]');
    await page.fill('[data-testid=report-month]', month);
    await page.dispatchEvent('[data-testid=report-month]', 'change');
    const row = page.locator(`[data-testid=summary-table] tr[data-station=${STATION}]`);
    const vi = (n: number) => new Intl.NumberFormat('vi-VN').format(n);
    await expect.poll(() => row.locator('td[data-col=valid]').textContent(), { timeout: 10_000 }).toBe(vi(mine.valid));
    expect(await row.locator('td[data-col=flagged]').textContent()).toBe(vi(mine.flaggedAny));

    const report = await t.api<{ metrics: Array<{ metric: string; valid: number; flaggedAny: number }> }>('GET', `/api/v1/stations/${STATION}/validation/report?month=${month}`);
    const pm25 = report.body.metrics.find((m) => m.metric === 'pm25')!;
    expect(pm25.flaggedAny).toBe(2);
    await row.locator('[data-testid=open-report]').click();
    const line = page.locator(`[data-testid=station-report] tr[data-metric=pm25]`);
    await line.waitFor();
    expect(await line.locator('td[data-col=valid]').textContent()).toBe(vi(pm25.valid));
    expect(await line.locator('td[data-col=flagged]').getAttribute('data-n')).toBe('2');
    expect(await line.locator('td[data-col=flagged] .breakdown').textContent()).toBe('Giá trị đột biến 2');
    const csv = await t.api<string>('GET', `/api/v1/stations/${STATION}/validation/report?month=${month}&format=csv`);
    expect(csv.status).toBe(200);
    expect(await page.getAttribute('[data-testid=station-report-csv]', 'href')).toBe(`/api/v1/stations/${STATION}/validation/report?month=${month}&format=csv`);
    await page.screenshot({ path: join(ARTIFACTS, 'validation-report.png'), fullPage: true });
  });

  it('raised no page error', () => {
    expect(problems).toEqual([]);
  });
});
