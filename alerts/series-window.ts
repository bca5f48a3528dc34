/**
 * @module alerts/series-window
 * One station-metric window of the alert engine (alerts/windows.ts): the raw samples the rules
 * read, and for the long mean windows (rules/hourly.ts: 8 h, 24 h) one exact partial sum per hour
 * instead of the raw readings, so a 24 h mean at one reading a minute holds about 25 hourly records
 * and the raw tail its other rules need, not 1,440 readings (86,400 at one a second).
 *
 * The raw samples are kept as rows of doubles (raw-columns.ts: 24 bytes a sample, not an object of
 * about 80); the rules read them as `Sample[]` built per evaluation (evaluator.ts).
 *
 * Invariant: `raw` holds every sample with ts ≥ rawFrom (ascending, first write wins, as in the
 * database); `hours` holds the sums of the valid samples (the only ones a mean counts) with
 * ts < rawFrom. Raw reaches back plan.rawMs (what the other rules of the metric need) and keeps
 * the newest MAX_EVIDENCE valid samples (the mean's evidence); older samples fold into their hour.
 *
 * A late reading older than rawFrom cannot be told from a duplicate by a sum: its hour is marked
 * `stale` and the engine re-reads that hour from the database (windows.ts, refreshLateHours)
 * before it evaluates, so the sum stays that of the stored readings, first write winning.
 * Metrics without a long mean window keep raw samples only, trimmed exactly as before.
 *
 * The anomaly rule's history (7 days) is kept the same way, as one quantile sketch per UTC hour
 * [start, start + 1 h) (rules/hour-sketch.ts, lib/quantile-sketch.ts) of the valid samples with
 * ts < rawFrom, reaching back plan.sketchMs; a late reading older than rawFrom marks its sketch
 * hour stale (`staleSketches`) and the engine re-reads that hour, as for the sums.
 */
import type { WindowPlan } from './rule-index.js';
import { createRaw, dropRows, insertRow, numberAt, rawLength, tsAt, validAt, type RawColumns } from './raw-columns.js';
import { addToSketch, compactSketch, createSketch } from '../lib/quantile-sketch.js';
import { addExact } from './rules/exact-sum.js';
import { createHourSketch, hourStartOf, SKETCH_HOUR_MS, type HourSketch } from './rules/hour-sketch.js';
import { HOUR_MS, hourEndOf, type HourSum } from './rules/hourly.js';
import { isValid, MAX_EVIDENCE } from './rules/samples.js';
import type { Sample } from './rules/types.js';

export interface SeriesWindow {
  /** Every sample with ts ≥ rawFrom, ascending, as rows of doubles (raw-columns.ts). */
  raw: RawColumns;
  /** Sums of the valid samples with ts < rawFrom, one per hour, ascending by end. */
  hours: HourSum[];
  /** See the module comment; −Infinity while everything is raw. */
  rawFrom: number;
  /** Ends of hours a late reading fell into, to be re-read from the database. */
  stale: Set<number> | undefined;
  /** Quantile sketches of the valid samples with ts < rawFrom, one per UTC hour, ascending by start. */
  sketches: HourSketch[];
  /** Starts of sketch hours a late reading fell into, to be re-read from the database. */
  staleSketches: Set<number> | undefined;
}

export function createSeries(): SeriesWindow {
  return { raw: createRaw(), hours: [], rawFrom: -Infinity, stale: undefined, sketches: [], staleSketches: undefined };
}

/** Records and count of one series (tests and the memory benchmark). */
export function seriesRecords(series: SeriesWindow): number {
  return rawLength(series.raw) + series.hours.length + series.sketches.length;
}

/** Whether the plan folds old samples into hourly sums or sketches. */
function folds(plan: WindowPlan): boolean {
  return plan.hourlyMs > 0 || plan.sketchMs > 0;
}

/** Sketch hours starting before this are outside every anomaly window of the plan (see rules/hour-sketch.ts). */
function oldestSketchStart(newestTs: number, plan: WindowPlan): number {
  return hourStartOf(newestTs - plan.sketchMs);
}

