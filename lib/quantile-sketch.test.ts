import { median, medianAbsoluteDeviation } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import {
  addToSketch,
  bucketKey,
  bucketValue,
  compactSketch,
  createSketch,
  MAX_BUCKETS,
  mergeSketch,
  SKETCH_ALPHA,
  SKETCH_GAMMA,
  sketchBins,
  sketchBuckets,
  sketchMedian,
  sketchQuantile,
  sketchSpread,
  type QuantileSketch,
} from './quantile-sketch.js';

const α = SKETCH_ALPHA;

/** Deterministic PRNG (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(rnd: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
}

/** Random series of the kinds sensor histories have. */
const kinds: Record<string, (rnd: () => number) => number> = {
  normal: (r) => Math.max(0, Math.round((35 + 8 * normal(r)) * 10) / 10),
  skewed: (r) => Math.round(Math.exp(3 + 0.8 * normal(r)) * 100) / 100,
  ties: (r) => [12, 15, 15, 18, 20, 20, 20, 25][Math.floor(r() * 8)]!,
  'zeros and detection limit': (r) => {
    const u = r();
    return u < 0.3 ? 0 : u < 0.55 ? 0.5 : Math.round(Math.exp(1 + normal(r)) * 10) / 10;
  },
  spikes: (r) => (r() < 0.04 ? 400 + 600 * r() : Math.round((25 + 5 * normal(r)) * 10) / 10),
  'mostly at one value': (r) => (r() < 0.7 ? 20 : Math.round((20 + 4 * normal(r)) * 10) / 10),
  'signed (temperature)': (r) => Math.round((2 + 6 * normal(r)) * 10) / 10,
};

function sketchOf(values: readonly number[]): QuantileSketch {
  const s = createSketch();
  for (const v of values) addToSketch(s, v);
  return s;
}

/** The stated error of the median: α·(|a| + |b|)/2 for the middle order statistics a, b (a = b for an odd count). */
function medianError(sorted: readonly number[]): number {
  const n = sorted.length;
  const a = sorted[Math.floor((n - 1) / 2)]!;
  const b = sorted[Math.floor(n / 2)]!;
  return (α * (Math.abs(a) + Math.abs(b))) / 2;
}

