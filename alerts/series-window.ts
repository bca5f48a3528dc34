/**
 * @module alerts/series-window
 * One station-metric window of the alert engine (alerts/windows.ts): the raw samples the rules
 * read, and for the long mean windows (rules/hourly.ts: 8 h, 24 h) one exact partial sum per hour
 * instead of the raw readings, so a 24 h mean at one reading a minute holds about 25 hourly records
 * and the raw tail its other rules need, not 1,440 readings (86,400 at one a second).
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
 */
import type { WindowPlan } from './rule-index.js';
import { addExact } from './rules/exact-sum.js';
import { HOUR_MS, hourEndOf, type HourSum } from './rules/hourly.js';
import { isValid, MAX_EVIDENCE } from './rules/samples.js';
import type { Sample } from './rules/types.js';

export interface SeriesWindow {
  /** Every sample with ts ≥ rawFrom, ascending. */
  raw: Sample[];
  /** Sums of the valid samples with ts < rawFrom, one per hour, ascending by end. */
  hours: HourSum[];
  /** See the module comment; −Infinity while everything is raw. */
  rawFrom: number;
  /** Ends of hours a late reading fell into, to be re-read from the database. */
  stale: Set<number> | undefined;
}

export function createSeries(): SeriesWindow {
  return { raw: [], hours: [], rawFrom: -Infinity, stale: undefined };
}

/** Records and count of one series (tests and the memory benchmark). */
export function seriesRecords(series: SeriesWindow): number {
  return series.raw.length + series.hours.length;
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
  if (plan.hourlyMs > 0 && sample.ts < series.rawFrom) {
    const newest = raw.at(-1)?.ts ?? sample.ts;
    const end = hourEndOf(sample.ts);
    if (isValid(sample) && end > oldestHourEnd(newest, plan)) (series.stale ??= new Set()).add(end);
    return;
  }
  let i = raw.length;
  while (i > 0 && raw[i - 1]!.ts > sample.ts) i--;
  if (i > 0 && raw[i - 1]!.ts === sample.ts) return; // first write wins, as in the database
  raw.splice(i, 0, sample);
  trimSeries(series, plan);
}

/** Drops (or folds into hourly sums) what the plan no longer needs raw. */
export function trimSeries(series: SeriesWindow, plan: WindowPlan): void {
  const { raw } = series;
  const newest = raw.at(-1)?.ts;
  if (newest === undefined) return;
  let from = newest - plan.rawMs;
  if (plan.hourlyMs > 0) {
    // keep the newest MAX_EVIDENCE valid samples raw (the mean's evidence), all while there are fewer
    let seen = 0;
    let i = raw.length - 1;
    for (; i >= 0; i--) if (isValid(raw[i]!) && ++seen === MAX_EVIDENCE) break;
    from = Math.min(from, raw[Math.max(i, 0)]!.ts);
    // …but nothing older than every window, and never back over samples already folded
    from = Math.max(from, newest - Math.max(plan.rawMs, plan.hourlyMs), series.rawFrom);
    series.rawFrom = from;
  } else if (series.hours.length > 0 || series.rawFrom !== -Infinity) {
    // the metric's long mean rules are gone: raw only again
    series.hours = [];
    series.rawFrom = -Infinity;
    series.stale = undefined;
  }
  let drop = 0;
  const oldest = plan.hourlyMs > 0 ? oldestHourEnd(newest, plan) : Infinity;
  let folding: HourSum | undefined;
  while (drop < raw.length && raw[drop]!.ts < from) {
    const s = raw[drop++]!;
    if (plan.hourlyMs === 0 || !isValid(s)) continue;
    const end = hourEndOf(s.ts);
    if (end <= oldest) continue;
    if (folding?.end !== end) {
      if (folding) compact(folding);
      folding = hourAt(series, end);
    }
    folding.count++;
    addExact(folding.partials, s.value);
  }
  if (drop > 0) raw.splice(0, drop);
  if (plan.hourlyMs > 0) dropOldHours(series, oldest);
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
