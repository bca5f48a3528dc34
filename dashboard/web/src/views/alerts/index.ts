/**
 * @module dashboard/web/views/alerts
 * Alerts screen: filters (state, severity, province, station type), the list (new and
 * acknowledged alerts look different; values with units; operators tick rows to acknowledge
 * them together, or silence one in a click), the selected alert's details, and the silences.
 */
import type { AlertJson, AlertsFrame } from '../../../../../domain/live';
import { api, can } from '../../api';
import { alertStateBadge, alertText, byUrgency, severityBadge } from '../../common';
import { h, replace } from '../../dom';
import { fmtDateTime, loc, t, tk } from '../../i18n';
import type { Unmount, ViewContext } from '../../main';
import { createBulkBar } from './bulk';
import { renderDetail } from './detail';
import { loadMeta, type AlertsMeta } from './meta';
import { createSilencesPanel, type SilencesPanel } from './silences';

const ackable = (a: AlertJson) => a.state === 'firing' || a.state === 'pending';

export function mountAlerts(main: HTMLElement, ctx: ViewContext): Unmount {
  let closed = false;
  let meta: AlertsMeta | undefined;
  let silences: SilencesPanel | undefined;
  let data: AlertJson[] = [];
  let shown: AlertJson[] = [];
  const ticked = new Set<number>();
  let selected = Number(new URLSearchParams(location.search).get('id')) || undefined;
  const operator = can(ctx.user, 'operator');

  const select = (name: string, options: Array<[string, string]>) =>
    h('select', { name, data: { testid: `filter-${name}` } }, ...options.map(([v, label]) => h('option', { value: v }, label)));
  const stateSel = select('state', [
    ['open', t('st_open')],
    ['', t('all')],
    ...(['pending', 'firing', 'acknowledged', 'resolved'] as const).map((s): [string, string] => [s, tk('st', s)]),
  ]);
  const sevSel = select('severity', [['', t('all')], ...(['critical', 'warning', 'info'] as const).map((s): [string, string] => [s, tk('sev', s)])]);
  const provSel = select('province', [['', t('all')]]);
  const typeSel = select('type', [['', t('all')]]);
  const table = h('tbody');
  const all = h('input', { type: 'checkbox', aria: { label: t('selectAll') }, data: { testid: 'select-all' } });
  const detail = h('section', { class: 'panel alert-detail', data: { testid: 'alert-detail' } }, h('p', { class: 'muted' }, t('selectAlert')));
  const silencesBox = h('div', {});
  const bulk = createBulkBar(
    (id) => {
      const a = data.find((x) => x.id === id);
      return a ? `${meta?.stations.get(a.station)?.name ?? a.station} – ${alertText(a)}` : `#${id}`;
    },
    async () => {
      ticked.clear();
      await Promise.all([reload(), selected !== undefined ? showDetail() : undefined]);
    },
  );
  const headers = [t('severity'), t('state'), t('station'), t('message'), t('value'), t('openedAt'), ''];

  replace(
    main,
    h(
      'div',
      { class: 'alerts-grid' },
      h(
        'section',
        { class: 'panel' },
        h('h2', {}, t('alerts')),
        h(
          'div',
          { class: 'filters' },
          h('label', {}, t('state'), stateSel),
          h('label', {}, t('severity'), sevSel),
          h('label', {}, t('province'), provSel),
          h('label', {}, t('stationType'), typeSel),
        ),
        operator ? bulk.el : null,
        h(
          'table',
          { class: 'alerts-table', data: { testid: 'alerts-table' } },
          h('thead', {}, h('tr', {}, operator ? h('th', { class: 'tick' }, all) : null, ...headers.map((c) => h('th', {}, c)))),
          table,
        ),
      ),
      detail,
    ),
    silencesBox,
  );
  for (const el of [stateSel, sevSel]) el.addEventListener('change', () => void reload());
  for (const el of [provSel, typeSel]) el.addEventListener('change', () => renderTable());
  all.addEventListener('change', () => {
    for (const a of shown) {
      if (!ackable(a)) continue;
      if (all.checked) ticked.add(a.id);
      else ticked.delete(a.id);
    }
    renderTable();
  });

  async function reload(): Promise<void> {
    const q = new URLSearchParams({ limit: '500' });
    if (stateSel.value) q.set('state', stateSel.value);
    if (sevSel.value) q.set('severity', sevSel.value);
    const res = await api<{ data: AlertJson[] }>('GET', `/api/v1/alerts?${q.toString()}`);
    if (closed) return;
    data = res.data;
    renderTable();
  }

  function row(a: AlertJson): HTMLElement {
    const tick = h('input', { type: 'checkbox', checked: ticked.has(a.id), disabled: !ackable(a), aria: { label: t('select') }, data: { testid: 'tick' } });
    tick.addEventListener('change', () => {
      if (tick.checked) ticked.add(a.id);
      else ticked.delete(a.id);
      bulk.show(ticked);
    });
    const isNew = a.state === 'firing';
    return h(
      'tr',
      {
        class: `${a.id === selected ? 'selected' : ''} sev-${a.severity} ast-row-${a.state}${isNew ? ' is-new' : ''}`,
        data: { id: String(a.id), state: a.state },
        on: { click: (ev) => !(ev.target as Element).closest('input, button, a') && void choose(a.id) },
      },
      operator ? h('td', { class: 'tick' }, tick) : null,
      h('td', {}, severityBadge(a.severity)),
      h('td', {}, alertStateBadge(a.state), isNew ? h('span', { class: 'new-mark', title: t('notAcknowledged') }, ` ${t('newMark')}`) : null),
      h('td', {}, meta?.stations.get(a.station)?.name ?? a.station),
      h('td', { class: 'msg' }, alertText(a)),
      h('td', { class: 'num', data: { testid: 'value' } }, meta ? meta.value(a) : String(a.value ?? '–')),
      h('td', {}, fmtDateTime(a.openedAt)),
      h(
        'td',
        {},
        operator && a.state !== 'resolved'
          ? h('button', { type: 'button', class: 'secondary small', data: { testid: 'silence' }, title: t('silenceThis'), on: { click: () => silences?.prefill(a) } }, t('silence'))
          : null,
      ),
    );
  }

  function renderTable(): void {
    shown = data
      .filter((a) => {
        const s = meta?.stations.get(a.station);
        return (!provSel.value || s?.province === provSel.value) && (!typeSel.value || s?.profile === typeSel.value);
      })
      .sort(byUrgency);
    for (const id of ticked) if (!shown.some((a) => a.id === id && ackable(a))) ticked.delete(id);
    replace(table, ...shown.map(row));
    if (shown.length === 0) replace(table, h('tr', {}, h('td', { class: 'muted', colspan: '8' }, t('noAlerts'))));
    const candidates = shown.filter(ackable);
    all.checked = candidates.length > 0 && candidates.every((a) => ticked.has(a.id));
    all.disabled = candidates.length === 0;
    bulk.show(ticked);
  }

  async function choose(id: number): Promise<void> {
    selected = id;
    history.replaceState(null, '', `/alerts?id=${id}`);
    renderTable();
    await showDetail();
  }

  async function showDetail(): Promise<void> {
    if (selected === undefined || !meta) return;
    await renderDetail(detail, selected, {
      meta,
      user: ctx.user,
      closed: () => closed,
      changed: () => Promise.all([reload(), showDetail()]).then(() => undefined),
      silence: (a) => silences?.prefill(a),
    });
  }

  const fail = (what: string) => (err: unknown) => console.error(`alerts: ${what} failed`, err);
  let refreshTimer: number | undefined;
  const offAlerts = ctx.live.subscribe('alerts', 'alerts', (f: AlertsFrame) => {
    // Frames say what changed; the filtered, paged list is the API's: refresh at most every 500 ms.
    if (refreshTimer !== undefined) return;
    refreshTimer = window.setTimeout(() => {
      refreshTimer = undefined;
      reload().catch(fail('refresh'));
      if (selected !== undefined && f.alerts.some((x) => x.alert.id === selected)) showDetail().catch(fail('detail'));
    }, 500);
  });
  const offReconnect = ctx.live.onReconnect(() => void reload().catch(fail('reload')));
  loadMeta()
    .then((m) => {
      if (closed) return;
      meta = m;
      replace(provSel, h('option', { value: '' }, t('all')), ...m.provinces.map((p) => h('option', { value: p }, p)));
      replace(typeSel, h('option', { value: '' }, t('all')), ...m.profiles.map((p) => h('option', { value: p.id }, loc(p.name))));
      silences = createSilencesPanel(m, ctx.user, () => closed);
      replace(silencesBox, silences.el);
      return Promise.all([reload(), showDetail(), silences.load()]);
    })
    .catch(fail('loading'));

  return () => {
    closed = true;
    if (refreshTimer !== undefined) window.clearTimeout(refreshTimer);
    offAlerts();
    offReconnect();
  };
}
