/**
 * @module api/routes/alerts
 *   GET    /api/v1/alerts                ?state=open|pending|firing|acknowledged|resolved&station=&severity=&rule=&before=&limit=
 *   GET    /api/v1/alerts/{id}           the alert with its history
 *   POST   /api/v1/alerts/{id}/ack       (operator) { comment }
 *   POST   /api/v1/alerts/{id}/resolve   (operator) { reason }
 *   GET    /api/v1/rules                 every rule with origin (pack/user)
 *   GET    /api/v1/rules/schema          the JSON Schema rules follow
 *   GET    /api/v1/rules/{id}
 *   POST   /api/v1/rules                 (admin) a rule (see README: rule format)
 *   PUT    /api/v1/rules/{id}            (admin)
 *   DELETE /api/v1/rules/{id}            (admin) resolves its open alerts
 *   GET    /api/v1/silences
 *   POST   /api/v1/silences              (operator) { station?, rule?, startsAt?, endsAt, comment }
 *   DELETE /api/v1/silences/{id}         (operator)
 *   GET    /api/v1/stations/{id}/aqi     ?period=hour|day&index=vn|us&from=&to=
 */
import type { FastifyInstance } from 'fastify';
import { RULE_JSON_SCHEMA } from '../../alerts/rules/schema.js';
import { VN_AQI_CATEGORIES, US_AQI_CATEGORIES, VN_WQI_CLASSES } from '../../domain/indices/index.js';
import { createError } from '../../lib/errors.js';
import { operatorMessage } from '../../domain/alerts.js';
import { getAlert, listAlertEvents, listAlerts, type AlertEvent, type AlertRecord, type AlertState } from '../../store/alerts.js';
import { queryDailyIndex, queryHourlyIndex } from '../../store/indices.js';
import type { Silence } from '../../store/alerts.js';
import type { HttpDeps } from '../index.js';
import { FREE_OBJECT, INT_ID_PARAMS, NO_CONTENT } from '../schemas/common.js';
import { STATION_ID_PARAMS } from '../schemas/stations.js';
import { ALERTS_QUERY, ALERT_DETAIL, ALERT_LIST, ALERT_ONE, INDEX_SERIES, RULE_LIST, RULE_VIEW, SILENCE, SILENCE_LIST } from '../schemas/alerts.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * The unit of an alert's value: its rule's metric's unit in the station's device profile (µg/m³,
 * mg/L, m, ‰…); null for rules without a metric (no data, device status, indices).
 */
export function alertUnitOf(deps: {
  alerts: Pick<HttpDeps['alerts'], 'getRule'>;
  directory: HttpDeps['directory'];
  profiles: HttpDeps['profiles'];
}): (a: AlertRecord) => string | null {
  return (a) => {
    const metric = (deps.alerts.getRule(a.ruleId)?.rule as { metric?: unknown } | undefined)?.metric;
    if (typeof metric !== 'string') return null;
    const station = deps.directory.get(a.stationId);
    const unit = station ? deps.profiles.get(station.profileId)?.profile.metrics[metric]?.unit : undefined;
    return unit ?? null;
  };
}

/** The alert as the API and the live stream send it: the message without the packs' verification tags, the value with its unit. */
export function alertJson(a: AlertRecord, unit: string | null = null) {
  return {
    id: a.id,
    station: a.stationId,
    rule: a.ruleId,
    state: a.state,
    severity: a.severity,
    level: a.level,
    value: a.value,
    unit,
    message: operatorMessage(a.message),
    silenced: a.silenced,
    openedAt: a.openedAt.toISOString(),
    firingAt: iso(a.firingAt),
    clearingSince: iso(a.clearSince),
    acknowledged: a.ackedAt ? { at: a.ackedAt.toISOString(), by: a.ackedBy, comment: a.ackComment } : null,
    resolved: a.resolvedAt ? { at: a.resolvedAt.toISOString(), by: a.resolvedBy, reason: a.resolvedReason } : null,
    projectedAt: iso(a.projectedAt),
    updatedAt: a.updatedAt.toISOString(),
  };
}

const eventJson = (e: AlertEvent) => ({
  at: e.at.toISOString(),
  type: e.type,
  from: e.fromState,
  to: e.toState,
  severity: e.severity,
  actor: e.actor,
  comment: e.comment,
  value: e.value,
  evidence: e.evidence,
});

const silenceJson = (s: Silence) => ({
  id: s.id,
  station: s.stationId,
  rule: s.ruleId,
  startsAt: s.startsAt.toISOString(),
  endsAt: s.endsAt.toISOString(),
  comment: s.comment,
  createdBy: s.createdBy,
  createdAt: s.createdAt.toISOString(),
});

const idParam = INT_ID_PARAMS;
const RULE_ID_PARAMS = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 80 } } } as const;

