/**
 * @module dashboard/web/views/validation-report
 * The report view (/validation, nav "Data validation"): a month picker, every station's summary
 * for the month (GET /api/v1/validation/report?month=: readings expected and received, valid,
 * flagged, invalidated, completeness, the month's validation level) with a CSV download, and per
 * station a link to its monthly report (shown below, ?station=) and to its review view.
 */
import { addMonths, localMonth } from '../../../../../lib/time';
import { api } from '../../api';
import { h, replace } from '../../dom';
import { fmtNum, fmtPercent, loc, t, TIME_ZONE } from '../../i18n';
import type { Unmount, ViewContext } from '../../main';
import { errorText, levelBadge, levelLabel } from '../review/labels';
import type { ProfileInfo, StationInfo, SummaryAnswer, SummaryRow } from '../review/types';
import { renderStationReport } from './station';
import '../review/review.css';

const total = (x: number | Record<string, number> | undefined) => (typeof x === 'number' ? x : Object.values(x ?? {}).reduce((a, b) => a + b, 0));

export function mountValidationReport(main: HTMLElement, _ctx: ViewContext): Unmount {
  let closed = false;
  const params = new URLSearchParams(location.search);
  // the month of yesterday: on the 1st, the month just ended
  const defaultMonth = localMonth(Date.now() - 86_400_000, TIME_ZONE);
  const month = h('input', { type: 'month', name: 'month', value: params.get('month') ?? defaultMonth, max: localMonth(Date.now(), TIME_ZONE), data: { testid: 'report-month' } });
  const prev = h('button', { type: 'button', class: 'secondary', on: { click: () => step(-1) } }, '‹');
  const next = h('button', { type: 'button', class: 'secondary', on: { click: () => step(1) } }, '›');
  const csv = h('a', { data: { testid: 'summary-csv' } }, t('csvAll'));
  const status = h('p', { class: 'muted', role: 'status' });
  const body = h('tbody');
  const stationBox = h('section', { class: 'panel', hidden: true, data: { testid: 'station-report-panel' } });
  replace(
    main,
    h(
      'section',
      { class: 'panel' },
      h('h1', {}, t('reportTitle')),
      h('div', { class: 'review-form' }, h('label', {}, t('month'), h('span', {}, prev, ' ', month, ' ', next)), csv),
      status,
      h(
        'table',
        { class: 'report-table', data: { testid: 'summary-table' } },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...[t('station'), t('expected'), t('received'), t('vs_valid'), t('colFlagged'), t('colInvalidated'), t('completenessShort'), t('monthLevel'), ''].map((c) =>
              h('th', {}, c),
            ),
          ),
        ),
        body,
      ),
    ),
    stationBox,
  );
  month.addEventListener('change', () => void show(params.get('station')));

  let stations = new Map<string, StationInfo>();
  let profiles = new Map<string, ProfileInfo>();

  function step(n: number): void {
    if (!/^\d{4}-\d{2}$/.test(month.value)) return;
    month.value = addMonths(month.value, n);
    void show(params.get('station'));
  }
  function metricName(stationId: string): (m: string) => string {
    const profile = profiles.get(stations.get(stationId)?.profile ?? '');
    return (m) => loc(profile?.metrics[m]?.name) || m;
  }

  async function show(stationId: string | null): Promise<void> {
    if (stationId) params.set('station', stationId);
    else params.delete('station');
    params.set('month', month.value);
    history.replaceState(null, '', `/validation?${params.toString()}`);
    csv.setAttribute('href', `/api/v1/validation/report?month=${encodeURIComponent(month.value)}&format=csv`);
    status.className = 'muted';
    status.textContent = t('loading');
    try {
      const res = await api<SummaryAnswer & { data?: SummaryRow[]; rows?: SummaryRow[] }>('GET', `/api/v1/validation/report?month=${encodeURIComponent(month.value)}`);
      if (closed) return;
      const rows = res.stations ?? res.data ?? res.rows ?? [];
      replace(body, ...rows.map(row));
      if (rows.length === 0) replace(body, h('tr', {}, h('td', { class: 'muted', colspan: '9' }, t('noReport'))));
      status.textContent = '';
    } catch (err) {
      status.className = 'error';
      status.textContent = errorText(err);
    }
    stationBox.hidden = !stationId;
    if (stationId) await renderStationReport(stationBox, stationId, stations.get(stationId)?.name ?? stationId, month.value, metricName(stationId));
  }

  function row(r: SummaryRow): HTMLElement {
    const name = r.name ?? stations.get(r.stationId)?.name ?? r.stationId;
    const open = h('a', { href: `/validation?month=${month.value}&station=${encodeURIComponent(r.stationId)}`, data: { testid: 'open-report' } }, name);
    open.addEventListener('click', (ev) => {
      ev.preventDefault();
      void show(r.stationId).then(() => stationBox.scrollIntoView({ block: 'start' }));
    });
    return h(
      'tr',
      { data: { station: r.stationId } },
      h('td', {}, open, h('div', { class: 'muted' }, r.stationId)),
      h('td', { class: 'num' }, fmtNum(r.expected, 0)),
      h('td', { class: 'num' }, fmtNum(r.total, 0)),
      h('td', { class: 'num', data: { col: 'valid' } }, fmtNum(r.valid, 0)),
      h('td', { class: 'num', data: { col: 'flagged' } }, fmtNum(r.flaggedAny ?? total(r.flagged), 0)),
      h('td', { class: 'num', data: { col: 'invalidated' } }, fmtNum(r.invalidatedAny ?? total(r.invalidated), 0)),
      h('td', { class: 'num' }, fmtPercent(r.completeness)),
      h('td', { data: { col: 'level', level: String(r.level) } }, levelBadge(r.level), ' ', levelLabel(r.level)),
      h(
        'td',
        { class: 'downloads' },
        h('a', { href: `/stations/${encodeURIComponent(r.stationId)}/review?from=${month.value}-01`, data: { nav: '', testid: 'open-review' } }, t('reviewLink')),
        ' · ',
        h('a', { href: `/api/v1/stations/${encodeURIComponent(r.stationId)}/validation/report?month=${month.value}&format=csv` }, 'CSV'),
      ),
    );
  }

  Promise.all([api<{ data: StationInfo[] }>('GET', '/api/v1/stations'), api<{ data: ProfileInfo[] }>('GET', '/api/v1/profiles')])
    .then(([s, p]) => {
      if (closed) return;
      stations = new Map(s.data.map((x) => [x.id, x]));
      profiles = new Map(p.data.map((x) => [x.id, x]));
      return show(params.get('station'));
    })
    .catch((err: unknown) => {
      status.className = 'error';
      status.textContent = errorText(err);
    });
  return () => {
    closed = true;
  };
}
