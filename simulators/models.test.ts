import { describe, expect, it } from 'vitest';
import { createValueModel, MODEL_IDS, tideHeight } from './models.js';
import { deriveSeed, mulberry32 } from './prng.js';
import { profileOf } from './testing.js';
import { formatLocalIso, HOUR_MS, intervalBoundary, localParts } from './time.js';

const WEEK_MS = 7 * 24 * HOUR_MS;

function run(profileId: string, startIso: string, durationMs: number, seed = 1, stepMs?: number) {
  const profile = profileOf(profileId);
  const model = createValueModel(profile, { seed });
  const step = stepMs ?? profile.expectedIntervalSeconds * 1000;
  const t0 = Date.parse(startIso);
  const out: Array<{ t: number; v: Record<string, number> }> = [];
  for (let t = t0; t < t0 + durationMs; t += step) out.push({ t, v: model.sample(t) });
  return out;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('time helpers', () => {
  it("uses the station's zone when it has one (Asia/Tokyo, UTC+9)", () => {
    const t = Date.parse('2026-11-22T15:03:17Z'); // 00:03:17 on 23 November in Tokyo, 22:03:17 on 22 November in Vietnam
    expect(formatLocalIso(intervalBoundary(t, 300_000, 'Asia/Tokyo'), 'Asia/Tokyo')).toBe('2026-11-23T00:00:00+09:00');
    expect(localParts(t, 'Asia/Tokyo')).toMatchObject({ day: 23, hour: 0, weekday: 1 });
    expect(localParts(t)).toMatchObject({ day: 22, hour: 22, weekday: 0 });
  });

  it('formats +07:00 local time and aligns boundaries in local time', () => {
    expect(formatLocalIso(Date.UTC(2026, 10, 22, 2, 1))).toBe('2026-11-22T09:01:00+07:00');
    expect(formatLocalIso(Date.UTC(2026, 10, 22, 2, 1, 0, 50))).toBe('2026-11-22T09:01:00.050+07:00');
    const t = Date.parse('2026-11-22T09:03:17+07:00');
    expect(formatLocalIso(intervalBoundary(t, 300_000))).toBe('2026-11-22T09:00:00+07:00');
    expect(localParts(Date.parse('2026-11-22T23:30:00+07:00'))).toMatchObject({ day: 22, hour: 23, hourOfDay: 23.5, weekday: 0 });
  });

  it('mulberry32 is reproducible and derived seeds differ by label', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    expect([a.next(), a.next(), a.normal()]).toEqual([b.next(), b.next(), b.normal()]);
    expect(deriveSeed(1, 'a', 'bc')).not.toBe(deriveSeed(1, 'ab', 'c'));
  });
});

