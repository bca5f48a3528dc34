/**
 * @module bench/overview-browser
 * How the operations center's overview holds up with 1,000 stations, in Debian's Chromium
 * (playwright-core), against the real app on a fresh embedded database: the page's own overview
 * answer scaled to 1,000 stations spread over Vietnam (as test/dashboard.test.ts does), then per
 * run: navigation → every station listed, a search over the list → the one row left, the longest
 * task that blocked the page's main thread while it loaded (PerformanceObserver 'longtask'), and a
 * zero-delay timer's lag once loaded. Prints the figures as JSON (median and worst of the runs)
 * and writes bench/results/overview-browser.json.
 *
 *   npx tsx bench/overview-browser.ts [--stations 1000] [--runs 5]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { OverviewSnapshot } from '../domain/live.js';
import { startTestApp } from '../test/helpers/app.js';
import { scaledOverview } from '../test/helpers/overview-load.js';
import { machine, percentile } from './lib.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const stationCount = arg('stations', 1000);
const runs = arg('runs', 5);
const log = (msg: string) => console.log(`[overview-browser ${new Date().toISOString().slice(11, 19)}] ${msg}`);

interface PageWindow {
  __longTasks: number[];
  setTimeout(fn: () => void, ms: number): number;
}

const t = await startTestApp({ simulate: 20, simulateIntervalMs: 2000 });
const profileDir = mkdtempSync(join(tmpdir(), 'quantrac-bench-chromium-'));
const browser = await chromium.launchPersistentContext(profileDir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1440, height: 900 },
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = browser.pages()[0] ?? (await browser.newPage());
  const operator = { username: 'bench-op', password: 'pw-bench-op-long-enough' };
  await t.userToken(operator.username, 'operator');
  const scaled = scaledOverview((await t.api<OverviewSnapshot>('GET', '/api/v1/overview')).body, stationCount);
  const stations = scaled.stations;
  await page.route('**/api/v1/overview', (route) => route.fulfill({ json: scaled }));
  // record every long task from the first script on
  await page.addInitScript(() => {
    const w = globalThis as unknown as PageWindow;
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  // sign in once, as an operator would at the start of a shift
  await page.goto(`${t.baseUrl}/`);
  await page.waitForSelector('form.login');
  await page.fill('input[name=username]', operator.username);
  await page.fill('input[name=password]', operator.password);
  await page.click('form.login button[type=submit]');
  await page.waitForSelector('header.topbar');
  const samples = { loadMs: [] as number[], searchMs: [] as number[], longestTaskMs: [] as number[], timerLagMs: [] as number[] };
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    await page.goto(`${t.baseUrl}/`);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=station-list] li').length === n, stations.length, { polling: 'raf', timeout: 60_000 });
    samples.loadMs.push(performance.now() - started);
    samples.longestTaskMs.push(await page.evaluate(() => Math.max(0, ...(globalThis as unknown as PageWindow).__longTasks)));
    samples.timerLagMs.push(
      await page.evaluate(
        () =>
          new Promise<number>((resolve) => {
            const t0 = performance.now();
            (globalThis as unknown as PageWindow).setTimeout(() => resolve(performance.now() - t0), 0);
          }),
      ),
    );
    const searchStarted = performance.now();
    await page.fill('[data-testid=station-search]', `tai ${stationCount - 1}`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=station-list] li:not([hidden])').length === 1, undefined, { polling: 'raf', timeout: 60_000 });
    samples.searchMs.push(performance.now() - searchStarted);
    log(
      `run ${run + 1}/${runs}: listed in ${samples.loadMs.at(-1)!.toFixed(0)} ms, search ${samples.searchMs.at(-1)!.toFixed(0)} ms, longest task ${samples.longestTaskMs.at(-1)!.toFixed(0)} ms`,
    );
  }
  const summary = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return { median: Math.round(percentile(sorted, 50) * 10) / 10, worst: Math.round(sorted.at(-1)! * 10) / 10 };
  };
  const result = {
    machine: machine(),
    at: new Date().toISOString(),
    stations: stations.length,
    runs,
    loadMs: summary(samples.loadMs),
    searchMs: summary(samples.searchMs),
    longestTaskMs: summary(samples.longestTaskMs),
    timerLagMs: summary(samples.timerLagMs),
  };
  console.log(JSON.stringify(result, null, 2));
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'overview-browser.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await browser.close();
  rmSync(profileDir, { recursive: true, force: true });
  await t.close(true);
}
