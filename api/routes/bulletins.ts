/**
 * @module api/routes/bulletins
 *   GET  /api/v1/bulletins                 ?kind=daily|monthly&province=&scope=&from=&to=&limit=&offset=   (viewer)
 *                                          current versions, each with its older versions (olderVersions)
 *   GET  /api/v1/bulletins/{id}            the bulletin's record and summary, and every version of its period (viewer)
 *   GET  /api/v1/bulletins/{id}.html|.csv|.pdf   a download (Content-Disposition: attachment)              (viewer)
 *   POST /api/v1/bulletins                 { kind, day | month, province? } generate one now               (operator)
 *
 * A period published again (on request, or after a reviewer changed the validation of its data)
 * is a new version; the older ones stay readable at their own id.
 */
import type { FastifyInstance } from 'fastify';
import { localDate, periodRange, provinceOf, scopeOf, type Bulletins } from '../../bulletins/index.js';
import { createError } from '../../lib/errors.js';
import { bulletinVersions, getBulletinFile, getBulletinMeta, listBulletins, olderVersions, type BulletinMeta } from '../../store/bulletins.js';
import { provinceExists } from '../../store/stations.js';
import { requireRole } from '../plugins/auth.js';
import type { HttpDeps } from '../index.js';
import { ERROR_RESPONSE, OFFSET } from '../schemas/common.js';

const TYPES = { html: 'text/html; charset=utf-8', csv: 'text/csv; charset=utf-8', pdf: 'application/pdf' } as const;

/** ASCII file-name part of a scope: diacritics dropped (đ → d), anything else → '-'. */
function slug(text: string): string {
  return (
    text
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[đĐ]/g, 'd')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'x'
  );
}

function periodOf(m: BulletinMeta): string {
  return m.kind === 'daily' ? m.periodStart : m.periodStart.slice(0, 7);
}

export function bulletinFileName(m: BulletinMeta, format: 'html' | 'csv' | 'pdf'): string {
  const province = provinceOf(m.scope);
  return `quantrac-bulletin-${m.kind}-${periodOf(m)}-${province === null ? 'all' : slug(province)}.${format}`;
}

export function bulletinJson(m: BulletinMeta) {
  const base = `/api/v1/bulletins/${m.id}`;
  return {
    id: m.id,
    kind: m.kind,
    period: periodOf(m),
    scope: m.scope,
    province: provinceOf(m.scope),
    generatedAt: m.generatedAt.toISOString(),
    generatedBy: m.generatedBy,
    version: m.version,
    current: m.supersededAt === null,
    supersededAt: m.supersededAt?.toISOString() ?? null,
    revisionReason: m.revisionReason,
    summary: m.summary,
    links: { html: `${base}.html`, csv: `${base}.csv`, pdf: m.hasPdf ? `${base}.pdf` : null },
  };
}

const BULLETIN_PROPERTIES = {
  id: { type: 'integer' },
  kind: { type: 'string' },
  period: { type: 'string' },
  scope: { type: 'string' },
  province: { type: ['string', 'null'] },
  generatedAt: { type: 'string' },
  generatedBy: { type: 'string' },
  version: { type: 'integer', minimum: 1, description: '1 for the first publication of the period, + 1 for each revision' },
  current: { type: 'boolean', description: 'false when a newer version of the same period replaced it' },
  supersededAt: { type: ['string', 'null'], description: 'when a newer version replaced it' },
  revisionReason: { type: ['string', 'null'], description: 'why this version was produced (e.g. "validation: pm25 of S1 invalidated (instrument_fault) by an, action 12")' },
  summary: { type: 'object', additionalProperties: true },
  links: { type: 'object', properties: { html: { type: 'string' }, csv: { type: 'string' }, pdf: { type: ['string', 'null'] } } },
} as const;

const BULLETIN_SCHEMA = { type: 'object', properties: BULLETIN_PROPERTIES } as const;

/** A listed (current) bulletin with its superseded versions, newest first. */
const LISTED_BULLETIN_SCHEMA = {
  type: 'object',
  properties: { ...BULLETIN_PROPERTIES, olderVersions: { type: 'array', items: BULLETIN_SCHEMA } },
} as const;

