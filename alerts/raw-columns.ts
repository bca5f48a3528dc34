/**
 * @module alerts/raw-columns
 * The raw samples of one station-metric window (series-window.ts) as three columns instead of one
 * object a sample: `ts` and `value` are arrays of doubles, which V8 stores unboxed (8 bytes an
 * element), and `quality` an array of the interned quality names (one pointer). A `Sample` object
 * costs about 80 bytes (the object and two boxed doubles); a row here 24. After a restart on the
 * benchmark's throughput data the windows held 908,000 sample objects (issue 20, heap snapshot of
 * 2026-12-05); as columns the main thread's live heap there went from 207 to 124 MB
 * (bench/fleet-memory.ts). The rules still read `Sample[]`, built per evaluation by `samplesOf`
 * and garbage right after.
 *
 * A null value is kept as NaN (a reading's value is never NaN: JSON has none), so `value` never
 * holds anything but doubles and keeps its unboxed elements.
 */
import type { QualityName } from '../domain/quality.js';
import type { Sample } from './rules/types.js';

export interface RawColumns {
  /** epoch ms, ascending */
  readonly ts: number[];
  /** NaN for a null value */
  readonly value: number[];
  readonly quality: QualityName[];
}

export function createRaw(): RawColumns {
  return { ts: [], value: [], quality: [] };
}

export function rawLength(raw: RawColumns): number {
  return raw.ts.length;
}

/** Whether row i is a valid sample with a finite value (rules/samples.ts `isValid`). */
export function validAt(raw: RawColumns, i: number): boolean {
  return raw.quality[i] === 'valid' && Number.isFinite(raw.value[i]);
}

export function valueAt(raw: RawColumns, i: number): number | null {
  const v = raw.value[i]!;
  return Number.isNaN(v) ? null : v;
}

/** Row i as a new `Sample`. */
export function sampleAt(raw: RawColumns, i: number): Sample {
  return { ts: raw.ts[i]!, value: valueAt(raw, i), quality: raw.quality[i]! };
}

/** Every row as a new `Sample[]`, ascending (what the rules read). */
export function samplesOf(raw: RawColumns): Sample[] {
  const n = raw.ts.length;
  const out = new Array<Sample>(n);
  for (let i = 0; i < n; i++) out[i] = sampleAt(raw, i);
  return out;
}

/** Inserts `sample` as row i (the rows after it move down one). */
export function insertRow(raw: RawColumns, i: number, sample: Sample): void {
  const value = sample.value ?? NaN;
  if (i === raw.ts.length) {
    raw.ts.push(sample.ts);
    raw.value.push(value);
    raw.quality.push(sample.quality);
  } else {
    raw.ts.splice(i, 0, sample.ts);
    raw.value.splice(i, 0, value);
    raw.quality.splice(i, 0, sample.quality);
  }
}

/** Drops the first n rows. */
export function dropRows(raw: RawColumns, n: number): void {
  if (n <= 0) return;
  raw.ts.splice(0, n);
  raw.value.splice(0, n);
  raw.quality.splice(0, n);
}
