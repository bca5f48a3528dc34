import { median, medianAbsoluteDeviation } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { bucketKey, SKETCH_ALPHA } from '../../lib/quantile-sketch.js';
import { localHourOfDay } from '../../lib/time.js';
import { anomalyHistory, evaluateAnomaly, MAD_SCALE, MEAN_AD_SCALE, robustSpread } from './anomaly.js';
import { hourStartOf, sketchOf, type HourSketch } from './hour-sketch.js';
import { freshValidSeries } from './samples.js';
import { HOUR, MIN, extend, inputFor, makeRule, seeded, series } from './test-support/fixtures.js';
import type { AnomalyRule, Sample } from './types.js';

const TEN = 10 * MIN;
const T0 = Date.parse('2025-03-01T00:00:00+07:00');
const rule = makeRule<AnomalyRule>({
  kind: 'anomaly',
  metric: 'pm25',
  threshold: 6,
  windowHours: 168,
  sameHourOfDay: true,
  minSamples: 100,
  name: { en: 'PM2.5 unusual', vi: 'PM2,5 bất thường' },
});
const opts = { expectedIntervalMs: TEN };

/** Seven days every 10 min: a diurnal cycle (morning and evening peaks) plus seeded noise. */
function week(seed = 42): Sample[] {
  const rnd = seeded(seed);
  return series(
    T0,
    TEN,
    Array.from({ length: 7 * 144 }, (_, i) => {
      const h = localHourOfDay(T0 + i * TEN);
      const diurnal = h >= 6 && h <= 9 ? 60 : h >= 17 && h <= 21 ? 70 : 30;
      return Math.round((diurnal + (rnd() - 0.5) * 10) * 10) / 10;
    }),
  );
}

describe('anomaly', () => {
  it('localHourOfDay is UTC+7', () => {
    expect(localHourOfDay(Date.parse('2025-01-01T17:00:00Z'))).toBe(0);
    expect(localHourOfDay(Date.parse('2025-01-01T16:59:00Z'))).toBe(23);
  });

  it('a normal value is not anomalous; a spike is, with its z-score', () => {
    const history = week();
    const normal = evaluateAnomaly(inputFor(rule, extend(history, TEN, [31]), opts));
    expect(normal?.active).toBe(false);
    const spike = evaluateAnomaly(inputFor(rule, extend(history, TEN, [150]), opts));
    expect(spike?.active).toBe(true);
    expect(spike?.value).toBeGreaterThan(6);
    expect(spike?.message.en).toMatch(/^PM2\.5 unusual: 150 is unusual \(robust z [\d.]+, median at this hour of day [\d.]+ over 168 h\)$/);
    expect(spike?.message.vi).toContain('bất thường (z ');
    expect(spike?.evidence.at(-1)?.value).toBe(150);
    expect(spike?.evidence).toHaveLength(20);
  });

  it('sameHourOfDay compares with the same hours only: an evening level at night is unusual', () => {
    const history = week();
    const lastTs = history.at(-1)?.ts ?? 0;
    expect(localHourOfDay(lastTs + TEN)).toBe(0); // the next sample falls at local midnight, a "30" hour
    expect(evaluateAnomaly(inputFor(rule, extend(history, TEN, [70]), opts))?.active).toBe(true);
    const anyHour = makeRule<AnomalyRule>({ ...rule, sameHourOfDay: false });
    expect(evaluateAnomaly(inputFor(anyHour, extend(history, TEN, [70]), opts))?.active).toBe(false);
  });

  it('fewer history samples than minSamples gives undefined', () => {
    const short = series(T0, TEN, Array<number>(60).fill(30));
    expect(evaluateAnomaly(inputFor(rule, extend(short, TEN, [150]), opts))).toBeUndefined();
  });

  it('calibration suppression: a calibrating 999 is never an anomaly', () => {
    const s = extend(extend(week(), TEN, [31]), TEN, [999], 'calibrating');
    const c = evaluateAnomaly(inputFor(rule, s, opts));
    expect(c?.active).toBe(false);
    expect(c?.evidence.at(-1)?.value).toBe(31);
  });

  it('MAD = 0 falls back to the mean absolute deviation; a constant history is inactive', () => {
    const values = [...Array<number>(60).fill(20), 21, 22, 25, 19, 18];
    expect(robustSpread(values, 20)).toBeCloseTo((1.253314 * (1 + 2 + 5 + 1 + 2)) / values.length, 9);
    const loose = makeRule<AnomalyRule>({ ...rule, sameHourOfDay: false, minSamples: 10 });
    const mostlyFlat = series(T0, TEN, values);
    expect(evaluateAnomaly(inputFor(loose, extend(mostlyFlat, TEN, [40]), opts))?.active).toBe(true);
    const flat = series(T0, TEN, Array<number>(50).fill(20));
    const c = evaluateAnomaly(inputFor(loose, extend(flat, TEN, [40]), opts));
    expect(c).toMatchObject({ active: false, value: 0 });
    expect(c?.message.en).toContain('history constant at 20');
  });
});