export async function bulletinRoutes(app: FastifyInstance, deps: HttpDeps & { bulletins: Bulletins }): Promise<void> {
  const { db, tokens, bulletins } = deps;
  const viewer = requireRole(tokens, 'viewer');
  const operator = requireRole(tokens, 'operator');

  app.get<{ Querystring: { kind?: 'daily' | 'monthly'; province?: string; scope?: string; from?: string; to?: string; limit: number; offset: number } }>(
    '/api/v1/bulletins',
    {
      preHandler: viewer,
      schema: {
        tags: ['bulletins'],
        summary: 'Published bulletins (current versions, each with its older versions), newest period first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            kind: { enum: ['daily', 'monthly'] },
            province: { type: 'string', minLength: 1, maxLength: 200, description: "one province's bulletins" },
            scope: { type: 'string', minLength: 1, maxLength: 210, description: "'all' (whole system) or 'province:<name>'" },
            from: { type: 'string', format: 'date', description: 'periods starting on or after this local date' },
            to: { type: 'string', format: 'date', description: 'periods starting on or before this local date' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            offset: OFFSET,
          },
        },
        response: { 200: { type: 'object', properties: { data: { type: 'array', items: LISTED_BULLETIN_SCHEMA } } }, 400: ERROR_RESPONSE },
      },
    },
    async (request) => {
      const q = request.query;
      if (q.province !== undefined && q.scope !== undefined) throw createError('QT_ERR_QUERY_INVALID', 'province, scope: give one of them');
      const scope = q.province !== undefined ? scopeOf(q.province) : q.scope;
      const rows = await listBulletins(db, { kind: q.kind, scope, from: q.from, to: q.to, limit: q.limit, offset: q.offset });
      const older = await olderVersions(db, rows);
      return { data: rows.map((b) => ({ ...bulletinJson(b), olderVersions: (older.get(b.id) ?? []).map(bulletinJson) })) };
    },
  );

  app.get<{ Params: { file: string } }>(
    '/api/v1/bulletins/:file',
    {
      preHandler: viewer,
      schema: {
        tags: ['bulletins'],
        summary: 'A bulletin: {id} its record, {id}.html, {id}.csv or {id}.pdf a download',
        params: { type: 'object', required: ['file'], properties: { file: { type: 'string', pattern: '^[0-9]{1,18}(\\.(html|csv|pdf))?$' } } },
        response: {
          200: {
            description: '{id}: the record (JSON); {id}.html, {id}.csv, {id}.pdf: the document as an attachment',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['bulletin'],
                  properties: { bulletin: BULLETIN_SCHEMA, versions: { type: 'array', items: BULLETIN_SCHEMA, description: 'every version of the period, newest first' } },
                },
              },
              'text/html': { schema: { type: 'string' } },
              'text/csv': { schema: { type: 'string' } },
              'application/pdf': { schema: { type: 'string', contentMediaType: 'application/pdf' } },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const [idText, format] = request.params.file.split('.') as [string, 'html' | 'csv' | 'pdf' | undefined];
      const id = Number(idText);
      if (!format) {
        const meta = await getBulletinMeta(db, id);
        if (!meta) throw createError('QT_ERR_NOT_FOUND', `Bulletin ${id} does not exist`);
        return { bulletin: bulletinJson(meta), versions: (await bulletinVersions(db, id)).map(bulletinJson) };
      }
      const found = await getBulletinFile(db, id, format);
      if (!found) {
        const meta = format === 'pdf' ? await getBulletinMeta(db, id) : undefined;
        throw createError('QT_ERR_NOT_FOUND', meta ? `Bulletin ${id} has no PDF (${bulletins.pdfUnavailable ?? 'it could not be printed'})` : `Bulletin ${id} does not exist`);
      }
      reply
        .type(TYPES[format])
        .header('content-disposition', `attachment; filename="${bulletinFileName(found.meta, format)}"`)
        .header('cache-control', 'private, no-cache');
      // The document is self-contained: nothing in it may load or run anything.
      if (format === 'html') reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
      return reply.send(found.body);
    },
  );

  app.post<{ Body: { kind: 'daily' | 'monthly'; day?: string; month?: string; province?: string } }>(
    '/api/v1/bulletins',
    {
      preHandler: operator,
      schema: {
        tags: ['bulletins'],
        summary: 'Generate (or regenerate) a bulletin now; a period that already has one gets a new version (the older one stays listed)',
        body: {
          type: 'object',
          required: ['kind'],
          additionalProperties: false,
          properties: {
            kind: { enum: ['daily', 'monthly'] },
            day: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'daily: the local date' },
            month: { type: 'string', pattern: '^\\d{4}-\\d{2}$', description: 'monthly: YYYY-MM' },
            province: { type: 'string', minLength: 1, maxLength: 200, description: 'omit for the whole system' },
          },
        },
        response: { 201: { type: 'object', properties: { bulletin: BULLETIN_SCHEMA } }, 400: ERROR_RESPONSE, 404: ERROR_RESPONSE },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const period = b.kind === 'daily' ? b.day : b.month;
      if (period === undefined) throw createError('QT_ERR_BAD_REQUEST', b.kind === 'daily' ? 'day: required for a daily bulletin' : 'month: required for a monthly bulletin');
      if ((b.kind === 'daily' && b.month !== undefined) || (b.kind === 'monthly' && b.day !== undefined))
        throw createError('QT_ERR_BAD_REQUEST', 'give day for a daily bulletin, month for a monthly one');
      let range: { to: number };
      try {
        range = periodRange(b.kind, period, deps.config.timezone);
      } catch (err) {
        throw createError('QT_ERR_RANGE_INVALID', (err as Error).message);
      }
      if (range.to > Date.now())
        throw createError(
          'QT_ERR_RANGE_INVALID',
          `${b.kind === 'daily' ? 'day' : 'month'}: the period has not ended yet (today is ${localDate(Date.now(), deps.config.timezone)} in ${deps.config.timezone})`,
        );
      if (b.province !== undefined && !(await provinceExists(db, b.province))) throw createError('QT_ERR_NOT_FOUND', `No station is in province ${b.province}`);
      const meta = await bulletins.generate({ kind: b.kind, period, scope: scopeOf(b.province) }, { actor: request.user?.sub ?? 'unknown', trigger: 'request' });
      return reply.code(201).send({ bulletin: bulletinJson(meta) });
    },
  );
}
