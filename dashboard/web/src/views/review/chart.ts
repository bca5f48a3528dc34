/**
 * @module dashboard/web/views/review/chart
 * One review chart: a metric's raw readings as a thin line with every reading marked by its
 * validation state (marks.ts: colour and shape), scheduled windows hatched behind, a tooltip that
 * names the state, the checks that flagged the reading and the reason it was invalidated, and a
 * range selected by dragging (uPlot's select, kept on screen) handed to the action form.
 */
import uPlot from 'uplot';
import { h, replace } from '../../dom';
import { fmtNum, t } from '../../i18n';
import { timeAxis, valueAxis } from '../station/axes';
import { checkLabel, markChip, reasonLabel } from './labels';
import { drawMark, hatch, markOf, type Mark } from './marks';
import { fmtLocal } from './time';
import type { SeriesFlag, SeriesMetric, WindowJson } from './types';
import { reasonOfReview } from '../../../../../domain/validation/codes';

const LINE_COLOUR = '#90a4ae';
const WINDOW_COLOUR = '#8d6e63';

export interface ReviewChartOptions {
  title: string;
  decimals: number;
  zone: string;
  /** The chart's time span (epoch ms). */
  from: number;
  to: number;
  series: SeriesMetric;
  /** The check flags of this metric. */
  flags: readonly SeriesFlag[];
  /** The windows that cover this metric. */
  windows: readonly WindowJson[];
  /** A range dragged on the chart (epoch ms); without it (viewers), nothing can be selected. */
  onSelect?: ((from: number, to: number) => void) | undefined;
}

export interface ReviewChart {
  metric: string;
  /** Shows [from, to) as the chart's selection (typed in the form, or dragged on another chart); none when undefined. */
  showRange(from: number | undefined, to: number | undefined): void;
  destroy(): void;
}

export const windowFrom = (w: WindowJson) => Date.parse(w.from ?? w.startsAt ?? '');
export const windowTo = (w: WindowJson) => Date.parse(w.to ?? w.endsAt ?? '');