/** The series as the engine keeps it: valid samples before `splitTs` as hour sketches, the rest raw. */
function asKept(samples: readonly Sample[], splitTs: number): { raw: Sample[]; hourSketches: HourSketch[] } {
  const byHour = new Map<number, number[]>();
  for (const s of samples) {
    if (s.ts >= splitTs || s.quality !== 'valid' || s.value === null) continue;
    const start = hourStartOf(s.ts);
    byHour.set(start, [...(byHour.get(start) ?? []), s.value]);
  }
  const hourSketches = [...byHour].sort((a, b) => a[0] - b[0]).map(([start, values]) => ({ start, ...sketchOf(values) }));
  return { raw: samples.filter((s) => s.ts >= splitTs), hourSketches };
}

function normal(rnd: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
}

/** Histories of the kinds PM2.5 stations produce (values rounded as loggers send them). */
const kinds: Record<string, (rnd: () => number, hour: number) => number> = {
  'normal, diurnal': (r, h) => Math.max(0, Math.round(((h >= 6 && h <= 9 ? 60 : h >= 17 && h <= 21 ? 70 : 30) + 6 * normal(r)) * 10) / 10),
  skewed: (r) => Math.round(Math.exp(3.2 + 0.7 * normal(r)) * 10) / 10,
  ties: (r) => [12, 15, 15, 18, 20, 20, 20, 25, 30][Math.floor(r() * 9)]!,
  'zeros and detection-limit repeats': (r) => {
    const u = r();
    return u < 0.25 ? 0 : u < 0.45 ? 2 : Math.round(Math.exp(2 + 0.8 * normal(r)) * 10) / 10;
  },
  spikes: (r) => (r() < 0.03 ? 300 + 500 * r() : Math.round((28 + 5 * normal(r)) * 10) / 10),
  'mostly at one value (MAD 0)': (r) => (r() < 0.7 ? 20 : Math.round((20 + 5 * normal(r)) * 10) / 10),
};

/**
 * How far the sketch's z may be from the exact one (lib/quantile-sketch.ts): the median within
 * α·(|a| + |b|)/2, the MAD within α·(|m| + MAD) + that, the mean absolute deviation within
 * α·mean|x| + that; where the MAD is within its error of 0 either spread estimate may be used.
 */
