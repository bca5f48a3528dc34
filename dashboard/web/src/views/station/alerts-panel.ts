/**
 * @module dashboard/web/views/station/alerts-panel
 * The station's alerts, most urgent first, each linking to its detail on the alerts screen.
 */
import type { AlertJson } from '../../../../../domain/live';
import { api } from '../../api';
import { alertStateBadge, byUrgency, severityBadge } from '../../common';
import { h, replace } from '../../dom';
import { fmtDateTime, loc, t } from '../../i18n';

export async function loadStationAlerts(el: HTMLElement, stationId: string, closed: () => boolean): Promise<void> {
  const res = await api<{ data: AlertJson[] }>('GET', `/api/v1/alerts?station=${encodeURIComponent(stationId)}&limit=50`);
  if (closed()) return;
  const rows = res.data.sort(byUrgency);
  replace(
    el,
    h('h2', {}, t('stationAlerts')),
    rows.length
      ? h(
          'ul',
          { class: 'feed' },
          ...rows.map((a) =>
            h(
              'li',
              { class: `feed-item sev-${a.severity}` },
              severityBadge(a.severity),
              alertStateBadge(a.state),
              h('a', { href: `/alerts?id=${a.id}`, data: { nav: '' } }, loc(a.message)),
              h('time', { class: 'muted' }, fmtDateTime(a.openedAt)),
            ),
          ),
        )
      : h('p', { class: 'muted' }, t('noAlerts')),
  );
}