export function createReviewChart(box: HTMLElement, o: ReviewChartOptions): ReviewChart {
  const s = o.series;
  const marks: Mark[] = s.ts.map((_, i) => markOf(s.quality[i] ?? 0, s.qc[i] ?? 0, s.review[i] ?? 0));
  const checksAt = new Map<number, string[]>();
  for (const f of o.flags) {
    const ts = typeof f.ts === 'number' ? f.ts : Date.parse(f.ts);
    const list = checksAt.get(ts) ?? [];
    list.push(f.check);
    checksAt.set(ts, list);
  }
  const counts = new Map<string, number>();
  for (const m of marks) counts.set(m.key, (counts.get(m.key) ?? 0) + 1);

  const plot = h('div', { class: 'chart-plot review-plot' });
  const tip = h('div', { class: 'review-tip', hidden: true, role: 'tooltip' });
  box.dataset['metric'] = s.metric;
  box.dataset['points'] = String(s.ts.length);
  for (const [k, n] of counts) box.dataset[`n_${k}`] = String(n);
  box.append(h('h3', {}, o.title), plot);

  const xs = s.ts.map((ms) => ms / 1000);
  const width = Math.max(320, (box.clientWidth || 800) - 4);
  const drawMarks = (u: uPlot) => {
    const ctx = u.ctx;
    const px = uPlot.pxRatio;
    const [i0, i1] = [u.series[0]!.idxs?.[0] ?? 0, u.series[0]!.idxs?.[1] ?? xs.length - 1];
    ctx.save();
    ctx.beginPath();
    ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
    ctx.clip();
    for (let i = i0; i <= i1; i++) {
      const m = marks[i]!;
      const v = s.value[i];
      const x = u.valToPos(xs[i]!, 'x', true);
      // a reading without a value (a fault) sits on the bottom edge
      const y = v === null || v === undefined ? u.bbox.top + u.bbox.height - 4 * px : u.valToPos(v, 'y', true);
      drawMark(ctx, m, x, y, px);
    }
    ctx.restore();
  };
  const drawWindows = (u: uPlot) => {
    if (o.windows.length === 0) return;
    const ctx = u.ctx;
    ctx.save();
    ctx.fillStyle = hatch(ctx, WINDOW_COLOUR, uPlot.pxRatio);
    for (const w of o.windows) {
      const a = Math.max(u.bbox.left, u.valToPos(windowFrom(w) / 1000, 'x', true));
      const b = Math.min(u.bbox.left + u.bbox.width, u.valToPos(windowTo(w) / 1000, 'x', true));
      if (b > a) ctx.fillRect(a, u.bbox.top, b - a, u.bbox.height);
    }
    ctx.restore();
  };
  const showTip = (u: uPlot) => {
    const i = u.cursor.idx;
    if (i === null || i === undefined || u.cursor.left === undefined || u.cursor.left < 0) {
      tip.hidden = true;
      return;
    }
    const m = marks[i]!;
    const ts = s.ts[i]!;
    const v = s.value[i];
    const reason = reasonOfReview(s.review[i] ?? 0);
    const checks = checksAt.get(ts) ?? [];
    replace(
      tip,
      h('div', { class: 'muted' }, fmtLocal(ts, o.zone, true)),
      h('div', {}, h('b', {}, v === null || v === undefined ? t('noValue') : fmtNum(v, o.decimals)), s.unit ? ` ${s.unit}` : ''),
      markChip(m),
      checks.length ? h('div', { data: { testid: 'tip-checks' } }, `${t('check')}: ${checks.map(checkLabel).join(', ')}`) : null,
      reason ? h('div', {}, `${t('reason')}: ${reasonLabel(reason)}`) : null,
    );
    tip.hidden = false;
    const left = u.cursor.left + 12;
    tip.style.left = `${Math.max(0, Math.min(left, u.over.clientWidth - 190))}px`;
    tip.style.top = `${Math.max(0, (u.cursor.top ?? 0) - 10)}px`;
  };
  const opts: uPlot.Options = {
    width,
    height: 200,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), o.zone),
    legend: { show: false },
    // room for the first and last time labels at the day's edges
    padding: [8, 40, 0, 8],
    cursor: { drag: { x: o.onSelect !== undefined, y: false, setScale: false }, points: { show: false } },
    select: { show: true, left: 0, top: 0, width: 0, height: 0 },
    scales: { x: { time: true, range: () => [o.from / 1000, o.to / 1000] } },
    axes: [timeAxis(), valueAxis(o.decimals)],
    series: [{}, { label: s.metric, stroke: LINE_COLOUR, width: 1, spanGaps: false, points: { show: false } }],
    hooks: {
      ready: [
        (self) => {
          ready = true;
          if (pending) show(self, pending[0], pending[1]);
        },
      ],
      drawAxes: [drawWindows],
      draw: [drawMarks],
      setCursor: [showTip],
      setSelect: [
        (u) => {
          if (u.select.width < 2) return;
          const a = u.posToVal(u.select.left, 'x') * 1000;
          const b = u.posToVal(u.select.left + u.select.width, 'x') * 1000;
          o.onSelect?.(Math.max(o.from, a), Math.min(o.to, b));
        },
      ],
    },
  };
  // the selection is placed once the chart has its size (uPlot lays out after the constructor)
  let ready = false;
  let pending: [number | undefined, number | undefined] | undefined;
  const show = (u: uPlot, from: number | undefined, to: number | undefined) => {
    if (from === undefined || to === undefined || to <= from) {
      u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
      return;
    }
    const left = Math.max(0, u.valToPos(from / 1000, 'x'));
    const right = Math.min(u.over.clientWidth, u.valToPos(to / 1000, 'x'));
    u.setSelect({ left, top: 0, width: Math.max(0, right - left), height: u.over.clientHeight }, false);
  };
  const u = new uPlot(opts, [xs, s.value] as uPlot.AlignedData, plot);
  u.over.append(tip);
  u.over.addEventListener('mouseleave', () => (tip.hidden = true));
  return {
    metric: s.metric,
    showRange(from, to) {
      if (ready) show(u, from, to);
      else pending = [from, to];
    },
    destroy() {
      u.destroy();
    },
  };
}
