/**
 * @module api/sta/resource
 * Resolves a parsed resource path (./path.ts) step by step against the data model: an entity
 * set, an entity by id (within its parent's navigation when there is one), a navigation
 * property (to-one → entity, to-many → collection), a property and its sub-properties.
 * An unknown name or id is a 404 `QT_ERR_NOT_FOUND` naming it.
 */
import { createError } from '../../lib/errors.js';
import type { Db } from '../../store/index.js';
import { selfLink, type Row } from './entities.js';
import type { EntityGraph } from './graph.js';
import { ENTITY_SETS, MODEL, type EntitySet } from './model.js';
import { observationById, observationScope } from './observations.js';
import type { ResourcePath } from './path.js';

export interface Parent {
  set: EntitySet;
  row: Row;
  nav: string;
}

export type Resource =
  | { kind: 'collection'; set: EntitySet; url: string; parent?: Parent }
  | { kind: 'entity'; set: EntitySet; row: Row }
  | { kind: 'property'; set: EntitySet; row: Row; path: string[] };

const notFound = (message: string) => createError('QT_ERR_NOT_FOUND', message);

async function pick(graph: EntityGraph, db: Db, c: Extract<Resource, { kind: 'collection' }>, id: string): Promise<Resource> {
  let row: Row | undefined;
  if (c.set === 'Observations') {
    row = await observationById(graph, db, id);
    if (row && c.parent && !observationScope(graph, c.parent.set, c.parent.row).some((s) => s.stationId === row!.stationId && s.metric === row!.metric)) row = undefined;
  } else if (c.parent) {
    row = (await graph.related(c.parent.set, c.parent.row, c.parent.nav)).find((r) => r.id === id);
  } else {
    row = await graph.get(c.set, id);
  }
  if (!row) throw notFound(`No ${MODEL[c.set].name} '${id}'${c.parent ? ` in ${c.url}` : ''}`);
  return { kind: 'entity', set: c.set, row };
}

export async function resolveResource(graph: EntityGraph, db: Db, path: ResourcePath): Promise<Resource> {
  const [first, ...rest] = path.segments;
  if (!first || !ENTITY_SETS.includes(first.name as EntitySet)) {
    throw notFound(`No SensorThings resource ${first?.name ?? ''} (served: ${ENTITY_SETS.join(', ')})`);
  }
  const set = first.name as EntitySet;
  let res: Resource = { kind: 'collection', set, url: `${graph.base}/${set}` };
  if (first.id !== undefined) res = await pick(graph, db, res, first.id);
  for (const seg of rest) {
    if (res.kind === 'collection') throw notFound(`${res.url} is a collection: address one entity, ${res.set}('id'), before /${seg.name}`);
    if (res.kind === 'property') {
      if (seg.id !== undefined || MODEL[res.set].properties[res.path[0]!] !== 'json') throw notFound(`${res.path.join('/')} has no sub-property ${seg.name}`);
      res = { ...res, path: [...res.path, seg.name] };
      continue;
    }
    const type = MODEL[res.set];
    const nav = type.navigation[seg.name];
    if (nav?.many) {
      const url = `${selfLink(graph.base, res.set, res.row.id)}/${seg.name}`;
      res = { kind: 'collection', set: nav.target, url, parent: { set: res.set, row: res.row, nav: seg.name } };
      if (seg.id !== undefined) res = await pick(graph, db, res, seg.id);
    } else if (nav) {
      if (seg.id !== undefined) throw notFound(`${seg.name} is a single entity: no id after it`);
      const row = (await graph.related(res.set, res.row, seg.name))[0];
      if (!row) throw notFound(`No ${seg.name} of ${type.name} '${res.row.id}'`);
      res = { kind: 'entity', set: nav.target, row };
    } else if (type.properties[seg.name] && seg.id === undefined) {
      res = { kind: 'property', set: res.set, row: res.row, path: [seg.name] };
    } else {
      throw notFound(`${type.name} has no property or navigation property ${seg.name} (${[...Object.keys(type.properties), ...Object.keys(type.navigation)].join(', ')})`);
    }
  }
  return res;
}
