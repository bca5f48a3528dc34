/**
 * @module security/http-audit
 * The HTTP side of the audit log and of authorization, registered once (with fastify-plugin, so
 * its hooks see every route) before any route in dashboard/server/index.ts:
 *
 * - every route that checks a role (`requireRole`, dashboard/server/auth.ts) checks it at
 *   onRequest, before its body is parsed or validated: an anonymous or under-privileged caller
 *   gets 401/403 whatever it sends, and learns nothing about the route's schema;
 * - the route table with each route's role (`routeTable()`), which test/security-roles.test.ts
 *   walks with every role;
 * - an audit entry for every state-changing /api/v1 request made with a valid session or token
 *   (method, route pattern, params, a summary of the body with secrets redacted, status), allowed
 *   or refused; logins are recorded by the login routes themselves, HTTP ingest (station traffic)
 *   is not recorded here;
 * - `Strict-Transport-Security` on every answer over HTTPS;
 * - `GET /api/v1/audit` (admin): the log, newest first, filtered and paged.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest, onRequestHookHandler, preHandlerHookHandler } from 'fastify';
import { createError } from '../../lib/errors.js';
import { queryAudit } from '../../store/audit.js';
import type { Db } from '../../store/index.js';
import { type TokenClaims, type TokenService } from '../../auth/tokens.js';
import { authenticate, requireRole } from './auth.js';
import type { AuditLog } from '../../security/audit-log.js';

export interface RouteEntry {
  method: string;
  url: string;
  /** the least role the route requires; null = public (or its own authentication: login, station ingest) */
  role: 'viewer' | 'operator' | 'admin' | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered after the security plugin, with the role it checks. */
    routeTable(): RouteEntry[];
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Recorded by their own routes (logins) or not user actions (station ingest). */
const NOT_AUDITED = new Set(['/api/v1/auth/login', '/api/v1/auth/session:POST', '/api/v1/ingest']);
const SECRET_KEY = /pass|secret|token|key|authorization|cookie|credential/i;

type RoleHook = { requiredRole?: RouteEntry['role'] };

/** A bounded copy of a request body for the audit log: secrets redacted, long strings and arrays cut. */
export function summarizeBody(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (typeof value === 'string') return value.length > 200 ? value.slice(0, 200) + '…' : value;
  if (typeof value !== 'object') return value;
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  if (depth >= 4) return '…';
  if (Array.isArray(value)) {
    const head = value.slice(0, 20).map((v) => summarizeBody(v, depth + 1));
    return value.length > 20 ? [...head, `… ${value.length - 20} more`] : head;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>).slice(0, 50)) {
    out[k] = SECRET_KEY.test(k) ? '[redacted]' : summarizeBody(v, depth + 1);
  }
  return out;
}

function roleOf(claims: TokenClaims): string {
  return claims.readOnly ? 'analyst' : claims.role;
}

