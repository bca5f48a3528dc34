/**
 * @module dashboard/web/views/station/history
 * The charts panel: the range picker, the compare choice and the CSV download above one chart
 * per metric. A preset range follows the clock: live readings extend its raw charts and the
 * window slides; a custom or aggregated range is a fixed picture until another is chosen.
 * Loads are versioned, so a slow answer for an old range never overwrites a newer one.
 */
import type { LiveReading } from '../../../../../domain/live';
import { localDate } from '../../../../../lib/time';
import { h, replace } from '../../dom';
import { loc, t, TIME_ZONE } from '../../i18n';
import { createMetricChart, type MetricChart } from './charts';
import { createCompareSelect, type CompareChoice } from './compare';
import { dropBefore, fetchPoints, insertSorted, newestOf, type Points } from './data';
import { saveText, toCsv, type CsvColumn } from './download';
import type { StationLimits } from './limits';
import { presetRange, previousPeriod, resolutionFor, type TimeRange } from './range';
import { createRangePicker } from './range-picker';
import type { Profile, StationJson } from './types';

/** The span either side of an instant the page is opened at (?at=). */
const AROUND_MS = 6 * 3_600_000;

export interface HistoryPanel {
  el: HTMLElement;
  /** Loads the default range (24 h) and draws the charts. */
  start(candidates: ReadonlyArray<{ id: string; name: string }>): Promise<void>;
  /** Live readings of the station. */
  readings(readings: readonly LiveReading[]): void;
  /** After a reconnect: fetches what the live charts missed. */
  fillGap(): Promise<void>;
  destroy(): void;
}

export interface HistoryOptions {
  station: StationJson;
  profile: Profile | undefined;
  limits: StationLimits;
  /** The newest point of a metric after a load (for the latest-values table). */
  onNewest(metric: string, ts: number, value: number | null): void;
  onError(what: string): (err: unknown) => void;
  /** An instant to open the charts around (an alert's, from /stations/{id}?at=…): 6 h before to 6 h after, or now. */
  at?: number;
}

