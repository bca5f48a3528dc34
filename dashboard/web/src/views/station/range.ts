/**
 * @module dashboard/web/views/station/range
 * The charts' time range: presets ending now (6 h … 1 year) or a custom from/to typed in Vietnam
 * time (Asia/Ho_Chi_Minh, whatever the browser's zone), and the resolution it is drawn at: raw
 * readings up to 2 days, hourly means up to 90 days, daily means beyond, so a year is ~365
 * points and not half a million.
 */
import { DAY_MS, HOUR_MS, localParts, localToUtc } from '../../../../../lib/time';
import { TIME_ZONE } from '../../i18n';

export type PresetKey = '6h' | '24h' | '7d' | '30d' | '1y';
export type Resolution = 'raw' | 'hour' | 'day';

export interface TimeRange {
  /** epoch ms */
  from: number;
  to: number;
  /** Set while the range ends now and follows the clock (live readings extend it). */
  preset: PresetKey | null;
}

export const PRESETS: ReadonlyArray<{ key: PresetKey; ms: number }> = [
  { key: '6h', ms: 6 * HOUR_MS },
  { key: '24h', ms: DAY_MS },
  { key: '7d', ms: 7 * DAY_MS },
  { key: '30d', ms: 30 * DAY_MS },
  { key: '1y', ms: 365 * DAY_MS },
];

export const RAW_MAX_MS = 2 * DAY_MS;
export const HOURLY_MAX_MS = 90 * DAY_MS;

export function presetRange(key: PresetKey, now: number): TimeRange {
  const ms = PRESETS.find((p) => p.key === key)!.ms;
  return { from: now - ms, to: now, preset: key };
}

export function resolutionFor(range: Pick<TimeRange, 'from' | 'to'>): Resolution {
  const span = range.to - range.from;
  return span <= RAW_MAX_MS ? 'raw' : span <= HOURLY_MAX_MS ? 'hour' : 'day';
}

/** The analyst API's bucket for a resolution (undefined: raw readings). */
export function bucketOf(resolution: Resolution): string | undefined {
  return resolution === 'hour' ? '1h' : resolution === 'day' ? '1d' : undefined;
}

/** The same range moved one span back (compare with the previous period). */
export function previousPeriod(range: TimeRange): TimeRange {
  const span = range.to - range.from;
  return { from: range.from - span, to: range.to - span, preset: null };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An instant as the value of an <input type=datetime-local>, in Vietnam time. */
export function toLocalInput(ms: number): string {
  const p = localParts(ms, TIME_ZONE);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

/** The value of an <input type=datetime-local> read as Vietnam time; undefined when malformed. */
export function fromLocalInput(value: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return undefined;
  return localToUtc(y, mo, d, h, mi, s, TIME_ZONE);
}
