/**
 * @module api/plugins/http-metrics
 * How long the API takes to answer, for /metrics: every answered request is observed in the
 * `http_request_duration_seconds` histogram (lib/metrics.ts) at onResponse, labelled with its
 * method, its route pattern (`request.routeOptions.url`, e.g. `/api/v1/stations/:id`; never the
 * raw URL, whose ids and query strings would make the label set unbounded; `unmatched` for an
 * unknown route) and its status code. Registered once with fastify-plugin before any route, so
 * the hook sees them all.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../lib/metrics.js';

async function httpMetrics(app: FastifyInstance, { metrics }: { metrics: Pick<Metrics, 'httpRequestDuration'> }): Promise<void> {
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequestDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
}

export const httpMetricsPlugin = fp(httpMetrics, { name: 'quantrac-http-metrics', fastify: '5.x' });