describe('value models', () => {
  it.each(MODEL_IDS)('%s is deterministic for a seed and differs across seeds', (id) => {
    const a = run(id, '2026-01-05T00:00:00+07:00', 24 * HOUR_MS, 7);
    const b = run(id, '2026-01-05T00:00:00+07:00', 24 * HOUR_MS, 7);
    const c = run(id, '2026-01-05T00:00:00+07:00', 24 * HOUR_MS, 8);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it.each(MODEL_IDS)('%s stays within ranges, decimals and profile keys over a simulated week', (id) => {
    const profile = profileOf(id);
    const keys = Object.keys(profile.metrics).sort().join(',');
    const problems: string[] = [];
    let samples = 0;
    for (const start of ['2026-01-05T00:00:00+07:00', '2026-07-06T00:00:00+07:00']) {
      for (const { t, v } of run(id, start, WEEK_MS)) {
        samples++;
        if (Object.keys(v).sort().join(',') !== keys) problems.push(`${t}: keys ${Object.keys(v).join(',')}`);
        for (const [key, value] of Object.entries(v)) {
          const def = profile.metrics[key]!;
          const f = 10 ** (def.decimals ?? 2);
          if (!Number.isFinite(value) || value < def.range.min || value > def.range.max) problems.push(`${t} ${key}=${value} out of range`);
          if (Math.abs(Math.round(value * f) - value * f) > 1e-6) problems.push(`${t} ${key}=${value} not rounded`);
        }
      }
    }
    expect(samples).toBeGreaterThanOrEqual(2 * (WEEK_MS / (profile.expectedIntervalSeconds * 1000)));
    expect(problems.slice(0, 5)).toEqual([]);
  });

  it('a metric subset does not change the other values', () => {
    const profile = profileOf('air-quality');
    const full = createValueModel(profile, { seed: 3 });
    const sub = createValueModel(profile, { seed: 3, metrics: ['pm25', 'o3'] });
    const t0 = Date.parse('2026-01-05T00:00:00+07:00');
    for (let i = 0; i < 100; i++) {
      const t = t0 + i * 60_000;
      const f = full.sample(t);
      expect(sub.sample(t)).toEqual({ pm25: f.pm25, o3: f.o3 });
    }
  });

  it('air quality: rush-hour PM2.5 peaks, winter > summer, PM10/PM2.5 ratio, O3 early afternoon, RH anti-correlated with temp', () => {
    const jan = run('air-quality', '2026-01-05T00:00:00+07:00', 4 * WEEK_MS, 11, 10 * 60_000);
    const jul = run('air-quality', '2026-07-06T00:00:00+07:00', 4 * WEEK_MS, 11, 10 * 60_000);
    const byHour = (rows: typeof jan, key: string, hours: number[]) => mean(rows.filter((r) => hours.includes(localParts(r.t).hour)).map((r) => r.v[key]!));
    expect(byHour(jan, 'pm25', [7, 8])).toBeGreaterThan(byHour(jan, 'pm25', [14, 15, 16]));
    expect(byHour(jan, 'pm25', [19, 20, 21])).toBeGreaterThan(byHour(jan, 'pm25', [14, 15, 16]));
    expect(mean(jan.map((r) => r.v.pm25!))).toBeGreaterThan(1.8 * mean(jul.map((r) => r.v.pm25!)));
    expect(byHour(jan, 'no2', [7, 8, 18, 19])).toBeGreaterThan(byHour(jan, 'no2', [2, 3, 4]));
    for (const { v } of jan) {
      if (v.pm25! >= 10) {
        expect(v.pm10! / v.pm25!).toBeGreaterThanOrEqual(1.29);
        expect(v.pm10! / v.pm25!).toBeLessThanOrEqual(1.81);
      }
    }
    const o3ByHour = Array.from({ length: 24 }, (_, h) => byHour(jul, 'o3', [h]));
    const peak = o3ByHour.indexOf(Math.max(...o3ByHour));
    expect(peak).toBeGreaterThanOrEqual(12);
    expect(peak).toBeLessThanOrEqual(15);
    expect(byHour(jan, 'temp', [14])).toBeGreaterThan(byHour(jan, 'temp', [5]));
    expect(byHour(jan, 'rh', [14])).toBeLessThan(byHour(jan, 'rh', [5]));
  });

  it('surface water: pH 7–7.8 typical, DO higher in the afternoon than before dawn', () => {
    const rows = run('surface-water', '2026-04-06T00:00:00+07:00', WEEK_MS, 5);
    const ph = rows.map((r) => r.v.ph!);
    expect(mean(ph)).toBeGreaterThan(7);
    expect(mean(ph)).toBeLessThan(7.8);
    const doAt = (h: number) => mean(rows.filter((r) => localParts(r.t).hour === h).map((r) => r.v.do!));
    expect(doAt(15)).toBeGreaterThan(doAt(4));
  });

  it('wastewater: near-zero flow at night, production flow by day, effluent below QCVN 40 column B', () => {
    const rows = run('wastewater', '2026-03-02T00:00:00+07:00', 4 * WEEK_MS, 9);
    const weekdays = rows.filter((r) => localParts(r.t).weekday !== 0);
    const at = (h: number[]) => weekdays.filter((r) => h.includes(localParts(r.t).hour));
    expect(Math.max(...at([0, 1, 2, 3, 4]).map((r) => r.v.flow_in!))).toBeLessThan(10);
    expect(mean(at([10, 11, 12, 13]).map((r) => r.v.flow_in!))).toBeGreaterThan(80);
    for (const { v } of rows) {
      expect(v.cod).toBeLessThan(150);
      expect(v.tss).toBeLessThan(100);
      expect(v.nh4).toBeLessThan(10);
      expect(v.color).toBeLessThan(150);
      expect(v.tn).toBeLessThan(40);
      expect(v.tp).toBeLessThan(6);
      expect(v.ph).toBeGreaterThanOrEqual(5.5);
      expect(v.ph).toBeLessThanOrEqual(9);
    }
  });

  it('hydromet: rain events in the wet season raise the river stage', () => {
    const rows = run('hydromet', '2026-06-01T00:00:00+07:00', 8 * WEEK_MS, 2);
    const rain = rows.map((r) => r.v.rain!);
    expect(rain.filter((r) => r > 0).length).toBeGreaterThan(20);
    expect(rain.filter((r) => r === 0).length).toBeGreaterThan(rows.length / 2);
    const levels = rows.map((r) => r.v.water_level!);
    expect(Math.max(...levels) - Math.min(...levels)).toBeGreaterThan(0.5);
  });

  it('salinity: semi-diurnal tide (12.42 h), dry-season crossings of the 1‰ and 4‰ lines, fresh in the wet season', () => {
    // The tide repeats best after ~12.42 h (M2) — compare with 12 h and 13 h lags over a month.
    const t0 = Date.parse('2026-03-01T00:00:00+07:00');
    const corr = (lagH: number) => {
      let s = 0;
      for (let i = 0; i < 30 * 24 * 6; i++) {
        const t = t0 + i * 600_000;
        s += tideHeight(t) * tideHeight(t + lagH * HOUR_MS);
      }
      return s;
    };
    expect(corr(12.42)).toBeGreaterThan(corr(11.5));
    expect(corr(12.42)).toBeGreaterThan(corr(13.5));
    const dry = run('salinity', '2026-03-09T00:00:00+07:00', 2 * WEEK_MS, 4).map((r) => r.v.salinity!);
    expect(Math.max(...dry)).toBeGreaterThan(4);
    expect(Math.min(...dry)).toBeLessThan(4);
    expect(dry.some((s) => s > 1)).toBe(true);
    const wet = run('salinity', '2026-09-14T00:00:00+07:00', WEEK_MS, 4).map((r) => r.v.salinity!);
    expect(mean(wet)).toBeLessThan(1);
  });
});
