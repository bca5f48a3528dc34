/**
 * @module dashboard/web/views/review
 * The review view (/stations/{id}/review): a data manager's daily tool. A station picker, a range
 * of local days (default yesterday, in the station's zone) and metric checkboxes; one chart per
 * chosen metric with each reading marked by its validation state (GET …/validation/series);
 * the day levels; for reviewers the action form filled by dragging on a chart, and the approval
 * buttons; the history with Undo. Every signed-in role sees the page; only reviewers and admins
 * get the actions (the server checks the role again). After an action everything reloads.
 */
import { api, can } from '../../api';
import { h, replace } from '../../dom';
import { loc, t, TIME_ZONE } from '../../i18n';
import type { Unmount, ViewContext } from '../../main';
import { createActionForm, type ActionForm } from './action-form';
import { createApprovalsPanel } from './approvals';
import { createReviewChart, windowFrom, windowTo, type ReviewChart } from './chart';
import { createHistoryList } from './history';
import { errorText, levelBadge, levelLabel } from './labels';
import { legend } from './legend';
import { markOf } from './marks';
import { daysOf, daysRange, fmtDayShort, yesterdayIn } from './time';
import type { HistoryAnswer, ProfileInfo, SeriesAnswer, StationInfo } from './types';
import './review.css';

/** Metrics charted when the address names none: the first ones the station reports. */
const DEFAULT_METRICS = 3;

export function reviewHref(stationId: string): string {
  return `/stations/${encodeURIComponent(stationId)}/review`;
}