export function createHistoryPanel(o: HistoryOptions): HistoryPanel {
  const metrics = Object.keys(o.profile?.metrics ?? {});
  const charts = new Map<string, MetricChart>();
  let main = new Map<string, Points>();
  let compare: Map<string, Points> | undefined;
  let range: TimeRange = o.at === undefined ? presetRange('24h', Date.now()) : { from: o.at - AROUND_MS, to: Math.min(Date.now(), o.at + AROUND_MS), preset: null };
  let choice: CompareChoice = { kind: 'none' };
  let version = 0;
  let frame: number | undefined;

  const picker = createRangePicker((r) => void load(r).catch(o.onError('range')));
  const status = h('span', { class: 'muted range-status', data: { testid: 'range-status' } });
  const download = h('button', { type: 'button', data: { testid: 'download-csv' }, on: { click: () => downloadCsv() } }, t('downloadCsv'));
  const compareBox = h('span', {});
  const grid = h('div', { class: 'charts', data: { testid: 'charts' } });
  const el = h(
    'section',
    { class: 'panel history' },
    h('div', { class: 'history-head' }, h('h2', {}, t('stationHistory')), status),
    h('div', { class: 'history-tools' }, picker.el, compareBox, download),
    grid,
  );

  const compareLabel = () => (choice.kind === 'station' ? choice.name : choice.kind === 'previous' ? t('previousPeriod') : undefined);
  const live = () => range.preset !== null && resolutionFor(range) === 'raw';

  async function load(next: TimeRange): Promise<void> {
    const v = ++version;
    picker.show(next);
    status.textContent = t('loading');
    const shift = next.to - next.from;
    const [a, b] = await Promise.all([
      fetchPoints(o.station.id, metrics, next),
      choice.kind === 'previous'
        ? fetchPoints(o.station.id, metrics, previousPeriod(next), shift)
        : choice.kind === 'station'
          ? fetchPoints(choice.id, metrics, next)
          : Promise.resolve(undefined),
    ]);
    if (v !== version) return;
    range = next;
    main = a;
    compare = b;
    if (live())
      for (const [m, p] of main) {
        const n = newestOf(p);
        if (n) o.onNewest(m, n.ts, n.value);
      }
    draw();
  }

  function draw(): void {
    for (const c of charts.values()) c.destroy();
    charts.clear();
    const resolution = resolutionFor(range);
    Object.assign(grid.dataset, { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString(), resolution, loaded: String(version) });
    status.textContent = resolution === 'raw' ? t('resRaw') : resolution === 'hour' ? t('resHour') : t('resDay');
    replace(grid);
    for (const m of metrics) {
      const p = main.get(m)!;
      const q = compare?.get(m);
      const empty = (x: Points | undefined) => !x || x.ys.every((y) => y === null);
      if (empty(p) && empty(q)) continue;
      const def = o.profile!.metrics[m]!;
      const box = h('div', { class: 'chart', data: { metric: m } });
      grid.append(box);
      charts.set(
        m,
        createMetricChart(box, m, p, q, o.limits.byMetric.get(m) ?? [], {
          title: `${loc(def.name)} (${def.unit})`,
          decimals: def.decimals ?? 2,
          xRange: () => [range.from / 1000, range.to / 1000],
          mainLabel: o.station.name,
          compareLabel: compareLabel(),
        }),
      );
    }
    if (charts.size === 0) grid.append(h('p', { class: 'muted' }, t('noData')));
  }

  function redraw(): void {
    if (frame !== undefined) return;
    frame = requestAnimationFrame(() => {
      frame = undefined;
      if (range.preset) {
        const next = presetRange(range.preset, Date.now());
        range = next;
        for (const p of main.values()) dropBefore(p, next.from / 1000);
      }
      for (const c of charts.values()) c.update(true);
    });
  }

  function downloadCsv(): void {
    const columns: CsvColumn[] = [];
    for (const [m, c] of charts) {
      const def = o.profile!.metrics[m]!;
      const header = `${loc(def.name)} (${def.unit})`;
      columns.push({ header, points: c.main });
      if (c.compare) columns.push({ header: `${header} – ${compareLabel() ?? ''}`, points: c.compare });
    }
    const res = resolutionFor(range);
    const name = `quantrac-${o.station.id}-${localDate(range.from, TIME_ZONE)}_${localDate(range.to, TIME_ZONE)}${res === 'raw' ? '' : res === 'hour' ? '-1h' : '-1d'}.csv`;
    saveText(name, toCsv(t('timeLocal'), columns));
  }

  return {
    el,
    async start(candidates) {
      replace(
        compareBox,
        createCompareSelect(candidates, (c) => {
          choice = c;
          void load(range.preset ? presetRange(range.preset, Date.now()) : range).catch(o.onError('compare'));
        }),
      );
      await load(range);
    },
    readings(readings) {
      if (!live()) return;
      let changed = false;
      for (const r of readings) {
        const p = main.get(r.metric);
        if (!p) continue;
        insertSorted(p.xs, p.ys, r.ts / 1000, r.value);
        changed = true;
        // a metric without a chart yet (its first reading): draw again
        if (!charts.has(r.metric)) draw();
      }
      if (changed) redraw();
    },
    async fillGap() {
      if (!live()) return;
      let from = Date.now();
      for (const p of main.values()) from = Math.min(from, p.xs.length ? p.xs[p.xs.length - 1]! * 1000 : range.from);
      const missed = await fetchPoints(o.station.id, metrics, { from, to: Date.now() + 60_000, preset: null });
      for (const [m, p] of missed) {
        const target = main.get(m);
        if (!target) continue;
        for (const [i, x] of p.xs.entries()) insertSorted(target.xs, target.ys, x, p.ys[i] ?? null);
        const n = newestOf(p);
        if (n) o.onNewest(m, n.ts, n.value);
      }
      redraw();
    },
    destroy() {
      version++;
      if (frame !== undefined) cancelAnimationFrame(frame);
      for (const c of charts.values()) c.destroy();
    },
  };
}
