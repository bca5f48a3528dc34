/**
 * @module dashboard/web/views/overview/feed
 * The overview's feed of open alerts, most severe then newest first. New (firing) and
 * acknowledged alerts look different (style and label); a critical alert that fired while the
 * page was open flashes. Clicking an alert focuses its station on the map; each alert links to
 * its details and to its station's charts around the moment it fired.
 */
import type { AlertJson } from '../../../../../domain/live';
import { alertStateBadge, alertText, byUrgency, chartHref, severityBadge } from '../../common';
import { h, replace } from '../../dom';
import { fmtTime, t } from '../../i18n';

export interface AlertFeed {
  el: HTMLElement;
  render(open: readonly AlertJson[], flashing: ReadonlySet<number>, name: (station: string) => string): void;
}

export function createAlertFeed(onFocus: (a: AlertJson) => void): AlertFeed {
  const list = h('ul', { class: 'feed', data: { testid: 'alert-feed' } });
  const el = h('section', { class: 'panel feed-panel' }, h('h2', {}, t('liveFeed')), list);
  let selected: number | undefined;

  return {
    el,
    render(open, flashing, name) {
      const shown = open
        .filter((a) => a.state !== 'resolved')
        .sort(byUrgency)
        .slice(0, 100);
      if (shown.length === 0) {
        replace(list, h('li', { class: 'muted' }, t('noAlerts')));
        return;
      }
      replace(
        list,
        ...shown.map((a) => {
          const item = h(
            'li',
            {
              class: `feed-item sev-${a.severity} ast-row-${a.state}${flashing.has(a.id) ? ' flash' : ''}${a.id === selected ? ' selected' : ''}`,
              data: { id: String(a.id), station: a.station, state: a.state },
              title: t('focusOnMap'),
              on: {
                click: (ev) => {
                  if ((ev.target as Element).closest('a')) return;
                  selected = a.id;
                  for (const x of list.querySelectorAll('.feed-item.selected')) x.classList.remove('selected');
                  item.classList.add('selected');
                  onFocus(a);
                },
              },
            },
            severityBadge(a.severity),
            h(
              'div',
              { class: 'feed-body' },
              h('span', { class: 'name' }, name(a.station)),
              h('span', { class: 'msg' }, alertText(a)),
              h(
                'span',
                { class: 'feed-links' },
                alertStateBadge(a.state),
                h('a', { href: `/alerts?id=${a.id}`, data: { nav: '' } }, t('details')),
                h('a', { href: chartHref(a.station, a.firingAt ?? a.openedAt), data: { nav: '', testid: 'open-chart' } }, t('openChart')),
              ),
            ),
            h('time', { class: 'muted' }, fmtTime(a.firingAt ?? a.openedAt)),
          );
          return item;
        }),
      );
    },
  };
}
