/**
 * @module dashboard/web/build/vn-map
 * Build-time extraction of the overview map's outline (runs in Vite's Node process, never in the
 * page): Vietnam (Natural Earth feature 704) and its neighbours from world-atlas' 50 m TopoJSON,
 * clipped to the region, rounded to 0.01° (about 1 km), plus the Hoàng Sa (Paracel) and Trường Sa
 * (Spratly) archipelagos drawn and labelled as Vietnamese territory. The public datasets omit
 * these islands or attach them elsewhere; any neighbour polygon lying wholly inside either
 * archipelago's area is dropped, and the islands are added to Vietnam's own geometry.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { feature } from 'topojson-client';
import type { Topology, GeometryCollection } from 'topojson-specification';
import type { Plugin } from 'vite';

type Ring = Array<[number, number]>;
type Polygon = Ring[];

export interface MapFeature {
  type: 'Feature';
  properties: { id: string; name: string; role: 'vietnam' | 'neighbour' | 'archipelago-area' };
  geometry: { type: 'MultiPolygon'; coordinates: Polygon[] };
}

export interface MapLabel {
  lat: number;
  lon: number;
  text: { vi: string; en: string };
}

export interface VnMapData {
  features: MapFeature[];
  labels: MapLabel[];
  /** [[south, west], [north, east]] that fits the mainland and both archipelagos. */
  bounds: [[number, number], [number, number]];
}

const VIETNAM = '704';
/** China, Laos, Cambodia, Thailand, Myanmar, Malaysia, Philippines, Brunei, Indonesia, Taiwan. */
const NEIGHBOURS = ['156', '418', '116', '764', '104', '458', '608', '096', '360', '158'];
/** west, south, east, north of what is drawn. */
const CLIP: [number, number, number, number] = [96, 3, 122, 26];

/** Where the archipelagos lie (neighbours' polygons wholly inside are dropped). */
const ARCHIPELAGO_AREAS: Array<[number, number, number, number]> = [
  [110.9, 15.6, 113.0, 17.2], // Hoàng Sa
  [111.5, 7.0, 116.2, 11.7], // Trường Sa
];

/** Named features (approximate positions, WGS84) drawn as small islands of Vietnam. */
const ISLANDS: Array<[number, number]> = [
  // Hoàng Sa: Phú Lâm, Hoàng Sa, Tri Tôn, Linh Côn, Quang Ảnh, Cây, Hữu Nhật, Duy Mộng
  [112.34, 16.83],
  [111.61, 16.53],
  [111.2, 15.78],
  [112.73, 16.67],
  [111.51, 16.45],
  [112.26, 16.98],
  [111.77, 16.3],
  [111.68, 16.46],
  // Trường Sa: Trường Sa Lớn, Song Tử Tây, Sinh Tồn, Nam Yết, Sơn Ca, Ba Bình, An Bang, Thị Tứ, Phan Vinh, Sơn Ca, Đá Tây
  [111.92, 8.64],
  [114.33, 11.43],
  [114.33, 9.88],
  [114.36, 10.18],
  [114.48, 10.38],
  [114.36, 10.38],
  [112.91, 7.89],
  [114.28, 11.05],
  [113.69, 8.97],
  [112.23, 8.85],
  [112.97, 8.85],
];

const LABELS: MapLabel[] = [
  { lat: 16.6, lon: 112.0, text: { vi: 'Quần đảo Hoàng Sa (Việt Nam)', en: 'Hoàng Sa (Paracel) Islands (Viet Nam)' } },
  { lat: 9.6, lon: 113.6, text: { vi: 'Quần đảo Trường Sa (Việt Nam)', en: 'Trường Sa (Spratly) Islands (Viet Nam)' } },
  { lat: 13.5, lon: 112.6, text: { vi: 'Biển Đông', en: 'Biển Đông (East Sea)' } },
];

const round = (v: number) => Math.round(v * 100) / 100;

/** Sutherland–Hodgman: clips a closed ring to an axis-aligned box. */
export function clipRing(ring: Ring, [w, s, e, n]: [number, number, number, number]): Ring {
  const edges: Array<[(p: [number, number]) => boolean, (a: [number, number], b: [number, number]) => [number, number]]> = [
    [(p) => p[0] >= w, (a, b) => [w, a[1] + ((b[1] - a[1]) * (w - a[0])) / (b[0] - a[0])]],
    [(p) => p[0] <= e, (a, b) => [e, a[1] + ((b[1] - a[1]) * (e - a[0])) / (b[0] - a[0])]],
    [(p) => p[1] >= s, (a, b) => [a[0] + ((b[0] - a[0]) * (s - a[1])) / (b[1] - a[1]), s]],
    [(p) => p[1] <= n, (a, b) => [a[0] + ((b[0] - a[0]) * (n - a[1])) / (b[1] - a[1]), n]],
  ];
  let out = ring;
  for (const [inside, cross] of edges) {
    const input = out;
    out = [];
    if (input.length === 0) break;
    let prev = input[input.length - 1]!;
    for (const cur of input) {
      if (inside(cur)) {
        if (!inside(prev)) out.push(cross(prev, cur));
        out.push(cur);
      } else if (inside(prev)) {
        out.push(cross(prev, cur));
      }
      prev = cur;
    }
  }
  return out;
}