/** The sketch hour starting at `start`, created empty in place if missing; an hour before it is done being folded into. */
export function sketchAt(series: SeriesWindow, start: number): HourSketch {
  const { sketches } = series;
  let i = sketches.length;
  while (i > 0 && sketches[i - 1]!.start > start) i--;
  const found = sketches[i - 1];
  if (found !== undefined && found.start === start) return found;
  if (found !== undefined && i === sketches.length) compactSketch(found);
  const created = createHourSketch(start);
  sketches.splice(i, 0, created);
  return created;
}

/** Hours ending at or before this are outside every window of the plan (see rules/hourly.ts). */
function oldestHourEnd(newestTs: number, plan: WindowPlan): number {
  return hourEndOf(newestTs - plan.hourlyMs);
}

/** The hour ending at `end`, created empty in place if missing; an hour before it is done being folded into. */
export function hourAt(series: SeriesWindow, end: number): HourSum {
  const { hours } = series;
  let i = hours.length;
  while (i > 0 && hours[i - 1]!.end > end) i--;
  const found = hours[i - 1];
  if (found !== undefined && found.end === end) return found;
  if (found !== undefined && i === hours.length) compact(found);
  const created: HourSum = { end, count: 0, partials: [] };
  hours.splice(i, 0, created);
  return created;
}

/** Gives an hour's partials an array of their exact length (a grown array keeps room for 16). */
function compact(h: HourSum): void {
  h.partials = h.partials.slice();
}

/**
 * Adds a sample (first write wins) and trims the series to the plan. A sample older than the raw
 * samples of a series with hourly sums only marks its hour stale (see the module comment).
 */
export function addToSeries(series: SeriesWindow, sample: Sample, plan: WindowPlan): void {
  const { raw } = series;
  const n = rawLength(raw);
  if (folds(plan) && sample.ts < series.rawFrom) {
    const newest = n > 0 ? tsAt(raw, n - 1) : sample.ts;
    if (!isValid(sample)) return;
    const end = hourEndOf(sample.ts);
    if (plan.hourlyMs > 0 && end > oldestHourEnd(newest, plan)) (series.stale ??= new Set()).add(end);
    const start = hourStartOf(sample.ts);
    if (plan.sketchMs > 0 && start >= oldestSketchStart(newest, plan)) (series.staleSketches ??= new Set()).add(start);
    return;
  }
  let i = n;
  while (i > 0 && tsAt(raw, i - 1) > sample.ts) i--;
  if (i > 0 && tsAt(raw, i - 1) === sample.ts) return; // first write wins, as in the database
  insertRow(raw, i, sample);
  trimSeries(series, plan);
}

