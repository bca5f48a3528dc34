/**
 * @module api/routes/ingest
 *   POST /api/v1/ingest   HTTP Basic `stationId:secret` (the MQTT credentials); body = the MQTT
 *                         readings payload (one reading object or a backlog array), any
 *                         content type.
 *
 * Answers:
 * - `202 {accepted}`: every reading is committed (202 is sent only after the commit, like a PUBACK).
 * - `400 QT_ERR_PAYLOAD_INVALID`: the payload as a whole cannot be read (not JSON, not UTF-8,
 *   too large, empty backlog); it is in quarantine.
 * - `422 QT_ERR_READINGS_REFUSED`: some or all readings were refused; `details.accepted` were
 *   committed, `details.refused` lists `{index, code, reason}` of each refused reading (the same
 *   refusals the quarantine keeps; index null = the whole payload).
 * - `401 QT_ERR_STATION_AUTH` with `WWW-Authenticate: Basic`: no or wrong credentials.
 * - `413` from the HTTP layer for a body above INGEST_MAX_PAYLOAD_BYTES (not quarantined).
 * - `503 QT_ERR_STORE_UNAVAILABLE`: the database did not commit; send again.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { StationAuthenticator } from '../../stations/credentials.js';
import type { Ingest } from '../../ingest/index.js';
import type { RejectCode } from '../../domain/reasons.js';
import { createError } from '../../lib/errors.js';
import type { HttpDeps } from '../index.js';

/** Refusals of the payload as a whole that mean "cannot be read" (400) rather than "readings refused" (422). */
const UNREADABLE: ReadonlySet<RejectCode> = new Set(['invalid_json', 'invalid_encoding', 'payload_too_large', 'empty_batch', 'too_many_readings']);

/** `Basic base64(id:secret)` → credentials, or undefined. */
export function basicCredentials(header: string | undefined): { stationId: string; secret: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { stationId: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

export async function ingestRoutes(app: FastifyInstance, deps: HttpDeps & { ingest: Ingest; stationAuth: StationAuthenticator }): Promise<void> {
  const { ingest, stationAuth } = deps;

  // Gateways send JSON with all sorts of content types; ingest reads the bytes itself, exactly as for MQTT.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  const security = deps.security;

  async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<string> {
    const creds = basicCredentials(request.headers.authorization);
    const source = request.ip;
    // the same login guard as MQTT (security/login-guard.ts): a locked station or blocked address gets 429
    const decision = creds && security?.guard.check('station', creds.stationId, source);
    if (creds && decision && !decision.allowed) {
      security?.audit.record({ actor: creds.stationId, role: 'station', sourceIp: source, action: 'ingest.auth', outcome: 'locked', details: { scope: decision.scope } });
      reply.header('retry-after', String(decision.retryAfterSeconds));
      throw createError('QT_ERR_RATE_LIMITED', `Too many failed logins; try again in ${decision.retryAfterSeconds} s`);
    }
    if (!creds || !(await stationAuth.verify(creds.stationId, creds.secret))) {
      request.log.warn({ stationId: creds?.stationId }, 'HTTP ingest refused: bad station id or secret');
      if (creds && security) {
        security.audit.record({ actor: creds.stationId, role: 'station', sourceIp: source, action: 'ingest.auth', outcome: 'denied' });
        const locked = security.guard.failure('station', creds.stationId, source);
        if (locked.lockedSource || locked.lockedAccount) {
          security.audit.record({
            actor: creds.stationId,
            role: 'station',
            sourceIp: source,
            action: 'auth.lockout',
            target: locked.lockedAccount ? `station:${creds.stationId}` : `source:${source}`,
            outcome: 'locked',
            details: { channel: 'http-ingest' },
          });
        }
      }
      reply.header('www-authenticate', 'Basic realm="quantrac-stations", charset="UTF-8"');
      throw createError('QT_ERR_STATION_AUTH');
    }
    security?.guard.success('station', creds.stationId, source);
    return creds.stationId;
  }

  app.post(
    '/api/v1/ingest',
    {
      schema: {
        tags: ['ingest'],
        summary: "Readings from a gateway, authenticated with the station's credentials (HTTP Basic station id:secret); 202 once committed",
        security: [{ station: [] }],
        response: { 202: { type: 'object', required: ['accepted'], properties: { accepted: { type: 'integer', description: 'values committed' } } } },
      },
    },
    async (request, reply) => {
      const stationId = await authenticate(request, reply);
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      let result;
      try {
        result = await ingest.handleReadings(stationId, body, 'http', '/api/v1/ingest');
      } catch (err) {
        throw createError('QT_ERR_STORE_UNAVAILABLE', 'the readings could not be committed; send them again', { cause: err });
      }
      if (result.refused.length === 0) return reply.code(202).send({ accepted: result.rows });
      const refused = result.refused.map((r) => ({ index: r.index, code: r.code, reason: r.reason }));
      const first = result.refused[0]!;
      if (first.index === null && UNREADABLE.has(first.code)) {
        throw createError('QT_ERR_PAYLOAD_INVALID', first.reason, { details: { accepted: 0, refused } });
      }
      throw createError('QT_ERR_READINGS_REFUSED', `${refused.length} reading(s) refused; ${result.rows} value(s) committed`, { details: { accepted: result.rows, refused } });
    },
  );
}
