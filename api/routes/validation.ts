/**
 * @module api/routes/validation
 * Data validation (issue 18), a reviewer's work on a station's data (validation/service.ts):
 *   GET  /api/v1/stations/{id}/validation/series      ?from&to&metrics=a,b   the review chart's data (columnar), flags, windows, day levels
 *   GET  /api/v1/stations/{id}/validation             ?from&to   actions and approvals, newest first
 *   POST /api/v1/stations/{id}/validation/actions     (reviewer) invalidate or restore a range of metrics
 *   POST /api/v1/stations/{id}/validation/actions/{actionId}/undo   (reviewer)
 *   POST /api/v1/stations/{id}/validation/approvals   (reviewer) a day or month, level 1 or 2
 *   GET  /api/v1/stations/{id}/validation/report      ?month=YYYY-MM (JSON or CSV)
 *   GET  /api/v1/validation/report                    ?month=YYYY-MM every station's summary (JSON or CSV)
 * The check configuration and the scheduled windows are in api/routes/validation-config.ts.
 */
import { stringify } from 'csv-stringify/sync';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { withBom } from '../../analytics/csv-bom.js';
import { CHECK_CODES, INVALIDATION_REASONS } from '../../domain/validation/codes.js';
import type { ValidationAction } from '../../store/validation.js';
import type { Approval } from '../../store/validation-approvals.js';
import type { MetricReport, SummaryRow } from '../../validation/reads.js';
import type { ValidationService } from '../../validation/service.js';
import type { HttpDeps } from '../index.js';
import { ERROR_RESPONSE } from '../schemas/common.js';
import { STATION_ID_PARAMS } from '../schemas/stations.js';
import {
  ACTION,
  ACTION_BODY,
  ACTION_ID_PARAMS,
  APPROVAL,
  APPROVAL_BODY,
  COMMENT_BODY,
  RANGE_QUERY,
  REPORT_QUERY,
  SERIES,
  SERIES_QUERY,
  STATION_REPORT,
  SUMMARY_REPORT,
} from '../schemas/validation.js';
import { windowJson } from './validation-config.js';

const TAGS = ['validation'];

export function actionJson(a: ValidationAction) {
  return {
    id: a.id,
    action: a.action,
    metrics: a.metrics,
    from: a.from.toISOString(),
    to: a.to.toISOString(),
    reason: a.reason,
    comment: a.comment,
    username: a.username,
    at: a.at.toISOString(),
    undoes: a.undoes,
    undoneBy: a.undoneBy,
    rowsAffected: a.rowsAffected,
    before: a.before,
    after: a.after,
  };
}

export function approvalJson(a: Approval) {
  return {
    id: a.id,
    period: a.period,
    kind: a.kind,
    level: a.level,
    username: a.username,
    comment: a.comment,
    at: a.at.toISOString(),
    revokedAt: a.revokedAt?.toISOString() ?? null,
    revokedBy: a.revokedBy,
    revokedReason: a.revokedReason,
  };
}

/** The count columns shared by both CSV reports, in a fixed order. */
const COUNT_HEADER = [
  'expected',
  'total',
  'valid',
  'completeness',
  'flagged',
  ...CHECK_CODES.map((c) => `flagged_${c}`),
  'invalidated',
  ...INVALIDATION_REASONS.map((r) => `invalidated_${r}`),
  'calibrating',
  'fault',
  'out_of_range',
  'maintenance',
  'restored',
];
function countCells(m: Omit<MetricReport, 'metric'>): Array<string | number> {
  return [
    m.expected,
    m.total,
    m.valid,
    m.completeness ?? '',
    m.flaggedAny,
    ...CHECK_CODES.map((c) => m.flagged[c]),
    m.invalidatedAny,
    ...INVALIDATION_REASONS.map((r) => m.invalidated[r]),
    m.stationFlags.calibrating,
    m.stationFlags.fault,
    m.stationFlags.out_of_range,
    m.stationFlags.maintenance,
    m.restored,
  ];
}

