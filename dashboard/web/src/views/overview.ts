/**
 * Overview: KPI tiles, the map, the searchable station list and the feed of open alerts (most
 * severe, then newest first; a new critical alert flashes and raises a banner until seen).
 */
import { VN_AQI_CATEGORIES } from '../../../../domain/indices/categories';
import type { AlertJson, AlertsFrame, Kpi, OverviewFrame, OverviewSnapshot, StationLive } from '../../../../domain/live';
import { api } from '../api';
import { byUrgency, indexChip, severityBadge, stateBadge } from '../common';
import { fold, h, replace } from '../dom';
import { fmtNum, fmtPercent, fmtTime, lang, loc, t } from '../i18n';
import { createStationMap, type StationMap } from '../map';
import type { Unmount, ViewContext } from '../main';

export function mountOverview(main: HTMLElement, ctx: ViewContext): Unmount {
  const stations = new Map<string, StationLive>();
  const alerts = new Map<number, AlertJson>();
  const flashing = new Set<number>();
  const rows = new Map<string, HTMLElement>();
  let map: StationMap | undefined;
  let closed = false;

  const kpiBox = h('section', { class: 'kpis', data: { testid: 'kpis' } });
  const banner = h('div', { class: 'critical-banner', hidden: true, role: 'alert' });
  const search = h('input', { type: 'search', placeholder: t('searchStations'), aria: { label: t('searchStations') }, data: { testid: 'station-search' } });
  const count = h('span', { class: 'muted' });
  const list = h('ul', { class: 'station-list', data: { testid: 'station-list' } });
  const feed = h('ul', { class: 'feed', data: { testid: 'alert-feed' } });
  const mapEl = h('div', { class: 'map', data: { testid: 'map' } });
  replace(
    main,
    banner,
    kpiBox,
    h(
      'div',
      { class: 'overview-grid' },
      h('section', { class: 'panel map-panel' }, mapEl, legend()),
      h(
        'aside',
        { class: 'side' },
        h('section', { class: 'panel stations-panel' }, h('h2', {}, t('stations'), ' ', count), search, list),
        h('section', { class: 'panel feed-panel' }, h('h2', {}, t('liveFeed')), feed),
      ),
    ),
  );

  search.addEventListener('input', () => applyFilter());

  function applyFilter(): void {
    const q = fold(search.value.trim());
    let shown = 0;
    for (const [id, row] of rows) {
      const s = stations.get(id)!;
      const match = !q || fold(`${s.name} ${s.id} ${s.province ?? ''}`).includes(q);
      row.hidden = !match;
      if (match) shown += 1;
    }
    count.textContent = q ? `(${shown}/${rows.size})` : `(${rows.size})`;
  }

  function stationRow(s: StationLive): HTMLElement {
    return h(
      'li',
      { data: { id: s.id, state: s.state } },
      h('a', { href: `/stations/${encodeURIComponent(s.id)}`, data: { nav: '' } }, h('span', { class: 'name' }, s.name), h('span', { class: 'muted id' }, s.id)),
      indexChip(s),
      stateBadge(s.state),
    );
  }

  function upsertStations(changed: readonly StationLive[]): void {
    let added = false;
    for (const s of changed) {
      stations.set(s.id, s);
      const row = stationRow(s);
      const old = rows.get(s.id);
      if (old) {
        row.hidden = old.hidden;
        old.replaceWith(row);
      } else added = true;
      rows.set(s.id, row);
    }
    if (added) {
      // keep the list sorted by name (Vietnamese collation)
      const collator = new Intl.Collator('vi');
      const sorted = [...stations.values()].sort((a, b) => collator.compare(a.name, b.name));
      list.replaceChildren(...sorted.map((s) => rows.get(s.id)!));
    }
    applyFilter();
    map?.update([...stations.values()]);
  }

  function renderKpi(k: Kpi): void {
    const tile = (label: string, value: string, extra?: HTMLElement | string, cls = '') => h('div', { class: `kpi ${cls}` }, h('div', { class: 'kpi-label' }, label), h('div', { class: 'kpi-value' }, value), extra ? h('div', { class: 'kpi-extra' }, extra) : null);
    const off = k.stations.offline + k.stations.stale;
    replace(
      kpiBox,
      tile(t('stationsOnline'), `${fmtNum(k.stations.online, 0)} / ${fmtNum(k.stations.total, 0)}`, undefined, 'ok'),
      tile(t('stationsOffline'), fmtNum(off, 0), k.stations.stale ? `${fmtNum(k.stations.stale, 0)} ${t('staleNote')}` : undefined, off > 0 ? 'bad' : ''),
      h(
        'div',
        { class: `kpi ${k.firing.critical > 0 ? 'bad' : ''}`, data: { testid: 'kpi-firing' } },
        h('div', { class: 'kpi-label' }, t('firingAlerts')),
        h('div', { class: 'kpi-sev' }, sevCount('critical', k.firing.critical), sevCount('warning', k.firing.warning), sevCount('info', k.firing.info)),
      ),
      tile(t('completeness'), fmtPercent(k.completenessToday)),
      tile(t('readingsPerSecond'), fmtNum(k.readingsPerSecond, 1)),
    );
  }
  const sevCount = (sev: 'critical' | 'warning' | 'info', n: number) => h('span', { class: `sev-count sev-${sev}` }, h('b', {}, fmtNum(n, 0)), ' ', severityBadge(sev));

  function renderFeed(): void {
    const open = [...alerts.values()].filter((a) => a.state !== 'resolved').sort(byUrgency).slice(0, 100);
    if (open.length === 0) {
      replace(feed, h('li', { class: 'muted' }, t('noAlerts')));
      return;
    }
    replace(
      feed,
      ...open.map((a) =>
        h(
          'li',
          { class: `feed-item sev-${a.severity}${flashing.has(a.id) ? ' flash' : ''}`, data: { id: String(a.id) } },
          severityBadge(a.severity),
          h(
            'a',
            { href: `/alerts?id=${a.id}`, data: { nav: '' } },
            h('span', { class: 'name' }, stations.get(a.station)?.name ?? a.station),
            h('span', { class: 'msg' }, loc(a.message)),
          ),
          h('time', { class: 'muted' }, fmtTime(a.firingAt ?? a.openedAt)),
        ),
      ),
    );
  }

  function showCritical(a: AlertJson): void {
    flashing.add(a.id);
    banner.hidden = false;
    replace(
      banner,
      h('strong', {}, `⚠ ${t('newCritical')}: `),
      h('span', {}, `${stations.get(a.station)?.name ?? a.station}: ${loc(a.message)}`),
      h('button', { type: 'button', on: { click: () => dismiss() } }, t('dismiss')),
    );
    if (!document.title.startsWith('(!)')) document.title = `(!) ${document.title}`;
  }
  function dismiss(): void {
    banner.hidden = true;
    flashing.clear();
    document.title = document.title.replace(/^\(!\) /, '');
    renderFeed();
  }

  async function load(): Promise<void> {
    const [snapshot, open] = await Promise.all([api<OverviewSnapshot>('GET', '/api/v1/overview'), api<{ data: AlertJson[] }>('GET', '/api/v1/alerts?state=open&limit=500')]);
    if (closed) return;
    if (!map) map = createStationMap(mapEl, { ...snapshot.map, onOpen: (id) => ctx.navigate(`/stations/${encodeURIComponent(id)}`) });
    stations.clear();
    rows.clear();
    upsertStations(snapshot.stations);
    renderKpi(snapshot.kpi);
    alerts.clear();
    for (const a of open.data) alerts.set(a.id, a);
    renderFeed();
  }

  const reload = () => load().catch((err: unknown) => console.error('overview: loading failed', err));
  const offOverview = ctx.live.subscribe('overview', 'overview', (f: OverviewFrame) => {
    if (f.stations.length > 0) upsertStations(f.stations);
    renderKpi(f.kpi);
  });
  const offAlerts = ctx.live.subscribe('alerts', 'alerts', (f: AlertsFrame) => {
    for (const { alert, transition, notify } of f.alerts) {
      if (alert.state === 'resolved') alerts.delete(alert.id);
      else alerts.set(alert.id, alert);
      if (notify && alert.severity === 'critical' && (transition === 'firing' || transition === 'escalated')) showCritical(alert);
    }
    renderFeed();
  });
  const offReconnect = ctx.live.onReconnect(reload);
  void reload();

  return () => {
    closed = true;
    offOverview();
    offAlerts();
    offReconnect();
    map?.destroy();
  };
}

function legend(): HTMLElement {
  const dot = (cls: string, label: string) => h('span', { class: 'legend-item' }, h('span', { class: `dot ${cls}` }), label);
  return h(
    'div',
    { class: 'legend' },
    h('strong', {}, t('legend'), ': '),
    dot('state-online', t('state_online')),
    dot('state-stale', t('state_stale')),
    dot('state-offline', t('state_offline')),
    h('span', { class: 'muted' }, ` · ${t('aqi')}: `),
    ...VN_AQI_CATEGORIES.map((c) => h('span', { class: 'legend-item', title: lang() === 'vi' ? c.nameVi : c.nameEn }, h('span', { class: 'swatch', style: { background: c.colorHex } }), c.level === 6 ? `>${c.min - 1}` : `${c.min}–${c.max}`)),
  );
}
