/**
 * @module api/sta/options
 * The query options of SensorThings 1.1 (OGC 18-088 §9.3): $top, $skip, $count, $orderby,
 * $select, $expand and $filter, each validated against the entity set it applies to (see
 * ./model.ts). $expand is nested and multi-level, with options per level separated by `;`:
 * `Datastreams($select=name;$expand=Observations($top=1;$orderby=phenomenonTime desc))`, or as a
 * path `Datastreams/Observations`. Anything unknown is a 400 naming the option.
 */
import type { Expr } from './odata/ast.js';
import { propertyPaths } from './odata/ast.js';
import { parseFilter } from './odata/parser.js';
import { checkPath, MODEL, queryError, type EntitySet } from './model.js';

export interface OrderBy {
  path: string[];
  desc: boolean;
}

export interface ExpandItem {
  nav: string;
  target: EntitySet;
  many: boolean;
  options: QueryOptions;
}

export interface QueryOptions {
  top: number;
  skip: number;
  count: boolean;
  orderBy: OrderBy[];
  /** selected property and navigation names (`id` as `@iot.id`); undefined = all */
  select: string[] | undefined;
  expand: ExpandItem[];
  filter: Expr | undefined;
  /** the options as written (for @iot.nextLink) */
  raw: Readonly<Record<string, string>>;
}

export const DEFAULT_TOP = 100;
export const MAX_TOP = 1000;
const OPTIONS = ['$top', '$skip', '$count', '$orderby', '$select', '$expand', '$filter'];

function integer(option: string, text: string | undefined, dflt: number, max: number): number {
  if (text === undefined) return dflt;
  if (!/^\d{1,9}$/.test(text.trim()) || Number(text) > max) throw queryError(option, `"${text}" must be an integer from 0 to ${max}`);
  return Number(text);
}

/** Splits on `sep` outside parentheses and quotes. */
export function splitTop(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && c === sep) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

const normalise = (name: string) => (name === 'id' ? '@iot.id' : name);

/** Options from the query string (top level) or from `(…)` after an $expand item (nested). */
export function parseOptions(query: Record<string, string | undefined>, set: EntitySet, context = ''): QueryOptions {
  for (const k of Object.keys(query)) {
    if (k === '$resultFormat' && !context) throw queryError(k, 'only the default JSON result format is served (the Data Array extension is not)');
    if (!OPTIONS.includes(k)) throw queryError(`${context}${k}`, `unknown query option (served: ${OPTIONS.join(', ')})`);
  }
  const count = query['$count']?.trim();
  if (count !== undefined && count !== 'true' && count !== 'false') throw queryError(`${context}$count`, 'must be true or false');
  const filterText = query['$filter'];
  const filter = filterText === undefined ? undefined : parseFilter(filterText);
  if (filter) for (const path of propertyPaths(filter)) checkPath(set, path, `${context}$filter`);
  return {
    top: integer(`${context}$top`, query['$top'], DEFAULT_TOP, MAX_TOP),
    skip: integer(`${context}$skip`, query['$skip'], 0, 10_000_000),
    count: count === 'true',
    orderBy: parseOrderBy(query['$orderby'], set, `${context}$orderby`),
    select: parseSelect(query['$select'], set, `${context}$select`),
    expand: parseExpand(query['$expand'], set, `${context}$expand`),
    filter,
    raw: Object.fromEntries(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined)),
  };
}

function parseOrderBy(text: string | undefined, set: EntitySet, option: string): OrderBy[] {
  if (text === undefined) return [];
  return splitTop(text, ',').map((item) => {
    const m = /^([A-Za-z_@][\w@.]*(?:\/[A-Za-z_@][\w@.]*)*)(?:\s+(asc|desc))?$/i.exec(item);
    if (!m) throw queryError(option, `"${item}" must be <property> [asc|desc]`);
    const path = m[1]!.split('/').map(normalise);
    checkPath(set, path, option);
    return { path, desc: m[2]?.toLowerCase() === 'desc' };
  });
}

function parseSelect(text: string | undefined, set: EntitySet, option: string): string[] | undefined {
  if (text === undefined) return undefined;
  const type = MODEL[set];
  const names = splitTop(text, ',').map(normalise);
  if (names.length === 0) throw queryError(option, 'names no property');
  for (const n of names) {
    if (n === '@iot.selfLink' || type.properties[n] || type.navigation[n]) continue;
    throw queryError(option, `${type.name} has no property ${n} (${[...Object.keys(type.properties), ...Object.keys(type.navigation)].join(', ')})`);
  }
  return names;
}

function parseExpand(text: string | undefined, set: EntitySet, option: string): ExpandItem[] {
  if (text === undefined) return [];
  const items: ExpandItem[] = [];
  for (const item of splitTop(text, ',')) {
    const m = /^([A-Za-z/]+)\s*(?:\((.*)\))?$/s.exec(item);
    if (!m) throw queryError(option, `"${item}" must be <navigation>[/<navigation>…][(options)]`);
    const chain = m[1]!.split('/');
    let owner = set;
    let list = items;
    chain.forEach((nav, i) => {
      const target = MODEL[owner].navigation[nav];
      if (!target) throw queryError(option, `"${nav}" is not a navigation property of ${MODEL[owner].name} (${Object.keys(MODEL[owner].navigation).join(', ')})`);
      const last = i === chain.length - 1;
      let existing = list.find((e) => e.nav === nav);
      if (!existing || last) {
        const options = last && m[2] !== undefined ? parseNested(m[2], target.target, `${option}(${nav}) `) : parseOptions({}, target.target);
        if (existing) existing.options = { ...options, expand: [...existing.options.expand, ...options.expand] };
        else {
          existing = { nav, target: target.target, many: target.many, options };
          list.push(existing);
        }
      }
      owner = target.target;
      list = existing.options.expand;
    });
  }
  return items;
}

function parseNested(text: string, set: EntitySet, context: string): QueryOptions {
  const query: Record<string, string> = {};
  for (const part of splitTop(text, ';')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw queryError(context.trim(), `"${part}" must be $option=value`);
    query[part.slice(0, eq).trim()] = part.slice(eq + 1);
  }
  return parseOptions(query, set, context);
}
