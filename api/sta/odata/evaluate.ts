/**
 * @module api/sta/odata/evaluate
 * Evaluates a `$filter` tree in memory against one entity, for the small entity sets built from
 * the station directory and the device profiles (Things, Locations, HistoricalLocations, Sensors,
 * ObservedProperties, Datastreams, FeaturesOfInterest) and for the Datastream/FeatureOfInterest
 * part of an Observations filter. Filtering happens before paging, so counts and pages agree.
 * Semantics: a missing value is null; `eq null` finds it; any other comparison with null, or of
 * values of different types, is false (`ne` its negation); functions of null give null.
 */
import type { Expr, Geometry } from './ast.js';
import { asGeometry, covers, distance, equals, intersects, length, within } from './geometry.js';

/** Gives the value at a property path of the entity being tested (undefined when absent). */
export type Resolver = (path: readonly string[]) => unknown;

type Value = string | number | boolean | null | Date | Geometry | Record<string, unknown> | unknown[];

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function toDate(v: unknown): Date | undefined {
  if (v instanceof Date) return v;
  if (typeof v === 'string' && ISO.test(v)) return new Date(v);
  return undefined;
}

/** Both sides as comparable primitives of one type, or undefined if they are not comparable. */
function comparable(a: Value, b: Value): [number | string | boolean, number | string | boolean] | undefined {
  if (a instanceof Date || b instanceof Date) {
    const da = toDate(a);
    const db = toDate(b);
    return da && db ? [da.getTime(), db.getTime()] : undefined;
  }
  if (typeof a === typeof b && (typeof a === 'number' || typeof a === 'string' || typeof a === 'boolean')) return [a, b as typeof a];
  return undefined;
}

export function test(e: Expr, resolve: Resolver): boolean {
  return evaluate(e, resolve) === true;
}

export function evaluate(e: Expr, resolve: Resolver): Value {
  switch (e.kind) {
    case 'literal':
      return e.value;
    case 'geometry':
      return e.value;
    case 'property':
      return (resolve(e.path) ?? null) as Value;
    case 'not':
      return !test(e.operand, resolve);
    case 'negate': {
      const v = evaluate(e.operand, resolve);
      return typeof v === 'number' ? -v : null;
    }
    case 'call':
      return call(
        e.name,
        e.args.map((a) => evaluate(a, resolve)),
      );
    case 'binary': {
      if (e.op === 'and') return test(e.left, resolve) && test(e.right, resolve);
      if (e.op === 'or') return test(e.left, resolve) || test(e.right, resolve);
      const a = evaluate(e.left, resolve);
      const b = evaluate(e.right, resolve);
      if (e.op === 'eq' || e.op === 'ne') {
        const same = a === null || b === null ? a === b : (comparable(a, b)?.reduce((x, y) => x === y) ?? false);
        return e.op === 'eq' ? same : !same;
      }
      if (e.op === 'gt' || e.op === 'ge' || e.op === 'lt' || e.op === 'le') {
        const c = a === null || b === null ? undefined : comparable(a, b);
        if (!c) return false;
        const [x, y] = c;
        return e.op === 'gt' ? x > y : e.op === 'ge' ? x >= y : e.op === 'lt' ? x < y : x <= y;
      }
      if (typeof a !== 'number' || typeof b !== 'number') return null;
      const r = e.op === 'add' ? a + b : e.op === 'sub' ? a - b : e.op === 'mul' ? a * b : e.op === 'div' ? a / b : a % b;
      return Number.isFinite(r) ? r : null;
    }
  }
}

const str = (v: Value): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: Value): number | undefined => (typeof v === 'number' ? v : undefined);

/** The functions of OGC 18-088 Table 24 (and `contains`, `st_geometrytype`), over evaluated arguments. */
function call(name: string, args: Value[]): Value {
  const [a, b, c] = args;
  const s = a === undefined ? undefined : str(a);
  const t = b === undefined ? undefined : str(b);
  const d = a === undefined ? undefined : toDate(a);
  switch (name) {
    case 'substringof':
      return s !== undefined && t !== undefined ? t.includes(s) : null;
    case 'contains':
      return s !== undefined && t !== undefined ? s.includes(t) : null;
    case 'startswith':
      return s !== undefined && t !== undefined ? s.startsWith(t) : null;
    case 'endswith':
      return s !== undefined && t !== undefined ? s.endsWith(t) : null;
    case 'indexof':
      return s !== undefined && t !== undefined ? s.indexOf(t) : null;
    case 'length':
      return s !== undefined ? [...s].length : null;
    case 'substring': {
      const from = num(b ?? null);
      const len = c === undefined ? undefined : num(c);
      if (s === undefined || from === undefined || (c !== undefined && len === undefined)) return null;
      return [...s].slice(from, len === undefined ? undefined : from + len).join('');
    }
    case 'tolower':
      return s?.toLowerCase() ?? null;
    case 'toupper':
      return s?.toUpperCase() ?? null;
    case 'trim':
      return s?.trim() ?? null;
    case 'concat':
      return s !== undefined && t !== undefined ? s + t : null;
    case 'year':
      return d ? d.getUTCFullYear() : null;
    case 'month':
      return d ? d.getUTCMonth() + 1 : null;
    case 'day':
      return d ? d.getUTCDate() : null;
    case 'hour':
      return d ? d.getUTCHours() : null;
    case 'minute':
      return d ? d.getUTCMinutes() : null;
    case 'second':
      return d ? d.getUTCSeconds() : null;
    case 'fractionalseconds':
      return d ? d.getUTCMilliseconds() / 1000 : null;
    case 'date':
      return d ? d.toISOString().slice(0, 10) : null;
    case 'time':
      return d ? d.toISOString().slice(11, 23) : null;
    case 'totaloffsetminutes':
      return d ? 0 : null;
    case 'now':
      return new Date();
    case 'mindatetime':
      return new Date(-8_640_000_000_000_000);
    case 'maxdatetime':
      return new Date(8_640_000_000_000_000);
    case 'round':
    case 'floor':
    case 'ceiling': {
      const n = num(a ?? null);
      return n === undefined ? null : name === 'round' ? Math.round(n) : name === 'floor' ? Math.floor(n) : Math.ceil(n);
    }
    default:
      return spatial(name, args);
  }
}

function spatial(name: string, args: Value[]): Value {
  const [g, h] = args.map((v) => asGeometry(v));
  if (!g || (args.length > 1 && !h)) return null;
  switch (name) {
    case 'st_geometrytype':
      return g.type;
    case 'geo.length':
      return length(g);
    case 'geo.distance':
      return distance(g, h!);
    case 'geo.intersects':
    case 'st_intersects':
      return intersects(g, h!);
    case 'st_disjoint':
      return !intersects(g, h!);
    case 'st_within':
      return within(g, h!);
    case 'st_contains':
      return within(h!, g) || (h!.type === 'Point' && covers(g, h!.coordinates));
    case 'st_equals':
      return equals(g, h!);
    default:
      return null;
  }
}
