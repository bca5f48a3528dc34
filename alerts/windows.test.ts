import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/index.js';
import { loadProfiles } from '../device-profiles/index.js';
import { QUALITY, type QualityName } from '../domain/quality.js';
import { createLogger } from '../lib/logger.js';
import type { StoredRule } from '../store/alerts.js';
import { createStore, type Store } from '../store/index.js';
import { insertReadings } from '../store/readings.js';
import type { Station } from '../store/stations.js';
import { median } from 'simple-statistics';
import { sketchBuckets, sketchMedian, sketchSpread } from '../lib/quantile-sketch.js';
import { tempDataDir } from '../test/helpers/app.js';
import { createRuleIndex } from './rule-index.js';
import { localHourOfDay } from '../lib/time.js';
import { anomalyHistory, MAD_SCALE, MEAN_AD_SCALE, robustSpread } from './rules/anomaly.js';
import { exactSum } from './rules/exact-sum.js';
import { hourStartOf, sketchOf } from './rules/hour-sketch.js';
import { hourEndOf, HOUR_MS } from './rules/hourly.js';
import { freshValidSeries, isValid, type ValidSample } from './rules/samples.js';
import { seeded, inputFor } from './rules/test-support/fixtures.js';
import { evaluateThreshold } from './rules/threshold.js';
import type { AnomalyRule, Sample, ThresholdRule } from './rules/types.js';
import { rawLength, samplesOf } from './raw-columns.js';
import { seriesRecords } from './series-window.js';
import { createWindows, rawSamples, rebuildWindows, refreshLateHours } from './windows.js';

const profiles = loadProfiles();

function station(id: string, profileId = 'air-quality'): Station {
  return {
    id,
    name: id,
    profileId,
    lat: 21,
    lon: 105.8,
    province: null,
    timezone: 'Asia/Ho_Chi_Minh',
    enabled: true,
    simulated: false,
    connectionState: 'unknown',
    connectionChangedAt: null,
    createdAt: new Date(0),
    attributes: {},
  };
}

function stored(id: string, definition: Record<string, unknown>): StoredRule {
  const base = {
    id,
    name: { en: id, vi: id },
    kind: 'threshold',
    scope: { profile: 'air-quality' },
    metric: 'pm25',
    severity: 'warning',
    op: 'above',
    raise: 100,
    clear: 80,
    over: 'raw',
  };
  return { id, definition: { ...base, ...definition }, origin: 'user', pack: null, updatedAt: new Date(0), updatedBy: 'admin' };
}

function storedAnomaly(id: string, definition: Record<string, unknown>): StoredRule {
  const base = { id, name: { en: id, vi: id }, kind: 'anomaly', scope: { profile: 'air-quality' }, metric: 'pm25', severity: 'info', threshold: 3, minSamples: 3 };
  return { id, definition: { ...base, ...definition }, origin: 'user', pack: null, updatedAt: new Date(0), updatedBy: 'admin' };
}

describe('createWindows', () => {
  it('keeps samples in time order, first write wins, trimmed to the lookback; other metrics keep only the latest', () => {
    const rules = createRuleIndex(profiles);
    rules.replace([stored('a.profile', {})]);
    const windows = createWindows(rules);
    const s = station('S1');
    const lookback = rules.lookbackFor(s, 'pm25');
    const t0 = Date.parse('2025-06-01T00:00:00Z');
    windows.record(s, { metric: 'pm25', ts: t0 + 120_000, value: 3, quality: 'valid' }, 1);
    windows.record(s, { metric: 'pm25', ts: t0, value: 1, quality: 'valid' }, 2);
    windows.record(s, { metric: 'pm25', ts: t0 + 60_000, value: 2, quality: 'valid' }, 3);
    windows.record(s, { metric: 'pm25', ts: t0 + 60_000, value: 99, quality: 'valid' }, 4);
    windows.record(s, { metric: 'pm10', ts: t0, value: 40, quality: 'valid' }, 5);
    const w = windows.of('S1');
    expect(rawSamples(w, 'pm25').map((x) => x.value)).toEqual([1, 2, 3]);
    expect(w.series.has('pm10')).toBe(false);
    expect(rawSamples(w, 'pm10')).toEqual([]);
    expect(w.latestByMetric.get('pm10')).toEqual({ ts: t0, value: 40, quality: 'valid' });
    expect(w.lastReceivedAt).toBe(5);
    windows.record(s, { metric: 'pm25', ts: t0 + lookback + 60_000, value: 4, quality: 'valid' }, 6);
    expect(rawSamples(w, 'pm25').map((x) => x.value)).toEqual([2, 3, 4]);
    windows.noteRemote('S1', 'pm25', 3);
    expect(w.lastReceivedByMetric.get('pm25')).toBe(6);
  });
});

