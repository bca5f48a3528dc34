/**
 * The delivery log: every attempt, newest first, with channel, recipient, status and error
 * (operators may read it; the rest of the screen is for admins).
 */
import { api } from '../../api';
import { h, replace } from '../../dom';
import { fmtDateTime } from '../../i18n';
import { BASE } from './model';
import { nt, ntk } from './text';

interface DeliveryJson {
  id: number;
  at: string;
  contactPointName: string;
  channel: string;
  recipient: string;
  status: string;
  attempt: number;
  reason: string;
  alertIds: number[];
  error: string | null;
}

export function deliveriesPanel(): HTMLElement {
  const body = h('tbody');
  void api<{ data: DeliveryJson[] }>('GET', `${BASE}/deliveries?limit=200`).then((res) =>
    replace(
      body,
      ...res.data.map((d) =>
        h(
          'tr',
          { class: `nt-st-${d.status}` },
          h('td', {}, fmtDateTime(d.at)),
          h('td', {}, d.contactPointName),
          h('td', {}, d.channel),
          h('td', {}, d.recipient),
          h('td', {}, ntk('st', d.status)),
          h('td', {}, String(d.attempt)),
          h('td', {}, d.reason),
          h('td', {}, ...d.alertIds.map((id) => h('a', { href: `/alerts?id=${id}`, data: { nav: '' } }, `#${id} `))),
          h('td', { class: 'error' }, d.error ?? ''),
        ),
      ),
    ),
  );
  return h(
    'section',
    { class: 'panel', data: { testid: 'nt-deliveries' } },
    h('h3', {}, nt('deliveries')),
    h(
      'table',
      { class: 'nt-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...[nt('time'), nt('contactPoints'), nt('channel'), nt('recipient'), nt('status'), nt('attempt'), nt('reason'), nt('alerts'), nt('error')].map((x) => h('th', {}, x)),
        ),
      ),
      body,
    ),
  );
}
