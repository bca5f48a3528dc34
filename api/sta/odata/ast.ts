/**
 * @module api/sta/odata/ast
 * The syntax tree of an OData `$filter` expression as SensorThings 1.1 (OGC 18-088 §9.3.3.5)
 * uses it: literals, property paths, unary/binary operators and function calls. Produced by
 * ./parser.ts, consumed by ./evaluate.ts (in memory) and ./sql.ts (Observations in SQL).
 */

/** A WGS 84 geometry in GeoJSON shape (lon, lat order), from a `geography'…'` literal or a Location. */
export type Geometry =
  | { type: 'Point'; coordinates: [number, number] }
  | { type: 'LineString'; coordinates: Array<[number, number]> }
  | { type: 'Polygon'; coordinates: Array<Array<[number, number]>> }
  | { type: 'MultiPolygon'; coordinates: Array<Array<Array<[number, number]>>> };

export type LiteralValue = string | number | boolean | null | Date;

export type BinaryOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'and' | 'or' | 'add' | 'sub' | 'mul' | 'div' | 'mod';

export const COMPARISONS: ReadonlySet<BinaryOp> = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
export const ARITHMETIC: ReadonlySet<BinaryOp> = new Set(['add', 'sub', 'mul', 'div', 'mod']);

export type Expr =
  | { kind: 'literal'; value: LiteralValue }
  | { kind: 'geometry'; value: Geometry }
  /** `properties/metric` → ['properties', 'metric']; `id` is normalised to `@iot.id` */
  | { kind: 'property'; path: string[] }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr }
  | { kind: 'not'; operand: Expr }
  | { kind: 'negate'; operand: Expr }
  /** function name lower-cased, e.g. `geo.intersects`, `substringof`, `year` */
  | { kind: 'call'; name: string; args: Expr[] };

/** Every property path an expression reads, in order of appearance. */
export function propertyPaths(e: Expr, out: string[][] = []): string[][] {
  switch (e.kind) {
    case 'property':
      out.push(e.path);
      break;
    case 'binary':
      propertyPaths(e.left, out);
      propertyPaths(e.right, out);
      break;
    case 'not':
    case 'negate':
      propertyPaths(e.operand, out);
      break;
    case 'call':
      for (const a of e.args) propertyPaths(a, out);
      break;
    default:
  }
  return out;
}
