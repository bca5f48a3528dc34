/**
 * @module bulletins/scheduler
 * When bulletins are due: the daily bulletin for day D at `dailyAt` on D+1, the monthly one for
 * month M on day `d` of M+1 at its time, both in the agency's zone (config.timezone, Asia/Ho_Chi_Minh
 * by default; croner). `due(at)` names the
 * latest period whose time has come, so a start after a missed slot (the process was down at
 * 07:00) catches it up; producing a period that already exists is skipped (idempotent per period
 * and scope), so a catch-up and the timer never publish twice.
 */
import { Cron } from 'croner';
import { addDays, DEFAULT_TIME_ZONE, localDate, localToUtc } from '../lib/time.js';

export interface Slots {
  /** HH:MM */
  dailyAt: string;
  /** "D HH:MM" */
  monthlyAt: string;
}

/** The instant of local wall time `hh:mm` on the date `day` (YYYY-MM-DD) in the zone (right on daylight-saving days too). */
function slotOn(day: string, hhmm: string, timeZone: string): number {
  return localToUtc(Number(day.slice(0, 4)), Number(day.slice(5, 7)), Number(day.slice(8, 10)), Number(hhmm.slice(0, 2)), Number(hhmm.slice(3, 5)), 0, timeZone);
}

function monthOf(day: string): string {
  return day.slice(0, 7);
}
function previousMonth(month: string): string {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/** The daily and monthly periods (local to `timeZone`) whose scheduled time is the latest at or before `at`. */
export function duePeriods(slots: Slots, at: number, timeZone: string = DEFAULT_TIME_ZONE): { day: string; month: string } {
  const today = localDate(at, timeZone);
  const dailySlot = slotOn(today, slots.dailyAt, timeZone);
  // at 07:00 on D+1 the bulletin of D is due; before it, the one of D−1 still is the latest due
  const day = addDays(today, at >= dailySlot ? -1 : -2);

  const [dom, hhmm] = slots.monthlyAt.split(' ') as [string, string];
  const thisMonth = monthOf(today);
  const monthlySlot = slotOn(`${thisMonth}-${dom.padStart(2, '0')}`, hhmm, timeZone);
  const month = at >= monthlySlot ? previousMonth(thisMonth) : previousMonth(previousMonth(thisMonth));
  return { day, month };
}

export interface Scheduler {
  stop(): void;
}

/**
 * Calls `run()` at every daily and monthly slot. `run` itself decides what is due from the clock
 * (duePeriods) and skips what exists, so the two timers may share it.
 */
export function startSchedule(slots: Slots, run: (reason: 'daily' | 'monthly') => void, timeZone: string = DEFAULT_TIME_ZONE): Scheduler {
  const [hh, mm] = slots.dailyAt.split(':');
  const [dom, hhmm] = slots.monthlyAt.split(' ') as [string, string];
  const [mh, mmin] = hhmm.split(':');
  const options = { timezone: timeZone, protect: true, unref: true } as const;
  const daily = new Cron(`${Number(mm)} ${Number(hh)} * * *`, options, () => run('daily'));
  const monthly = new Cron(`${Number(mmin)} ${Number(mh)} ${Number(dom)} * *`, options, () => run('monthly'));
  return {
    stop() {
      daily.stop();
      monthly.stop();
    },
  };
}
