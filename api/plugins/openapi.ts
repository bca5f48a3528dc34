/**
 * @module api/plugins/openapi
 * The options of @fastify/swagger (api/plugins/common.ts): the OpenAPI 3.1 document's head, and
 * what every operation gets without each route repeating it, so that strict tools
 * (swagger-parser, redocly, openapi-generator, openapi-typescript; test/openapi.test.ts) accept it:
 *
 * - `transform` (per route): web pages and wildcard routes hidden (the SensorThings catch-all
 *   `/sta/v1.1/*` is one route for a whole URL grammar: docs/API.md describes it); a tag from the
 *   path when the route has none; an operationId; `security` from the route's role (anonymous
 *   routes declare none); the error answers the route can give (401/403 with a role, 400 with a
 *   schema, 404 with a path parameter, 413/415 with a body, 429 where a rate limit applies, and
 *   the route's own, ROUTE_ERRORS) as `x-quantrac-errors`;
 * - `transformObject` (whole document): those turned into references to one `ErrorResponse`
 *   component per status, and only the components that are used.
 *
 * A route without a summary gets `METHOD path` (GENERATED_SUMMARY_PREFIX marks none: the test
 * lists them); every route in api/routes and api/open declares its own.
 */
import type { FastifyDynamicSwaggerOptions, SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger';
import type { RouteOptions } from 'fastify';
import { ERROR_CATALOGUE } from '../../lib/errors.js';
import { ERROR_RESPONSE } from '../schemas/common.js';
import { RULE_BODY } from '../schemas/alerts.js';

type Json = Record<string, unknown>;

/** The document's tags, each with its description (redocly: tag-description, operation-tag-defined). */
export const OPENAPI_TAGS = [
  { name: 'auth', description: 'sign-in: bearer tokens and browser sessions' },
  { name: 'stations', description: 'stations, device profiles, the overview of live states' },
  { name: 'readings', description: 'raw readings, aggregates with coverage, export, completeness, conflicts' },
  { name: 'tokens', description: "analysts' read-only API tokens" },
  { name: 'sensorthings', description: 'OGC SensorThings API 1.1, read subset, under /sta/v1.1 (resource paths: docs/API.md)' },
  { name: 'alerts', description: 'alerts, rules, silences, air and water quality indices' },
  { name: 'bulletins', description: 'daily and monthly bulletins (HTML, CSV, PDF)' },
  { name: 'validation', description: "data validation (QA/QC): review series, reviewers' actions and approvals, monthly reports, check configuration, calibration windows" },
  { name: 'notifications', description: 'contact points, routing policies, mute timings, on-call schedules, escalation' },
  { name: 'users', description: 'user accounts (admin)' },
  { name: 'ingest', description: 'HTTP ingest for gateways (station credentials)' },
  { name: 'ops', description: 'health, metrics, quarantine, backup' },
  { name: 'audit', description: 'the audit log (admin)' },
  { name: 'open-data', description: 'open data, anonymous (no authentication), CORS, licence in every answer: /open/v1; admin settings under /api/v1/open' },
] as const;

/** Path prefixes → tag, for routes that declare none (longest first). */
const TAG_BY_PREFIX: ReadonlyArray<[string, string]> = [
  ['/api/v1/notifications', 'notifications'],
  ['/api/v1/open', 'open-data'],
  ['/api/v1/admin', 'ops'],
  ['/api/v1/auth', 'auth'],
  ['/api/v1/users', 'users'],
  ['/api/v1/ingest', 'ingest'],
  ['/api/v1/tokens', 'tokens'],
  ['/api/v1/bulletins', 'bulletins'],
  ['/api/v1/quarantine', 'ops'],
  ['/api/v1/audit', 'audit'],
  ['/api/v1/alerts', 'alerts'],
  ['/api/v1/rules', 'alerts'],
  ['/api/v1/silences', 'alerts'],
  ['/api/v1/overview', 'stations'],
  ['/api/v1/profiles', 'stations'],
  ['/api/v1/stations', 'stations'],
  ['/sta/', 'sensorthings'],
  ['/open/', 'open-data'],
  ['/', 'ops'],
];

/** Routes with a per-token or per-address rate limit (429 QT_ERR_RATE_LIMITED), or a login guard. */
const RATE_LIMITED = [
  /^\/api\/v1\/(readings|export|completeness|tokens)/,
  /^\/api\/v1\/stations/,
  /^\/sta\//,
  /^\/open\//,
  /^\/api\/v1\/auth\/(login|session)$/,
  /^\/api\/v1\/ingest$/,
];

/** What a route answers besides the errors derived from its schema and role: `METHOD url` → statuses. */
const ROUTE_ERRORS: Readonly<Record<string, readonly number[]>> = {
  'POST /api/v1/auth/login': [401],
  'POST /api/v1/auth/session': [401],
  'GET /api/v1/auth/session': [401],
  'POST /api/v1/stations': [409, 422],
  'DELETE /api/v1/tokens/:id': [409],
  'POST /api/v1/tokens': [404],
  'POST /api/v1/alerts/:id/ack': [409],
  'POST /api/v1/alerts/:id/resolve': [409],
  'POST /api/v1/rules': [409],
  'PUT /api/v1/rules/:id': [404],
  'DELETE /api/v1/rules/:id': [404],
  'POST /api/v1/silences': [404],
  'POST /api/v1/ingest': [401, 422, 503],
  'POST /api/v1/admin/backup': [409],
  'POST /api/v1/bulletins': [404],
  'GET /healthz': [503],
};

/**
 * Request bodies that a route reads and validates itself rather than through its schema (so that
 * the refusal keeps its own code): documented here, not validated by fastify.
 */
const DOCUMENTED_BODIES: Readonly<Record<string, Json>> = {
  'POST /api/v1/rules': RULE_BODY,
  'PUT /api/v1/rules/:id': RULE_BODY,
  'POST /api/v1/ingest': { description: 'the readings payload, as over MQTT: one reading object or an array of them (any content type; read as JSON)' },
};

/** Web pages and what serves them (HTML, assets, Swagger UI, the document itself): not operations. */
const WEB_PAGES = [
  /^\/$/,
  /^\/(alerts|bulletins|open-data|notifications)$/,
  /^\/stations\/:id$/,
  /^\/public\/?$/,
  /^\/ack\//,
  /^\/api\/docs/,
  /^\/api\/openapi\.json$/,
  /^\/red(\/|$)/,
  /^\/assets\//,
];

/** The SensorThings options (api/sta/options.ts) as the document shows them; the catch-all route takes any query. */
const STA_QUERY = {
  type: 'object',
  properties: {
    $top: { type: 'integer', minimum: 0, description: 'page size' },
    $skip: { type: 'integer', minimum: 0 },
    $count: { enum: ['true', 'false'] },
    $orderby: { type: 'string' },
    $select: { type: 'string' },
    $expand: { type: 'string' },
    $filter: { type: 'string', description: 'OData filter (OGC 18-088 §9.3.3.5)' },
    $resultFormat: { type: 'string' },
  },
} as const;

/**
 * The SensorThings catch-all `/sta/v1.1/*` is one route for the whole resource-path grammar: the
 * document shows it as `/sta/v1.1/{resource}` (an entity set, an entity, navigation, `$value`,
 * `$ref`; docs/API.md) with the query options, rather than a `*` parameter and free-form query.
 */
function staCatchAll(s: Json): { schema: Json; url: string } {
  const schema: Json = {
    ...s,
    params: {
      type: 'object',
      required: ['resource'],
      properties: { resource: { type: 'string', description: "e.g. Things, Things('S-1')/Datastreams, Observations(12)/result/$value (see docs/API.md)" } },
    },
    querystring: STA_QUERY,
  };
  return { schema, url: '/sta/v1.1/:resource' };
}

/** The role a route checks: `config.role`, or the tag of an older `requireRole` preHandler (api/plugins/auth.ts). */
function roleOf(route: RouteOptions): string | undefined {
  const declared = (route.config as { role?: string } | undefined)?.role;
  if (declared) return declared;
  const hooks: unknown[] = route.preHandler === undefined ? [] : Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler];
  for (const hook of hooks) {
    const role = (hook as { requiredRole?: string }).requiredRole;
    if (role) return role;
  }
  return undefined;
}

