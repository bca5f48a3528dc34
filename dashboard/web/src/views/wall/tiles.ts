/**
 * @module dashboard/web/views/wall/tiles
 * One station on the wall: its name, its index (VN_AQI, VN_WQI, or the flood level, salinity
 * class or limit compliance of hydromet, salinity and wastewater stations) large on the category's
 * colour, its connection state and its worst open alert, readable from across the room.
 */
import type { AlertJson, StationLive } from '../../../../../domain/live';
import { alertText, inkOn, severityBadge, stateBadge, stationIndex } from '../../common';
import { h } from '../../dom';
import { fmtTime, t, tk } from '../../i18n';

export function stationTile(s: StationLive, alert: AlertJson | undefined): HTMLElement {
  const i = stationIndex(s);
  return h(
    'article',
    {
      class: `wall-tile tile-state-${s.state}${alert ? ` alert-${alert.severity} ast-row-${alert.state}` : ''}`,
      data: { id: s.id, ...(alert ? { alert: `${alert.severity}-${alert.state}` } : {}) },
    },
    h('div', { class: 'tile-head' }, h('span', { class: 'tile-name' }, s.name), stateBadge(s.state)),
    h(
      'div',
      { class: 'tile-index' },
      h('span', { class: 'tile-value', data: i.kind ? { kind: i.kind, class: i.cls ?? '' } : {}, style: { background: i.colour, color: inkOn(i.colour) } }, i.text),
      h('span', { class: 'tile-category' }, h('small', {}, i.name || t('noIndexShort')), h('span', {}, i.category), i.detail ? h('small', {}, i.detail) : null),
    ),
    alert
      ? h(
          'div',
          { class: 'tile-alert' },
          severityBadge(alert.severity),
          ' ',
          h('span', { class: 'badge tile-ast' }, tk('st', alert.state)),
          h('div', { class: 'tile-msg' }, alertText(alert)),
          h('time', {}, fmtTime(alert.firingAt ?? alert.openedAt)),
        )
      : h('div', { class: 'tile-ok' }, `✓ ${t('noOpenAlerts')}`),
  );
}