/** Drops (or folds into hourly sums) what the plan no longer needs raw. */
export function trimSeries(series: SeriesWindow, plan: WindowPlan): void {
  const { raw } = series;
  const n = rawLength(raw);
  if (n === 0) return;
  const newest = tsAt(raw, n - 1);
  let from = newest - plan.rawMs;
  if (folds(plan)) {
    // keep the newest MAX_EVIDENCE valid samples raw (the mean's evidence), all while there are fewer
    let seen = 0;
    let i = n - 1;
    for (; i >= 0; i--) if (validAt(raw, i) && ++seen === MAX_EVIDENCE) break;
    from = Math.min(from, tsAt(raw, Math.max(i, 0)));
    // …but nothing older than every window, and never back over samples already folded
    from = Math.max(from, newest - Math.max(plan.rawMs, plan.hourlyMs, plan.sketchMs), series.rawFrom);
    series.rawFrom = from;
  } else if (series.rawFrom !== -Infinity) series.rawFrom = -Infinity; // no long window left: raw only again
  if (plan.hourlyMs === 0 && (series.hours.length > 0 || series.stale)) {
    // the metric's long mean rules are gone
    series.hours = [];
    series.stale = undefined;
  }
  if (plan.sketchMs === 0 && (series.sketches.length > 0 || series.staleSketches)) {
    // the metric's anomaly rules are gone
    series.sketches = [];
    series.staleSketches = undefined;
  }
  let drop = 0;
  const oldest = plan.hourlyMs > 0 ? oldestHourEnd(newest, plan) : Infinity;
  const oldestStart = plan.sketchMs > 0 ? oldestSketchStart(newest, plan) : Infinity;
  let folding: HourSum | undefined;
  let sketching: HourSketch | undefined;
  while (drop < n && tsAt(raw, drop) < from) {
    const row = drop++;
    if (!folds(plan) || !validAt(raw, row)) continue;
    const t = tsAt(raw, row);
    const v = numberAt(raw, row);
    const end = hourEndOf(t);
    if (plan.hourlyMs > 0 && end > oldest) {
      if (folding?.end !== end) {
        if (folding) compact(folding);
        folding = hourAt(series, end);
      }
      folding.count++;
      addExact(folding.partials, v);
    }
    const start = hourStartOf(t);
    if (plan.sketchMs > 0 && start >= oldestStart) {
      if (sketching?.start !== start) {
        if (sketching) compactSketch(sketching);
        sketching = sketchAt(series, start);
      }
      addToSketch(sketching, v);
    }
  }
  dropRows(raw, drop);
  if (plan.hourlyMs > 0) dropOldHours(series, oldest);
  if (plan.sketchMs > 0) dropOldSketches(series, oldestStart);
}

function dropOldHours(series: SeriesWindow, oldest: number): void {
  let n = 0;
  while (n < series.hours.length && series.hours[n]!.end <= oldest) n++;
  if (n > 0) series.hours.splice(0, n);
  if (series.stale) {
    for (const end of series.stale) if (end <= oldest) series.stale.delete(end);
    if (series.stale.size === 0) series.stale = undefined;
  }
}

function dropOldSketches(series: SeriesWindow, oldestStart: number): void {
  let n = 0;
  while (n < series.sketches.length && series.sketches[n]!.start < oldestStart) n++;
  if (n > 0) series.sketches.splice(0, n);
  if (series.staleSketches) {
    for (const start of series.staleSketches) if (start < oldestStart) series.staleSketches.delete(start);
    if (series.staleSketches.size === 0) series.staleSketches = undefined;
  }
}

/**
 * Replaces the sum of the hour ending at `end` by that of `stored`, the stored readings of that
 * hour older than rawFrom (windows.ts reads them), and clears its stale mark.
 */
export function replaceHour(series: SeriesWindow, end: number, stored: readonly Sample[]): void {
  series.stale?.delete(end);
  if (series.stale?.size === 0) series.stale = undefined;
  const h = hourAt(series, end);
  h.count = 0;
  h.partials = [];
  for (const s of stored) {
    if (!isValid(s) || s.ts <= end - HOUR_MS || s.ts > end || s.ts >= series.rawFrom) continue;
    h.count++;
    addExact(h.partials, s.value);
  }
  if (h.count === 0) series.hours.splice(series.hours.indexOf(h), 1);
  else compact(h);
}

/**
 * Replaces the sketch of the hour starting at `start` by that of `stored`, the stored readings of
 * that hour older than rawFrom (windows.ts reads them), and clears its stale mark.
 */
export function replaceSketchHour(series: SeriesWindow, start: number, stored: readonly Sample[]): void {
  series.staleSketches?.delete(start);
  if (series.staleSketches?.size === 0) series.staleSketches = undefined;
  const h = sketchAt(series, start);
  Object.assign(h, createSketch());
  for (const s of stored) {
    if (!isValid(s) || s.ts < start || s.ts >= start + SKETCH_HOUR_MS || s.ts >= series.rawFrom) continue;
    addToSketch(h, s.value);
  }
  if (h.count === 0) series.sketches.splice(series.sketches.indexOf(h), 1);
  else compactSketch(h);
}
