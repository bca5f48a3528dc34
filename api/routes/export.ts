/**
 * @module api/routes/export
 * GET /api/v1/export: raw readings as CSV or NDJSON, streamed in keyset pages. The database
 * builds each page's text (store/export.ts: one query, one text value per page); this handler
 * only writes the pages out, one page ahead at most: the response stream pulls the next page when
 * the previous one has been handed to the socket, so a slow client never makes the server buffer
 * the export (memory is bounded by a page or two, whatever the range).
 *
 * Registered inside the analyst readings scope (api/routes/readings.ts), which shares its station,
 * metric and range checks and its per-token rate limit.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { withBom } from '../../analytics/csv-bom.js';
import type { LevelSpan } from '../../analytics/levels.js';
import { exportPages } from '../../store/export.js';
import type { Station } from '../../store/stations.js';
import type { HttpDeps } from '../index.js';
import { parseList } from '../../analytics/params.js';
import { EXPORT_SCHEMA, type ExportQuery } from '../schemas/readings.js';

/** The checks of the readings scope the export shares. */
export interface ExportHelpers {
  station(id: string): Station;
  metricsOf(stations: readonly Station[], text: string | undefined): string[];
  range(q: { from?: string; to?: string }, maxDays: number | undefined): { from: Date; to: Date };
  /** validation-level spans per station around [from, to) */
  levelSpans(stations: readonly Station[], from: Date, to: Date): Promise<Map<string, LevelSpan[]>>;
}

const CSV_HEADER = 'ts,station,metric,value,unit,quality,qc_flags,validation,reason,validation_level\n';

export function exportRoute(app: FastifyInstance, deps: HttpDeps, h: ExportHelpers): void {
  const { db, profiles, config } = deps;
  app.get<{ Querystring: ExportQuery }>(
    '/api/v1/export',
    {
      config: { role: 'viewer' },
      schema: EXPORT_SCHEMA,
    },
    async (request, reply) => {
      const q = request.query;
      const stations = parseList('stations', q.stations, config.analytics.maxSeries).map(h.station);
      const metrics = h.metricsOf(stations, q.metric);
      const { from, to } = h.range(q, config.analytics.maxExportDays);
      const units = stations.flatMap((s) => Object.entries(profiles.get(s.profileId)?.profile.metrics ?? {}).map(([metric, m]) => ({ stationId: s.id, metric, unit: m.unit })));
      // the validation level of each reading's local day (a current month approval covers its days)
      const spans = await h.levelSpans(stations, from, to);
      const levels = [...spans].flatMap(([stationId, list]) => list.map((s) => ({ stationId, from: s.from, to: s.to, level: s.level })));
      // The background lane of the database gate (store/db-gate.ts): an ingest commit waits for at
      // most the one page query running, never behind the export.
      const pages = exportPages(
        db.lane('background', 'export'),
        { stationIds: stations.map((s) => s.id), metrics: q.metric === undefined ? null : metrics, from, to, validOnly: q.quality === 'valid', format: q.format, units, levels },
        config.analytics.exportChunkRows,
        (err) => request.log.warn({ err }, 'an export page asked for ahead failed after the client left'),
      );
      async function* body(): AsyncGenerator<string> {
        if (q.format === 'csv') yield withBom(CSV_HEADER, q.bom);
        yield* pages;
      }
      // highWaterMark 1: the next page is pulled only once the previous one went to the socket
      const stream = Readable.from(body(), { objectMode: false, highWaterMark: 1 });
      stream.on('error', (err) => request.log.error({ err }, 'export failed mid-stream'));
      const name = `quantrac-${stations.length === 1 ? stations[0]!.id : `${stations.length}-stations`}-${from.toISOString().slice(0, 10)}_${to.toISOString().slice(0, 10)}.${q.format}`;
      return reply
        .type(q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(stream);
    },
  );
}
