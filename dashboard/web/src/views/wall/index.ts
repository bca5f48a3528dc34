/**
 * @module dashboard/web/views/wall
 * The control room's wall screen (/wall): dark, large type, no navigation; the alert banner, a
 * few KPIs and a grid of station tiles (index, state, worst alert) for one province at a time,
 * rotating every `?rotate=` seconds (30 by default, 0 to stay; `?province=` starts at one). It
 * stays signed in: the session is renewed periodically (session.ts), and with a wall token the
 * page signs in again by itself if the session is ever lost.
 */
import type { OverviewFrame, OverviewSnapshot, StationLive } from '../../../../../domain/live';
import { api } from '../../api';
import { h, replace } from '../../dom';
import { fmtNum, fmtTime, t } from '../../i18n';
import type { Unmount, ViewContext } from '../../main';
import { keepAlive } from '../../session';
import { byAttention, worstAlerts } from '../../triage';
import { stationTile } from './tiles';

export interface WallOptions {
  banner: HTMLElement;
  expiresAt: string | undefined;
  token: string | undefined;
  onLost(): void;
}

/** A full reload of the stations every 5 minutes (the live frames carry only changes). */
const REFRESH_MS = 5 * 60_000;

export function mountWall(main: HTMLElement, ctx: ViewContext, options: WallOptions): Unmount {
  const params = new URLSearchParams(location.search);
  const rotateS = Number(params.get('rotate') ?? 30);
  const rotateMs = Number.isFinite(rotateS) && rotateS > 0 ? Math.max(5, rotateS) * 1000 : 0;
  const stations = new Map<string, StationLive>();
  let group = params.get('province') ?? undefined;
  let closed = false;
  let pending: number | undefined;
  const other = t('otherProvince');

  const title = h('h1', { class: 'wall-group', data: { testid: 'wall-group' } });
  const dots = h('span', { class: 'wall-dots' });
  const clock = h('span', { class: 'wall-clock' });
  const status = h('span', { class: 'live-status' });
  const kpis = h('div', { class: 'wall-kpis', data: { testid: 'wall-kpis' } });
  const grid = h('section', { class: 'wall-grid', data: { testid: 'wall-grid' } });
  replace(
    main,
    h('header', { class: 'wall-head' }, h('span', { class: 'logo', aria: { hidden: 'true' } }, 'Q'), title, dots, h('span', { class: 'spacer' }), status, clock),
    options.banner,
    kpis,
    grid,
  );

  const groups = () => [...new Set([...stations.values()].map((s) => s.province ?? other))].sort((a, b) => a.localeCompare(b, 'vi'));

  function draw(): void {
    pending = undefined;
    if (closed) return;
    const all = groups();
    if (!group || !all.includes(group)) group = all[0];
    const open = ctx.alerts.open();
    const worst = worstAlerts(open);
    const members = [...stations.values()].filter((s) => (s.province ?? other) === group).sort(byAttention(open));
    main.dataset.group = group ?? '';
    title.textContent = group ?? t('noStations');
    replace(dots, ...all.map((g) => h('span', { class: g === group ? 'on' : '', title: g }, '●')));
    const firing = open.filter((a) => a.state === 'firing');
    const reporting = [...stations.values()].filter((s) => s.state === 'online').length;
    replace(
      kpis,
      h('span', {}, h('b', {}, `${fmtNum(reporting, 0)}/${fmtNum(stations.size, 0)}`), ` ${t('stationsOnline').toLowerCase()}`),
      h('span', { class: 'sev-critical' }, h('b', {}, fmtNum(firing.filter((a) => a.severity === 'critical').length, 0)), ` ${t('sev_critical').toLowerCase()}`),
      h('span', { class: 'sev-warning' }, h('b', {}, fmtNum(firing.filter((a) => a.severity === 'warning').length, 0)), ` ${t('sev_warning').toLowerCase()}`),
      h('span', { class: 'muted' }, `${all.indexOf(group ?? '') + 1}/${all.length} ${t('provinceShort')}`),
    );
    replace(grid, ...members.map((s) => stationTile(s, worst.get(s.id))));
    if (members.length === 0) replace(grid, h('p', { class: 'muted' }, t('noStations')));
  }
  const schedule = () => {
    pending ??= window.setTimeout(draw, 300);
  };

  async function load(): Promise<void> {
    const snapshot = await api<OverviewSnapshot>('GET', '/api/v1/overview');
    if (closed) return;
    stations.clear();
    for (const s of snapshot.stations) if (s.enabled !== false) stations.set(s.id, s);
    draw();
  }
  const reload = () => load().catch((err: unknown) => console.warn('wall: loading failed', err));

  const offOverview = ctx.live.subscribe('overview', 'overview', (f: OverviewFrame) => {
    for (const s of f.stations) stations.set(s.id, s);
    if (f.stations.length) schedule();
  });
  const offAlerts = ctx.alerts.onChange(schedule);
  const offReconnect = ctx.live.onReconnect(reload);
  const offStatus = ctx.live.onStatus((connected) => {
    status.textContent = connected ? '' : t('reconnecting');
    status.classList.toggle('down', !connected);
  });
  const tickClock = () => (clock.textContent = fmtTime(Date.now()));
  tickClock();
  const clockTimer = window.setInterval(tickClock, 10_000);
  const refreshTimer = window.setInterval(reload, REFRESH_MS);
  const rotateTimer = rotateMs
    ? window.setInterval(() => {
        const all = groups();
        if (all.length < 2) return;
        group = all[(all.indexOf(group ?? '') + 1) % all.length];
        draw();
      }, rotateMs)
    : undefined;
  const stopRenewing = keepAlive({ expiresAt: options.expiresAt, token: options.token, onLost: options.onLost });
  void reload();

  return () => {
    closed = true;
    offOverview();
    offAlerts();
    offReconnect();
    offStatus();
    stopRenewing();
    window.clearInterval(clockTimer);
    window.clearInterval(refreshTimer);
    if (rotateTimer !== undefined) window.clearInterval(rotateTimer);
    if (pending !== undefined) window.clearTimeout(pending);
  };
}
