/**
 * @module api/routes/validation-config
 * The automatic checks' configuration and the scheduled windows (issue 18; validation/qc-ops.ts):
 *   GET    /api/v1/validation/config                  the JSON Schema, the shipped defaults and every stored scope
 *   PUT    /api/v1/validation/config/{scope}          (reviewer) a scope's partial configuration: default, profile:<id>, station:<id>
 *   GET    /api/v1/stations/{id}/validation/config    the station's effective configuration
 *   GET    /api/v1/stations/{id}/validation/windows   ?from&to
 *   POST   /api/v1/stations/{id}/validation/windows   (operator) a calibration or maintenance window
 *   DELETE /api/v1/stations/{id}/validation/windows/{windowId}   (operator) cancels it
 * An invalid configuration is refused with QT_ERR_QC_CONFIG_INVALID and `details.errors: [{ path,
 * message }]` naming each field.
 */
import type { FastifyInstance } from 'fastify';
import type { QcWindow } from '../../store/qc-windows.js';
import type { ValidationService, WindowInput } from '../../validation/service.js';
import type { HttpDeps } from '../index.js';
import { ERROR_RESPONSE, FREE_OBJECT, INT_ID, NO_CONTENT, TIME } from '../schemas/common.js';
import { STATION_ID_PARAMS } from '../schemas/stations.js';
import { RANGE_QUERY, WINDOW } from '../schemas/validation.js';

const TAGS = ['validation'];

export function windowJson(w: QcWindow) {
  return {
    id: w.id,
    stationId: w.stationId,
    metrics: w.metrics,
    from: w.from.toISOString(),
    to: w.to.toISOString(),
    kind: w.kind,
    comment: w.comment,
    createdBy: w.createdBy,
    createdAt: w.createdAt.toISOString(),
    cancelledAt: w.cancelledAt?.toISOString() ?? null,
    cancelledBy: w.cancelledBy,
  };
}

const SCOPE = {
  type: 'object',
  properties: { scope: { type: 'string' }, config: FREE_OBJECT, version: { type: 'integer' }, updatedBy: { type: 'string' }, updatedAt: TIME },
} as const;

const WINDOW_BODY = {
  type: 'object',
  required: ['from', 'to', 'kind'],
  additionalProperties: false,
  properties: {
    metrics: { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 64 }, description: 'default: every metric' },
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    kind: { enum: ['calibration', 'maintenance'] },
    comment: { type: 'string', maxLength: 1000 },
  },
} as const;

export async function validationConfigRoutes(app: FastifyInstance, deps: HttpDeps & { validation: ValidationService }): Promise<void> {
  const v = deps.validation;

  app.get(
    '/api/v1/validation/config',
    {
      config: { role: 'viewer' },
      schema: {
        tags: TAGS,
        summary: "The automatic checks' configuration: its JSON Schema, the shipped defaults and every stored scope (default < profile < station)",
        response: { 200: { type: 'object', properties: { schema: FREE_OBJECT, defaults: FREE_OBJECT, scopes: { type: 'array', items: SCOPE } } } },
      },
    },
    async () => {
      const r = await v.qcConfig();
      return { schema: r.schema, defaults: r.defaults, scopes: r.scopes.map((s) => ({ ...s, updatedAt: s.updatedAt.toISOString() })) };
    },
  );

  app.put<{ Params: { scope: string }; Body: unknown }>(
    '/api/v1/validation/config/:scope',
    {
      config: { role: 'reviewer' },
      schema: {
        tags: TAGS,
        summary: "Replace a scope's configuration (reviewer): 'default', 'profile:<id>' or 'station:<id>', any subset of any check",
        description: 'Checked against GET /api/v1/validation/config `schema`; refused with QT_ERR_QC_CONFIG_INVALID and details.errors [{ path, message }] naming each field.',
        params: { type: 'object', required: ['scope'], properties: { scope: { type: 'string', minLength: 1, maxLength: 80 } } },
        body: { ...FREE_OBJECT, description: 'a partial configuration (see the schema)' },
        response: { 200: { type: 'object', properties: { scope: { type: 'string' }, config: FREE_OBJECT, version: { type: 'integer' } } }, 400: ERROR_RESPONSE },
      },
    },
    async (request) => {
      const saved = await v.putQcConfig(request.params.scope, request.body, request.user!.sub);
      return { scope: saved.scope, config: saved.config, version: saved.version };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/stations/:id/validation/config',
    {
      config: { role: 'viewer' },
      schema: {
        tags: TAGS,
        summary: "A station's effective check configuration (the shipped defaults < default < its profile's < its own scope)",
        params: STATION_ID_PARAMS,
        response: { 200: { type: 'object', properties: { stationId: { type: 'string' }, profile: { type: 'string' }, config: FREE_OBJECT } }, 404: ERROR_RESPONSE },
      },
    },
    async (request) => v.stationQcConfig(request.params.id),
  );

  app.get<{ Params: { id: string }; Querystring: { from?: string; to?: string } }>(
    '/api/v1/stations/:id/validation/windows',
    {
      config: { role: 'viewer' },
      schema: {
        tags: TAGS,
        summary: "A station's calibration and maintenance windows (cancelled ones too), newest first; with from/to, those that intersect it",
        params: STATION_ID_PARAMS,
        querystring: { type: 'object', additionalProperties: false, properties: RANGE_QUERY },
        response: { 200: { type: 'object', properties: { data: { type: 'array', items: WINDOW } } }, 400: ERROR_RESPONSE, 404: ERROR_RESPONSE },
      },
    },
    async (request) => ({ data: (await v.windows(request.params.id, request.query)).map(windowJson) }),
  );

  app.post<{ Params: { id: string }; Body: WindowInput }>(
    '/api/v1/stations/:id/validation/windows',
    {
      config: { role: 'operator' },
      schema: {
        tags: TAGS,
        summary: 'Schedule a calibration or maintenance window (operator): readings inside it are flagged (check `window`), those already stored at once',
        params: STATION_ID_PARAMS,
        body: WINDOW_BODY,
        response: { 201: { type: 'object', properties: { window: WINDOW } }, 400: ERROR_RESPONSE, 404: ERROR_RESPONSE },
      },
    },
    async (request, reply) => {
      const w = await v.addWindow(request.params.id, request.body, request.user!.sub);
      reply.code(201);
      return { window: windowJson(w) };
    },
  );

  app.delete<{ Params: { id: string; windowId: number } }>(
    '/api/v1/stations/:id/validation/windows/:windowId',
    {
      config: { role: 'operator' },
      schema: {
        tags: TAGS,
        summary: 'Cancel a window (operator): the flags it set are cleared',
        params: { type: 'object', required: ['id', 'windowId'], properties: { id: STATION_ID_PARAMS.properties.id, windowId: INT_ID } },
        response: { ...NO_CONTENT, 404: ERROR_RESPONSE, 409: ERROR_RESPONSE },
      },
    },
    async (request, reply) => {
      await v.cancelWindow(request.params.id, request.params.windowId, request.user!.sub);
      return reply.code(204).send();
    },
  );
}
