/**
 * @module api/sta
 * OGC SensorThings API 1.1 (OGC 18-088), read only, at /sta/v1.1: the Sensing Core (every
 * entity set, navigation, property paths, `$value`, `$ref`) and the Filtering Extension
 * (`$filter` with the OData grammar of ./odata/, `$orderby`, `$select`, nested `$expand`,
 * `$top`, `$skip`, `$count`). The mapping onto stations and readings is in ./model.ts. Not
 * served: create/update/delete, batch, MultiDatastream, Data Array, the MQTT extension.
 * Collections answer `{ "@iot.count"?, "value": [...], "@iot.nextLink"? }`; bad input is a 400
 * `QT_ERR_QUERY_INVALID`, an unknown resource a 404 `QT_ERR_NOT_FOUND`.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { createError } from '../../lib/errors.js';
import { analystRateLimit } from '../plugins/analytics-rate-limit.js';
import { requireRole } from '../plugins/auth.js';
import type { HttpDeps } from '../index.js';
import { selfLink } from './entities.js';
import { EntityGraph } from './graph.js';
import { ENTITY_SETS, type EntitySet } from './model.js';
import { parseOptions, type QueryOptions } from './options.js';
import { parsePath } from './path.js';
import { collectionPage, nextLink, render } from './query.js';
import { resolveResource, type Resource } from './resource.js';

export const STA_BASE = '/sta/v1.1';

/** The requirement classes of OGC 18-088 served here (Sensing Core; Filtering Extension). */
export const CONFORMANCE = [
  'http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel',
  'http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities',
  'http://www.opengis.net/spec/iot_sensing/1.1/req/request-data',
];

const STA_SCHEMA = { tags: ['sensorthings'] };
type Query = Record<string, string | undefined>;

/** Options that make sense only on collections are refused elsewhere rather than ignored. */
function onlyOptions(query: Query, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(query)) if (!allowed.includes(k)) throw createError('QT_ERR_QUERY_INVALID', `${k}: not applicable to ${where}`);
}

export async function staRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const { db } = deps;
  const viewer = requireRole(deps.tokens, 'viewer');
  analystRateLimit(app, deps.config);

  app.get(STA_BASE, { preHandler: viewer, schema: { ...STA_SCHEMA, summary: 'SensorThings service root (entity sets and conformance)' } }, async (request) => {
    const base = `${request.protocol}://${request.host}${STA_BASE}`;
    return { value: ENTITY_SETS.map((name) => ({ name, url: `${base}/${name}` })), serverSettings: { conformance: CONFORMANCE } };
  });

  app.get<{ Params: { '*': string }; Querystring: Query }>(
    `${STA_BASE}/*`,
    {
      preHandler: viewer,
      schema: {
        ...STA_SCHEMA,
        summary:
          "SensorThings resources: /Things, /Things('id'), /Things('id')/Datastreams, /Things('id')/name/$value, /Things/$ref, … with $top $skip $count $orderby $select $expand $filter",
        querystring: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
    async (request, reply) => {
      const base = `${request.protocol}://${request.host}${STA_BASE}`;
      let raw = request.params['*'];
      try {
        raw = decodeURIComponent(raw);
      } catch {
        throw createError('QT_ERR_NOT_FOUND', `No SensorThings resource ${raw} (bad percent-encoding)`);
      }
      const path = parsePath(raw);
      const graph = new EntityGraph(deps, base);
      const res = await resolveResource(graph, db, path);
      const query = request.query;
      if (res.kind === 'property') return property(reply, res, path.value, path.ref, query);
      if (path.value) throw createError('QT_ERR_NOT_FOUND', "$value follows a property, e.g. Things('id')/name/$value");
      if (res.kind === 'entity') {
        if (path.ref) {
          onlyOptions(query, [], '$ref of one entity');
          return { '@iot.selfLink': selfLink(base, res.set, res.row.id) };
        }
        onlyOptions(query, ['$select', '$expand'], `one ${res.set.replace(/s$/, '')} (use the collection for $filter, $top…)`);
        return (await render(graph, db, res.set, [res.row], parseOptions(query, res.set)))[0];
      }
      if (path.ref) onlyOptions(query, ['$top', '$skip', '$count', '$filter', '$orderby'], '$ref (links only)');
      const opts: QueryOptions = parseOptions(query, res.set);
      const page = await collectionPage(graph, db, res.set, opts, res.parent);
      const value = path.ref ? page.rows.map((r) => ({ '@iot.selfLink': selfLink(base, res.set as EntitySet, r.id) })) : await render(graph, db, res.set, page.rows, opts);
      return {
        ...(page.count !== undefined ? { '@iot.count': page.count } : {}),
        value,
        ...(page.more ? { '@iot.nextLink': nextLink(`${res.url}${path.ref ? '/$ref' : ''}`, opts) } : {}),
      };
    },
  );
}

/** `/Things('x')/name` → `{ "name": … }`; with `/$value`, the bare value (text/plain; JSON for objects). */
function property(reply: FastifyReply, res: Extract<Resource, { kind: 'property' }>, raw: boolean, ref: boolean, query: Query) {
  if (ref) throw createError('QT_ERR_NOT_FOUND', '$ref follows an entity or a collection, not a property');
  onlyOptions(query, [], 'a property');
  let value: unknown = res.row.json[res.path[0]!];
  for (const sub of res.path.slice(1)) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[sub] : undefined;
  if (!raw) return { [res.path.at(-1)!]: value ?? null };
  if (value === undefined || value === null) return reply.code(204).send();
  if (typeof value === 'object') return value;
  return reply.type('text/plain; charset=utf-8').send(String(value));
}
