/**
 * The overview map: Leaflet on a canvas renderer, no tile layer unless configured (the outline of
 * Vietnam, its neighbours and the Hoàng Sa and Trường Sa archipelagos comes with the page), and
 * the stations as circle markers grouped by a pixel grid when they crowd (recomputed on zoom and
 * when the data changes, at most once a second).
 */
import L from 'leaflet';
import vnMap from 'virtual:vn-map';
import type { StationLive } from '../../../domain/live';
import { aqiColour, inkOn, stationIndex, STATE_COLOUR } from './common';
import { h } from './dom';
import { fmtDateTime, lang, t, tk } from './i18n';

const CELL_PX = 44;
const STATE_RANK = { offline: 3, stale: 2, online: 1 } as const;

export interface StationMap {
  update(stations: readonly StationLive[]): void;
  destroy(): void;
}

export function createStationMap(el: HTMLElement, options: { tileUrl: string; tileAttribution: string; onOpen(id: string): void }): StationMap {
  const renderer = L.canvas({ padding: 0.2 });
  const map = L.map(el, { renderer, preferCanvas: true, zoomSnap: 0.25, minZoom: 4, maxZoom: 14, attributionControl: Boolean(options.tileUrl), worldCopyJump: false });
  if (options.tileUrl) L.tileLayer(options.tileUrl, { attribution: options.tileAttribution, maxZoom: 18 }).addTo(map);
  map.fitBounds(vnMap.bounds, { padding: [8, 8] });

  L.geoJSON(vnMap.features as never, {
    interactive: false,
    style: (f) => {
      const role = (f?.properties as { role: string } | undefined)?.role;
      if (role === 'vietnam') return { color: '#5b7f5a', weight: 1, fillColor: '#f4f1de', fillOpacity: 1 };
      if (role === 'archipelago-area') return { color: '#5b7f5a', weight: 1, dashArray: '4 4', fill: false };
      return { color: '#b0b7bd', weight: 0.8, fillColor: '#e6e8ea', fillOpacity: 1 };
    },
  }).addTo(map);
  const labels: L.Tooltip[] = [];
  for (const label of vnMap.labels) {
    labels.push(L.tooltip({ permanent: true, direction: 'center', className: 'map-label', interactive: false }).setLatLng([label.lat, label.lon]).setContent(h('span', {}, label.text[lang()])).addTo(map));
  }

  const layer = L.layerGroup().addTo(map);
  let stations: readonly StationLive[] = [];
  let pending: number | undefined;
  let lastDraw = 0;

  function popupFor(s: StationLive): HTMLElement {
    return h(
      'div',
      { class: 'popup' },
      h('strong', {}, s.name),
      h('div', { class: 'muted' }, `${s.id}${s.province ? ' · ' + s.province : ''}`),
      h('div', { data: { index: stationIndex(s).name } }, tk('state', s.state), stationIndex(s).name ? ` · ${stationIndex(s).name} ${stationIndex(s).value ?? '–'}` : ''),
      h('div', { class: 'muted' }, `${t('lastReading')}: ${fmtDateTime(s.lastReadingAt)}`),
      h('button', { type: 'button', on: { click: () => options.onOpen(s.id) } }, t('openStation')),
    );
  }

  function draw(): void {
    pending = undefined;
    lastDraw = performance.now();
    layer.clearLayers();
    const zoom = map.getZoom();
    const cells = new Map<string, StationLive[]>();
    for (const s of stations) {
      const p = map.project([s.lat, s.lon], zoom);
      const key = `${Math.floor(p.x / CELL_PX)}:${Math.floor(p.y / CELL_PX)}`;
      const list = cells.get(key);
      if (list) list.push(s);
      else cells.set(key, [s]);
    }
    for (const members of cells.values()) {
      if (members.length === 1) {
        const s = members[0]!;
        L.circleMarker([s.lat, s.lon], { radius: 7, weight: 3, color: STATE_COLOUR[s.state], fillColor: s.state === 'offline' ? '#8a8f94' : stationIndex(s).colour, fillOpacity: 0.95 })
          .bindTooltip(h('span', {}, s.name), { direction: 'top', offset: [0, -6] })
          .bindPopup(() => popupFor(s))
          .addTo(layer);
        continue;
      }
      // a cluster: positioned at the members' centroid, coloured by its worst state and worst AQI
      let lat = 0;
      let lon = 0;
      let worst = members[0]!;
      let worstAqi: StationLive | undefined;
      for (const m of members) {
        lat += m.lat;
        lon += m.lon;
        if (STATE_RANK[m.state] > STATE_RANK[worst.state]) worst = m;
        if (m.aqi !== null && (!worstAqi || m.aqi > (worstAqi.aqi ?? -1))) worstAqi = m;
      }
      const fill = aqiColour(worstAqi?.aqiCategory ?? null);
      const centre: L.LatLngTuple = [lat / members.length, lon / members.length];
      L.circleMarker(centre, { radius: Math.min(22, 10 + Math.log2(members.length) * 2.5), weight: 3, color: STATE_COLOUR[worst.state], fillColor: fill, fillOpacity: 0.9 })
        .bindTooltip(h('span', { class: 'cluster-count', style: { color: inkOn(fill) } }, String(members.length)), { permanent: true, direction: 'center', className: 'cluster-label' })
        .on('click', () => map.setView(centre, Math.min(map.getZoom() + 2, 14)))
        .addTo(layer);
    }
  }

  function schedule(): void {
    if (pending !== undefined) return;
    pending = window.setTimeout(draw, Math.max(0, 1000 - (performance.now() - lastDraw)));
  }
  map.on('zoomend', () => {
    if (pending !== undefined) window.clearTimeout(pending);
    draw();
  });

  return {
    update(next) {
      stations = next;
      if (lastDraw === 0) draw();
      else schedule();
    },
    destroy() {
      if (pending !== undefined) window.clearTimeout(pending);
      for (const l of labels) l.remove();
      map.remove();
    },
  };
}
