/**
 * @module dashboard/web/views/station/axes
 * Chart axes that read right at every range: time ticks only on whole minutes, hours, days or
 * months (uPlot's own increments go down to seconds, which a HH:mm label then repeats as
 * "04:21 04:21"), labelled in Vietnam time with the date where the day changes; value ticks with
 * as many decimals as their spacing needs, and an axis wide enough for its longest label (a fixed
 * width cut "1.022,75" to "022,75").
 */
import type uPlot from 'uplot';
import { fmtNum, lang, TIME_ZONE } from '../../i18n';

const MIN = 60;
const HOUR = 3600;
const DAY = 86_400;
/** Tick spacings (s): whole minutes, hours, days, then ~months and ~years. */
export const TIME_INCRS = [
  MIN,
  5 * MIN,
  10 * MIN,
  15 * MIN,
  30 * MIN,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  14 * DAY,
  30 * DAY,
  91 * DAY,
  182 * DAY,
  365 * DAY,
];

const formats = new Map<string, Intl.DateTimeFormat>();
function format(kind: 'time' | 'dayTime' | 'day' | 'month'): Intl.DateTimeFormat {
  const key = `${lang()}:${kind}`;
  let f = formats.get(key);
  if (!f) {
    const options: Intl.DateTimeFormatOptions =
      kind === 'time'
        ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
        : kind === 'dayTime'
          ? { day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
          : kind === 'day'
            ? { day: '2-digit', month: '2-digit' }
            : { month: '2-digit', year: 'numeric' };
    formats.set(key, (f = new Intl.DateTimeFormat(lang() === 'vi' ? 'vi-VN' : 'en-GB', { timeZone: TIME_ZONE, ...options })));
  }
  return f;
}

/**
 * Tick labels for time splits (epoch s) spaced `incr` s apart: HH:mm below a day (with the date
 * on the first tick and where the local day changes), dd/MM for days, MM/yyyy for months.
 * Consecutive equal labels are blanked, so no label ever repeats.
 */
export function timeTickLabels(splits: readonly number[], incr: number): string[] {
  const dayOf = (s: number) => Math.floor((s + 7 * HOUR) / DAY); // Vietnam has no daylight saving
  const out = splits.map((s, i) => {
    const ms = s * 1000;
    if (incr >= 28 * DAY) return format('month').format(ms);
    if (incr >= DAY) return format('day').format(ms);
    return i === 0 || dayOf(s) !== dayOf(splits[i - 1]!) ? format('dayTime').format(ms) : format('time').format(ms);
  });
  return out.map((label, i) => (i > 0 && label === out[i - 1] ? '' : label));
}

/** Decimals enough to tell ticks `incr` apart, at most `max`. */
export function tickDecimals(incr: number, max: number): number {
  if (!(incr > 0)) return Math.min(2, max);
  for (let d = 0; d < max; d++) {
    const scaled = incr * 10 ** d;
    if (Math.abs(Math.round(scaled) - scaled) < 1e-6 * Math.max(1, scaled)) return d;
  }
  return max;
}

/** Pixels an axis needs for its longest label (11 px sans-serif ≈ 6.6 px a character) plus the ticks. */
export function axisWidth(labels: readonly string[]): number {
  const longest = labels.reduce((n, l) => Math.max(n, l.length), 0);
  return Math.ceil(longest * 6.6) + 18;
}

/** The x (time) axis. */
export function timeAxis(): uPlot.Axis {
  return {
    stroke: '#555',
    grid: { stroke: '#eee' },
    space: 70,
    incrs: TIME_INCRS,
    values: (_u, splits, _axis, _space, incr) => timeTickLabels(splits, incr),
  };
}

/** The y (value) axis for a metric shown with at most `decimals` decimals. */
export function valueAxis(decimals: number): uPlot.Axis {
  const labels = (splits: number[], incr: number) => splits.map((v) => fmtNum(v, tickDecimals(incr, Math.max(decimals, 3))));
  return {
    stroke: '#555',
    grid: { stroke: '#eee' },
    values: (u, splits, axis) => labels(splits, incrOf(u, axis, splits)),
    size: (u, values) => axisWidth(values ?? []),
  };
}

function incrOf(_u: uPlot, _axis: number, splits: readonly number[]): number {
  return splits.length > 1 ? Math.abs(splits[1]! - splits[0]!) : 1;
}