async function plugin(app: FastifyInstance, { tokens, audit }: { tokens: TokenService; audit: AuditLog }): Promise<void> {
  const routes: RouteEntry[] = [];
  app.decorate('routeTable', () => routes.slice());

  app.addHook('onRoute', (route) => {
    const pre = route.preHandler;
    const list = pre === undefined ? [] : Array.isArray(pre) ? pre : [pre];
    const roleHooks = list.filter((h) => (h as RoleHook).requiredRole);
    const role = ((roleHooks[0] as RoleHook | undefined)?.requiredRole ?? null) as RouteEntry['role'];
    if (roleHooks.length > 0) {
      route.preHandler = list.filter((h) => !(h as RoleHook).requiredRole) as preHandlerHookHandler[];
      const on = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
      route.onRequest = [...(on as onRequestHookHandler[]), ...(roleHooks as unknown as onRequestHookHandler[])];
    }
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routes.push({ method: String(method), url: route.url, role });
  });

  // Over HTTPS, browsers are told to keep using HTTPS for this host (a year).
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000');
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    if (!UNSAFE.has(request.method)) return;
    const url = request.routeOptions.url;
    if (!url?.startsWith('/api/v1/') || NOT_AUDITED.has(url) || NOT_AUDITED.has(`${url}:${request.method}`)) return;
    let claims = request.user;
    if (!claims) {
      const header = request.headers.authorization;
      if (header?.startsWith('Bearer qtk_')) {
        claims = await tokens.resolve(header.slice(7).trim()).catch((err: unknown) => {
          request.log.warn({ err }, 'audit: the API token could not be looked up; this refused write is not recorded');
          return undefined;
        });
      } else claims = authenticate(tokens, request)?.claims;
    }
    if (!claims) return; // anonymous: refused with 401 and not an action of anyone we know
    const status = reply.statusCode;
    audit.record({
      actor: claims.sub,
      role: roleOf(claims),
      sourceIp: request.ip,
      action: `${request.method} ${url}`,
      target: targetOf(request),
      outcome: status === 401 || status === 403 ? 'denied' : status >= 400 ? 'failed' : 'ok',
      details: { status, params: request.params ?? {}, ...(request.body !== undefined ? { body: summarizeBody(request.body) } : {}), ...(claims.tokenId ? { tokenId: claims.tokenId } : {}) },
    });
  });
}

/** GET /api/v1/audit; registered after @fastify/swagger so that it is in the OpenAPI document. */
export async function auditRoutes(app: FastifyInstance, { tokens, audit, db }: { tokens: TokenService; audit: AuditLog; db: Db }): Promise<void> {
  const admin = requireRole(tokens, 'admin');
  app.get<{ Querystring: { actor?: string; action?: string; outcome?: string; from?: string; to?: string; before?: number; limit: number } }>(
    '/api/v1/audit',
    {
      preHandler: admin,
      schema: {
        tags: ['audit'],
        summary: 'The audit log (admin): operator and admin actions, logins, lockouts, station limit events; newest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            actor: { type: 'string', maxLength: 200, description: 'username or station id' },
            action: { type: 'string', maxLength: 200, description: "exact action ('POST /api/v1/alerts/:id/ack', 'auth.login') or a prefix ending in * ('auth.*')" },
            outcome: { enum: ['ok', 'denied', 'locked', 'failed', 'throttled', 'disconnected'] },
            from: { type: 'string', format: 'date-time' },
            to: { type: 'string', format: 'date-time' },
            before: { type: 'integer', minimum: 1, description: 'paging cursor: the `next` of the previous page' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              data: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'integer' },
                    at: { type: 'string', format: 'date-time' },
                    actor: { type: 'string' },
                    role: { type: 'string', nullable: true },
                    sourceIp: { type: 'string', nullable: true },
                    action: { type: 'string' },
                    target: { type: 'string', nullable: true },
                    details: { type: 'object', additionalProperties: true },
                    outcome: { type: 'string' },
                  },
                },
              },
              next: { type: 'integer', nullable: true },
            },
          },
        },
      },
    },
    async (request) => {
      const q = request.query;
      const from = q.from ? new Date(q.from) : undefined;
      const to = q.to ? new Date(q.to) : undefined;
      if (from && to && from >= to) throw createError('QT_ERR_RANGE_INVALID', '`from` must be before `to`');
      await audit.flush(); // what was just done is in the answer
      const rows = await queryAudit(db, { actor: q.actor, action: q.action, outcome: q.outcome, from, to, before: q.before, limit: q.limit });
      return {
        data: rows.map((r) => ({ ...r, at: r.at.toISOString() })),
        next: rows.length === q.limit ? rows[rows.length - 1]!.id : null,
      };
    },
  );
}

function targetOf(request: FastifyRequest): string | null {
  const params = request.params as Record<string, unknown> | undefined;
  if (!params || Object.keys(params).length === 0) return null;
  return Object.entries(params).map(([k, v]) => `${k}=${String(v)}`).join(',');
}

export const securityHttpPlugin = fp(plugin, { name: 'quantrac-security', fastify: '5.x' });
