/**
 * @module dashboard/web/views/overview
 * Overview, for triage: KPI tiles, the map (markers ringed by their worst open alert), the
 * station list worst first, and the feed of open alerts; choosing an alert flies the map to its
 * station and offers its charts around the alert. The open alerts come from the session's alert
 * watch (alert-watch.ts), which also feeds the shell's banner.
 */
import type { OverviewFrame, OverviewSnapshot } from '../../../../../domain/live';
import { api } from '../../api';
import { chartHref } from '../../common';
import { h, replace } from '../../dom';
import type { Unmount, ViewContext } from '../../main';
import { createStationMap, type StationMap } from '../../map';
import { createAlertFeed } from './feed';
import { legend, renderKpis } from './kpis';
import { createStationList } from './list';

export function mountOverview(main: HTMLElement, ctx: ViewContext): Unmount {
  const flashing = new Set<number>();
  let map: StationMap | undefined;
  let closed = false;

  const kpiBox = h('section', { class: 'kpis', data: { testid: 'kpis' } });
  const mapEl = h('div', { class: 'map', data: { testid: 'map' } });
  const list = createStationList();
  const feed = createAlertFeed((a) => map?.focus(a.station, a));
  replace(main, kpiBox, h('div', { class: 'overview-grid' }, h('section', { class: 'panel map-panel' }, mapEl, legend()), h('aside', { class: 'side' }, list.el, feed.el)));

  function alertsChanged(): void {
    const open = ctx.alerts.open();
    list.alerts(open);
    map?.update(list.stations(), list.worst());
    feed.render(open, flashing, (id) => list.stations().find((s) => s.id === id)?.name ?? ctx.alerts.stationName(id));
  }

  async function load(): Promise<void> {
    const snapshot = await api<OverviewSnapshot>('GET', '/api/v1/overview');
    if (closed) return;
    map ??= createStationMap(mapEl, {
      ...snapshot.map,
      onOpen: (id) => ctx.navigate(`/stations/${encodeURIComponent(id)}`),
      onChart: (id, at) => ctx.navigate(chartHref(id, at)),
    });
    list.clear();
    list.upsert(snapshot.stations);
    renderKpis(kpiBox, snapshot.kpi);
    alertsChanged();
  }

  const reload = () => load().catch((err: unknown) => console.error('overview: loading failed', err));
  const offOverview = ctx.live.subscribe('overview', 'overview', (f: OverviewFrame) => {
    if (f.stations.length > 0) {
      list.upsert(f.stations);
      map?.update(list.stations(), list.worst());
    }
    renderKpis(kpiBox, f.kpi);
  });
  const offAlerts = ctx.alerts.onChange((changes) => {
    for (const { alert, transition, notify } of changes ?? []) {
      if (notify && alert.severity === 'critical' && (transition === 'firing' || transition === 'escalated')) flashing.add(alert.id);
    }
    alertsChanged();
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