describe('long mean windows as hourly sums', () => {
  const MIN = 60_000;
  const T0 = Date.parse('2025-06-01T00:00:00Z');
  const dataDir = tempDataDir();
  let store: Store;
  beforeAll(async () => {
    store = await createStore(resolveConfig({ dataDir, logLevel: 'silent' }), createLogger('silent'));
  });
  afterAll(async () => {
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A reading as delivered: its ts, value and quality (a duplicate repeats a ts with another value). */
  function randomDeliveries(rand: () => number, n: number): Sample[] {
    const readings: Sample[] = [];
    let ts = T0 + Math.floor(rand() * HOUR_MS);
    for (let i = 0; i < n; i++) {
      const r = rand();
      if (r < 0.6) ts += MIN;
      else if (r < 0.7)
        ts += 1000; // a burst, one a second
      else if (r < 0.78)
        ts += Math.floor(rand() * 40 * MIN); // a gap
      else if (r < 0.88)
        ts = hourEndOf(ts + 1); // exactly on the next hour
      else ts += 1 + Math.floor(rand() * 5 * MIN); // jitter, ms resolution
      const q = rand();
      const quality: QualityName = q < 0.85 ? 'valid' : q < 0.9 ? 'calibrating' : q < 0.95 ? 'fault' : 'out_of_range';
      const big = rand() < 0.05 ? 1e9 : 1; // a few large values make the order of a naive sum matter
      readings.push({ ts, value: rand() < 0.03 ? null : (Math.round(rand() * 2000) / 10) * big + 0.1, quality });
    }
    // delivery order: some late (up to ~4 h), some duplicates of earlier timestamps delivered later
    const slots = readings.map((r, i) => ({ r, at: rand() < 0.1 ? i + 1 + Math.floor(rand() * 200) : i }));
    for (let i = 0; i < n * 0.05; i++) {
      const j = Math.floor(rand() * n);
      slots.push({ r: { ...readings[j]!, value: Math.round(rand() * 2000) / 10, quality: rand() < 0.8 ? 'valid' : 'calibrating' }, at: j + Math.floor(rand() * 300) });
    }
    return slots.sort((a, b) => a.at - b.at).map((x) => x.r);
  }

  it('give the mean, coverage and evidence the same evaluator gives over every stored reading (random series: late, out of order, duplicates, hour boundaries)', async () => {
    const rules = createRuleIndex(profiles);
    const base = { scope: { profile: 'air-quality' }, clear: 40, raise: 60, minCoverage: 0.05 };
    rules.replace([
      stored('m.24h', { ...base, over: 'mean', windowMinutes: 1440 }),
      stored('m.8h', { ...base, over: 'mean', windowMinutes: 480 }),
      stored('m.90min', { ...base, over: 'mean', windowMinutes: 90 }),
      stored('m.1h', { ...base, over: 'mean', windowMinutes: 60 }),
    ]);
    const longRules = ['m.24h', 'm.8h', 'm.90min'].map((id) => rules.get(id) as ThresholdRule);
    let compared = 0;
    let refreshed = 0;
    let maxHours = 0;
    for (const seed of [1, 2, 3]) {
      const rand = seeded(seed);
      const s = station(`W-RAND-${seed}`);
      const windows = createWindows(rules);
      const db = new Map<number, Sample>(); // what the database holds: first write wins
      const deliveries = randomDeliveries(rand, 1200);
      for (let i = 0; i < deliveries.length;) {
        const batch = deliveries.slice(i, (i += 1 + Math.floor(rand() * 8)));
        await insertReadings(store.db, {
          stationIds: batch.map(() => s.id),
          metrics: batch.map(() => 'pm25'),
          ts: batch.map((r) => new Date(r.ts).toISOString()),
          values: batch.map((r) => r.value),
          quality: batch.map((r) => QUALITY[r.quality]),
        });
        for (const r of batch) {
          if (!db.has(r.ts)) db.set(r.ts, r);
          windows.record(s, { metric: 'pm25', ...r }, r.ts);
        }
        refreshed += await refreshLateHours(store.db, windows);
        const w = windows.of(s.id).series.get('pm25')!;
        maxHours = Math.max(maxHours, w.hours.length);
        const everything = [...db.values()].sort((a, b) => a.ts - b.ts);
        for (const rule of longRules) {
          const kept = evaluateThreshold({ ...inputFor(rule, samplesOf(w.raw)), hourly: w.hours });
          const brute = evaluateThreshold(inputFor(rule, everything));
          expect(kept).toEqual(brute);
          if (brute?.value === undefined) continue;
          // and independently: the exact mean of the valid values in (hour end of (newest − W), newest]
          const newest = everything.filter(isValid).at(-1)!;
          const start = hourEndOf(newest.ts - rule.windowMinutes! * MIN);
          const values = everything.filter((x) => isValid(x) && x.ts > start && x.ts <= newest.ts).map((x) => x.value!);
          expect(kept!.value).toBe(exactSum(values) / values.length);
          compared++;
        }
      }
    }
    // not vacuous: means compared, hourly sums used and late hours re-read from the database
    expect(compared).toBeGreaterThan(1000);
    expect(maxHours).toBeGreaterThan(20);
    expect(refreshed).toBeGreaterThan(50);
  });

  it('hold a bounded number of records per series, whatever the window length and the reading rate', () => {
    const records = (windowMinutes: number, everyMs: number, hours: number): { total: number; hours: number } => {
      const rules = createRuleIndex(profiles);
      rules.replace([stored('m.long', { scope: { profile: 'air-quality' }, over: 'mean', windowMinutes })]);
      const windows = createWindows(rules);
      const s = station('W-BOUND');
      for (let ts = T0; ts < T0 + hours * HOUR_MS; ts += everyMs) windows.record(s, { metric: 'pm25', ts, value: 30 + (ts % 7), quality: 'valid' }, ts);
      const w = windows.of(s.id).series.get('pm25')!;
      return { total: seriesRecords(w), hours: w.hours.length };
    };
    // 24 h at one reading a minute: 1,442 raw readings before; now ≤ 25 hours + the raw tail (10 min, and the newest 20)
    const perMinute = records(1440, MIN, 30);
    expect(perMinute.hours).toBeLessThanOrEqual(25);
    expect(perMinute.total).toBeLessThanOrEqual(25 + 20);
    // one a second (86,400 raw readings for 24 h): the same hours, a raw tail of 10 minutes
    const perSecond = records(1440, 1000, 26);
    expect(perSecond.hours).toBeLessThanOrEqual(25);
    expect(perSecond.total).toBeLessThanOrEqual(25 + 601);
    // a week's window: more hours, the same raw tail; and nothing grows once the window is full
    const week = records(7 * 1440, MIN, 24 * 7 + 6);
    expect(week.hours).toBeLessThanOrEqual(7 * 24 + 1);
    expect(week.total - week.hours).toBe(perMinute.total - perMinute.hours);
    expect(records(1440, MIN, 60)).toEqual(perMinute);
  });
  it('keep the anomaly history as hour sketches holding exactly the stored values of each hour (random series: late, out of order, duplicates)', async () => {
    const rules = createRuleIndex(profiles);
    rules.replace([
      storedAnomaly('a.6h', { windowHours: 6, sameHourOfDay: true }),
      storedAnomaly('a.9h', { windowHours: 9, sameHourOfDay: false }),
      stored('m.1h', { over: 'mean', windowMinutes: 60 }),
    ]);
    expect(rules.list()).toHaveLength(3);
    const anomalyRules = ['a.6h', 'a.9h'].map((id) => rules.get(id) as AnomalyRule);
    let estimated = 0;
    let exactly = 0;
    let refreshed = 0;
    for (const seed of [4, 5]) {
      const rand = seeded(seed);
      const s = station(`W-SKETCH-${seed}`);
      const windows = createWindows(rules);
      const db = new Map<number, Sample>();
      const deliveries = randomDeliveries(rand, 1000).map((r) => ({ ...r, value: r.value === null ? null : Math.min(r.value, 500) }));
      for (let i = 0; i < deliveries.length;) {
        const batch = deliveries.slice(i, (i += 1 + Math.floor(rand() * 8)));
        await insertReadings(store.db, {
          stationIds: batch.map(() => s.id),
          metrics: batch.map(() => 'pm25'),
          ts: batch.map((r) => new Date(r.ts).toISOString()),
          values: batch.map((r) => r.value),
          quality: batch.map((r) => QUALITY[r.quality]),
        });
        for (const r of batch) {
          if (!db.has(r.ts)) db.set(r.ts, r);
          windows.record(s, { metric: 'pm25', ...r }, r.ts);
        }
        refreshed += await refreshLateHours(store.db, windows);
        const w = windows.of(s.id).series.get('pm25')!;
        const valid = freshValidSeries(samplesOf(w.raw), MIN);
        const newest = valid?.at(-1);
        if (valid === undefined || newest === undefined) continue;
        const everything = [...db.values()].sort((a, b) => a.ts - b.ts).filter(isValid) as ValidSample[];
        expect(everything.at(-1)).toEqual(newest);
        for (const rule of anomalyRules) {
          const kept = anomalyHistory(rule, valid, newest, w.sketches);
          // what the history must hold: every stored valid value of the window (whole hours once sketches are kept)
          const start = w.sketches.length > 0 ? hourStartOf(newest.ts - rule.windowHours * HOUR_MS) : newest.ts - rule.windowHours * HOUR_MS;
          const hour = localHourOfDay(newest.ts);
          const near = (ts: number): boolean => !rule.sameHourOfDay || [0, 1, 23].includes((localHourOfDay(ts) - hour + 24) % 24);
          const values = everything.filter((x) => x.ts >= start && x.ts < newest.ts && near(x.ts)).map((x) => x.value);
          if (values.length < rule.minSamples) {
            expect(kept).toBeUndefined();
            continue;
          }
          expect(kept!.count).toBe(values.length);
          if (kept!.estimated) {
            // the merged sketches are the sketch of exactly these values, so the estimates are identical
            const all = sketchOf(values);
            const center = sketchMedian(all);
            const { mad, meanAbsDev } = sketchSpread(all, center);
            expect(kept!.center).toBe(center);
            expect(kept!.spread).toBe(mad > 0 ? MAD_SCALE * mad : MEAN_AD_SCALE * meanAbsDev);
            estimated++;
          } else {
            expect(kept!.center).toBe(median(values));
            expect(kept!.spread).toBe(robustSpread(values, kept!.center));
            exactly++;
          }
        }
      }
    }
    // not vacuous: estimates compared, exact histories too, and late sketch hours re-read from the database
    expect(estimated).toBeGreaterThan(300);
    expect(exactly).toBeGreaterThan(10);
    expect(refreshed).toBeGreaterThan(30);
  });

  it('keep a week of anomaly history in a bounded number of hour sketches of bounded size, at one reading a second or a minute', () => {
    const kept = (everyMs: number, hours: number) => {
      const rules = createRuleIndex(profiles);
      rules.replace([storedAnomaly('a.week', { threshold: 6, windowHours: 168, sameHourOfDay: true, minSamples: 100 })]);
      const windows = createWindows(rules);
      const s = station('W-SKETCH-BOUND');
      for (let ts = T0; ts < T0 + hours * HOUR_MS; ts += everyMs) windows.record(s, { metric: 'pm25', ts, value: 20 + ((ts / 1000) % 97) / 3, quality: 'valid' }, ts);
      const w = windows.of(s.id).series.get('pm25')!;
      return { total: seriesRecords(w), sketches: w.sketches.length, raw: rawLength(w.raw), buckets: Math.max(...w.sketches.map((h) => sketchBuckets(h))) };
    };
    const bound = Math.ceil(Math.log(52.4 / 20) / Math.log((1 + 0.01) / (1 - 0.01))) + 1; // buckets between 20 and 52.3
    // a week at one a minute: 10,080 raw readings before; now at most 169 hour sketches and a raw tail of 10 minutes
    const perMinute = kept(MIN, 24 * 7 + 6);
    expect(perMinute.sketches).toBeLessThanOrEqual(24 * 7 + 1);
    expect(perMinute.raw).toBeLessThanOrEqual(20);
    expect(perMinute.buckets).toBeLessThanOrEqual(bound);
    // one a second for a day: the same raw tail of 10 minutes, sketches no bigger than the value range allows
    const perSecond = kept(1000, 26);
    expect(perSecond.sketches).toBeLessThanOrEqual(26);
    expect(perSecond.raw).toBeLessThanOrEqual(601);
    expect(perSecond.buckets).toBeLessThanOrEqual(bound);
    // and nothing grows once the window is full
    expect(kept(MIN, 24 * 7 + 30)).toEqual(perMinute);
  });
  it('are rebuilt at start-up from the stored readings exactly as recording them live built them (sums, sketches, raw tail)', async () => {
    const rules = createRuleIndex(profiles);
    // pm25: a day's sketches and 8 h of sums; no2: a raw threshold (its window the shortest); co: a 2 h mean
    rules.replace([
      storedAnomaly('a.24h', { windowHours: 24, sameHourOfDay: true }),
      stored('m.8h', { over: 'mean', windowMinutes: 480 }),
      stored('t.no2', { metric: 'no2' }),
      stored('m.co', { metric: 'co', over: 'mean', windowMinutes: 120 }),
    ]);
    const metrics = ['pm25', 'no2', 'co'];
    const stations = [station('W-REBUILD-1'), station('W-REBUILD-2')];
    const rand = seeded(11);
    const live = createWindows(rules);
    const start = T0 + 40 * 24 * HOUR_MS;
    let last = start;
    for (const s of stations) {
      const readings: Array<Sample & { metric: string }> = [];
      for (let ts = start; ts < start + 30 * HOUR_MS; ts += MIN) {
        for (const metric of metrics) readings.push({ metric, ts, value: Math.round(rand() * 800) / 10, quality: rand() < 0.95 ? 'valid' : 'calibrating' });
      }
      await insertReadings(store.db, {
        stationIds: readings.map(() => s.id),
        metrics: readings.map((r) => r.metric),
        ts: readings.map((r) => new Date(r.ts).toISOString()),
        values: readings.map((r) => r.value),
        quality: readings.map((r) => QUALITY[r.quality]),
      });
      for (const r of readings) live.record(s, r, r.ts);
      last = readings.at(-1)!.ts;
    }
    const rebuilt = createWindows(rules);
    // the start-up read reaches back the lookback from the engine clock: one minute after the last reading
    const refill = await rebuildWindows(store.db, stations, rules, rebuilt, () => last + MIN);
    // each metric read only as far back as its rules reach: pm25 a day (its sketches), co 2 h, no2
    // its raw tail; one reach for all read a day of all three (about 3 × 1,500 a station)
    expect(refill.stations).toBe(2);
    expect(refill.readings).toBeGreaterThan(2 * 1440);
    expect(refill.readings).toBeLessThan(2 * 2000);
    for (const s of stations) {
      for (const metric of metrics) {
        const a = rebuilt.of(s.id).series.get(metric)!;
        const b = live.of(s.id).series.get(metric)!;
        // the raw tail compared as samples: how much room its rows hold depends on the order they came in
        expect({ ...a, raw: samplesOf(a.raw) }, metric).toEqual({ ...b, raw: samplesOf(b.raw) });
        expect(rawLength(a.raw)).toBeGreaterThan(0);
      }
      const pm25 = rebuilt.of(s.id).series.get('pm25')!;
      expect(pm25.sketches.length).toBeGreaterThan(20);
      expect(pm25.hours.length).toBeGreaterThan(5);
      expect(rebuilt.of(s.id).series.get('co')!.hours.length).toBeGreaterThan(0);
      expect(rebuilt.of(s.id).series.get('no2')!.hours.length).toBe(0);
    }
  });
});
