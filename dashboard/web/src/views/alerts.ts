/**
 * Alerts panel: filters (state, severity, province, station type), the list, and for the selected
 * alert its details, history with the triggering readings, acknowledge (comment) and resolve
 * (reason) for operators; silences (list, create) below.
 */
import type { AlertJson, AlertsFrame, Severity } from '../../../../domain/live';
import { api, can, type User } from '../api';
import { alertStateBadge, byUrgency, severityBadge } from '../common';
import { h, replace } from '../dom';
import { fmtDateTime, fmtNum, loc, t, tk } from '../i18n';
import type { Unmount, ViewContext } from '../main';

interface StationInfo {
  id: string;
  name: string;
  profile: string;
  province: string | null;
}
interface HistoryEntry {
  at: string;
  type: string;
  from: string | null;
  to: string | null;
  severity: Severity | null;
  actor: string | null;
  comment: string | null;
  value: number | null;
  evidence: unknown;
}
interface Silence {
  id: number;
  station: string | null;
  rule: string | null;
  startsAt: string;
  endsAt: string;
  comment: string;
  createdBy: string;
}

export function mountAlerts(main: HTMLElement, ctx: ViewContext): Unmount {
  let closed = false;
  let stations = new Map<string, StationInfo>();
  let profiles: Array<{ id: string; name: { en: string; vi: string } }> = [];
  let data: AlertJson[] = [];
  let selected = Number(new URLSearchParams(location.search).get('id')) || undefined;

  const select = (name: string, options: Array<[string, string]>) => h('select', { name, data: { testid: `filter-${name}` } }, ...options.map(([v, label]) => h('option', { value: v }, label)));
  const stateSel = select('state', [['open', t('st_open')], ['', t('all')], ...(['pending', 'firing', 'acknowledged', 'resolved'] as const).map((s): [string, string] => [s, tk('st', s)])]);
  const sevSel = select('severity', [['', t('all')], ...(['critical', 'warning', 'info'] as const).map((s): [string, string] => [s, tk('sev', s)])]);
  const provSel = select('province', [['', t('all')]]);
  const typeSel = select('type', [['', t('all')]]);
  const table = h('tbody');
  const detail = h('section', { class: 'panel alert-detail', data: { testid: 'alert-detail' } }, h('p', { class: 'muted' }, t('selectAlert')));
  const silences = h('section', { class: 'panel silences' });

  replace(
    main,
    h(
      'div',
      { class: 'alerts-grid' },
      h(
        'section',
        { class: 'panel' },
        h('h2', {}, t('alerts')),
        h('div', { class: 'filters' }, h('label', {}, t('state'), stateSel), h('label', {}, t('severity'), sevSel), h('label', {}, t('province'), provSel), h('label', {}, t('stationType'), typeSel)),
        h('table', { class: 'alerts-table', data: { testid: 'alerts-table' } }, h('thead', {}, h('tr', {}, ...[t('severity'), t('state'), t('station'), t('message'), t('value'), t('openedAt')].map((c) => h('th', {}, c)))), table),
      ),
      detail,
    ),
    silences,
  );
  for (const el of [stateSel, sevSel]) el.addEventListener('change', () => void reload());
  for (const el of [provSel, typeSel]) el.addEventListener('change', () => renderTable());

  async function loadMeta(): Promise<void> {
    const [st, pr] = await Promise.all([api<{ data: StationInfo[] }>('GET', '/api/v1/stations'), api<{ data: Array<{ id: string; name: { en: string; vi: string } }> }>('GET', '/api/v1/profiles')]);
    stations = new Map(st.data.map((s) => [s.id, s]));
    profiles = pr.data;
    const provinces = [...new Set(st.data.map((s) => s.province).filter((p): p is string => Boolean(p)))].sort((a, b) => a.localeCompare(b, 'vi'));
    replace(provSel, h('option', { value: '' }, t('all')), ...provinces.map((p) => h('option', { value: p }, p)));
    replace(typeSel, h('option', { value: '' }, t('all')), ...profiles.map((p) => h('option', { value: p.id }, loc(p.name))));
  }

  async function reload(): Promise<void> {
    const q = new URLSearchParams({ limit: '500' });
    if (stateSel.value) q.set('state', stateSel.value);
    if (sevSel.value) q.set('severity', sevSel.value);
    const res = await api<{ data: AlertJson[] }>('GET', `/api/v1/alerts?${q.toString()}`);
    if (closed) return;
    data = res.data;
    renderTable();
  }

  function renderTable(): void {
    const rows = data
      .filter((a) => {
        const s = stations.get(a.station);
        return (!provSel.value || s?.province === provSel.value) && (!typeSel.value || s?.profile === typeSel.value);
      })
      .sort(byUrgency);
    replace(
      table,
      ...rows.map((a) =>
        h(
          'tr',
          { class: `${a.id === selected ? 'selected' : ''} sev-${a.severity}`, data: { id: String(a.id), state: a.state }, on: { click: () => void choose(a.id) } },
          h('td', {}, severityBadge(a.severity)),
          h('td', {}, alertStateBadge(a.state)),
          h('td', {}, stations.get(a.station)?.name ?? a.station),
          h('td', {}, loc(a.message)),
          h('td', { class: 'num' }, fmtNum(a.value, 2)),
          h('td', {}, fmtDateTime(a.openedAt)),
        ),
      ),
    );
    if (rows.length === 0) replace(table, h('tr', {}, h('td', { class: 'muted' }, t('noAlerts'))));
  }

  async function choose(id: number): Promise<void> {
    selected = id;
    history.replaceState(null, '', `/alerts?id=${id}`);
    renderTable();
    await renderDetail();
  }

  async function renderDetail(): Promise<void> {
    if (selected === undefined) return;
    const res = await api<{ alert: AlertJson; rule: { name: { en: string; vi: string } } | null; history: HistoryEntry[] }>('GET', `/api/v1/alerts/${selected}`);
    if (closed) return;
    const a = res.alert;
    const station = stations.get(a.station);
    replace(
      detail,
      h('h2', {}, severityBadge(a.severity), ' ', loc(a.message)),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, t('state')),
        h('dd', { data: { testid: 'detail-state' } }, alertStateBadge(a.state)),
        h('dt', {}, t('station')),
        h('dd', {}, h('a', { href: `/stations/${encodeURIComponent(a.station)}`, data: { nav: '' } }, station?.name ?? a.station)),
        h('dt', {}, t('rule')),
        h('dd', {}, res.rule ? loc(res.rule.name) : a.rule),
        h('dt', {}, t('value')),
        h('dd', {}, fmtNum(a.value, 2)),
        h('dt', {}, t('openedAt')),
        h('dd', {}, fmtDateTime(a.openedAt)),
        a.acknowledged ? h('dt', {}, tk('st', 'acknowledged')) : null,
        a.acknowledged ? h('dd', {}, `${fmtDateTime(a.acknowledged.at)} · ${a.acknowledged.by ?? ''}: ${a.acknowledged.comment ?? ''}`) : null,
        a.resolved ? h('dt', {}, tk('st', 'resolved')) : null,
        a.resolved ? h('dd', {}, `${fmtDateTime(a.resolved.at)} · ${a.resolved.by ?? ''}: ${a.resolved.reason ?? ''}`) : null,
      ),
      actions(a, ctx.user),
      h('h3', {}, t('history')),
      h('ol', { class: 'history', data: { testid: 'alert-history' } }, ...res.history.map(historyItem)),
    );
  }

  function actions(a: AlertJson, user: User): HTMLElement | null {
    if (!can(user, 'operator') || a.state === 'resolved') return null;
    const box = h('div', { class: 'actions' });
    if (a.state === 'firing' || a.state === 'pending') {
      const comment = h('input', { name: 'comment', placeholder: t('comment'), required: true, data: { testid: 'ack-comment' } });
      box.append(h('form', { class: 'inline', on: { submit: (ev) => void act(ev, 'ack', { comment: comment.value }) } }, comment, h('button', { type: 'submit', data: { testid: 'ack' } }, t('acknowledge'))));
    }
    const reason = h('input', { name: 'reason', placeholder: t('reason'), required: true, data: { testid: 'resolve-reason' } });
    box.append(h('form', { class: 'inline', on: { submit: (ev) => void act(ev, 'resolve', { reason: reason.value }) } }, reason, h('button', { type: 'submit', class: 'secondary', data: { testid: 'resolve' } }, t('resolve'))));
    return box;
  }

  async function act(ev: Event, what: 'ack' | 'resolve', body: Record<string, string>): Promise<void> {
    ev.preventDefault();
    const form = ev.currentTarget as HTMLFormElement;
    try {
      await api('POST', `/api/v1/alerts/${selected}/${what}`, body);
      await Promise.all([reload(), renderDetail()]);
    } catch (err) {
      form.append(h('span', { class: 'error' }, (err as Error).message));
    }
  }

  async function renderSilences(): Promise<void> {
    const res = await api<{ data: Silence[] }>('GET', '/api/v1/silences');
    if (closed) return;
    const stationSel = h('select', { name: 'station' }, h('option', { value: '' }, '–'), ...[...stations.values()].map((s) => h('option', { value: s.id }, `${s.name} (${s.id})`)));
    const rule = h('input', { name: 'rule', placeholder: t('rule') });
    const hours = h('input', { name: 'hours', type: 'number', min: '1', max: '720', value: '4' });
    const comment = h('input', { name: 'comment', placeholder: t('comment'), required: true });
    const error = h('span', { class: 'error' });
    replace(
      silences,
      h('h2', {}, t('silences')),
      h(
        'table',
        { class: 'silences-table' },
        h('thead', {}, h('tr', {}, ...[t('station'), t('rule'), t('until'), t('comment'), t('by')].map((c) => h('th', {}, c)))),
        h('tbody', {}, ...res.data.map((s) => h('tr', {}, h('td', {}, s.station ? (stations.get(s.station)?.name ?? s.station) : '–'), h('td', {}, s.rule ?? '–'), h('td', {}, fmtDateTime(s.endsAt)), h('td', {}, s.comment), h('td', {}, s.createdBy)))),
      ),
      can(ctx.user, 'operator')
        ? h(
            'form',
            {
              class: 'inline',
              on: {
                submit: (ev) => {
                  ev.preventDefault();
                  const body = { ...(stationSel.value ? { station: stationSel.value } : {}), ...(rule.value ? { rule: rule.value } : {}), endsAt: new Date(Date.now() + Number(hours.value) * 3_600_000).toISOString(), comment: comment.value };
                  api('POST', '/api/v1/silences', body).then(
                    () => renderSilences(),
                    (err: unknown) => void (error.textContent = (err as Error).message),
                  );
                },
              },
            },
            h('strong', {}, t('newSilence'), ': '),
            stationSel,
            rule,
            h('label', {}, t('hours'), hours),
            comment,
            h('button', { type: 'submit' }, t('create')),
            error,
          )
        : null,
    );
  }

  const fail = (what: string) => (err: unknown) => console.error(`alerts: ${what} failed`, err);
  let refreshTimer: number | undefined;
  const offAlerts = ctx.live.subscribe('alerts', 'alerts', (f: AlertsFrame) => {
    // Frames say what changed; the filtered, paged list is the API's: refresh at most every 500 ms.
    if (refreshTimer !== undefined) return;
    refreshTimer = window.setTimeout(() => {
      refreshTimer = undefined;
      reload().catch(fail('refresh'));
      if (selected !== undefined && f.alerts.some((x) => x.alert.id === selected)) renderDetail().catch(fail('detail'));
    }, 500);
  });
  const offReconnect = ctx.live.onReconnect(() => void reload().catch(fail('reload')));
  loadMeta()
    .then(() => Promise.all([reload(), renderDetail(), renderSilences()]))
    .catch(fail('loading'));

  return () => {
    closed = true;
    if (refreshTimer !== undefined) window.clearTimeout(refreshTimer);
    offAlerts();
    offReconnect();
  };
}