describe('quantile sketch', () => {
  it('maps every value to a bucket whose value is within α of it', () => {
    const rnd = seeded(7);
    for (let i = 0; i < 5000; i++) {
      const x = Math.exp((rnd() - 0.5) * 40);
      const k = bucketKey(x);
      expect(x).toBeLessThanOrEqual(SKETCH_GAMMA ** k * (1 + 1e-12));
      expect(x).toBeGreaterThan(SKETCH_GAMMA ** (k - 1) * (1 - 1e-12));
      expect(Math.abs(bucketValue(k) - x)).toBeLessThanOrEqual(α * x * (1 + 1e-9));
    }
  });

  for (const [kind, draw] of Object.entries(kinds)) {
    it(`median and MAD within the stated error of simple-statistics': ${kind}`, () => {
      let checked = 0;
      for (const n of [1, 2, 3, 10, 61, 600, 3600, 20_000]) {
        for (let seed = 1; seed <= 4; seed++) {
          const rnd = seeded(seed * 1000 + n);
          const values = Array.from({ length: n }, () => draw(rnd));
          const sorted = [...values].sort((a, b) => a - b);
          const s = sketchOf(values);
          const m = median(values);
          const mHat = sketchMedian(s);
          const dm = medianError(sorted);
          expect(Math.abs(mHat - m)).toBeLessThanOrEqual(dm + 1e-12);
          const mad = medianAbsoluteDeviation(values);
          const { mad: madHat, meanAbsDev } = sketchSpread(s, mHat);
          // each deviation is off by at most α·|x| + |m̂ − m|, and |x| ≤ |m| + MAD for the values around the MAD
          const dMad = α * (Math.abs(m) + mad) + Math.abs(mHat - m);
          expect(Math.abs(madHat - mad)).toBeLessThanOrEqual(dMad + 1e-12);
          const meanAd = values.reduce((sum, v) => sum + Math.abs(v - m), 0) / n;
          const meanAbs = values.reduce((sum, v) => sum + Math.abs(v), 0) / n;
          expect(Math.abs(meanAbsDev - meanAd)).toBeLessThanOrEqual(α * meanAbs + Math.abs(mHat - m) + 1e-12);
          expect([s.count, s.min, s.max]).toEqual([n, sorted[0], sorted.at(-1)]);
          // any quantile: the order statistic within α
          for (const q of [0, 0.1, 0.9, 1]) {
            const exact = sorted[Math.floor(q * (n - 1))]!;
            expect(Math.abs(sketchQuantile(s, q) - exact)).toBeLessThanOrEqual(α * Math.abs(exact) + 1e-12);
          }
          checked++;
        }
      }
      expect(checked).toBe(32);
    });
  }

  it('a constant history is exact and has no spread; ties at one value give MAD 0 as the exact MAD does', () => {
    const flat = sketchOf(Array<number>(500).fill(20.3));
    expect(sketchMedian(flat)).toBe(20.3);
    expect(sketchSpread(flat, 20.3)).toEqual({ mad: 0, meanAbsDev: 0 });
    const mostly = [...Array<number>(60).fill(20), 21, 22, 25, 19, 18];
    const s = sketchOf(mostly);
    expect(medianAbsoluteDeviation(mostly)).toBe(0);
    expect(sketchSpread(s, sketchMedian(s)).mad).toBe(0);
    expect(sketchSpread(s, sketchMedian(s)).meanAbsDev).toBeGreaterThan(0);
    expect(sketchSpread(createSketch(), NaN)).toEqual({ mad: 0, meanAbsDev: 0 });
    expect(sketchMedian(createSketch())).toBeNaN();
  });

  it('merges: the sketch of a union is the merge of the sketches of its parts, whatever the grouping and order', () => {
    const rnd = seeded(99);
    const values = Array.from({ length: 5000 }, () => kinds['signed (temperature)']!(rnd) * (rnd() < 0.1 ? 100 : 1));
    const whole = sketchOf(values);
    const merged = createSketch();
    for (let i = 0; i < values.length;) {
      const part = values.slice(i, (i += 1 + Math.floor(rnd() * 300))).reverse();
      mergeSketch(merged, sketchOf(part));
    }
    mergeSketch(merged, createSketch());
    compactSketch(merged);
    compactSketch(whole);
    expect(merged).toEqual(whole);
    expect(sketchBins(merged)).toEqual(sketchBins(whole));
  });

  it('compacts counts losslessly and grows again after compaction (counts of any size)', () => {
    const s = createSketch();
    for (let i = 0; i < 3000; i++) addToSketch(s, 20 + (i % 5)); // 600 a value
    addToSketch(s, 21, 0xd800 - 600); // a count that is a lone surrogate code unit
    addToSketch(s, 22, 70_000); // beyond 16 bits: kept as an array
    addToSketch(s, -3, 5);
    const before = sketchBins(s);
    compactSketch(s);
    expect(sketchBins(s)).toEqual(before);
    addToSketch(s, 1000);
    addToSketch(s, -3);
    const after = sketchBins(s);
    expect(after[0]![1]).toBe(6); // the negative bucket, value −3 within α
    expect(Math.abs(after[0]![0] + 3)).toBeLessThanOrEqual(3 * α);
    expect(after.find(([v]) => Math.abs(v - 21) <= 21 * α)?.[1]).toBe(0xd800);
    expect(after.reduce((n, [, c]) => n + c, 0)).toBe(s.count);
    expect(s.count).toBe(3000 + 0xd800 - 600 + 70_000 + 5 + 2);
    const merged = createSketch();
    mergeSketch(merged, s);
    expect(sketchBins(merged)).toEqual(after);
  });

  it('keeps a size bounded by the range of the values, not their number (one a second vs one a minute)', () => {
    const rnd = seeded(3);
    const hour = (n: number): QuantileSketch => sketchOf(Array.from({ length: n }, () => 20 + 30 * rnd()));
    const perMinute = hour(60);
    const perSecond = hour(3600);
    const bound = Math.ceil(Math.log(50 / 20) / Math.log(SKETCH_GAMMA)) + 1; // buckets between 20 and 50
    expect(sketchBuckets(perSecond)).toBeLessThanOrEqual(bound);
    expect(sketchBuckets(perMinute)).toBeLessThanOrEqual(bound);
    expect(sketchBuckets(perSecond)).toBeGreaterThan(bound / 2);
    // any values at all: at most MAX_BUCKETS a sign; absurd magnitudes (error codes up to 1.8e308) merge into the
    // largest kept bucket, and the median and MAD of the readings around them stay within the error
    const wild = Array.from({ length: 20_000 }, () => (rnd() < 0.2 ? Math.exp(rnd() * 709) : rnd() < 0.5 ? -Math.exp(rnd() * 709) : 20 + 30 * rnd()));
    const s = sketchOf(wild);
    expect(s.pos.length).toBeLessThanOrEqual(MAX_BUCKETS);
    expect(s.neg.length).toBeLessThanOrEqual(MAX_BUCKETS);
    const m = median(wild);
    const mHat = sketchMedian(s);
    expect(Math.abs(mHat - m)).toBeLessThanOrEqual(medianError([...wild].sort((a, b) => a - b)) + 1e-12);
    expect([s.min, s.max]).toEqual([Math.min(...wild), Math.max(...wild)]);
    const merged = createSketch();
    mergeSketch(merged, sketchOf(wild.slice(0, 7000)));
    mergeSketch(merged, sketchOf(wild.slice(7000)));
    expect(sketchMedian(merged)).toBe(mHat);
  });
});
