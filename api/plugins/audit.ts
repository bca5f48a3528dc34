/**
 * @module api/plugins/audit
 * The HTTP side of the audit log, registered once (with fastify-plugin, so its hooks see every
 * route) before any route, as two declared hooks that never touch the routes themselves:
 *
 * - onResponse: an audit entry for every state-changing /api/v1 request made with a valid
 *   session or token (method, route pattern, params, a summary of the body with secrets
 *   redacted, status), allowed or refused; logins are recorded by the login routes themselves,
 *   HTTP ingest (station traffic) is not recorded here;
 * - onSend: `Strict-Transport-Security` on every answer over HTTPS.
 *
 * Roles are checked by api/plugins/roles.ts; the log is read at GET /api/v1/audit (api/routes/audit.ts).
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TokenClaims, TokenService } from '../../auth/tokens.js';
import { authenticate } from './auth.js';
import type { AuditLog } from '../../security/audit-log.js';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Recorded by their own routes (logins) or not user actions (station ingest). */
const NOT_AUDITED = new Set(['/api/v1/auth/login', '/api/v1/auth/session:POST', '/api/v1/ingest']);
const SECRET_KEY = /pass|secret|token|key|authorization|cookie|credential/i;

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

async function httpAudit(app: FastifyInstance, { tokens, audit }: { tokens: TokenService; audit: AuditLog }): Promise<void> {
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
      details: {
        status,
        params: request.params ?? {},
        ...(request.body !== undefined ? { body: summarizeBody(request.body) } : {}),
        ...(claims.tokenId ? { tokenId: claims.tokenId } : {}),
      },
    });
  });
}

function targetOf(request: FastifyRequest): string | null {
  const params = request.params as Record<string, unknown> | undefined;
  if (!params || Object.keys(params).length === 0) return null;
  return Object.entries(params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
}

export const auditPlugin = fp(httpAudit, { name: 'quantrac-audit', fastify: '5.x' });