function historyItem(e: HistoryEntry): HTMLElement {
  return h(
    'li',
    {},
    h('time', {}, fmtDateTime(e.at)),
    ' ',
    h('strong', {}, tk('st', e.type)),
    e.severity ? h('span', {}, ' ', severityBadge(e.severity)) : null,
    e.actor ? h('span', { class: 'muted' }, ` · ${e.actor}`) : null,
    e.comment ? h('span', {}, ` · ${e.comment}`) : null,
    e.value !== null ? h('span', {}, ` · ${t('value')} ${fmtNum(e.value, 2)}`) : null,
    e.evidence && (!Array.isArray(e.evidence) || e.evidence.length > 0) ? h('details', {}, h('summary', {}, t('evidence')), evidenceView(e.evidence)) : null,
  );
}

/** The readings that triggered a transition, as a table when they are samples, else as JSON text. */
function evidenceView(evidence: unknown): HTMLElement {
  const samples = Array.isArray(evidence) ? evidence : (evidence as { samples?: unknown } | null)?.samples;
  if (Array.isArray(samples) && samples.every((s) => typeof s === 'object' && s !== null && 'ts' in s)) {
    return h(
      'table',
      { class: 'evidence' },
      h('thead', {}, h('tr', {}, h('th', {}, t('time')), h('th', {}, t('value')), h('th', {}, t('quality')))),
      h('tbody', {}, ...samples.map((s: { ts: number | string; value?: number | null; quality?: string }) => h('tr', {}, h('td', {}, fmtDateTime(s.ts)), h('td', { class: 'num' }, fmtNum(s.value ?? null, 2)), h('td', {}, s.quality ? tk('q', s.quality) : '')))),
    );
  }
  return h('pre', { class: 'evidence' }, JSON.stringify(evidence, null, 2));
}