/** `GET /api/v1/stations/:id/readings` → `getApiV1StationsIdReadings`. */
export function operationId(method: string, url: string): string {
  const words = url.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

/** Names of the error response components: `Error400`… */
const errorRef = (status: number) => `#/components/responses/Error${status}`;

/** The catalogue's codes for a status, for the response's description. */
function codesOf(status: number): string[] {
  return Object.entries(ERROR_CATALOGUE)
    .filter(([, v]) => v.status === status)
    .map(([k]) => k);
}

/** @fastify/swagger `transform`: one route → its operation's schema (or hidden). */
export function transformRoute({ schema, url, route }: { schema: Json | undefined; url: string; route: RouteOptions }): { schema: Json; url: string } {
  let s: Json = { ...(schema ?? {}) };
  if (url === '/sta/v1.1/*') ({ schema: s, url } = staCatchAll(s));
  if (url.includes('*') || WEB_PAGES.some((re) => re.test(url))) return { schema: { ...s, hide: true }, url };
  const method = (Array.isArray(route.method) ? route.method[0] : route.method) as string;
  s['tags'] ??= [TAG_BY_PREFIX.find(([prefix]) => url.startsWith(prefix))?.[1] ?? 'ops'];
  s['summary'] ??= `${method} ${url}`;
  if (s['body'] === undefined && DOCUMENTED_BODIES[`${method} ${url}`]) s['body'] = DOCUMENTED_BODIES[`${method} ${url}`];
  s['operationId'] ??= operationId(method, url);
  const role = roleOf(route);
  s['security'] ??= role ? [{ bearer: [] }, { cookie: [] }] : [];
  const errors = new Set<number>(ROUTE_ERRORS[`${method} ${url}`] ?? []);
  if (role) errors.add(401).add(403);
  // a route that checks its own credentials (login, session, ingest) refuses missing ones with 401
  if (Array.isArray(s['security']) && (s['security'] as unknown[]).length > 0) errors.add(401);
  if (url === '/api/v1/auth/session/renew') errors.add(403);
  if (s['querystring'] || s['params'] || s['body']) errors.add(400);
  if (s['params'] || url.includes(':')) errors.add(404);
  if (s['body']) errors.add(413).add(415);
  if (RATE_LIMITED.some((re) => re.test(url))) errors.add(429);
  for (const status of Object.keys((s['response'] as Json | undefined) ?? {})) if (/^[45]\d\d$/.test(status)) errors.add(Number(status));
  s['x-quantrac-errors'] = [...errors].sort();
  return { schema: s, url };
}

/** @fastify/swagger `transformObject`: the errors as references to shared components, and the components themselves. */
export function transformDocument({ openapiObject }: { openapiObject: Json }): Json {
  const used = new Set<number>();
  for (const item of Object.values((openapiObject['paths'] ?? {}) as Record<string, Record<string, Json>>)) {
    for (const op of Object.values(item)) {
      if (typeof op !== 'object' || op === null || !('responses' in op)) continue;
      const responses = op['responses'] as Json;
      const errors = (op['x-quantrac-errors'] as number[] | undefined) ?? [];
      delete op['x-quantrac-errors'];
      for (const status of errors) {
        responses[String(status)] = { $ref: errorRef(status) };
        used.add(status);
      }
    }
  }
  const components = (openapiObject['components'] ?? {}) as Json;
  const responses: Json = {};
  for (const status of [...used].sort()) {
    const codes = codesOf(status);
    responses[`Error${status}`] = {
      description: `${codes
        .map((c) => ERROR_CATALOGUE[c as keyof typeof ERROR_CATALOGUE].message)
        .filter((m, i, all) => all.indexOf(m) === i)
        .join('; ')} (${codes.join(', ')})`,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } },
    };
  }
  openapiObject['components'] = { ...components, schemas: { ...((components['schemas'] as Json | undefined) ?? {}), ErrorResponse: ERROR_RESPONSE }, responses };
  return openapiObject;
}

