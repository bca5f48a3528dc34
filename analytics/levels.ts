/**
 * @module analytics/levels
 * Validation levels as spans of time: a station's approved days and months
 * (store/validation-levels.ts, local dates in the station's zone) become disjoint [from, to)
 * instants with the level in force (a day's level is the highest of its own approval and its
 * month's). Exports read the level of each reading's day from them (levelAt); open data
 * publishes only the spans at or above its minimum level (spansAtLeast).
 */
import { localDayRange, localMonthRange } from '../lib/time.js';
import type { ApprovedPeriod } from '../store/validation-levels.js';

/** [from, to) in epoch ms at one validation level. */
export interface LevelSpan {
  from: number;
  to: number;
  level: number;
}

/** Per station, its approved spans, sorted and disjoint (days without an approval are absent: level 0). */
export function levelSpans(periods: readonly ApprovedPeriod[], zoneOf: (stationId: string) => string): Map<string, LevelSpan[]> {
  const raw = new Map<string, LevelSpan[]>();
  for (const p of periods) {
    const zone = zoneOf(p.stationId);
    const range = p.kind === 'day' ? localDayRange(p.start, zone) : localMonthRange(p.start.slice(0, 7), zone);
    if (!range) continue;
    const list = raw.get(p.stationId) ?? [];
    list.push({ ...range, level: p.level });
    raw.set(p.stationId, list);
  }
  const out = new Map<string, LevelSpan[]>();
  for (const [stationId, spans] of raw) {
    // sweep over every boundary: the level between two boundaries is the highest span covering it
    const cuts = [...new Set(spans.flatMap((s) => [s.from, s.to]))].sort((a, b) => a - b);
    const merged: LevelSpan[] = [];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const from = cuts[i]!;
      const to = cuts[i + 1]!;
      const level = Math.max(0, ...spans.filter((s) => s.from <= from && s.to >= to).map((s) => s.level));
      if (level === 0) continue;
      const last = merged[merged.length - 1];
      if (last && last.to === from && last.level === level) last.to = to;
      else merged.push({ from, to, level });
    }
    out.set(stationId, merged);
  }
  return out;
}

/** The validation level (0, 1 or 2) at instant `ts` in sorted disjoint spans. */
export function levelAt(spans: readonly LevelSpan[] | undefined, ts: number): number {
  if (!spans) return 0;
  let lo = 0;
  let hi = spans.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = spans[mid]!;
    if (ts < s.from) hi = mid - 1;
    else if (ts >= s.to) lo = mid + 1;
    else return s.level;
  }
  return 0;
}

/** The spans at level `min` or above, adjacent ones joined (the level dropped). */
export function spansAtLeast(spans: readonly LevelSpan[] | undefined, min: number): Array<{ from: number; to: number }> {
  const out: Array<{ from: number; to: number }> = [];
  for (const s of spans ?? []) {
    if (s.level < min) continue;
    const last = out[out.length - 1];
    if (last && last.to === s.from) last.to = s.to;
    else out.push({ from: s.from, to: s.to });
  }
  return out;
}
