/**
 * @module validation/periods
 * The calendar arithmetic of validation (issue 18), pure: a station's days and months are LOCAL
 * calendar days of the station (its `timezone`, else config.timezone; lib/time.ts). Which days and
 * months a changed range touches (their approvals are revoked), which materialized buckets of the
 * continuous aggregates to refresh (readings_hourly: UTC hours; readings_daily and readings_monthly:
 * days and months in their single zone, store/analytics.ts), and the [from, to) of an approval period.
 */
import { HOUR_MS, localDate, localDayRange, localMidnight, localMonth, localMonthRange, localMonthStart, startOfLocalDay, startOfLocalMonth } from '../lib/time.js';
import { DAILY_AGGREGATE_TIMEZONE } from '../store/analytics.js';
import type { RevokeScope } from '../store/validation-approvals.js';

/** The local days and months [from, to) touches, inclusive. */
export function touchedPeriods(from: Date, to: Date, timeZone: string): RevokeScope {
  const last = to.getTime() - 1;
  return { fromDay: localDate(from.getTime(), timeZone), toDay: localDate(last, timeZone), fromMonth: localMonth(from.getTime(), timeZone), toMonth: localMonth(last, timeZone) };
}

/**
 * The buckets of readings_hourly, readings_daily and readings_monthly to refresh after a change over [from, to): the
 * whole buckets that intersect it AND are already materialized (before the aggregate's
 * watermark, ms). Later buckets are computed from the raw rows at query time (real-time
 * aggregation) and need nothing; refreshing them would move the watermark past buckets not yet
 * materialized (they would read empty) or past an unfinished one (its later readings would be
 * ignored until the next policy run; store/backfill.ts). null = nothing to refresh.
 */
export function aggregateWindows(
  from: Date,
  to: Date,
  watermarks: { readings_hourly: number; readings_daily: number; readings_monthly: number },
): { hourly: { from: Date; to: Date } | null; daily: { from: Date; to: Date } | null; monthly: { from: Date; to: Date } | null } {
  const f = from.getTime();
  const t = to.getTime();
  const lastDay = localDayRange(localDate(t - 1, DAILY_AGGREGATE_TIMEZONE), DAILY_AGGREGATE_TIMEZONE)!;
  const window = (start: number, end: number) => (end > start ? { from: new Date(start), to: new Date(end) } : null);
  return {
    hourly: window(Math.floor(f / HOUR_MS) * HOUR_MS, Math.min(Math.ceil(t / HOUR_MS) * HOUR_MS, watermarks.readings_hourly)),
    daily: window(localMidnight(f, DAILY_AGGREGATE_TIMEZONE), Math.min(lastDay.to, watermarks.readings_daily)),
    monthly: window(
      localMonthStart(f, DAILY_AGGREGATE_TIMEZONE),
      Math.min(localMonthRange(localMonth(t - 1, DAILY_AGGREGATE_TIMEZONE), DAILY_AGGREGATE_TIMEZONE)!.to, watermarks.readings_monthly),
    ),
  };
}

/** An approval period 'YYYY-MM-DD' or 'YYYY-MM' as its kind and local [from, to); undefined when it is not a real date or month. */
export function periodRange(period: string, timeZone: string): { kind: 'day' | 'month'; from: number; to: number } | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(period)) {
    if (startOfLocalDay(period, timeZone) === undefined) return undefined;
    const r = localDayRange(period, timeZone)!;
    return { kind: 'day', ...r };
  }
  if (/^\d{4}-\d{2}$/.test(period)) {
    if (startOfLocalMonth(period, timeZone) === undefined) return undefined;
    const r = localMonthRange(period, timeZone)!;
    return { kind: 'month', ...r };
  }
  return undefined;
}
