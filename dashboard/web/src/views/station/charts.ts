/**
 * @module dashboard/web/views/station/charts
 * One uPlot chart per metric: the station's series, the compared series (another station of the
 * same profile, or the same station one period earlier, on the same time axis) and the station's
 * limits as dashed lines. The chart shows exactly the points it holds, which is what the CSV
 * download writes.
 */
import uPlot from 'uplot';
import { h } from '../../dom';
import { TIME_ZONE } from '../../i18n';
import { timeAxis, valueAxis } from './axes';
import type { Limit } from './limits';
import type { Points } from './data';

const LIMIT_COLOURS = ['#d32f2f', '#8e24aa', '#6d4c41', '#ef6c00'];
const MAIN_COLOUR = '#1565c0';
const COMPARE_COLOUR = '#f57c00';

export interface MetricChart {
  metric: string;
  main: Points;
  compare: Points | undefined;
  limits: Limit[];
  /** Redraws from `main` and `compare` (after they changed); keeps the zoom unless `rescale`. */
  update(rescale?: boolean): void;
  destroy(): void;
}

/** The x values of both series merged, and each series' y at them (null where it has no point). */
export function align(main: Points, compare: Points | undefined): { xs: number[]; a: Array<number | null>; b: Array<number | null> | undefined } {
  if (!compare) return { xs: main.xs, a: main.ys, b: undefined };
  const xs = [...new Set([...main.xs, ...compare.xs])].sort((x, y) => x - y);
  const at = (p: Points) => {
    const m = new Map(p.xs.map((x, i) => [x, p.ys[i] ?? null]));
    return xs.map((x) => m.get(x) ?? null);
  };
  return { xs, a: at(main), b: at(compare) };
}

export interface ChartOptions {
  title: string;
  decimals: number;
  /** The visible time range (epoch s): the axis spans it even where data is missing. */
  xRange: () => [number, number];
  mainLabel: string;
  compareLabel: string | undefined;
}

export function createMetricChart(box: HTMLElement, metric: string, main: Points, compare: Points | undefined, limits: Limit[], o: ChartOptions): MetricChart {
  const plot = h('div', { class: 'chart-plot' });
  box.append(h('h3', {}, o.title), plot);
  const width = Math.max(280, (box.clientWidth || 600) - 4);
  const series: uPlot.Series[] = [{}, { label: o.mainLabel, stroke: MAIN_COLOUR, width: 1.5, spanGaps: false, points: { show: false } }];
  if (compare) series.push({ label: o.compareLabel ?? '', stroke: COMPARE_COLOUR, width: 1.2, dash: [2, 2], spanGaps: false, points: { show: false } });
  for (const [i, l] of limits.entries()) series.push({ label: l.label, stroke: LIMIT_COLOURS[i % LIMIT_COLOURS.length]!, width: 1, dash: [6, 4], points: { show: false } });
  const opts: uPlot.Options = {
    width,
    height: 180,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), TIME_ZONE),
    legend: { show: compare !== undefined, live: false },
    cursor: { drag: { x: true, y: false } },
    scales: { x: { time: true, range: () => o.xRange() } },
    axes: [timeAxis(), valueAxis(o.decimals)],
    series,
  };
  const data = (): uPlot.AlignedData => {
    const { xs, a, b } = align(chart.main, chart.compare);
    const cols: Array<Array<number | null>> = [a];
    if (b) cols.push(b);
    for (const l of limits) cols.push(xs.map(() => l.value));
    return [xs, ...cols] as uPlot.AlignedData;
  };
  const chart: MetricChart = {
    metric,
    main,
    compare,
    limits,
    update(rescale = true) {
      plot.dataset['points'] = String(chart.main.ys.filter((y) => y !== null).length);
      u.setData(data(), rescale);
    },
    destroy() {
      u.destroy();
    },
  };
  const u = new uPlot(opts, data(), plot);
  plot.dataset['points'] = String(main.ys.filter((y) => y !== null).length);
  return chart;
}
