/**
 * @module alerts/raw-columns
 * The raw samples of one station-metric window (series-window.ts) as rows of three doubles in one
 * array instead of one object a sample: [ts, value, quality code, ts, value, …]. An array that
 * holds only numbers keeps them unboxed (8 bytes each), so a row costs 24 bytes where a `Sample`
 * object costs about 80 (the object and two boxed doubles). The array's room is managed here
 * (grown by half when full, unless a quarter of it is dropped rows at the front to reuse; shrunk
 * when a quarter used; from one row), not by `push`: V8 gives a pushed
 * array room for 16 more elements, which for the many series holding one or two samples (10,000
 * stations that just connected) cost more than the objects did. The rules still read `Sample[]`,
 * built per evaluation by `samplesOf` and garbage right after.
 *
 * After a restart on the benchmark's throughput data the windows held 908,000 sample objects
 * (issue 20, heap snapshot of 2026-12-05); kept as rows, the main thread's live heap there went
 * from 207 to 115 MB (bench/fleet-memory.ts DIR, after a full collection). For 10,000 stations × 10
 * metrics with two or three samples each (bench/alert-windows.ts --rules packs --stations 10000
 * --hours 0.034) the windows take 53.1 MB against 64.6 as objects.
 *
 * A null value is kept as NaN (a reading's value is never NaN: JSON has none).
 */
import { QUALITY, qualityName } from '../domain/quality.js';
import type { Sample } from './rules/types.js';

/** Numbers a row takes: ts, value, quality code. */
const W = 3;
const VALID = QUALITY.valid;

export interface RawColumns {
  /** Rows of W numbers; its length is the room. Rows start..start + n − 1 are in use. */
  rows: number[];
  /** The first row in use (dropped rows before it are reused when the room runs out). */
  start: number;
  /** Rows in use, ascending by ts. */
  n: number;
}

export function createRaw(): RawColumns {
  return { rows: [], start: 0, n: 0 };
}

export function rawLength(raw: RawColumns): number {
  return raw.n;
}

export function tsAt(raw: RawColumns, i: number): number {
  return raw.rows[(raw.start + i) * W]!;
}

/** Row i's value, NaN for null. */
export function numberAt(raw: RawColumns, i: number): number {
  return raw.rows[(raw.start + i) * W + 1]!;
}

export function valueAt(raw: RawColumns, i: number): number | null {
  const v = numberAt(raw, i);
  return Number.isNaN(v) ? null : v;
}

/** Whether row i is a valid sample with a finite value (rules/samples.ts `isValid`). */
export function validAt(raw: RawColumns, i: number): boolean {
  const k = (raw.start + i) * W;
  return raw.rows[k + 2] === VALID && Number.isFinite(raw.rows[k + 1]);
}

/** Row i as a new `Sample`. */
export function sampleAt(raw: RawColumns, i: number): Sample {
  return { ts: tsAt(raw, i), value: valueAt(raw, i), quality: qualityName(raw.rows[(raw.start + i) * W + 2]!) };
}

/** Every row as a new `Sample[]`, ascending (what the rules read). */
export function samplesOf(raw: RawColumns): Sample[] {
  const out = new Array<Sample>(raw.n);
  for (let i = 0; i < raw.n; i++) out[i] = sampleAt(raw, i);
  return out;
}

/** Room for n rows and half as many more (at least one more). */
function grown(n: number): number {
  return n + (n >> 1) + 1;
}

/** Moves the rows in use to the start of an array of room for `room` rows (a new one if the room changes). */
function repack(raw: RawColumns, room: number): void {
  const from = raw.rows;
  const to = room * W === from.length ? from : new Array<number>(room * W).fill(0);
  const first = raw.start * W;
  for (let k = 0; k < raw.n * W; k++) to[k] = from[first + k]!;
  raw.rows = to;
  raw.start = 0;
}

/** Inserts `sample` as row i (the rows after it move down one). */
export function insertRow(raw: RawColumns, i: number, sample: Sample): void {
  if ((raw.start + raw.n) * W === raw.rows.length) {
    // out of room at the end: reuse the dropped rows at the front if they are a quarter of it, else grow
    const room = raw.rows.length / W;
    repack(raw, raw.start >= room / 4 ? room : grown(raw.n));
  }
  const { rows } = raw;
  const at = (raw.start + i) * W;
  for (let k = (raw.start + raw.n) * W - 1; k >= at; k--) rows[k + W] = rows[k]!;
  rows[at] = sample.ts;
  rows[at + 1] = sample.value ?? NaN;
  rows[at + 2] = QUALITY[sample.quality] ?? QUALITY.fault;
  raw.n++;
}

/** Drops the first k rows (and gives back room once a quarter of it is used). */
export function dropRows(raw: RawColumns, k: number): void {
  if (k <= 0) return;
  raw.start += k;
  raw.n -= k;
  const room = raw.rows.length / W;
  if (raw.n === 0) {
    raw.start = 0;
    if (room > 1) raw.rows = [];
  } else if (room > 4 && raw.n <= room / 4) repack(raw, grown(raw.n));
}
