/**
 * @module api/sta/observations
 * Observations (readings) page by page in SQL: the `$filter` and `$orderby` compiled by
 * ./odata/sql.ts, the Datastream/FeatureOfInterest parts of a filter evaluated in memory over
 * the series and bound as an IN-list, one row more than the page fetched to know whether an
 * `@iot.nextLink` is due, the count only when `$count=true`.
 */
import { getObservation } from '../../store/analytics.js';
import type { Db } from '../../store/index.js';
import { staCountObservations, staObservations } from '../../store/sta.js';
import { observationRow, type Row } from './entities.js';
import type { EntityGraph } from './graph.js';
import type { EntitySet } from './model.js';
import { propertyPaths, type Expr } from './odata/ast.js';
import { test } from './odata/evaluate.js';
import { compileObservationFilter, compileObservationOrder, parseObservationId, seriesSql, type Series } from './odata/sql.js';
import type { QueryOptions } from './options.js';
import type { Page } from './query.js';

/** The series whose Observations an entity reaches (a Datastream: its own; a FeatureOfInterest: its station's). */
export function observationScope(graph: EntityGraph, set: EntitySet, row: Row): Series[] {
  if (set === 'Datastreams') return [{ stationId: row.stationId!, metric: row.metric! }];
  if (set === 'FeaturesOfInterest') return graph.metricsOf(row.stationId!).map((metric) => ({ stationId: row.stationId!, metric }));
  return [];
}

export async function observationPage(graph: EntityGraph, db: Db, opts: QueryOptions, scope?: readonly Series[]): Promise<Page> {
  const params: unknown[] = [];
  const conds: string[] = [];
  if (scope) conds.push(seriesSql(scope, params));
  if (opts.filter) {
    const seriesPaths = propertyPaths(opts.filter).filter((p) => p[0] === 'Datastream' || p[0] === 'FeatureOfInterest');
    let candidates: Row[] = [];
    if (seriesPaths.length > 0) {
      const stationIds = scope ? [...new Set(scope.map((s) => s.stationId))] : undefined;
      candidates = await graph.all('Datastreams', stationIds);
      await graph.prepare('Observations', seriesPaths, stationIds);
    }
    const series = (e: Expr): Series[] => candidates.filter((ds) => test(e, graph.resolver('Observations', ds))).map((ds) => ({ stationId: ds.stationId!, metric: ds.metric! }));
    conds.push(compileObservationFilter(opts.filter, params, series));
  }
  const where = conds.length > 0 ? conds.join(' AND ') : 'TRUE';
  const rows = opts.top === 0 ? [] : await staObservations(db, { where, params, orderBy: compileObservationOrder(opts.orderBy), limit: opts.top + 1, offset: opts.skip });
  return {
    rows: rows.slice(0, opts.top).map((r) => observationRow(graph.base, r)),
    more: rows.length > opts.top,
    ...(opts.count ? { count: await staCountObservations(db, { where, params }) } : {}),
  };
}

/** One Observation by its id `<station>:<metric>:<UTC time with µs>`. */
export async function observationById(graph: EntityGraph, db: Db, id: string): Promise<Row | undefined> {
  const key = parseObservationId(id);
  const raw = key ? await getObservation(db, key.stationId, key.metric, key.ts) : undefined;
  return raw ? observationRow(graph.base, raw) : undefined;
}