/** Rounds, removes repeated points and closes the ring; undefined when too little is left. */
function tidy(ring: Ring): Ring | undefined {
  const out: Ring = [];
  for (const [x, y] of ring) {
    const p: [number, number] = [round(x), round(y)];
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p);
  }
  if (out.length > 1 && out[0]![0] === out[out.length - 1]![0] && out[0]![1] === out[out.length - 1]![1]) out.pop();
  if (out.length < 3) return undefined;
  out.push([out[0]![0], out[0]![1]]);
  return out;
}

const inBox = ([x, y]: [number, number], [w, s, e, n]: [number, number, number, number]) => x >= w && x <= e && y >= s && y <= n;

function polygonsOf(geometry: { type: string; coordinates: unknown }): Polygon[] {
  if (geometry.type === 'Polygon') return [geometry.coordinates as Polygon];
  if (geometry.type === 'MultiPolygon') return geometry.coordinates as Polygon[];
  return [];
}

function island([lon, lat]: [number, number]): Polygon {
  const r = 0.06;
  return [
    [
      [lon - r, lat - r],
      [lon + r, lat - r],
      [lon + r, lat + r],
      [lon - r, lat + r],
      [lon - r, lat - r],
    ].map(([x, y]) => [round(x!), round(y!)] as [number, number]),
  ];
}

/** Extracts the map data from world-atlas' countries-50m.json. */
export function extractVietnamMap(topologyPath?: string): VnMapData {
  const path = topologyPath ?? createRequire(import.meta.url).resolve('world-atlas/countries-50m.json');
  const topology = JSON.parse(readFileSync(path, 'utf8')) as Topology<{ countries: GeometryCollection<{ name: string }> }>;
  const collection = feature(topology, topology.objects.countries);
  const features: MapFeature[] = [];
  for (const id of [VIETNAM, ...NEIGHBOURS]) {
    const f = collection.features.find((x) => String(x.id) === id);
    if (!f || !f.geometry) throw new Error(`world-atlas: country ${id} not found`);
    const polygons: Polygon[] = [];
    for (const poly of polygonsOf(f.geometry as { type: string; coordinates: unknown })) {
      const outer = poly[0] as Ring;
      if (id !== VIETNAM && ARCHIPELAGO_AREAS.some((box) => outer.every((p) => inBox(p, box)))) continue;
      const clippedOuter = tidy(clipRing(outer, CLIP));
      if (!clippedOuter) continue;
      const holes = poly
        .slice(1)
        .map((r) => tidy(clipRing(r as Ring, CLIP)))
        .filter((r): r is Ring => r !== undefined);
      polygons.push([clippedOuter, ...holes]);
    }
    if (id === VIETNAM) polygons.push(...ISLANDS.map(island));
    if (polygons.length === 0) continue;
    features.push({
      type: 'Feature',
      properties: { id, name: f.properties?.name ?? id, role: id === VIETNAM ? 'vietnam' : 'neighbour' },
      geometry: { type: 'MultiPolygon', coordinates: polygons },
    });
  }
  for (const [w, s, e, n] of ARCHIPELAGO_AREAS) {
    features.push({
      type: 'Feature',
      properties: { id: `area-${w}`, name: 'archipelago', role: 'archipelago-area' },
      geometry: {
        type: 'MultiPolygon',
        coordinates: [
          [
            [
              [w, s],
              [e, s],
              [e, n],
              [w, n],
              [w, s],
            ],
          ],
        ],
      },
    });
  }
  return {
    features,
    labels: LABELS,
    bounds: [
      [7.0, 101.5],
      [23.6, 117.5],
    ],
  };
}

/** Vite plugin: `import map from 'virtual:vn-map'` gives the extracted VnMapData (a few tens of kB). */
export function vnMapPlugin(): Plugin {
  const id = 'virtual:vn-map';
  const resolved = '\0' + id;
  return {
    name: 'quantrac-vn-map',
    resolveId: (source) => (source === id ? resolved : undefined),
    load: (source) => (source === resolved ? `export default ${JSON.stringify(extractVietnamMap())};` : undefined),
  };
}
