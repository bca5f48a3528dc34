/**
 * @module api/sta/odata/sql
 * Compiles a `$filter` / `$orderby` on Observations to a parameterised SQL fragment over the
 * `readings` table (columns station_id, metric, ts, value, quality). Column names come from a
 * fixed map; every literal is a bind parameter (`$n`), never concatenated. A sub-expression that
 * reads only `Datastream/…` and `FeatureOfInterest/…` paths (names, units, geo.intersects on the
 * feature…) is evaluated in memory over the series (station × metric) by the caller's `series`
 * callback and becomes `(station_id, metric) IN (…)`, so paging and counts stay in SQL.
 * Comparisons on nullable values are wrapped in COALESCE(…, FALSE) (two-valued, like
 * ./evaluate.ts); those on `ts` are left bare so TimescaleDB can exclude chunks.
 */
import { QUALITY_NAMES } from '../../../domain/quality.js';
import { createError } from '../../../lib/errors.js';
import { COMPARISONS, propertyPaths, type Expr } from './ast.js';
import { filterError } from './lexer.js';

export interface Series {
  stationId: string;
  metric: string;
}

type SqlType = 'time' | 'number' | 'text' | 'bool' | 'null' | 'id';
interface Compiled {
  sql: string;
  type: SqlType;
  nullable: boolean;
}

const QUALITY_SQL = `(CASE quality ${QUALITY_NAMES.map((n, i) => `WHEN ${i} THEN '${n}'`).join(' ')} ELSE 'fault' END)`;
const COLUMNS: Record<string, Compiled> = {
  phenomenonTime: { sql: 'ts', type: 'time', nullable: false },
  resultTime: { sql: 'ts', type: 'time', nullable: false },
  result: { sql: 'value', type: 'number', nullable: true },
  resultQuality: { sql: QUALITY_SQL, type: 'text', nullable: false },
  '@iot.id': { sql: '', type: 'id', nullable: false },
  validTime: { sql: 'NULL', type: 'null', nullable: true },
  parameters: { sql: 'NULL', type: 'null', nullable: true },
};
const OPS: Record<string, string> = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=', add: '+', sub: '-', mul: '*' };
const OBSERVATION_ID = /^([A-Za-z0-9_-]{1,64}):([A-Za-z0-9_-]{1,64}):(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)$/;

/** `<station>:<metric>:<UTC time with µs>` → its parts, or undefined. */
export function parseObservationId(id: string): (Series & { ts: string }) | undefined {
  const m = OBSERVATION_ID.exec(id);
  return m ? { stationId: m[1]!, metric: m[2]!, ts: m[3]! } : undefined;
}

/** IN-list over series; binds two text arrays. */
export function seriesSql(series: readonly Series[], params: unknown[]): string {
  if (series.length === 0) return 'FALSE';
  params.push(
    series.map((s) => s.stationId),
    series.map((s) => s.metric),
  );
  return `(station_id, metric) IN (SELECT * FROM unnest($${params.length - 1}::text[], $${params.length}::text[]))`;
}

const BOOLEAN_CALLS = new Set(['substringof', 'contains', 'startswith', 'endswith', 'geo.intersects', 'st_equals', 'st_disjoint', 'st_within', 'st_intersects', 'st_contains']);

/** A condition that reads only Datastream/… and FeatureOfInterest/… paths. */
const isSeriesOnly = (e: Expr) => {
  if (!(e.kind === 'binary' || e.kind === 'not' || (e.kind === 'call' && BOOLEAN_CALLS.has(e.name)))) return false;
  const paths = propertyPaths(e);
  return paths.length > 0 && paths.every((p) => p[0] === 'Datastream' || p[0] === 'FeatureOfInterest');
};

/**
 * The WHERE condition for an Observations `$filter`.
 * @param series evaluates a boolean sub-expression over Datastream/FeatureOfInterest paths in memory
 */
