/**
 * @module dashboard/web/views/station
 * The station page: its head, the latest value of every metric against the station's own limits
 * (with their sources), the panel of the station type's own index (VN_AQI, VN_WQI, flood alarm
 * level, salinity class or permit compliance), the history charts (range picker, compare, CSV),
 * the station's alerts, and (admins) its settings. Live readings arrive in the station's room;
 * after a reconnect the charts fetch what they missed.
 */
import type { ReadingsFrame, StationLive } from '../../../../../domain/live';
import { api, can } from '../../api';
import { h, replace } from '../../dom';
import type { Unmount, ViewContext } from '../../main';
import { loadStationAlerts } from './alerts-panel';
import { compareCandidates } from './compare';
import { createLatestTable, renderHead } from './header';
import { createHistoryPanel, type HistoryPanel } from './history';
import { createIndexPanel, type IndexPanel } from './index-panel';
import { stationLimits } from './limits';
import { renderManage } from './manage';
import type { LatestJson, Profile, RuleView, StationJson } from './types';

export { insertSorted } from './data';

/** How often the hourly index panel may refetch while readings arrive. */
const INDEX_REFRESH_MS = 60_000;

export function mountStation(main: HTMLElement, ctx: ViewContext, id: string): Unmount {
  let closed = false;
  let history: HistoryPanel | undefined;
  let index: IndexPanel | undefined;
  let show: ((metric: string, ts: number, value: number | null, quality?: string) => void) | undefined;
  let indexLoadedAt = 0;

  const head = h('section', { class: 'panel station-head' });
  const latestBox = h('section', { class: 'panel' });
  const indexBox = h('div', { class: 'index-box' });
  const historyBox = h('div', {});
  const alertsBox = h('section', { class: 'panel' });
  const manageBox = h('section', { class: 'panel' });
  replace(
    main,
    head,
    h('div', { class: 'station-grid' }, latestBox, indexBox),
    historyBox,
    h('div', { class: 'station-grid' }, alertsBox, can(ctx.user, 'admin') ? manageBox : null),
  );

  const fail = (what: string) => (err: unknown) => console.error(`station: ${what} failed`, err);
  // ?at=<ISO>: charts around that instant (an alert's, from the overview or the alerts screen)
  const atParam = Date.parse(new URLSearchParams(location.search).get('at') ?? '');
  const at = Number.isFinite(atParam) ? atParam : undefined;

  async function load(): Promise<void> {
    const [detail, profiles, rules, overview] = await Promise.all([
      api<{ station: StationJson; latest: LatestJson[] }>('GET', `/api/v1/stations/${encodeURIComponent(id)}`),
      api<{ data: Profile[] }>('GET', '/api/v1/profiles'),
      api<{ data: RuleView[] }>('GET', '/api/v1/rules'),
      api<{ stations: StationLive[] }>('GET', '/api/v1/overview'),
    ]);
    if (closed) return;
    const station = detail.station;
    const profile = profiles.data.find((p) => p.id === station.profile);
    document.title = `${station.name} · Quantrac`;
    renderHead(
      head,
      station,
      profile,
      overview.stations.find((s) => s.id === id),
    );

    const limits = stationLimits(rules.data, station, Date.now());
    const table = createLatestTable(profile, detail.latest, limits);
    show = table.show;
    replace(latestBox, table.el);

    index = createIndexPanel(station, profile, limits, new Map(detail.latest.map((l) => [l.metric, l.value])));
    replace(indexBox, index.el);
    indexLoadedAt = Date.now();
    const indexLoad = index.load();

    history = createHistoryPanel({
      ...(at !== undefined ? { at } : {}),
      station,
      profile,
      limits,
      onNewest: (m, ts, value) => {
        show?.(m, ts, value);
        index?.value(m, value);
      },
      onError: fail,
    });
    replace(historyBox, history.el);
    const candidates = await compareCandidates(station.profile, station.id).catch((err: unknown) => (fail('compare list')(err), []));
    if (closed) return;
    await Promise.all([history.start(candidates), indexLoad, loadStationAlerts(alertsBox, id, () => closed)]);
    if (!closed && can(ctx.user, 'admin')) renderManage(manageBox, station);
  }

  function onReadings(f: ReadingsFrame): void {
    if (f.station !== id) return;
    const newest = new Map<string, ReadingsFrame['readings'][number]>();
    for (const r of f.readings) {
      const prev = newest.get(r.metric);
      if (!prev || prev.ts <= r.ts) newest.set(r.metric, r);
    }
    for (const [m, r] of newest) {
      show?.(m, r.ts, r.value, r.quality);
      index?.value(m, r.value);
    }
    history?.readings(f.readings);
    if (index && (index.kind === 'vn_aqi' || index.kind === 'vn_wqi') && Date.now() - indexLoadedAt > INDEX_REFRESH_MS) {
      indexLoadedAt = Date.now();
      index.load().catch(fail('index'));
    }
  }

  const offReadings = ctx.live.subscribe(`station:${id}`, 'readings', onReadings);
  const offAlerts = ctx.live.subscribe('alerts', 'alerts', (f) => {
    if (f.alerts.some((x) => x.alert.station === id)) loadStationAlerts(alertsBox, id, () => closed).catch(fail('alerts'));
  });
  const offReconnect = ctx.live.onReconnect(() => history?.fillGap().catch(fail('gap fill')));
  load().catch(fail('loading'));

  return () => {
    closed = true;
    offReadings();
    offAlerts();
    offReconnect();
    history?.destroy();
  };
}