/** The head of the document: version, info, servers, security schemes, tags. */
export const OPENAPI_HEAD = {
  openapi: '3.1.0',
  info: {
    title: 'Quantrac API',
    version: '1',
    license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    description:
      'Environmental monitoring stations, readings, aggregates with coverage, exports, completeness, alerts, bulletins, notifications, open data (/open/v1, anonymous) and OGC SensorThings API 1.1 (read) under /sta/v1.1 (its resource paths are described in docs/API.md). ' +
      'Errors: `{ "error": { "code", "message", "details"? } }` with a code of the catalogue (docs/API.md). Authenticate with `Authorization: Bearer <token>` (POST /api/v1/auth/login), an API token `qtk_…` (POST /api/v1/tokens; read-only), or the browser session cookie (POST /api/v1/auth/session; writes also need `X-Requested-With`).',
  },
  servers: [{ url: '/', description: 'this server' }],
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'a session token (POST /api/v1/auth/login) or an API token qtk_… (read-only)' },
      station: { type: 'http', scheme: 'basic', description: 'HTTP ingest only: the station id and its secret (the MQTT credentials)' },
      cookie: { type: 'apiKey', in: 'cookie', name: 'qt_session', description: 'the browser session (POST /api/v1/auth/session); writes also need the X-Requested-With header' },
    },
  },
  security: [{ bearer: [] }, { cookie: [] }],
  tags: OPENAPI_TAGS.map((t) => ({ ...t })),
};

/** What api/plugins/common.ts registers @fastify/swagger with. */
export const SWAGGER_OPTIONS: FastifyDynamicSwaggerOptions = {
  openapi: OPENAPI_HEAD as unknown as FastifyDynamicSwaggerOptions['openapi'],
  transform: transformRoute as unknown as SwaggerTransform,
  transformObject: transformDocument as unknown as SwaggerTransformObject,
};
