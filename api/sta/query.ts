/**
 * @module api/sta/query
 * Runs validated query options (./options.ts) over one entity set and renders the result:
 * filtering, ordering, counting and paging in memory for the small sets (filter before the page,
 * so `@iot.count` and pages agree, spatial filters included), in SQL for Observations
 * (./observations.ts); then nested `$expand` with each level's own options, `$select`, and
 * `@iot.nextLink` only when more entities exist (never with `$top=0`).
 */
import type { Db } from '../../store/index.js';
import type { EntityGraph, MemorySet } from './graph.js';
import type { Json, Row } from './entities.js';
import type { EntitySet } from './model.js';
import { observationPage, observationScope } from './observations.js';
import { propertyPaths } from './odata/ast.js';
import { test } from './odata/evaluate.js';
import type { QueryOptions } from './options.js';

export interface Page {
  rows: Row[];
  more: boolean;
  count?: number;
}

/** Filters, orders, counts and slices in-memory rows of `set`. */
export async function memoryPage(graph: EntityGraph, set: MemorySet, rows: readonly Row[], opts: QueryOptions): Promise<Page> {
  await graph.prepare(set, [...(opts.filter ? propertyPaths(opts.filter) : []), ...opts.orderBy.map((o) => o.path)]);
  const filter = opts.filter;
  const kept = filter ? rows.filter((r) => test(filter, graph.resolver(set, r))) : [...rows];
  if (opts.orderBy.length > 0) {
    const keyed = kept.map((r) => ({ r, keys: opts.orderBy.map((o) => sortable(graph.resolver(set, r)(o.path))) }));
    keyed.sort((x, y) => {
      for (let i = 0; i < opts.orderBy.length; i++) {
        const c = compare(x.keys[i], y.keys[i]);
        if (c !== 0) return opts.orderBy[i]!.desc ? -c : c;
      }
      return 0;
    });
    kept.splice(0, kept.length, ...keyed.map((k) => k.r));
  }
  return { rows: kept.slice(opts.skip, opts.skip + opts.top), more: opts.top > 0 && kept.length > opts.skip + opts.top, ...(opts.count ? { count: kept.length } : {}) };
}

function sortable(v: unknown): string | number | undefined {
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

/** Nulls first, then numbers before strings. */
function compare(a: string | number | undefined, b: string | number | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1;
  return a < b ? -1 : 1;
}

/** The page of a collection: every entity of `set`, or those `parent` reaches by `nav`. */
export async function collectionPage(graph: EntityGraph, db: Db, set: EntitySet, opts: QueryOptions, parent?: { set: EntitySet; row: Row; nav: string }): Promise<Page> {
  if (set === 'Observations') return observationPage(graph, db, opts, parent ? observationScope(graph, parent.set, parent.row) : undefined);
  const rows = parent ? await graph.related(parent.set, parent.row, parent.nav) : await graph.all(set);
  return memoryPage(graph, set, rows, opts);
}

/** `…?$top=n&$skip=m` continuing a page, with the other options as written. */
export function nextLink(url: string, opts: QueryOptions): string {
  const params = new URLSearchParams({ ...opts.raw, $top: String(opts.top), $skip: String(opts.skip + opts.top) });
  return `${url}?${params.toString().replaceAll('%24', '$').replaceAll('%2F', '/').replaceAll('%2C', ',')}`;
}

/** Keeps the selected properties, and the navigation links, counts and expansions of selected navigation properties. */
export function applySelect(json: Json, select: readonly string[] | undefined): Json {
  if (!select) return json;
  return Object.fromEntries(Object.entries(json).filter(([k]) => select.includes(k) || (k.split('@')[0] !== '' && select.includes(k.split('@')[0]!))));
}

/** Renders rows of `set` with their expansions (each level with its own options) and $select. */
export async function render(graph: EntityGraph, db: Db, set: EntitySet, rows: readonly Row[], opts: QueryOptions): Promise<Json[]> {
  const out: Json[] = [];
  for (const row of rows) {
    const json: Json = { ...row.json };
    for (const item of opts.expand) {
      const page = await collectionPage(graph, db, item.target, item.options, { set, row, nav: item.nav });
      const value = await render(graph, db, item.target, page.rows, item.options);
      if (!item.many) {
        json[item.nav] = value[0] ?? null;
        continue;
      }
      json[item.nav] = value;
      if (page.count !== undefined) json[`${item.nav}@iot.count`] = page.count;
      if (page.more) json[`${item.nav}@iot.nextLink`] = nextLink(`${String(row.json['@iot.selfLink'])}/${item.nav}`, item.options);
    }
    out.push(applySelect(json, opts.select));
  }
  return out;
}