export function mountReview(main: HTMLElement, ctx: ViewContext, stationId: string): Unmount {
  let closed = false;
  let charts: ReviewChart[] = [];
  const canAct = can(ctx.user, 'reviewer');
  const params = new URLSearchParams(location.search);
  const status = h('p', { class: 'muted', role: 'status', data: { testid: 'review-status' } });
  const head = h('section', { class: 'panel review-head' }, h('h1', {}, t('reviewTitle')), status);
  replace(main, head);

  async function start(): Promise<void> {
    const [stations, profiles, detail] = await Promise.all([
      api<{ data: StationInfo[] }>('GET', '/api/v1/stations'),
      api<{ data: ProfileInfo[] }>('GET', '/api/v1/profiles'),
      api<{ latest: Array<{ metric: string }> }>('GET', `/api/v1/stations/${encodeURIComponent(stationId)}`).catch(() => ({ latest: [] })),
    ]);
    if (closed) return;
    const station = stations.data.find((s) => s.id === stationId);
    if (!station) {
      status.className = 'error';
      status.textContent = `QT_ERR_NOT_FOUND: ${stationId}`;
      return;
    }
    const profile = profiles.data.find((p) => p.id === station.profile);
    const zone = station.timezone || TIME_ZONE;
    const metricDefs = Object.entries(profile?.metrics ?? {}).map(([metric, d]) => ({ metric, label: loc(d.name) || metric, unit: d.unit, decimals: d.decimals ?? 2 }));
    const byMetric = new Map(metricDefs.map((d) => [d.metric, d]));
    document.title = `${t('reviewTitle')} · ${station.name} · Quantrac`;

    const picker = h(
      'select',
      {
        name: 'station',
        data: { testid: 'review-station' },
        on: { change: () => ctx.navigate(`${reviewHref(picker.value)}?${new URLSearchParams({ from: fromDay.value, to: toDay.value }).toString()}`) },
      },
      ...stations.data
        .slice()
        .sort((a, b) => a.name.localeCompare(b.name, 'vi'))
        .map((s) => h('option', { value: s.id }, `${s.name} (${s.id})`)),
    );
    picker.value = stationId;
    const yesterday = yesterdayIn(zone);
    const fromDay = h('input', {
      type: 'date',
      name: 'fromDay',
      value: params.get('from') ?? yesterday,
      max: yesterdayIn(zone, Date.now() + 86_400_000),
      data: { testid: 'review-from' },
    });
    const toDay = h('input', {
      type: 'date',
      name: 'toDay',
      value: params.get('to') ?? params.get('from') ?? yesterday,
      max: yesterdayIn(zone, Date.now() + 86_400_000),
      data: { testid: 'review-to' },
    });
    const asked = (params.get('metrics') ?? '').split(',').filter((m) => byMetric.has(m));
    // by default the first metrics the station actually reports (else the profile's first ones)
    const reported = metricDefs.filter((d) => detail.latest.some((l) => l.metric === d.metric));
    const chosen = new Set(asked.length ? asked : (reported.length ? reported : metricDefs).slice(0, DEFAULT_METRICS).map((d) => d.metric));
    const metricBoxes = metricDefs.map((d) =>
      h('label', { class: 'check' }, h('input', { type: 'checkbox', value: d.metric, checked: chosen.has(d.metric), data: { testid: `review-metric-${d.metric}` } }), d.label),
    );
    replace(
      head,
      h('h1', {}, t('reviewTitle')),
      h(
        'form',
        { class: 'review-form', on: { submit: (ev) => (ev.preventDefault(), void apply()) } },
        h('label', {}, t('station'), picker),
        h('label', {}, t('from'), fromDay),
        h('label', {}, t('until'), toDay),
        h('span', { class: 'muted note' }, t('reviewRangeNote')),
        h('button', { type: 'submit', data: { testid: 'review-apply' } }, t('apply')),
        h('a', { href: `/stations/${encodeURIComponent(stationId)}`, data: { nav: '' } }, t('openStation')),
      ),
      h('fieldset', { class: 'metric-boxes' }, h('legend', {}, t('reviewMetrics')), ...metricBoxes),
      status,
    );

    const legendBox = h('div', {});
    const levelStrip = h('div', { class: 'level-strip', data: { testid: 'level-strip' } });
    const grid = h('div', { class: 'review-charts', data: { testid: 'review-charts' } });
    const form: ActionForm | undefined = canAct ? createActionForm({ stationId, zone, metrics: metricDefs, onRange: () => showRange(), onDone: () => void reload() }) : undefined;
    /** The form's range on the charts of the metrics it applies to. */
    function showRange(): void {
      const r = form?.range();
      for (const c of charts) {
        const on = r?.metrics.includes(c.metric) ?? false;
        c.showRange(on ? r?.from : undefined, on ? r?.to : undefined);
      }
    }
    const historyList = createHistoryList({ stationId, zone, canAct, onDone: () => void reload() });
    const approvals = createApprovalsPanel({ stationId, zone, canAct, onDone: () => void reload() });
    main.append(
      h('section', { class: 'panel' }, legendBox, levelStrip, grid),
      form ? form.el : h('p', { class: 'panel muted', data: { testid: 'read-only' } }, t('readOnlyNote')),
      h('div', { class: 'station-grid' }, historyList.el, approvals.el),
    );

    async function apply(): Promise<void> {
      const q = new URLSearchParams({ from: fromDay.value, to: toDay.value, metrics: selectedMetrics().join(',') });
      history.replaceState(null, '', `${location.pathname}?${q.toString()}`);
      await reload();
    }
    function selectedMetrics(): string[] {
      return metricBoxes
        .map((l) => l.querySelector('input')!)
        .filter((i) => i.checked)
        .map((i) => i.value);
    }

    let version = 0;
    async function reload(): Promise<void> {
      const v = ++version;
      const range = daysRange(fromDay.value, toDay.value, zone);
      const metrics = selectedMetrics();
      if (!range) {
        status.className = 'error';
        status.textContent = t('rangeInvalid');
        return;
      }
      if (metrics.length === 0) {
        status.className = 'error';
        status.textContent = t('chooseMetric');
        return;
      }
      status.className = 'muted';
      status.textContent = t('loading');
      const base = `/api/v1/stations/${encodeURIComponent(stationId)}/validation`;
      const span = new URLSearchParams({ from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() });
      try {
        const [series, hist] = await Promise.all([
          api<SeriesAnswer>('GET', `${base}/series?${span.toString()}&metrics=${metrics.map(encodeURIComponent).join(',')}`),
          api<HistoryAnswer>('GET', `${base}?${span.toString()}`),
        ]);
        if (closed || v !== version) return;
        draw(series, range);
        const days = daysOf(range.from, range.to, zone);
        historyList.show(hist.actions);
        approvals.show(days, series.levels, hist.approvals);
        status.textContent = '';
        grid.dataset['loaded'] = String(v);
      } catch (err) {
        if (closed || v !== version) return;
        status.className = 'error';
        status.textContent = errorText(err);
      }
    }

    function draw(series: SeriesAnswer, range: { from: number; to: number }): void {
      for (const c of charts) c.destroy();
      charts = [];
      replace(grid);
      const counts = new Map<string, number>();
      for (const s of series.metrics)
        for (let i = 0; i < s.ts.length; i++) {
          const key = markOf(s.quality[i] ?? 0, s.qc[i] ?? 0, s.review[i] ?? 0).key;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      replace(legendBox, legend(counts));
      const levelOf = new Map(series.levels.map((l) => [l.day, l.level]));
      replace(
        levelStrip,
        h('b', {}, `${t('dayLevels')}:`),
        ...daysOf(range.from, range.to, zone).map((d) =>
          h('span', { class: 'mark-chip', data: { day: d }, title: levelLabel(levelOf.get(d) ?? 0) }, fmtDayShort(d), levelBadge(levelOf.get(d) ?? 0)),
        ),
      );
      for (const s of series.metrics) {
        const def = byMetric.get(s.metric);
        const box = h('div', { class: 'chart review-chart' });
        grid.append(box);
        const windows = series.windows.filter(
          (w) => !w.cancelledAt && (w.metrics === null || w.metrics.includes(s.metric)) && windowTo(w) > range.from && windowFrom(w) < range.to,
        );
        const chart = createReviewChart(box, {
          title: `${def?.label ?? s.metric}${s.unit || def?.unit ? ` (${s.unit || def?.unit})` : ''}`,
          decimals: def?.decimals ?? 2,
          zone,
          from: range.from,
          to: range.to,
          series: s,
          flags: series.flags.filter((f) => f.metric === s.metric),
          windows,
          onSelect: form
            ? (a, b) => {
                form.select(a, b, s.metric);
                for (const c of charts) if (c !== chart) c.showRange(undefined, undefined);
              }
            : undefined,
        });
        charts.push(chart);
      }
      if (series.metrics.every((s) => s.ts.length === 0)) grid.prepend(h('p', { class: 'muted' }, t('noData')));
      showRange();
    }

    await reload();
  }

  start().catch((err: unknown) => {
    status.className = 'error';
    status.textContent = errorText(err);
  });
  return () => {
    closed = true;
    for (const c of charts) c.destroy();
  };
}