export async function alertRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const { db, alerts, directory } = deps;
  const unitOf = alertUnitOf(deps);
  const json = (a: AlertRecord) => alertJson(a, unitOf(a));

  app.get<{ Querystring: { state?: string; station?: string; severity?: 'info' | 'warning' | 'critical'; rule?: string; before?: number; limit: number } }>(
    '/api/v1/alerts',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['alerts'],
        summary: 'Alerts, newest first, filtered by state (open = pending, firing or acknowledged), station, severity, rule; paged by `before`',
        querystring: ALERTS_QUERY,
        response: { 200: ALERT_LIST },
      },
    },
    async (request) => {
      const q = request.query;
      const states: AlertState[] | undefined = q.state === 'open' ? ['pending', 'firing', 'acknowledged'] : q.state ? [q.state as AlertState] : undefined;
      const rows = await listAlerts(db, { states, stationId: q.station, severity: q.severity, ruleId: q.rule, beforeId: q.before, limit: q.limit });
      return { data: rows.map(json), next: rows.length === q.limit ? rows[rows.length - 1]!.id : null };
    },
  );

  app.get<{ Params: { id: number } }>(
    '/api/v1/alerts/:id',
    { config: { role: 'viewer' }, schema: { tags: ['alerts'], summary: 'An alert with its rule and its history', params: idParam, response: { 200: ALERT_DETAIL } } },
    async (request) => {
      const a = await getAlert(db, request.params.id);
      if (!a) throw createError('QT_ERR_NOT_FOUND', `Alert ${request.params.id} does not exist`);
      const rule = alerts.getRule(a.ruleId)?.rule;
      return { alert: json(a), rule: rule ?? null, history: (await listAlertEvents(db, a.id)).map(eventJson) };
    },
  );

  app.post<{ Params: { id: number }; Body: { comment: string } }>(
    '/api/v1/alerts/:id/ack',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['alerts'],
        summary: 'Acknowledge an alert (operator), with a comment',
        response: { 200: ALERT_ONE },
        params: idParam,
        body: { type: 'object', required: ['comment'], additionalProperties: false, properties: { comment: { type: 'string', minLength: 1, maxLength: 2000 } } },
      },
    },
    async (request) => ({ alert: json(await alerts.acknowledge(request.params.id, request.user!.sub, request.body.comment)) }),
  );

  app.post<{ Params: { id: number }; Body: { reason: string } }>(
    '/api/v1/alerts/:id/resolve',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['alerts'],
        summary: 'Resolve an alert by hand (operator), with a reason',
        response: { 200: ALERT_ONE },
        params: idParam,
        body: { type: 'object', required: ['reason'], additionalProperties: false, properties: { reason: { type: 'string', minLength: 1, maxLength: 2000 } } },
      },
    },
    async (request) => ({ alert: json(await alerts.resolve(request.params.id, request.user!.sub, request.body.reason)) }),
  );

  // ---- rules ----
  app.get(
    '/api/v1/rules',
    { config: { role: 'viewer' }, schema: { tags: ['alerts'], summary: 'Every rule, with its origin (pack or user)', response: { 200: RULE_LIST } } },
    async () => ({ data: alerts.listRules() }),
  );
  app.get(
    '/api/v1/rules/schema',
    { config: { role: 'viewer' }, schema: { tags: ['alerts'], summary: 'The JSON Schema that rules follow', response: { 200: { ...FREE_OBJECT, description: 'a JSON Schema' } } } },
    async () => RULE_JSON_SCHEMA,
  );
  app.get<{ Params: { id: string } }>(
    '/api/v1/rules/:id',
    { config: { role: 'viewer' }, schema: { tags: ['alerts'], summary: 'A rule, with its origin', params: RULE_ID_PARAMS, response: { 200: RULE_VIEW } } },
    async (request) => {
      const r = alerts.getRule(request.params.id);
      if (!r) throw createError('QT_ERR_NOT_FOUND', `Rule ${request.params.id} does not exist`);
      return r;
    },
  );
  app.post(
    '/api/v1/rules',
    {
      config: { role: 'admin' },
      schema: { tags: ['alerts'], summary: 'Create a rule (admin); the engine validates it against GET /api/v1/rules/schema', response: { 201: RULE_VIEW } },
    },
    async (request, reply) => {
      const saved = await alerts.saveRule(request.body, request.user!.sub, 'insert');
      reply.code(201);
      return saved;
    },
  );
  app.put<{ Params: { id: string } }>(
    '/api/v1/rules/:id',
    { config: { role: 'admin' }, schema: { tags: ['alerts'], summary: 'Replace a rule (admin)', params: RULE_ID_PARAMS, response: { 200: RULE_VIEW } } },
    async (request) => alerts.saveRule(request.body, request.user!.sub, 'update', request.params.id),
  );
  app.delete<{ Params: { id: string } }>(
    '/api/v1/rules/:id',
    { config: { role: 'admin' }, schema: { tags: ['alerts'], summary: 'Delete a rule (admin); its open alerts are resolved', params: RULE_ID_PARAMS, response: NO_CONTENT } },
    async (request, reply) => {
      await alerts.deleteRule(request.params.id);
      reply.code(204);
    },
  );

  // ---- silences ----
  app.get(
    '/api/v1/silences',
    { config: { role: 'viewer' }, schema: { tags: ['alerts'], summary: 'Silences (current and future)', response: { 200: SILENCE_LIST } } },
    async () => ({ data: alerts.listSilences().map(silenceJson) }),
  );
  app.post<{ Body: { station?: string; rule?: string; startsAt?: string; endsAt: string; comment: string } }>(
    '/api/v1/silences',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['alerts'],
        summary: 'Silence the alerts of a station, a rule or both until endsAt (operator)',
        response: { 201: SILENCE },
        body: {
          type: 'object',
          required: ['endsAt', 'comment'],
          additionalProperties: false,
          properties: {
            station: { type: 'string', maxLength: 64 },
            rule: { type: 'string', maxLength: 80 },
            startsAt: { type: 'string', format: 'date-time' },
            endsAt: { type: 'string', format: 'date-time' },
            comment: { type: 'string', minLength: 1, maxLength: 2000 },
          },
        },
      },
    },
    async (request, reply) => {
      const b = request.body;
      if (!b.station && !b.rule) throw createError('QT_ERR_BAD_REQUEST', 'body must name a station, a rule, or both');
      if (b.station && !directory.get(b.station)) throw createError('QT_ERR_NOT_FOUND', `Station ${b.station} does not exist`);
      if (b.rule && !alerts.getRule(b.rule)) throw createError('QT_ERR_NOT_FOUND', `Rule ${b.rule} does not exist`);
      const startsAt = b.startsAt ? new Date(b.startsAt) : new Date();
      const endsAt = new Date(b.endsAt);
      if (endsAt <= startsAt) throw createError('QT_ERR_RANGE_INVALID', 'endsAt must be later than startsAt');
      const s = await alerts.createSilence({ stationId: b.station ?? null, ruleId: b.rule ?? null, startsAt, endsAt, comment: b.comment, createdBy: request.user!.sub });
      reply.code(201);
      return silenceJson(s);
    },
  );
  app.delete<{ Params: { id: number } }>(
    '/api/v1/silences/:id',
    { config: { role: 'operator' }, schema: { tags: ['alerts'], summary: 'End a silence (operator)', params: idParam, response: NO_CONTENT } },
    async (request, reply) => {
      await alerts.deleteSilence(request.params.id);
      reply.code(204);
    },
  );

  // ---- indices ----
  app.get<{ Params: { id: string }; Querystring: { period: 'hour' | 'day'; index: 'vn' | 'us' | 'wqi'; from?: string; to?: string } }>(
    '/api/v1/stations/:id/aqi',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['alerts'],
        summary: "A station's stored index: VN_AQI or US AQI (hourly or daily), VN_WQI (hourly)",
        params: STATION_ID_PARAMS,
        response: { 200: INDEX_SERIES },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            period: { enum: ['hour', 'day'], default: 'hour' },
            index: { enum: ['vn', 'us', 'wqi'], default: 'vn' },
            from: { type: 'string', format: 'date-time' },
            to: { type: 'string', format: 'date-time' },
          },
        },
      },
    },
    async (request) => {
      const station = directory.get(request.params.id);
      if (!station) throw createError('QT_ERR_NOT_FOUND', `Station ${request.params.id} does not exist`);
      const { period, index } = request.query;
      const to = request.query.to ? new Date(request.query.to) : new Date(Date.now() + 3_600_000);
      const from = request.query.from ? new Date(request.query.from) : new Date(to.getTime() - (period === 'hour' ? 2 : 31) * 86_400_000);
      if (from >= to) throw createError('QT_ERR_RANGE_INVALID', 'from must be earlier than to');
      const categories = index === 'vn' ? VN_AQI_CATEGORIES : index === 'us' ? US_AQI_CATEGORIES : VN_WQI_CLASSES;
      const indexName = index === 'wqi' ? 'vn_wqi' : `${index}_aqi`;
      if (index === 'wqi' && period === 'day') throw createError('QT_ERR_BAD_REQUEST', 'querystring.period: VN_WQI is hourly only');
      const category = (key: string) => {
        const c = categories.find((x) => x.key === key);
        return c ? { key: c.key, name: { en: c.nameEn, vi: 'nameVi' in c ? c.nameVi : c.nameEn }, color: c.colorHex } : { key, name: { en: key, vi: key }, color: null };
      };
      if (period === 'hour') {
        const rows = await queryHourlyIndex(db, station.id, indexName, from, to);
        return {
          station: station.id,
          index: indexName,
          period,
          data: rows.map((r) => ({ ts: r.ts.toISOString(), aqi: r.aqi, category: category(r.category), dominant: r.dominant, subIndices: r.subIndices })),
        };
      }
      const day = (d: Date) => new Date(d.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
      const rows = await queryDailyIndex(db, station.id, `${index}_aqi`, day(from), day(to));
      return {
        station: station.id,
        index: `${index}_aqi`,
        period,
        data: rows.map((r) => ({ ts: r.day, aqi: r.aqi, category: category(r.category), dominant: r.dominant, subIndices: r.subIndices })),
      };
    },
  );
}
