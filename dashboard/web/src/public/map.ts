/**
 * The public page's map: the same offline outline as the operations center (virtual:vn-map:
 * Vietnam and its neighbours from Natural Earth, with the Hoàng Sa and Trường Sa archipelagos
 * drawn and labelled as Vietnamese territory), drawn as one static SVG — no map library and no
 * tiles, so it costs a phone a few kilobytes and works offline. Stations are dots coloured by
 * their current index category; a dot opens the station.
 */
import vnMap from 'virtual:vn-map';
import { svg } from './svg';

export interface MapStation {
  id: string;
  name: string;
  lat: number;
  lon: number;
  color: string;
  /** drawn last (on top) when higher */
  rank: number;
}

/** Equirectangular, scaled by cos(15°) so that shapes near Vietnam's mid-latitude keep their proportions; 10 units per degree. */
const [[SOUTH, WEST], [NORTH, EAST]] = vnMap.bounds;
const K = 10;
const COS = Math.cos((15 * Math.PI) / 180);
const x = (lon: number) => Math.round((lon - WEST) * K * COS * 10) / 10;
const y = (lat: number) => Math.round((NORTH - lat) * K * 10) / 10;
const WIDTH = x(EAST);
const HEIGHT = y(SOUTH);

function pathOf(polygons: number[][][][]): string {
  let d = '';
  for (const poly of polygons) {
    for (const ring of poly) {
      ring.forEach(([lon, lat], i) => {
        d += `${i === 0 ? 'M' : 'L'}${x(lon!)} ${y(lat!)}`;
      });
      d += 'Z';
    }
  }
  return d;
}

let base: SVGGElement | undefined;
/** The outline and labels, built once per page (language-dependent labels are redrawn). */
function outline(lang: 'vi' | 'en'): SVGGElement {
  base ??= svg('g', {}, ...vnMap.features.map((f) => svg('path', { d: pathOf(f.geometry.coordinates), class: `map-${f.properties.role}` })));
  const g = svg('g', {}, base.cloneNode(true) as SVGGElement);
  for (const label of vnMap.labels) {
    g.appendChild(svg('text', { x: x(label.lon), y: y(label.lat), class: 'map-label', 'text-anchor': 'middle' }, label.text[lang]));
  }
  return g;
}

export function stationMap(stations: readonly MapStation[], lang: 'vi' | 'en', title: string, onOpen: (id: string) => void): SVGSVGElement {
  const root = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': title, class: 'vn-map' }, svg('title', {}, title), outline(lang));
  const dots = svg('g', { class: 'map-stations' });
  for (const s of [...stations].sort((a, b) => a.rank - b.rank)) {
    const dot = svg('circle', { cx: x(s.lon), cy: y(s.lat), r: 2.2, fill: s.color, class: 'map-dot', tabindex: 0, 'data-station': s.id }, svg('title', {}, s.name));
    dot.addEventListener('click', () => onOpen(s.id));
    dot.addEventListener('keydown', (ev) => {
      if ((ev as KeyboardEvent).key === 'Enter') onOpen(s.id);
    });
    dots.appendChild(dot);
  }
  root.appendChild(dots);
  return root;
}
