/**
 * @module api/sta/odata/geometry
 * Planar geometry on WGS 84 lon/lat degrees for the spatial functions of the SensorThings
 * Filtering Extension (geo.intersects, geo.distance, geo.length, st_within, st_contains,
 * st_intersects, st_disjoint, st_equals). No PostGIS here: point-in-polygon by ray casting
 * (holes honoured, boundary counts as inside), segment crossing by orientation tests. Distances
 * and lengths are in degrees, as in FROST-Server on a geometry column (the CRS unit).
 */
import type { Geometry } from './ast.js';

type Pos = [number, number];
const EPS = 1e-12;

/** The polygons of a geometry (rings: outer first, then holes). */
function polygons(g: Geometry): Pos[][][] {
  return g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
}

function vertices(g: Geometry): Pos[] {
  switch (g.type) {
    case 'Point':
      return [g.coordinates];
    case 'LineString':
      return g.coordinates;
    case 'Polygon':
      return g.coordinates.flat();
    case 'MultiPolygon':
      return g.coordinates.flat(2);
  }
}

function segments(g: Geometry): Array<[Pos, Pos]> {
  const lines = g.type === 'LineString' ? [g.coordinates] : polygons(g).flat();
  return lines.flatMap((l) => l.slice(1).map((p, i): [Pos, Pos] => [l[i]!, p]));
}

const cross = (o: Pos, a: Pos, b: Pos) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);

function onSegment(p: Pos, a: Pos, b: Pos): boolean {
  return (
    Math.abs(cross(a, b, p)) <= EPS &&
    p[0] >= Math.min(a[0], b[0]) - EPS &&
    p[0] <= Math.max(a[0], b[0]) + EPS &&
    p[1] >= Math.min(a[1], b[1]) - EPS &&
    p[1] <= Math.max(a[1], b[1]) + EPS
  );
}

function segmentsCross(a: Pos, b: Pos, c: Pos, d: Pos): boolean {
  const d1 = cross(c, d, a);
  const d2 = cross(c, d, b);
  const d3 = cross(a, b, c);
  const d4 = cross(a, b, d);
  if (((d1 > EPS && d2 < -EPS) || (d1 < -EPS && d2 > EPS)) && ((d3 > EPS && d4 < -EPS) || (d3 < -EPS && d4 > EPS))) return true;
  return onSegment(a, c, d) || onSegment(b, c, d) || onSegment(c, a, b) || onSegment(d, a, b);
}

/** Ray casting over one ring; points on the ring count as inside. */
function inRing(p: Pos, ring: readonly Pos[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i]!;
    const b = ring[j]!;
    if (onSegment(p, a, b)) return true;
    if (a[1] > p[1] !== b[1] > p[1] && p[0] < ((b[0] - a[0]) * (p[1] - a[1])) / (b[1] - a[1]) + a[0]) inside = !inside;
  }
  return inside;
}

/** Whether a point lies in (or on the boundary of) a polygon, outside its holes. */
function inPolygon(p: Pos, rings: readonly Pos[][]): boolean {
  const [outer, ...holes] = rings;
  if (!outer || !inRing(p, outer)) return false;
  return holes.every((h) => !inRing(p, h) || h.some((a, i) => i > 0 && onSegment(p, h[i - 1]!, a)));
}

/** Whether a point lies on or in a geometry. */
export function covers(g: Geometry, p: Pos): boolean {
  switch (g.type) {
    case 'Point':
      return Math.abs(g.coordinates[0] - p[0]) <= EPS && Math.abs(g.coordinates[1] - p[1]) <= EPS;
    case 'LineString':
      return segments(g).some(([a, b]) => onSegment(p, a, b));
    default:
      return polygons(g).some((poly) => inPolygon(p, poly));
  }
}

/** OGC intersects: the geometries share at least one point. */
export function intersects(a: Geometry, b: Geometry): boolean {
  if (vertices(a).some((p) => covers(b, p)) || vertices(b).some((p) => covers(a, p))) return true;
  const sb = segments(b);
  return segments(a).some(([p, q]) => sb.some(([r, s]) => segmentsCross(p, q, r, s)));
}

/** OGC within (closed: a point on the boundary counts): every vertex of `a` in `b` and no edge of `a` leaves `b`. */
export function within(a: Geometry, b: Geometry): boolean {
  if (!vertices(a).every((p) => covers(b, p))) return false;
  if (b.type === 'Point' || b.type === 'LineString') return true;
  // an edge of a may leave a concave b between two inside vertices: check its midpoints too
  return segments(a).every(([p, q]) => covers(b, [(p[0] + q[0]) / 2, (p[1] + q[1]) / 2]));
}

export function equals(a: Geometry, b: Geometry): boolean {
  return a.type === b.type && JSON.stringify(a.coordinates) === JSON.stringify(b.coordinates);
}

function pointSegmentDistance(p: Pos, a: Pos, b: Pos): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2));
  return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
}

/** Planar distance in degrees (0 when the geometries intersect). */
export function distance(a: Geometry, b: Geometry): number {
  if (intersects(a, b)) return 0;
  let best = Infinity;
  const sa = segments(a);
  const sb = segments(b);
  for (const p of vertices(a)) for (const [r, s] of sb) best = Math.min(best, pointSegmentDistance(p, r, s));
  for (const p of vertices(b)) for (const [r, s] of sa) best = Math.min(best, pointSegmentDistance(p, r, s));
  for (const p of vertices(a)) for (const q of vertices(b)) best = Math.min(best, Math.hypot(p[0] - q[0], p[1] - q[1]));
  return best;
}

/** Length of a LineString (or perimeter of polygons) in degrees; 0 for a point. */
export function length(g: Geometry): number {
  return segments(g).reduce((n, [a, b]) => n + Math.hypot(b[0] - a[0], b[1] - a[1]), 0);
}

/** A GeoJSON value (a Location's `location`, a Feature's `geometry`) as a geometry, if it is one we read. */
export function asGeometry(v: unknown): Geometry | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as { type?: unknown; coordinates?: unknown; geometry?: unknown };
  if (o.type === 'Feature') return asGeometry(o.geometry);
  if (typeof o.type === 'string' && ['Point', 'LineString', 'Polygon', 'MultiPolygon'].includes(o.type) && Array.isArray(o.coordinates)) return o as Geometry;
  return undefined;
}
