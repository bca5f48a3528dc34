/**
 * @module api/sta/odata/wkt
 * Reads the Well-Known Text inside `geography'…'` / `geometry'…'` literals (OData 4.0 §5.1.1.11,
 * as QGIS 3.38+ sends for its extent: `geography'POLYGON ((105 20, 106 20, 106 21, 105 21, 105 20))'`)
 * into GeoJSON-shaped geometries. Served: POINT, LINESTRING, POLYGON (with holes), MULTIPOLYGON,
 * an optional `SRID=4326;` prefix; coordinates are lon lat (x y), a Z/M ordinate is ignored.
 */
import type { Geometry } from './ast.js';
import { filterError } from './lexer.js';

type Pos = [number, number];
/** Nested coordinate lists as read: a position is a number array, deeper levels are arrays of those. */
type Nested = Pos | Nested[];

export function parseWkt(text: string): Geometry {
  const src = text.trim().replace(/^SRID=(\d+);/i, (_, srid: string) => {
    if (srid !== '4326') throw filterError(`geometry SRID ${srid} is not served (WGS 84, SRID=4326, only)`);
    return '';
  });
  const m = /^([A-Za-z]+)\s*(?:Z|M|ZM)?\s*(\(.*\))\s*$/s.exec(src);
  if (!m) throw filterError(`"${text}" is not Well-Known Text (e.g. POINT(105.8 21.0))`);
  const type = m[1]!.toUpperCase();
  const body = parseList(m[2]!, text);
  const depth = (n: Nested): number => (typeof n[0] === 'number' ? 0 : 1 + depth(n[0] as Nested));
  const expect = { POINT: 1, LINESTRING: 1, POLYGON: 2, MULTIPOLYGON: 3 }[type];
  if (expect === undefined) throw filterError(`${type} literals are not served (POINT, LINESTRING, POLYGON, MULTIPOLYGON)`);
  if (depth(body) !== expect) throw filterError(`"${text}" is not a well-formed ${type}`);
  switch (type) {
    case 'POINT': {
      const pts = body as Pos[];
      if (pts.length !== 1) throw filterError(`"${text}": a POINT has one position`);
      return { type: 'Point', coordinates: pts[0]! };
    }
    case 'LINESTRING':
      if (body.length < 2) throw filterError(`"${text}": a LINESTRING has two positions or more`);
      return { type: 'LineString', coordinates: body as Pos[] };
    case 'POLYGON':
      return { type: 'Polygon', coordinates: (body as Pos[][]).map((r) => ring(r, text)) };
    default:
      return { type: 'MultiPolygon', coordinates: (body as Pos[][][]).map((p) => p.map((r) => ring(r, text))) };
  }
}

function ring(r: Pos[], text: string): Pos[] {
  const first = r[0];
  const last = r.at(-1);
  if (r.length < 4 || !first || !last || first[0] !== last[0] || first[1] !== last[1]) throw filterError(`"${text}": a polygon ring is closed and has four positions or more`);
  return r;
}

/** `((1 2, 3 4), (5 6, 7 8))` → [[[1,2],[3,4]],[[5,6],[7,8]]]; a leaf list `(1 2, 3 4)` → positions. */
function parseList(src: string, text: string): Nested[] {
  let i = 0;
  const fail = () => filterError(`"${text}" is not well-formed Well-Known Text (at "${src.slice(i, i + 12)}")`);
  const skip = () => {
    while (/\s/.test(src[i] ?? '')) i++;
  };
  const list = (level = 0): Nested[] => {
    if (level > 3) throw fail();
    skip();
    if (src[i] !== '(') throw fail();
    i++;
    skip();
    const items: Nested[] = [];
    for (;;) {
      skip();
      if (src[i] === '(') items.push(list(level + 1));
      else items.push(position());
      skip();
      if (src[i] === ',') {
        i++;
        continue;
      }
      if (src[i] === ')') {
        i++;
        return items;
      }
      throw fail();
    }
  };
  const position = (): Pos => {
    const m = /^\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s+(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(?:\s+-?\d+(?:\.\d+)?){0,2}/.exec(src.slice(i));
    if (!m) throw fail();
    i += m[0].length;
    const p: Pos = [Number(m[1]), Number(m[2])];
    if (!Number.isFinite(p[0]) || !Number.isFinite(p[1])) throw fail();
    return p;
  };
  const out = list();
  skip();
  if (i !== src.length) throw fail();
  return out;
}
