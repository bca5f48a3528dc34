import { describe, expect, it } from 'vitest';
import { createRaw, dropRows, insertRow, rawLength, sampleAt, samplesOf, validAt, valueAt } from './raw-columns.js';
import type { Sample } from './rules/types.js';

describe('raw samples as columns', () => {
  const t0 = Date.parse('2026-12-05T00:00:00Z');
  const rows: Sample[] = [
    { ts: t0, value: 12.5, quality: 'valid' },
    { ts: t0 + 60_000, value: null, quality: 'fault' },
    { ts: t0 + 120_000, value: 0, quality: 'valid' },
    { ts: t0 + 180_000, value: 900.25, quality: 'calibrating' },
    { ts: t0 + 240_000, value: -3, quality: 'out_of_range' },
  ];

  it('gives back every sample as it was added, a null value as null, in row order', () => {
    const raw = createRaw();
    // added out of order: rows go where they are told
    insertRow(raw, 0, rows[2]!);
    insertRow(raw, 0, rows[0]!);
    insertRow(raw, 1, rows[1]!);
    insertRow(raw, 3, rows[3]!);
    insertRow(raw, 4, rows[4]!);
    expect(rawLength(raw)).toBe(5);
    expect(samplesOf(raw)).toEqual(rows);
    expect(sampleAt(raw, 1)).toEqual({ ts: t0 + 60_000, value: null, quality: 'fault' });
    expect(valueAt(raw, 1)).toBeNull();
    expect(valueAt(raw, 2)).toBe(0);
  });

  it('counts as valid only a valid quality with a value', () => {
    const raw = createRaw();
    rows.forEach((r, i) => insertRow(raw, i, r));
    insertRow(raw, 5, { ts: t0 + 300_000, value: null, quality: 'valid' });
    expect([0, 1, 2, 3, 4, 5].map((i) => validAt(raw, i))).toEqual([true, false, true, false, false, false]);
  });

  it('drops rows from the front, and the samples built before stay as they were', () => {
    const raw = createRaw();
    rows.forEach((r, i) => insertRow(raw, i, r));
    const before = samplesOf(raw);
    dropRows(raw, 2);
    expect(samplesOf(raw)).toEqual(rows.slice(2));
    dropRows(raw, 0);
    expect(rawLength(raw)).toBe(3);
    expect(before).toEqual(rows);
    dropRows(raw, 3);
    expect(samplesOf(raw)).toEqual([]);
  });

  it('stays what a plain array of samples would be through thousands of inserts (late ones too) and drops', () => {
    const raw = createRaw();
    const model: Sample[] = [];
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 48271) % 2147483647;
      return seed % n;
    };
    const qualities: Sample['quality'][] = ['valid', 'valid', 'valid', 'fault', 'calibrating', 'maintenance', 'out_of_range'];
    let ts = t0;
    for (let step = 0; step < 5000; step++) {
      const op = rand(10);
      if (op < 6 || model.length === 0) {
        // a new reading at the end, or a late one somewhere before it
        const late = op === 5 && model.length > 1;
        const i = late ? rand(model.length) : model.length;
        const s: Sample = { ts: late ? model[i]!.ts - 0.5 : (ts += 1000), value: rand(5) === 0 ? null : rand(1000) / 10, quality: qualities[rand(qualities.length)]! };
        insertRow(raw, i, s);
        model.splice(i, 0, s);
      } else {
        const k = rand(Math.min(model.length, op === 9 ? model.length : 3) + 1);
        dropRows(raw, k);
        model.splice(0, k);
      }
      expect(rawLength(raw)).toBe(model.length);
      if (step % 97 === 0) expect(samplesOf(raw)).toEqual(model);
    }
    expect(samplesOf(raw)).toEqual(model);
  });

  it('gives back room: a series that held 1,000 samples and keeps 10 holds room for at most 40', () => {
    const raw = createRaw();
    for (let i = 0; i < 1000; i++) insertRow(raw, i, { ts: t0 + i * 1000, value: i, quality: 'valid' });
    for (let i = 0; i < 99; i++) dropRows(raw, 10);
    expect(rawLength(raw)).toBe(10);
    expect(raw.rows.length / 3).toBeLessThanOrEqual(40);
    expect(samplesOf(raw).map((s) => s.value)).toEqual([990, 991, 992, 993, 994, 995, 996, 997, 998, 999]);
    // and a series of one sample holds room for one
    const one = createRaw();
    insertRow(one, 0, rows[0]!);
    expect(one.rows.length).toBe(3);
  });
});
