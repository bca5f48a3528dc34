/**
 * @module dashboard/web/views/overview/list
 * The overview's searchable station list, in triage order (triage.ts byAttention: a firing
 * critical alert first, then a firing warning, the index category, staleness, the name); a
 * station with an open alert carries its worst alert's mark.
 */
import type { AlertJson, StationLive } from '../../../../../domain/live';
import { alertText, indexChip, severityBadge, stateBadge } from '../../common';
import { fold, h } from '../../dom';
import { t, tk } from '../../i18n';
import { sortByAttention, worstAlerts } from '../../triage';

export interface StationList {
  el: HTMLElement;
  upsert(changed: readonly StationLive[]): void;
  /** The open alerts changed: marks and order follow. */
  alerts(open: readonly AlertJson[]): void;
  clear(): void;
  stations(): StationLive[];
  worst(): ReadonlyMap<string, AlertJson>;
}

export function createStationList(): StationList {
  const stations = new Map<string, StationLive>();
  const rows = new Map<string, HTMLElement>();
  let open: readonly AlertJson[] = [];
  let worst: ReadonlyMap<string, AlertJson> = new Map();
  let order: string[] = [];

  const search = h('input', { type: 'search', placeholder: t('searchStations'), aria: { label: t('searchStations') }, data: { testid: 'station-search' } });
  const count = h('span', { class: 'muted' });
  const list = h('ul', { class: 'station-list', data: { testid: 'station-list' } });
  const el = h(
    'section',
    { class: 'panel stations-panel' },
    h('h2', {}, t('stations'), ' ', count, h('span', { class: 'muted small sort-note' }, ` · ${t('sortedWorstFirst')}`)),
    search,
    list,
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

  function row(s: StationLive): HTMLElement {
    const a = worst.get(s.id);
    return h(
      'li',
      { data: { id: s.id, state: s.state, ...(a ? { alert: `${a.severity}-${a.state}` } : {}) } },
      h(
        'a',
        { href: `/stations/${encodeURIComponent(s.id)}`, data: { nav: '' } },
        h('span', { class: 'name' }, s.name),
        h('span', { class: 'muted id' }, s.id, s.province ? ` · ${s.province}` : ''),
      ),
      a ? h('span', { class: `row-alert ast-${a.state}`, title: `${tk('st', a.state)}: ${alertText(a)}` }, severityBadge(a.severity)) : null,
      indexChip(s),
      stateBadge(s.state),
    );
  }

  function set(s: StationLive): void {
    const next = row(s);
    const old = rows.get(s.id);
    if (old) {
      next.hidden = old.hidden;
      old.replaceWith(next);
    }
    rows.set(s.id, next);
  }

  function sort(): void {
    const sorted = sortByAttention(stations.values(), open).map((s) => s.id);
    if (sorted.length === order.length && sorted.every((id, i) => id === order[i])) return;
    order = sorted;
    list.replaceChildren(...sorted.map((id) => rows.get(id)!));
  }

  return {
    el,
    upsert(changed) {
      for (const s of changed) {
        stations.set(s.id, s);
        set(s);
      }
      sort();
      applyFilter();
    },
    alerts(next) {
      const before = worst;
      open = next;
      worst = worstAlerts(next);
      for (const [id, s] of stations) {
        const a = before.get(id);
        const b = worst.get(id);
        if (a?.id !== b?.id || a?.state !== b?.state || a?.severity !== b?.severity) set(s);
      }
      sort(); // replaced rows kept their places; only a changed order moves them
    },
    clear() {
      stations.clear();
      rows.clear();
      order = [];
      list.replaceChildren();
    },
    stations: () => [...stations.values()],
    worst: () => worst,
  };
}
