/**
 * @module dashboard/web/views/validation-report/station
 * One station's monthly validation report (GET /api/v1/stations/{id}/validation/report?month=):
 * per metric the readings expected and received, valid, flagged by each check, invalidated by
 * each reason, the station's own flags, restored, completeness; the month's level and each day's;
 * a CSV download (format=csv) and a link to the review view.
 */
import { api } from '../../api';
import { h, replace } from '../../dom';
import { fmtNum, fmtPercent, t, tk } from '../../i18n';
import { checkLabel, errorText, levelBadge, levelLabel, reasonLabel } from '../review/labels';
import { fmtDayShort } from '../review/time';
import type { StationReport } from '../review/types';

/** "Spike 3 · Flat line 2" (the non-zero entries) under a count; nothing when all are zero. */
function breakdown(counts: Record<string, number> | undefined, label: (k: string) => string): HTMLElement | null {
  const parts = Object.entries(counts ?? {})
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${label(k)} ${fmtNum(n, 0)}`);
  return parts.length ? h('div', { class: 'breakdown' }, parts.join(' · ')) : null;
}
const sum = (counts: Record<string, number> | undefined) => Object.values(counts ?? {}).reduce((a, b) => a + b, 0);

export async function renderStationReport(el: HTMLElement, stationId: string, stationName: string, month: string, metricName: (m: string) => string): Promise<void> {
  const base = `/api/v1/stations/${encodeURIComponent(stationId)}/validation/report?month=${encodeURIComponent(month)}`;
  replace(el, h('h2', {}, `${t('stationReport')}: ${stationName}`), h('p', { class: 'muted' }, t('loading')));
  let r: StationReport;
  try {
    r = await api<StationReport>('GET', base);
  } catch (err) {
    replace(el, h('h2', {}, `${t('stationReport')}: ${stationName}`), h('p', { class: 'error' }, errorText(err)));
    return;
  }
  const num = (n: number) => h('td', { class: 'num' }, fmtNum(n, 0));
  const rows = r.metrics.map((m) =>
    h(
      'tr',
      { data: { metric: m.metric } },
      h('th', {}, metricName(m.metric)),
      num(m.expected),
      num(m.total),
      h('td', { class: 'num', data: { col: 'valid' } }, fmtNum(m.valid, 0)),
      h('td', { data: { col: 'flagged', n: String(m.flaggedAny ?? sum(m.flagged)) } }, fmtNum(m.flaggedAny ?? sum(m.flagged), 0), breakdown(m.flagged, checkLabel)),
      h(
        'td',
        { data: { col: 'invalidated', n: String(m.invalidatedAny ?? sum(m.invalidated)) } },
        fmtNum(m.invalidatedAny ?? sum(m.invalidated), 0),
        breakdown(m.invalidated, reasonLabel),
      ),
      h(
        'td',
        {},
        fmtNum(sum(m.stationFlags), 0),
        breakdown(m.stationFlags, (k) => tk('q', k)),
      ),
      num(m.restored),
      h('td', { class: 'num' }, fmtPercent(m.completeness)),
    ),
  );
  replace(
    el,
    h('h2', {}, `${t('stationReport')}: ${stationName} · ${month.slice(5, 7)}/${month.slice(0, 4)}`),
    h(
      'p',
      { class: 'downloads' },
      h('span', { data: { testid: 'month-level', level: String(r.level) } }, `${t('monthLevel')}: `, levelBadge(r.level), ' ', levelLabel(r.level)),
      ' · ',
      h('a', { href: `${base}&format=csv`, data: { testid: 'station-report-csv' } }, t('csvStation')),
      ' · ',
      h('a', { href: `/stations/${encodeURIComponent(stationId)}/review?from=${month}-01`, data: { nav: '' } }, t('reviewLink')),
    ),
    rows.length === 0
      ? h('p', { class: 'muted' }, t('noReport'))
      : h(
          'table',
          { class: 'report-table', data: { testid: 'station-report' } },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...[
                t('metric'),
                t('expected'),
                t('received'),
                t('vs_valid'),
                t('flaggedByCheck'),
                t('invalidatedByReason'),
                t('stationFlags'),
                t('vs_restored'),
                t('completenessShort'),
              ].map((c) => h('th', {}, c)),
            ),
          ),
          h('tbody', {}, ...rows),
        ),
    r.days.length
      ? h(
          'div',
          { class: 'level-strip', data: { testid: 'report-days' } },
          h('b', {}, `${t('dayLevels')}:`),
          ...r.days.map((d) => h('span', { class: 'mark-chip', data: { day: d.day }, title: levelLabel(d.level) }, fmtDayShort(d.day).slice(0, 5), levelBadge(d.level))),
        )
      : null,
  );
}
