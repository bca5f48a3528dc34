/**
 * Large aggregated answers are written into buffers that are used again once an answer has been
 * sent (analytics/chunk-pool.ts). An analyst must never get a byte of someone else's answer: a
 * client that reads slowly keeps its answer's buffers while other answers are computed and sent,
 * and an answer kept in the answer cache keeps its buffers for good. Real embedded database, real
 * HTTP over loopback, answers of 16 MB (52,704 hourly buckets), larger than the sockets hold.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { Pm25Rows, insertPm25, refreshAggregates } from './helpers/seed-readings.js';

const vn = (local: string) => Date.parse(`${local}+07:00`);
const HOUR = 3_600_000;
const DAY0 = vn('2025-01-01T00:00:00');
const HOURS = 366 * 24;
const RANGE = 'from=2025-01-01T00:00:00%2B07:00&to=2026-01-02T00:00:00%2B07:00';
const IDS = ['AB-0', 'AB-1', 'AB-2', 'AB-3', 'AB-4', 'AB-5'];

let t: TestApp;
/** Each station's series as its own answer writes it (the bytes every answer holding it must show). */
const seriesText = new Map<string, string>();

const urlOf = (order: readonly string[]) => `/api/v1/readings?stations=${order.join(',')}&metric=pm25&bucket=1h&agg=avg,min,max,count&${RANGE}`;

/** One GET over its own connection; `holdMs`: the body is left unread that long after the headers came. */
function get(path: string, holdMs = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(t.baseUrl + path, { agent: false, headers: { authorization: `Bearer ${t.adminToken}` } }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`GET ${path}: ${res.statusCode}`));
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      if (holdMs > 0) {
        res.pause();
        setTimeout(() => res.resume(), holdMs);
      }
    });
    req.on('error', reject);
  });
}

/** The series part of an answer for `order`, as each station's own answer writes it. */
function expectedSeries(order: readonly string[]): string {
  return `"series":[${order.map((id) => seriesText.get(id)!).join(',')}]}`;
}

function seriesOf(answer: string): string {
  return answer.slice(answer.indexOf('"series":['));
}

async function cacheHits(): Promise<number> {
  const text = (await t.inject<string>('GET', '/metrics', undefined, null)).body;
  return Number(/quantrac_analytics_answer_cache_lookups_total\{outcome="hit"\} (\d+)/.exec(text)?.[1] ?? 0);
}

beforeAll(async () => {
  // room to keep a 16 MB answer (at most a quarter of the cache each)
  t = await startTestApp({ analytics: { rateLimitPerMinute: 1_000_000, cacheBytes: 128 * 1024 * 1024 } });
  for (const id of IDS) await t.createStation({ id, lat: 21, lon: 105.8 });
  // station i reports in hours i, i + 50, i + 100… values of its own: every series differs from the others
  const rows = new Pm25Rows();
  IDS.forEach((id, i) => {
    for (let h = i; h < HOURS; h += 50) rows.add(id, DAY0 + h * HOUR + 60_000, i * 10_000 + h + 0.25);
    // and in the last hour: the aggregate is materialized to the range's end, so its answers can be kept
    rows.add(id, DAY0 + (HOURS - 1) * HOUR + 120_000, i);
  });
  await insertPm25(t.app.store.db, rows);
  await refreshAggregates(t.app.store.db, ['readings_hourly'], DAY0 - HOUR, DAY0 + (HOURS + 1) * HOUR);
  for (const id of IDS) {
    const one = await get(`/api/v1/stations/${id}/readings?metric=pm25&bucket=1h&agg=avg,min,max,count&${RANGE}`);
    seriesText.set(id, one.slice(one.indexOf('"series":[') + '"series":['.length, -2));
  }
}, 180_000);
afterAll(async () => {
  await t?.close(true);
});

describe('answers written into buffers used again', () => {
  it('a slow reader gets its own answer whole while other answers are computed and sent meanwhile', async () => {
    const slowOrder = [...IDS].reverse();
    const slow = get(urlOf(slowOrder), 3_000);
    // answers asked for the first time (never kept): each one's buffers go back to the pool once sent
    const others = [
      ['AB-1', 'AB-0', 'AB-2', 'AB-3', 'AB-4', 'AB-5'],
      ['AB-2', 'AB-0', 'AB-1', 'AB-3', 'AB-4', 'AB-5'],
      ['AB-3', 'AB-0', 'AB-1', 'AB-2', 'AB-4', 'AB-5'],
    ];
    for (const order of others) {
      const answer = await get(urlOf(order));
      expect(answer.length).toBeGreaterThan(10_000_000);
      expect(seriesOf(answer) === expectedSeries(order)).toBe(true);
    }
    expect(seriesOf(await slow) === expectedSeries(slowOrder)).toBe(true);
  }, 60_000);

  it('answers asked side by side each get their own bytes', async () => {
    const orders = [
      ['AB-4', 'AB-0', 'AB-1', 'AB-2', 'AB-3', 'AB-5'],
      ['AB-5', 'AB-0', 'AB-1', 'AB-2', 'AB-3', 'AB-4'],
      ['AB-0', 'AB-2', 'AB-1', 'AB-3', 'AB-4', 'AB-5'],
      ['AB-0', 'AB-3', 'AB-1', 'AB-2', 'AB-4', 'AB-5'],
    ];
    const answers = await Promise.all(orders.map((o, i) => get(urlOf(o), i * 200)));
    answers.forEach((a, i) => expect(seriesOf(a) === expectedSeries(orders[i]!)).toBe(true));
  }, 60_000);

  it('an answer kept in the answer cache keeps its bytes while other answers use the buffers', async () => {
    const kept = ['AB-0', 'AB-1', 'AB-2', 'AB-3', 'AB-4', 'AB-5'];
    // its second ask keeps it, the third is served as kept
    for (let i = 0; i < 3; i++) expect(seriesOf(await get(urlOf(kept))) === expectedSeries(kept)).toBe(true);
    const hits = await cacheHits();
    for (const order of [
      ['AB-0', 'AB-4', 'AB-1', 'AB-2', 'AB-3', 'AB-5'],
      ['AB-0', 'AB-5', 'AB-1', 'AB-2', 'AB-3', 'AB-4'],
      ['AB-0', 'AB-1', 'AB-3', 'AB-2', 'AB-4', 'AB-5'],
    ]) {
      expect(seriesOf(await get(urlOf(order))) === expectedSeries(order)).toBe(true);
    }
    expect(seriesOf(await get(urlOf(kept))) === expectedSeries(kept)).toBe(true);
    expect(await cacheHits()).toBe(hits + 1);
  }, 60_000);
});
