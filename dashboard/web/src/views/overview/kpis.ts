/**
 * @module dashboard/web/views/overview/kpis
 * The overview's KPI tiles (stations reporting, connected, silent or offline; firing alerts by
 * severity; today's completeness; the reading rate) and the map legend. Servers that report
 * connected/reporting and readings per minute are shown so; older ones (online, per second) too.
 */
import { VN_AQI_CATEGORIES } from '../../../../../domain/indices/categories';
import type { Kpi } from '../../../../../domain/live';
import { severityBadge } from '../../common';
import { h, replace } from '../../dom';
import { fmtNum, fmtPercent, lang, t } from '../../i18n';

/** The KPI answer of any server version. */
type AnyKpi = Omit<Kpi, 'stations'> & { stations: Record<string, number | undefined>; readingsPerMinute?: number; readingsPerSecond?: number };

export function renderKpis(box: HTMLElement, kpi: Kpi): void {
  const k = kpi as unknown as AnyKpi;
  const n = (key: string) => k.stations[key] ?? 0;
  const tile = (label: string, value: string, extra?: HTMLElement | string, cls = '') =>
    h('div', { class: `kpi ${cls}` }, h('div', { class: 'kpi-label' }, label), h('div', { class: 'kpi-value' }, value), extra ? h('div', { class: 'kpi-extra' }, extra) : null);
  const reporting = k.stations.reporting ?? n('online');
  const connected = k.stations.connected;
  // only offline means disconnected; stale stations are connected but silent
  const off = n('offline');
  const perMinute = k.readingsPerMinute ?? (k.readingsPerSecond ?? 0) * 60;
  const sevCount = (sev: 'critical' | 'warning' | 'info', count: number) => h('span', { class: `sev-count sev-${sev}` }, h('b', {}, fmtNum(count, 0)), ' ', severityBadge(sev));
  replace(
    box,
    tile(t('stationsOnline'), `${fmtNum(reporting, 0)} / ${fmtNum(n('total'), 0)}`, connected !== undefined ? `${fmtNum(connected, 0)} ${t('connectedNote')}` : undefined, 'ok'),
    tile(t('stationsOffline'), fmtNum(off, 0), n('stale') ? `${fmtNum(n('stale'), 0)} ${t('staleNote')}` : undefined, off > 0 ? 'bad' : ''),
    h(
      'div',
      { class: `kpi ${k.firing.critical > 0 ? 'bad' : ''}`, data: { testid: 'kpi-firing' } },
      h('div', { class: 'kpi-label' }, t('firingAlerts')),
      h('div', { class: 'kpi-sev' }, sevCount('critical', k.firing.critical), sevCount('warning', k.firing.warning), sevCount('info', k.firing.info)),
    ),
    tile(t('completeness'), fmtPercent(k.completenessToday)),
    tile(t('readingsPerMinute'), fmtNum(perMinute, 0)),
  );
}

export function legend(): HTMLElement {
  const dot = (cls: string, label: string) => h('span', { class: 'legend-item' }, h('span', { class: `dot ${cls}` }), label);
  const ring = (sev: 'critical' | 'warning', label: string) => h('span', { class: 'legend-item' }, h('span', { class: `ring ring-${sev}` }), label);
  return h(
    'div',
    { class: 'legend' },
    h('strong', {}, t('legend'), ': '),
    dot('state-online', t('state_online')),
    dot('state-stale', t('state_stale')),
    dot('state-offline', t('state_offline')),
    ring('critical', t('sev_critical')),
    ring('warning', t('sev_warning')),
    h('span', { class: 'muted' }, ` · ${t('aqi')}: `),
    ...VN_AQI_CATEGORIES.map((c) =>
      h(
        'span',
        { class: 'legend-item', title: lang() === 'vi' ? c.nameVi : c.nameEn },
        h('span', { class: 'swatch', style: { background: c.colorHex } }),
        c.level === 6 ? `>${c.min - 1}` : `${c.min}–${c.max}`,
      ),
    ),
  );
}
