/**
 * The overview map: Leaflet on a canvas renderer, no tile layer unless configured (the outline of
 * Vietnam, its neighbours and the Hoàng Sa and Trường Sa archipelagos comes with the page), and
 * the stations as circle markers grouped by a pixel grid when they crowd (recomputed on zoom and
 * when the data changes, at most once a second). A station with an open alert is ringed in its
 * worst alert's colour (dashed once acknowledged), and a cluster in its worst member's; an alert
 * chosen elsewhere on the page brings its station into view with its popup open (focus).
 */
import L from 'leaflet';
import vnMap from 'virtual:vn-map';
import type { AlertJson, StationLive } from '../../../domain/live';
import { alertText, inkOn, NO_AQI_COLOUR, severityBadge, stationIndex, STATE_COLOUR } from './common';
import { h } from './dom';
import { fmtDateTime, lang, t, tk } from './i18n';
import { alertRank, SEVERITY_COLOUR } from './triage';

const CELL_PX = 44;
const STATE_RANK = { offline: 3, stale: 2, online: 1 } as const;

export interface StationMap {
  /** The stations, and each one's worst open alert (triage.ts worstAlerts). */
  update(stations: readonly StationLive[], worst?: ReadonlyMap<string, AlertJson>): void;
  /** Flies to a station and opens its popup (with `alert` and its chart link, when given). */
  focus(id: string, alert?: AlertJson): void;
  destroy(): void;
}

export interface StationMapOptions {
  tileUrl: string;
  tileAttribution: string;
  onOpen(id: string): void;
  /** Opens a station's charts around an instant (an alert's). */
  onChart?(id: string, at: string): void;
}

export function createStationMap(el: HTMLElement, options: StationMapOptions): StationMap {
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
    labels.push(
      L.tooltip({ permanent: true, direction: 'center', className: 'map-label', interactive: false })
        .setLatLng([label.lat, label.lon])
        .setContent(h('span', {}, label.text[lang()]))
        .addTo(map),
    );
  }

  const layer = L.layerGroup().addTo(map);
  let stations: readonly StationLive[] = [];
  let worst: ReadonlyMap<string, AlertJson> = new Map();
  let pending: number | undefined;
  let lastDraw = 0;

  /** A ring around a marker in the colour of an alert's severity, dashed once acknowledged. */
  function ring(at: L.LatLngExpression, radius: number, a: AlertJson | undefined): void {
    if (!a || a.severity === 'info') return;
    L.circleMarker(at, {
      radius,
      weight: a.state === 'acknowledged' ? 2 : 4,
      color: SEVERITY_COLOUR[a.severity],
      fill: false,
      interactive: false,
      ...(a.state === 'acknowledged' ? { dashArray: '4 3' } : {}),
    }).addTo(layer);
  }

  /** The state and the station's own index: the value (VN_AQI, VN_WQI) or the flood level, salinity class or compliance with its category. */
  function popupIndex(s: StationLive): HTMLElement {
    const i = stationIndex(s);
    const own = i.kind ? ` · ${i.category}${i.detail ? ` (${i.detail})` : ''}` : '';
    return h('div', { data: { index: i.name, ...(i.kind ? { kind: i.kind, class: i.cls ?? '' } : {}) } }, tk('state', s.state), i.name ? ` · ${i.name} ${i.text}${own}` : '');
  }

  function popupFor(s: StationLive, alert = worst.get(s.id)): HTMLElement {
    return h(
      'div',
      { class: 'popup', data: { station: s.id } },
      h('strong', {}, s.name),
      h('div', { class: 'muted' }, `${s.id}${s.province ? ' · ' + s.province : ''}`),
      popupIndex(s),
      h('div', { class: 'muted' }, `${t('lastReading')}: ${fmtDateTime(s.lastReadingAt)}`),
      alert ? h('div', { class: `popup-alert ast-${alert.state}` }, severityBadge(alert.severity), ' ', alertText(alert)) : null,
      h(
        'div',
        { class: 'popup-actions' },
        h('button', { type: 'button', on: { click: () => options.onOpen(s.id) } }, t('openStation')),
        alert && options.onChart
          ? h(
              'button',
              { type: 'button', class: 'secondary', data: { testid: 'popup-chart' }, on: { click: () => options.onChart!(s.id, alert.firingAt ?? alert.openedAt) } },
              t('openChart'),
            )
          : null,
      ),
    );
  }

  function draw(): void {
    pending = undefined;
    lastDraw = performance.now();
    const alerts = worst;
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
        ring([s.lat, s.lon], 12, alerts.get(s.id));
        L.circleMarker([s.lat, s.lon], {
          radius: 7,
          weight: 3,
          color: STATE_COLOUR[s.state],
          fillColor: s.state === 'offline' ? '#8a8f94' : stationIndex(s).colour,
          fillOpacity: 0.95,
        })
          .bindTooltip(h('span', {}, s.name), { direction: 'top', offset: [0, -6] })
          .bindPopup(() => popupFor(s))
          .addTo(layer);
        continue;
      }
      // a cluster: positioned at the members' centroid, coloured by its worst state and worst index category, ringed by its worst alert
      let lat = 0;
      let lon = 0;
      let worstState = members[0]!;
      let worstIndex: ReturnType<typeof stationIndex> | undefined;
      let worstAlert: AlertJson | undefined;
      for (const m of members) {
        lat += m.lat;
        lon += m.lon;
        const a = alerts.get(m.id);
        if (a && (!worstAlert || alertRank(a) > alertRank(worstAlert))) worstAlert = a;
        if (STATE_RANK[m.state] > STATE_RANK[worstState.state]) worstState = m;
        const i = stationIndex(m);
        if (i.level > 0 && (!worstIndex || i.level > worstIndex.level || (i.level === worstIndex.level && (i.value ?? -1) > (worstIndex.value ?? -1)))) worstIndex = i;
      }
      const fill = worstIndex?.colour ?? NO_AQI_COLOUR;
      const centre: L.LatLngTuple = [lat / members.length, lon / members.length];
      const radius = Math.min(22, 10 + Math.log2(members.length) * 2.5);
      ring(centre, radius + 5, worstAlert);
      L.circleMarker(centre, { radius, weight: 3, color: STATE_COLOUR[worstState.state], fillColor: fill, fillOpacity: 0.9 })
        .bindTooltip(h('span', { class: 'cluster-count', style: { color: inkOn(fill) } }, String(members.length)), {
          permanent: true,
          direction: 'center',
          className: 'cluster-label',
        })
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
    update(next, alerts) {
      stations = next;
      if (alerts) worst = alerts;
      if (lastDraw === 0) draw();
      else schedule();
    },
    focus(id, alert) {
      const s = stations.find((x) => x.id === id);
      if (!s) return;
      const at: L.LatLngTuple = [s.lat, s.lon];
      map.once('moveend', () =>
        L.popup({ offset: [0, -6] })
          .setLatLng(at)
          .setContent(popupFor(s, alert ?? worst.get(id)))
          .openOn(map),
      );
      map.flyTo(at, Math.max(map.getZoom(), 10), { duration: 0.6 });
    },
    destroy() {
      if (pending !== undefined) window.clearTimeout(pending);
      for (const l of labels) l.remove();
      map.remove();
    },
  };
}
