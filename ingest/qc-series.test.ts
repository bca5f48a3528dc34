/**
 * ingest/qc-series.ts: every series of the checks keeps its own state in the shared table, through
 * the table's growth, a ring resized when the configuration changes, and the rings moved together.
 */
import { describe, expect, it } from 'vitest';
import { QcSeriesTable } from './qc-series.js';

const oldestFirst = (t: QcSeriesTable, slot: number) => {
  const out = new Float64Array(64);
  return [...out.subarray(0, t.previous(slot, out))];
};

describe('QcSeriesTable', () => {
  it('keeps the last `window` values of each of 5,000 series and their fields while the table grows', () => {
    const t = new QcSeriesTable();
    const slots = Array.from({ length: 5_000 }, (_, i) => {
      const slot = t.create(3 + (i % 5));
      t.lastTs[slot] = i;
      for (let v = 0; v < 10; v++) t.push(slot, i * 100 + v);
      return slot;
    });
    expect(t.count).toBe(5_000);
    for (const [i, slot] of slots.entries()) {
      const window = 3 + (i % 5);
      expect(t.lastTs[slot]).toBe(i);
      expect(t.size(slot)).toBe(window);
      expect(oldestFirst(t, slot)).toEqual(Array.from({ length: window }, (_, k) => i * 100 + 10 - window + k));
    }
    expect(t.newestTs[slots[4_999]!]).toBe(-Infinity);
    expect(Number.isNaN(t.lastValue[slots[4_999]!])).toBe(true);
  });

  it('a resized ring keeps its newest values; resizing again and again leaves every other ring as it was', () => {
    const t = new QcSeriesTable();
    const a = t.create(4);
    const b = t.create(4);
    for (let v = 1; v <= 6; v++) {
      t.push(a, v);
      t.push(b, -v);
    }
    t.resize(a, 2);
    expect(oldestFirst(t, a)).toEqual([5, 6]);
    t.resize(a, 8);
    expect(oldestFirst(t, a)).toEqual([5, 6]);
    // grown rings leave their old place behind until the rings are moved together
    for (let k = 0; k < 200; k++) t.resize(a, k % 2 === 0 ? 9 : 10);
    t.push(a, 7);
    expect(oldestFirst(t, a)).toEqual([5, 6, 7]);
    expect(oldestFirst(t, b)).toEqual([-3, -4, -5, -6]);
    t.forget(a);
    expect(t.size(a)).toBe(0);
    expect(t.size(b)).toBe(4);
  });

  it('the largest value over a lag, per series', () => {
    const t = new QcSeriesTable();
    const inlet = t.create(3);
    const other = t.create(3);
    const HOUR = 3_600_000;
    t.trackLag(inlet, 3 * HOUR, 0, 50);
    t.trackLag(inlet, 3 * HOUR, HOUR, 80);
    t.trackLag(inlet, 3 * HOUR, 2 * HOUR, 60);
    expect(t.maxOver(inlet, 3 * HOUR, 2 * HOUR)).toBe(80);
    // the slices overlapping the last 3 hours count (a slice is 3 h / 7 long)
    t.trackLag(inlet, 3 * HOUR, 5 * HOUR, 10);
    expect(t.maxOver(inlet, 3 * HOUR, 5 * HOUR)).toBe(60);
    t.trackLag(inlet, 3 * HOUR, 6 * HOUR, 5);
    expect(t.maxOver(inlet, 3 * HOUR, 6 * HOUR)).toBe(10);
    expect(Number.isNaN(t.maxOver(other, 3 * HOUR, 6 * HOUR))).toBe(true);
  });
});