/** CSV when asked by `format=csv`, or without `format` by `Accept: text/csv`. */
const wantsCsv = (request: FastifyRequest, format: string | undefined) => format === 'csv' || (format === undefined && /\btext\/csv\b/.test(request.headers.accept ?? ''));

function sendCsv(reply: FastifyReply, filename: string, rows: unknown[][], bom: boolean): FastifyReply {
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .send(withBom(stringify(rows), bom));
}

export async function validationRoutes(app: FastifyInstance, deps: HttpDeps & { validation: ValidationService }): Promise<void> {
  const v = deps.validation;
  type ReportQuery = { month: string; format?: 'json' | 'csv'; bom: boolean };

  app.get<{ Params: { id: string }; Querystring: { from?: string; to?: string; metrics?: string } }>(
    '/api/v1/stations/:id/validation/series',
    {
      config: { role: 'viewer' },
      schema: {
        tags: TAGS,
        summary: "A station's readings with their station flag, checks' bits and review state (columnar), the checks' details, scheduled windows and day levels (at most 32 days)",
        params: STATION_ID_PARAMS,
        querystring: SERIES_QUERY,
        response: { 200: SERIES, 400: ERROR_RESPONSE, 404: ERROR_RESPONSE },
      },
    },
    async (request) => {
      const q = request.query;
      const metrics =
        q.metrics === undefined
          ? undefined
          : q.metrics
              .split(',')
              .map((m) => m.trim())
              .filter((m) => m !== '');
      const r = await v.series(request.params.id, { from: q.from, to: q.to, metrics });
      return {
        stationId: r.stationId,
        timezone: r.timezone,
        from: r.from.toISOString(),
        to: r.to.toISOString(),
        metrics: r.metrics,
        flags: r.flags.map((f) => ({ metric: f.metric, ts: f.ts.toISOString(), check: f.check, version: f.version, detail: f.detail })),
        windows: r.windows.map(windowJson),
        levels: r.levels,
      };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { from?: string; to?: string } }>(
    '/api/v1/stations/:id/validation',
    {
      config: { role: 'viewer' },
      schema: {
        tags: TAGS,
        summary: "A station's validation history: reviewer actions (with counts before and after) and approvals, newest first; with from/to, those that overlap it",
        params: STATION_ID_PARAMS,
        querystring: { type: 'object', additionalProperties: false, properties: RANGE_QUERY },
        response: {
          200: { type: 'object', properties: { stationId: { type: 'string' }, actions: { type: 'array', items: ACTION }, approvals: { type: 'array', items: APPROVAL } } },
          400: ERROR_RESPONSE,
          404: ERROR_RESPONSE,
        },
      },
    },
    async (request) => {
      const r = await v.history(request.params.id, request.query);
      return { stationId: request.params.id, actions: r.actions.map(actionJson), approvals: r.approvals.map(approvalJson) };
    },
  );

  app.post<{ Params: { id: string }; Body: { action: 'invalidate' | 'restore'; metrics: string[]; from: string; to: string; reason?: string; comment?: string } }>(
    '/api/v1/stations/:id/validation/actions',
    {
      config: { role: 'reviewer' },
      schema: {
        tags: TAGS,
        summary: 'Invalidate (with a reason) or restore the readings of metrics over [from, to) (reviewer); aggregates and indices of the range are recomputed',
        description: `Reasons: ${INVALIDATION_REASONS.join(', ')}. Refused with nothing changed: an unknown reason (QT_ERR_VALIDATION_REASON), to in the future (QT_ERR_VALIDATION_FUTURE), a metric the station does not have (QT_ERR_METRIC_UNKNOWN), from ≥ to (QT_ERR_RANGE_INVALID), more than 366 days (QT_ERR_RANGE_TOO_LARGE).`,
        params: STATION_ID_PARAMS,
        body: ACTION_BODY,
        response: { 201: { type: 'object', properties: { action: ACTION } }, 400: ERROR_RESPONSE, 404: ERROR_RESPONSE },
      },
    },
    async (request, reply) => {
      const action = await v.applyAction(request.params.id, request.body, request.user!.sub);
      reply.code(201);
      return { action: actionJson(action) };
    },
  );

  app.post<{ Params: { id: string; actionId: number }; Body: { comment?: string } | undefined }>(
    '/api/v1/stations/:id/validation/actions/:actionId/undo',
    {
      config: { role: 'reviewer' },
      schema: {
        tags: TAGS,
        summary: 'Undo an action (reviewer): the readings get back exactly the review states they had before it; recorded as a new action',
        description: 'Refused with QT_ERR_CONFLICT when the action was already undone or a later action changed the same readings (undo that one first).',
        params: ACTION_ID_PARAMS,
        body: COMMENT_BODY,
        response: { 201: { type: 'object', properties: { action: ACTION } }, 400: ERROR_RESPONSE, 404: ERROR_RESPONSE, 409: ERROR_RESPONSE },
      },
    },
    async (request, reply) => {
      const action = await v.undo(request.params.id, request.params.actionId, request.user!.sub, request.body?.comment);
      reply.code(201);
      return { action: actionJson(action) };
    },
  );

  app.post<{ Params: { id: string }; Body: { period: string; level: 1 | 2; comment?: string } }>(
    '/api/v1/stations/:id/validation/approvals',
    {
      config: { role: 'reviewer' },
      schema: {
        tags: TAGS,
        summary: "Approve a station's local day or month (reviewer): level 1 reviewed, level 2 approved by a second person",
        description:
          'Refused: level 2 without a current level 1 (QT_ERR_APPROVAL_ORDER) or by the user who gave level 1 (QT_ERR_APPROVAL_SAME_USER); a period not over yet (QT_ERR_VALIDATION_FUTURE); a current approval of that level already (QT_ERR_CONFLICT). A later flag change in the period revokes it.',
        params: STATION_ID_PARAMS,
        body: APPROVAL_BODY,
        response: { 201: { type: 'object', properties: { approval: APPROVAL } }, 400: ERROR_RESPONSE, 404: ERROR_RESPONSE, 409: ERROR_RESPONSE },
      },
    },
    async (request, reply) => {
      const approval = await v.approve(request.params.id, request.body, request.user!.sub);
      reply.code(201);
      return { approval: approvalJson(approval) };
    },
  );

  app.get<{ Params: { id: string }; Querystring: ReportQuery }>(
    '/api/v1/stations/:id/validation/report',
    {
      config: { role: 'viewer' },
      schema: {
        tags: TAGS,
        summary:
          "A station's monthly validation report per metric: expected, valid, flagged per check, invalidated per reason, station flags, restored, completeness; day and month levels",
        params: STATION_ID_PARAMS,
        querystring: REPORT_QUERY,
        response: STATION_REPORT,
      },
    },
    async (request, reply) => {
      const q = request.query;
      const r = await v.stationReport(request.params.id, q.month);
      if (wantsCsv(request, q.format)) {
        const rows = r.metrics.map((m) => [r.stationId, r.month, r.timezone, m.metric, ...countCells(m), r.level]);
        return sendCsv(reply, `quantrac-validation-${r.stationId}-${r.month}.csv`, [['station', 'month', 'timezone', 'metric', ...COUNT_HEADER, 'month_level'], ...rows], q.bom);
      }
      return { ...r, from: r.from.toISOString(), to: r.to.toISOString() };
    },
  );

  app.get<{ Querystring: ReportQuery }>(
    '/api/v1/validation/report',
    {
      config: { role: 'viewer' },
      schema: {
        tags: TAGS,
        summary: "Every station's monthly validation summary (the per-station report's numbers summed over its metrics), in each station's local month",
        querystring: REPORT_QUERY,
        response: SUMMARY_REPORT,
      },
    },
    async (request, reply) => {
      const q = request.query;
      const r = await v.summaryReport(q.month);
      if (wantsCsv(request, q.format)) {
        const rows = r.stations.map((s: SummaryRow) => [s.stationId, s.name, s.profile, r.month, s.timezone, ...countCells(s), s.level]);
        return sendCsv(reply, `quantrac-validation-${r.month}.csv`, [['station', 'name', 'profile', 'month', 'timezone', ...COUNT_HEADER, 'month_level'], ...rows], q.bom);
      }
      return r;
    },
  );
}
