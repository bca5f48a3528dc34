/**
 * @module bulletins/scheduler
 * When bulletins are due: the daily bulletin for day D at `dailyAt` on D+1, the monthly one for
 * month M on day `d` of M+1 at its time, both in Asia/Ho_Chi_Minh (croner). `due(at)` names the
 * latest period whose time has come, so a start after a missed slot (the process was down at
 * 07:00) catches it up; producing a period that already exists is skipped (idempotent per period
 * and scope), so a catch-up and the timer never publish twice.
 */
import { Cron } from 'croner';
import { BULLETIN_TIMEZONE, localDate, localMidnight } from './period.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface Slots {
  /** HH:MM */
  dailyAt: string;
  /** "D HH:MM" */
  monthlyAt: string;
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

function monthOf(day: string): string {
  return day.slice(0, 7);
}
function previousMonth(month: string): string {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/** The daily and monthly periods whose scheduled time is the latest at or before `at`. */
export function duePeriods(slots: Slots, at: number): { day: string; month: string } {
  const today = localDate(at);
  const midnight = localMidnight(today)!;
  const dailySlot = midnight + minutesOf(slots.dailyAt) * 60_000;
  // at 07:00 on D+1 the bulletin of D is due; before it, the one of D−1 still is the latest due
  const day = localDate(at >= dailySlot ? midnight - DAY : midnight - 2 * DAY);

  const [dom, hhmm] = slots.monthlyAt.split(' ') as [string, string];
  const thisMonth = monthOf(today);
  const monthlySlot = localMidnight(`${thisMonth}-${dom.padStart(2, '0')}`)! + minutesOf(hhmm) * 60_000;
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
export function startSchedule(slots: Slots, run: (reason: 'daily' | 'monthly') => void): Scheduler {
  const [hh, mm] = slots.dailyAt.split(':');
  const [dom, hhmm] = slots.monthlyAt.split(' ') as [string, string];
  const [mh, mmin] = hhmm.split(':');
  const options = { timezone: BULLETIN_TIMEZONE, protect: true, unref: true } as const;
  const daily = new Cron(`${Number(mm)} ${Number(hh)} * * *`, options, () => run('daily'));
  const monthly = new Cron(`${Number(mmin)} ${Number(mh)} ${Number(dom)} * *`, options, () => run('monthly'));
  return {
    stop() {
      daily.stop();
      monthly.stop();
    },
  };
}