function zBounds(values: readonly number[], x: number): { lo: number; hi: number } | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const m = median(values);
  const dm = (SKETCH_ALPHA * (Math.abs(sorted[Math.floor((n - 1) / 2)]!) + Math.abs(sorted[Math.floor(n / 2)]!))) / 2;
  const mad = medianAbsoluteDeviation(values);
  const dMad = SKETCH_ALPHA * (Math.abs(m) + mad) + dm;
  const meanAd = values.reduce((sum, v) => sum + Math.abs(v - m), 0) / n;
  const dMeanAd = (SKETCH_ALPHA * values.reduce((sum, v) => sum + Math.abs(v), 0)) / n + dm;
  const spreads: number[] = [];
  if (mad > 0) spreads.push(MAD_SCALE * Math.max(0, mad - dMad), MAD_SCALE * (mad + dMad));
  if (mad <= dMad) spreads.push(MEAN_AD_SCALE * Math.max(0, meanAd - dMeanAd), MEAN_AD_SCALE * (meanAd + dMeanAd));
  const sLo = Math.min(...spreads);
  const sHi = Math.max(...spreads);
  if (!(sLo > 0)) return undefined;
  const zs = [x - m - dm, x - m + dm].flatMap((num) => [num / sLo, num / sHi]);
  return { lo: Math.min(...zs), hi: Math.max(...zs) };
}

