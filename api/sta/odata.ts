/**
 * @module dashboard/server/sta/odata
 * The query options of OGC SensorThings API 1.1 (OGC 18-088, §9.3) that Quantrac serves:
 * $top, $skip, $count, $orderby, $select, $expand (one level, no nested options) and $filter as
 * comparisons (eq ne gt ge lt le) joined by `and`. Anything else is a 400 naming the option.
 */
import { createError } from '../../lib/errors.js';
import type { Comparison } from '../../store/analytics.js';

export interface FilterClause {
  /** property path, e.g. `phenomenonTime`, `result`, `@iot.id`, `properties/province`, `Datastream/@iot.id` */
  path: string;
  op: Comparison;
  value: string | number | Date;
}

export interface QueryOptions {
  top: number;
  skip: number;
  count: boolean;
  orderBy: Array<{ path: string; desc: boolean }>;
  select: string[] | undefined;
  expand: string[];
  filter: FilterClause[];
}

export const DEFAULT_TOP = 100;
export const MAX_TOP = 1000;

const bad = (option: string, message: string) => createError('QT_ERR_QUERY_INVALID', `${option}: ${message}`);

function integer(option: string, text: string | undefined, dflt: number, max: number): number {
  if (text === undefined) return dflt;
  if (!/^\d{1,9}$/.test(text) || Number(text) > max) throw bad(option, `"${text}" must be an integer from 0 to ${max}`);
  return Number(text);
}

/** Normalises `id` to the spec's `@iot.id`. */
export function normalisePath(path: string): string {
  return path
    .split('/')
    .map((p) => (p === 'id' ? '@iot.id' : p))
    .join('/');
}

function literal(text: string): string | number | Date {
  const t = text.trim();
  if (/^'.*'$/.test(t)) return t.slice(1, -1).replaceAll("''", "'");
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(t)) return Number(t);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(t) && !Number.isNaN(Date.parse(t))) return new Date(t);
  throw bad('$filter', `"${t}" is not a number, a 'string' or an ISO 8601 time with an offset`);
}

export function parseFilter(text: string): FilterClause[] {
  let t = text.trim();
  if (t.startsWith('(') && t.endsWith(')')) t = t.slice(1, -1);
  return t.split(/\s+and\s+/i).map((clause) => {
    const m = /^([A-Za-z@][\w@./]*)\s+(eq|ne|gt|ge|lt|le)\s+(.+)$/.exec(clause.trim());
    if (!m) throw bad('$filter', `"${clause.trim()}" is not supported (use <property> eq|ne|gt|ge|lt|le <value>, joined by and)`);
    return { path: normalisePath(m[1]!), op: m[2] as Comparison, value: literal(m[3]!) };
  });
}

export function parseOptions(query: Record<string, string | undefined>, navigations: readonly string[]): QueryOptions {
  const known = new Set(['$top', '$skip', '$count', '$orderby', '$select', '$expand', '$filter', '$resultFormat']);
  for (const k of Object.keys(query)) if (!known.has(k)) throw bad(k, 'unknown query option');
  if (query['$resultFormat'] !== undefined) throw bad('$resultFormat', 'only the default JSON result format is served');
  const count = query['$count'];
  if (count !== undefined && count !== 'true' && count !== 'false') throw bad('$count', 'must be true or false');
  const expand = query['$expand'] ? query['$expand'].split(',').map((s) => s.trim()) : [];
  for (const e of expand) {
    if (!navigations.includes(e)) throw bad('$expand', `"${e}" is not a navigation property here (one level: ${navigations.join(', ')})`);
  }
  const orderBy = (query['$orderby'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const m = /^([A-Za-z@][\w@./]*)(\s+(asc|desc))?$/i.exec(s);
      if (!m) throw bad('$orderby', `"${s}" must be <property> [asc|desc]`);
      return { path: normalisePath(m[1]!), desc: m[3]?.toLowerCase() === 'desc' };
    });
  return {
    top: integer('$top', query['$top'], DEFAULT_TOP, MAX_TOP),
    skip: integer('$skip', query['$skip'], 0, 10_000_000),
    count: count === 'true',
    orderBy,
    select: query['$select'] ? query['$select'].split(',').map((s) => normalisePath(s.trim())) : undefined,
    expand,
    filter: query['$filter'] ? parseFilter(query['$filter']) : [],
  };
}

/** The value at a `/`-separated path of an entity's JSON. */
export function valueAt(entity: Record<string, unknown>, path: string): unknown {
  let v: unknown = entity;
  for (const p of path.split('/')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

function comparable(v: unknown): string | number | undefined {
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  return undefined;
}

export function matches(entity: Record<string, unknown>, filter: readonly FilterClause[]): boolean {
  return filter.every((c) => {
    const a = comparable(valueAt(entity, c.path));
    const b = comparable(c.value);
    if (a === undefined || b === undefined) return c.op === 'ne';
    switch (c.op) {
      case 'eq':
        return a === b;
      case 'ne':
        return a !== b;
      case 'gt':
        return a > b;
      case 'ge':
        return a >= b;
      case 'lt':
        return a < b;
      case 'le':
        return a <= b;
    }
  });
}

export function compareBy(orderBy: QueryOptions['orderBy']) {
  return (x: Record<string, unknown>, y: Record<string, unknown>): number => {
    for (const { path, desc } of orderBy) {
      const a = comparable(valueAt(x, path)) ?? '';
      const b = comparable(valueAt(y, path)) ?? '';
      if (a < b) return desc ? 1 : -1;
      if (a > b) return desc ? -1 : 1;
    }
    return 0;
  };
}

/** Keeps the selected properties (and the navigation links and expansions named). */
export function applySelect(entity: Record<string, unknown>, select: readonly string[] | undefined): Record<string, unknown> {
  if (!select) return entity;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entity)) {
    const base = k.split('@')[0]!;
    if (select.includes(k) || (base !== '' && select.includes(base))) out[k] = v;
  }
  return out;
}