export function compileObservationFilter(e: Expr, params: unknown[], series: (e: Expr) => Series[]): string {
  const bind = (v: unknown, cast: string) => {
    params.push(v);
    return `$${params.length}::${cast}`;
  };
  const bool = (c: Compiled, what: string): string => {
    if (c.type !== 'bool') throw filterError(`${what} is not a condition`);
    return c.nullable ? `COALESCE(${c.sql}, FALSE)` : c.sql;
  };
  const needs = (c: Compiled, type: SqlType, what: string) => {
    if (c.type !== type && c.type !== 'null') throw filterError(`${what} takes a ${type === 'time' ? 'date-time' : type === 'text' ? 'string' : type}`);
    return c.sql;
  };

  function compile(e: Expr): Compiled {
    if (isSeriesOnly(e)) return { sql: seriesSql(series(e), params), type: 'bool', nullable: false };
    switch (e.kind) {
      case 'literal': {
        const v = e.value;
        if (v === null) return { sql: 'NULL', type: 'null', nullable: true };
        if (v instanceof Date) return { sql: bind(v, 'timestamptz'), type: 'time', nullable: false };
        if (typeof v === 'number') return { sql: bind(v, 'float8'), type: 'number', nullable: false };
        if (typeof v === 'boolean') return { sql: bind(v, 'boolean'), type: 'bool', nullable: false };
        return { sql: bind(v, 'text'), type: 'text', nullable: false };
      }
      case 'geometry':
        throw filterError('on Observations, spatial functions apply to FeatureOfInterest/feature');
      case 'property': {
        const col = e.path.length === 1 || e.path[0] === 'parameters' ? COLUMNS[e.path[0]!] : undefined;
        if (!col) throw filterError(`${e.path.join('/')} cannot be combined with Observation properties in one comparison`);
        return col;
      }
      case 'not':
        return { sql: `(NOT ${bool(compile(e.operand), 'the operand of not')})`, type: 'bool', nullable: false };
      case 'negate':
        return { sql: `(-${needs(compile(e.operand), 'number', 'unary -')})`, type: 'number', nullable: true };
      case 'call':
        return call(e.name, e.args.map(compile));
      case 'binary': {
        if (e.op === 'and' || e.op === 'or')
          return {
            sql: `(${bool(compile(e.left), 'the left of ' + e.op)} ${e.op.toUpperCase()} ${bool(compile(e.right), 'the right of ' + e.op)})`,
            type: 'bool',
            nullable: false,
          };
        if (COMPARISONS.has(e.op)) return comparison(e.op, e.left, e.right);
        const a = needs(compile(e.left), 'number', e.op);
        const b = needs(compile(e.right), 'number', e.op);
        const sql = e.op === 'div' ? `(${a} / NULLIF(${b}, 0))` : e.op === 'mod' ? `(${a} - ${b} * trunc(${a} / NULLIF(${b}, 0)))` : `(${a} ${OPS[e.op]} ${b})`;
        return { sql, type: 'number', nullable: true };
      }
    }
  }

  function comparison(op: string, left: Expr, right: Expr): Compiled {
    const isId = (x: Expr) => x.kind === 'property' && x.path.length === 1 && x.path[0] === '@iot.id';
    if (isId(left) || isId(right)) return idComparison(op, isId(left) ? right : left);
    const a = compile(left);
    const b = compile(right);
    if (a.type === 'id' || b.type === 'id') throw filterError('@iot.id of an Observation compares only with a string id');
    if (a.type === 'null' || b.type === 'null') {
      const other = a.type === 'null' ? b : a;
      if (op === 'eq' || op === 'ne') return { sql: `(${other.sql} IS ${op === 'eq' ? '' : 'NOT '}NULL)`, type: 'bool', nullable: false };
      return { sql: 'FALSE', type: 'bool', nullable: false };
    }
    if (a.type !== b.type) {
      const [col, lit] = left.kind === 'literal' ? [right, left] : [left, right];
      const shown =
        lit.kind === 'literal' ? (typeof lit.value === 'string' ? `'${lit.value}'` : String(lit.value instanceof Date ? lit.value.toISOString() : lit.value)) : 'the other side';
      const kind = (t: SqlType) => (t === 'time' ? 'an ISO 8601 date-time with an offset' : t === 'text' ? "a 'string'" : `a ${t}`);
      const colType = col === left ? a.type : b.type;
      throw filterError(`${col.kind === 'property' ? col.path.join('/') : 'this expression'} compares with ${kind(colType)}, not ${shown}`);
    }
    const sql = `${a.sql} ${OPS[op]} ${b.sql}`;
    return a.nullable || b.nullable ? { sql: `COALESCE(${sql}, FALSE)`, type: 'bool', nullable: false } : { sql: `(${sql})`, type: 'bool', nullable: false };
  }

  function idComparison(op: string, other: Expr): Compiled {
    if ((op !== 'eq' && op !== 'ne') || other.kind !== 'literal' || typeof other.value !== 'string')
      throw filterError(`@iot.id of an Observation compares with eq or ne and a 'string' id`);
    const id = parseObservationId(other.value);
    const match = id ? `(station_id = ${bind(id.stationId, 'text')} AND metric = ${bind(id.metric, 'text')} AND ts = ${bind(id.ts, 'timestamptz')})` : 'FALSE';
    return { sql: op === 'eq' ? match : `(NOT ${match})`, type: 'bool', nullable: false };
  }

  function call(name: string, args: Compiled[]): Compiled {
    const [a, b, c] = args;
    const num = (sql: string): Compiled => ({ sql, type: 'number', nullable: true });
    const text = (sql: string): Compiled => ({ sql, type: 'text', nullable: true });
    const cond = (sql: string): Compiled => ({ sql, type: 'bool', nullable: true });
    const t = (x: Compiled | undefined) => `(${needs(x!, 'time', name)} AT TIME ZONE 'UTC')`;
    const s = (x: Compiled | undefined) => needs(x!, 'text', name);
    const n = (x: Compiled | undefined) => needs(x!, 'number', name);
    const part: Record<string, string> = { year: 'YEAR', month: 'MONTH', day: 'DAY', hour: 'HOUR', minute: 'MINUTE' };
    if (part[name]) return num(`EXTRACT(${part[name]} FROM ${t(a)})::float8`);
    switch (name) {
      case 'second':
        return num(`floor(EXTRACT(SECOND FROM ${t(a)}))::float8`);
      case 'fractionalseconds':
        return num(`(EXTRACT(SECOND FROM ${t(a)}) - floor(EXTRACT(SECOND FROM ${t(a)})))::float8`);
      case 'date':
        return text(`to_char(${t(a)}, 'YYYY-MM-DD')`);
      case 'time':
        return text(`to_char(${t(a)}, 'HH24:MI:SS.MS')`);
      case 'totaloffsetminutes':
        return num(`(CASE WHEN ${needs(a!, 'time', name)} IS NULL THEN NULL ELSE 0::float8 END)`);
      case 'now':
        return { sql: 'now()', type: 'time', nullable: false };
      case 'mindatetime':
      case 'maxdatetime':
        return { sql: `'${name === 'mindatetime' ? '-infinity' : 'infinity'}'::timestamptz`, type: 'time', nullable: false };
      case 'round':
      case 'floor':
      case 'ceiling':
        return num(`${name === 'ceiling' ? 'ceil' : name}(${n(a)})`);
      case 'substringof':
        return cond(`(strpos(${s(b)}, ${s(a)}) > 0)`);
      case 'contains':
        return cond(`(strpos(${s(a)}, ${s(b)}) > 0)`);
      case 'startswith':
        return cond(`(left(${s(a)}, char_length(${s(b)})) = ${s(b)})`);
      case 'endswith':
        return cond(`(right(${s(a)}, char_length(${s(b)})) = ${s(b)})`);
      case 'length':
        return num(`char_length(${s(a)})::float8`);
      case 'indexof':
        return num(`(strpos(${s(a)}, ${s(b)}) - 1)::float8`);
      case 'substring':
        return text(`substr(${s(a)}, (${n(b)})::int + 1${c ? `, (${n(c)})::int` : ''})`);
      case 'tolower':
        return text(`lower(${s(a)})`);
      case 'toupper':
        return text(`upper(${s(a)})`);
      case 'trim':
        return text(`btrim(${s(a)})`);
      case 'concat':
        return text(`(${s(a)} || ${s(b)})`);
      default:
        throw filterError(`on Observations, ${name} applies to FeatureOfInterest/feature`);
    }
  }

  return bool(compile(e), '$filter');
}

/** ORDER BY for Observations, with a tie-break that makes pages stable. */
export function compileObservationOrder(orderBy: ReadonlyArray<{ path: readonly string[]; desc: boolean }>): string {
  const keys: string[] = [];
  for (const { path, desc } of orderBy) {
    const dir = desc ? 'DESC' : 'ASC';
    const name = path.join('/');
    if (name === 'phenomenonTime' || name === 'resultTime') keys.push(`ts ${dir}`);
    else if (name === 'result') keys.push(`value ${dir} NULLS LAST`);
    else if (name === 'resultQuality') keys.push(`${QUALITY_SQL} ${dir}`);
    else if (name === '@iot.id') keys.push(`station_id ${dir}`, `metric ${dir}`, `ts ${dir}`);
    else if (name !== 'validTime' && !name.startsWith('parameters')) {
      throw createError('QT_ERR_QUERY_INVALID', `$orderby: on Observations order by phenomenonTime, resultTime, result, resultQuality or @iot.id, not ${name}`);
    }
  }
  keys.push('ts', 'station_id', 'metric');
  return keys.join(', ');
}
