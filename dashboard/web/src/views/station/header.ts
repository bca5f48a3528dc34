/**
 * @module dashboard/web/views/station/header
 * The station page's head (name, id, province, type, state and the type's index) and the
 * latest-values table: value, unit, quality flag, the station's own limits with numbered
 * footnotes naming each limit's source, and the time of the reading in Vietnam time.
 */
import type { StationLive } from '../../../../../domain/live';
import { indexChip, stateBadge, stationIndex } from '../../common';
import { h, replace } from '../../dom';
import { fmtDateTime, fmtNum, loc, t, tk } from '../../i18n';
import { sourceIndex, type StationLimits } from './limits';
import type { LatestJson, Profile, StationJson } from './types';

export function renderHead(el: HTMLElement, station: StationJson, profile: Profile | undefined, live: StationLive | undefined): void {
  const index = live ? stationIndex(live) : undefined;
  replace(
    el,
    h('h1', { data: { testid: 'station-name' } }, station.name),
    h(
      'div',
      { class: 'muted' },
      `${station.id} · ${station.province ?? ''} · ${profile ? loc(profile.name) : station.profile} · `,
      h('a', { href: `/stations/${encodeURIComponent(station.id)}/review`, data: { nav: '', testid: 'review-link' } }, t('reviewLink')),
    ),
    h(
      'div',
      { class: 'head-badges' },
      live ? stateBadge(live.state) : null,
      live && index?.name ? h('span', { class: 'muted' }, index.name) : null,
      live && index?.name ? indexChip(live) : null,
      index?.category ? h('span', {}, index.category) : null,
    ),
  );
}

export interface LatestTable {
  el: HTMLElement;
  /** Shows a newer reading of `metric` (an older one than shown is ignored). */
  show(metric: string, ts: number, value: number | null, quality?: string): void;
}

export function createLatestTable(profile: Profile | undefined, latest: readonly LatestJson[], limits: StationLimits): LatestTable {
  const cells = new Map<string, { value: HTMLElement; quality: HTMLElement; time: HTMLElement }>();
  const shownTs = new Map<string, number>();
  const decimals = (m: string) => profile?.metrics[m]?.decimals ?? 2;
  const sources = sourceIndex(limits.byMetric.values());
  const latestBy = new Map(latest.map((l) => [l.metric, l]));
  const tbody = h('tbody');
  for (const [m, def] of Object.entries(profile?.metrics ?? {})) {
    const l = latestBy.get(m);
    const c = {
      value: h('td', { class: 'num', data: { metric: m } }, fmtNum(l?.value ?? null, decimals(m))),
      quality: h('td', {}, l ? tk('q', l.quality) : '–'),
      time: h('td', { class: 'muted' }, l ? fmtDateTime(l.ts) : '–'),
    };
    cells.set(m, c);
    if (l) shownTs.set(m, Date.parse(l.ts));
    const ls = limits.byMetric.get(m) ?? [];
    const limitCell = h('td', { class: 'limits', data: { limits: m } });
    for (const [i, x] of ls.entries()) limitCell.append(i > 0 ? '; ' : '', x.label, h('sup', { title: x.source }, String(sources.get(x.source))));
    if (ls.length === 0) limitCell.append(limits.missing.get(m) ?? '–');
    tbody.append(h('tr', {}, h('th', {}, loc(def.name)), c.value, h('td', {}, def.unit), c.quality, limitCell, c.time));
  }
  const notes = [...sources].map(([source, n]) => h('li', { value: String(n) }, source));
  const el = h(
    'div',
    {},
    h('h2', {}, t('latest')),
    h(
      'table',
      { class: 'latest', data: { testid: 'latest' } },
      h('thead', {}, h('tr', {}, ...[t('metric'), t('value'), t('unit'), t('quality'), t('limit'), t('time')].map((x) => h('th', {}, x)))),
      tbody,
    ),
    notes.length ? h('div', { class: 'limit-sources muted' }, h('span', {}, `${t('limitSources')}:`), h('ol', { data: { testid: 'limit-sources' } }, ...notes)) : null,
  );
  return {
    el,
    show(metric, ts, value, quality) {
      const c = cells.get(metric);
      if (!c || (shownTs.get(metric) ?? 0) > ts) return;
      shownTs.set(metric, ts);
      c.value.textContent = fmtNum(value, decimals(metric));
      if (quality !== undefined) c.quality.textContent = tk('q', quality);
      c.time.textContent = fmtDateTime(ts);
    },
  };
}
