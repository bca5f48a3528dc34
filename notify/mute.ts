/**
 * @module notify/mute
 * Mute timings (quiet hours): weekday + HH:MM intervals in a time zone (Asia/Ho_Chi_Minh by
 * default). A policy's mute timings hold its messages while one is active; a critical alert
 * passes when the policy says so (provincial leaders' night rule: critical only).
 */
import type { AlertSeverity } from '../domain/alerts.js';
import type { MuteInterval, MuteTiming } from '../store/notifications-routing.js';

export const DEFAULT_TIME_ZONE = 'Asia/Ho_Chi_Minh';
const WEEKDAY: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formats = new Map<string, Intl.DateTimeFormat>();

/** ISO weekday (1 = Monday) and minutes since local midnight of `at` in `timeZone`. */
export function localClock(at: number, timeZone = DEFAULT_TIME_ZONE): { weekday: number; minutes: number } {
  let f = formats.get(timeZone);
  if (!f) formats.set(timeZone, (f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })));
  const parts = Object.fromEntries(f.formatToParts(new Date(at)).map((p) => [p.type, p.value]));
  return { weekday: WEEKDAY[parts['weekday'] ?? 'Mon'] ?? 1, minutes: Number(parts['hour']) * 60 + Number(parts['minute']) };
}

/** 'HH:MM' → minutes since midnight; NaN when malformed. */
export function hhmm(text: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
}

/** Whether one interval covers a local weekday/minute (end ≤ start spans midnight into the next day). */
export function intervalCovers(iv: MuteInterval, weekday: number, minutes: number): boolean {
  const start = hhmm(iv.start);
  const end = hhmm(iv.end);
  const onDay = (d: number) => iv.weekdays.length === 0 || iv.weekdays.includes(d);
  if (start < end) return onDay(weekday) && minutes >= start && minutes < end;
  const previous = weekday === 1 ? 7 : weekday - 1;
  return (onDay(weekday) && minutes >= start) || (onDay(previous) && minutes < end);
}

export function isMuteActive(timing: MuteTiming, at: number): boolean {
  const { weekday, minutes } = localClock(at, timing.timeZone || DEFAULT_TIME_ZONE);
  return timing.intervals.some((iv) => intervalCovers(iv, weekday, minutes));
}

/**
 * Whether a message of `severity` is held by the policy's mute timings at `at`.
 * @example isHeld({ muteTimingIds: [1], criticalPassesMute: true }, nights, 'warning', at) // true at 23:00
 */
export function isHeld(
  policy: { muteTimingIds: readonly number[]; criticalPassesMute: boolean },
  timings: ReadonlyMap<number, MuteTiming>,
  severity: AlertSeverity,
  at: number,
): boolean {
  if (severity === 'critical' && policy.criticalPassesMute) return false;
  return policy.muteTimingIds.some((id) => {
    const t = timings.get(id);
    return t !== undefined && isMuteActive(t, at);
  });
}
