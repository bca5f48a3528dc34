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
});