describe('anomaly over hourly sketches (the engine keeps a week of history this way)', () => {
  const S = T0 + 50 * MIN; // the history starts 50 min into an hour, so the sketch's whole-hour window holds the same samples
  const week = (draw: (rnd: () => number, hour: number) => number, seed: number): Sample[] => {
    const rnd = seeded(seed);
    return series(
      S,
      TEN,
      Array.from({ length: 7 * 144 }, (_, i) => draw(rnd, localHourOfDay(S + i * TEN))),
    );
  };

  for (const [kind, draw] of Object.entries(kinds)) {
    it(`decides as the exact rule wherever |z| is further from the threshold than the sketch's error: ${kind}`, () => {
      let compared = 0;
      let active = 0;
      let uncertain = 0;
      for (const sameHourOfDay of [true, false]) {
        const r = makeRule<AnomalyRule>({ ...rule, sameHourOfDay });
        for (const seed of [1, 2]) {
          const history = week(draw, seed);
          const newestTs = history.at(-1)!.ts + TEN;
          const kept = asKept(history, hourStartOf(newestTs));
          expect(kept.raw.length).toBeGreaterThan(0); // the hour in progress stays raw
          const exactHistory = anomalyHistory(r, freshValidSeries(extend(history, TEN, [0]), TEN)!, { ts: newestTs, value: 0, quality: 'valid' }, undefined);
          const values = exactHistory!.raw.map((s) => s.value);
          for (let zTarget = -12; zTarget <= 12; zTarget += 0.25) {
            const x = Math.round((exactHistory!.center + zTarget * Math.max(exactHistory!.spread, 1)) * 100) / 100;
            const exact = evaluateAnomaly(inputFor(r, extend(history, TEN, [x]), opts))!;
            const sketched = evaluateAnomaly(inputFor(r, extend(kept.raw, TEN, [x]), { ...opts, hourSketches: kept.hourSketches }))!;
            expect(sketched.message.en).toContain('estimated from hourly summaries');
            const b = zBounds(values, x);
            if (b === undefined) continue;
            expect(sketched.value!).toBeGreaterThanOrEqual(b.lo - 1e-9);
            expect(sketched.value!).toBeLessThanOrEqual(b.hi + 1e-9);
            const absLo = b.lo <= 0 && b.hi >= 0 ? 0 : Math.min(Math.abs(b.lo), Math.abs(b.hi));
            const absHi = Math.max(Math.abs(b.lo), Math.abs(b.hi));
            if (r.threshold >= absLo && r.threshold <= absHi) {
              uncertain++;
              continue;
            }
            expect(sketched.active).toBe(exact.active);
            compared++;
            if (exact.active) active++;
          }
        }
      }
      // not vacuous: both outcomes decided, most z-scores outside the band where the error may flip a decision
      // (the band is the worst case; it is wide for the MAD-0 fallback, whose bound counts α·|x| for every value)
      expect(active).toBeGreaterThan(20);
      expect(compared - active).toBeGreaterThan(20);
      expect(uncertain).toBeLessThan(compared);
    });
  }

  it('counts exactly and says its figures are estimates, in both languages', () => {
    const history = week(kinds['normal, diurnal']!, 42);
    const newestTs = history.at(-1)!.ts + TEN;
    const kept = asKept(history, hourStartOf(newestTs));
    const newest = { ts: newestTs, value: 150, quality: 'valid' as const };
    const exactH = anomalyHistory(rule, freshValidSeries([...history, newest], TEN)!, newest, undefined)!;
    const keptH = anomalyHistory(rule, freshValidSeries([...kept.raw, newest], TEN)!, newest, kept.hourSketches)!;
    expect(keptH.count).toBe(exactH.count);
    expect(keptH.estimated).toBe(true);
    expect(Math.abs(keptH.center - exactH.center)).toBeLessThanOrEqual(SKETCH_ALPHA * exactH.center);
    const spike = evaluateAnomaly(inputFor(rule, extend(kept.raw, TEN, [150]), { ...opts, hourSketches: kept.hourSketches }))!;
    expect(spike.active).toBe(true);
    expect(spike.message.en).toMatch(
      /^PM2\.5 unusual: 150 is unusual \(robust z ≈[\d.]+, median at this hour of day ≈[\d.]+ over 168 h; estimated from hourly summaries, ±1 % on each figure\)$/,
    );
    expect(spike.message.vi).toMatch(
      /^PM2,5 bất thường: 150 bất thường \(z ≈[\d,]+, trung vị cùng khung giờ ≈[\d,]+ trong 168 giờ; ước tính từ tóm tắt theo giờ, sai số ±1 % mỗi giá trị\)$/,
    );
    expect(spike.evidence.at(-1)?.value).toBe(150);
    // too few values in the history, sketches or not
    const few = asKept(series(S, TEN, Array<number>(60).fill(30)), S + 9 * HOUR);
    expect(evaluateAnomaly(inputFor(rule, extend(few.raw, TEN, [150]), { ...opts, hourSketches: few.hourSketches }))).toBeUndefined();
  });

  it('a constant history is inactive (exactly constant: its value; within one bucket: no measurable spread)', () => {
    const loose = makeRule<AnomalyRule>({ ...rule, sameHourOfDay: false, minSamples: 10 });
    const flat = series(S, TEN, Array<number>(200).fill(20));
    const keptFlat = asKept(flat, hourStartOf(flat.at(-1)!.ts));
    const c = evaluateAnomaly(inputFor(loose, extend(keptFlat.raw, TEN, [40]), { ...opts, hourSketches: keptFlat.hourSketches }));
    expect(c).toMatchObject({ active: false, value: 0 });
    expect(c?.message.en).toContain('history constant at 20,');
    expect(bucketKey(20)).toBe(bucketKey(20.05));
    const narrow = series(
      S,
      TEN,
      Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? 20 : 20.05)),
    );
    const keptNarrow = asKept(narrow, hourStartOf(narrow.at(-1)!.ts));
    const n = evaluateAnomaly(inputFor(loose, extend(keptNarrow.raw, TEN, [40]), { ...opts, hourSketches: keptNarrow.hourSketches }));
    expect(n).toMatchObject({ active: false, value: 0 });
    expect(n?.message.en).toContain('history within ±1 % of ≈20');
    expect(n?.message.vi).toContain('nằm trong ±1 % quanh ≈20');
    // the MAD-0 fallback still works under the sketch: most values at one level, a few around it
    const mostlyFlat = series(S, TEN, [...Array<number>(150).fill(20), 21, 22, 25, 19, 18, 23, 17, 21, 19, 20.5]);
    const keptMostly = asKept(mostlyFlat, hourStartOf(mostlyFlat.at(-1)!.ts));
    const m = evaluateAnomaly(inputFor(loose, extend(keptMostly.raw, TEN, [40]), { ...opts, hourSketches: keptMostly.hourSketches }));
    expect(m?.active).toBe(true);
    expect(m?.value).toBeCloseTo(evaluateAnomaly(inputFor(loose, extend(mostlyFlat, TEN, [40]), opts))!.value!, 0);
  });
});
