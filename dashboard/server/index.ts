/**
 * @module dashboard/server
 * The HTTP server: JSON API under /api/v1, /healthz, /metrics, and MQTT over WebSocket at
 * /mqtt (same port). Every route declares its schema; every error leaves as
 * `{ error: { code, message } }` with the catalogue's status; unknown errors are logged and
 * answered with an opaque 500.
 */
import type { AddressInfo } from 'node:net';
import { LogController, fastify, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { AlertEngine } from '../../alerts/engine.js';
import type { Broker } from '../../broker/index.js';
import type { Config } from '../../config/index.js';
import type { LoadedProfile } from '../../device-profiles/index.js';
import type { StationDirectory } from '../../ingest/station-directory.js';
import { isQuantracError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { Metrics } from '../../lib/metrics.js';
import type { Db } from '../../store/index.js';
import type { TokenService } from './auth.js';
import { alertRoutes } from './routes/alerts.js';
import { authRoutes } from './routes/auth.js';
import { opsRoutes } from './routes/ops.js';
import { stationRoutes } from './routes/stations.js';
import { userRoutes } from './routes/users.js';

export interface HttpDeps {
  config: Readonly<Config>;
  db: Db;
  directory: StationDirectory;
  profiles: ReadonlyMap<string, LoadedProfile>;
  tokens: TokenService;
  metrics: Metrics;
  broker: Broker;
  alerts: AlertEngine;
  logger: Logger;
}

export interface HttpServer {
  app: FastifyInstance;
  port: number;
  close(): Promise<void>;
}

export async function createHttpServer(deps: HttpDeps): Promise<HttpServer> {
  const app = fastify({
    loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger,
    // Per-request info lines would drown ingest's logs; errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.config.ingest.maxPayloadBytes,
    ajv: { customOptions: { removeAdditional: false, allErrors: true } },
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (isQuantracError(err)) {
      if (err.statusCode >= 500) request.log.error({ err }, 'request failed');
      return reply.code(err.statusCode).send({ error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } });
    }
    if (err.validation) {
      const message = err.validation
        .map((v) => `${err.validationContext ?? 'request'}${v.instancePath ? v.instancePath.replaceAll('/', '.') : ''} ${v.message ?? 'is invalid'}${v.keyword === 'additionalProperties' ? `: ${String(v.params['additionalProperty'])}` : ''}`)
        .join('; ');
      return reply.code(400).send({ error: { code: 'QT_ERR_BAD_REQUEST', message } });
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ error: { code: 'QT_ERR_BAD_REQUEST', message: err.message } });
    }
    request.log.error({ err }, 'unexpected error');
    return reply.code(500).send({ error: { code: 'QT_ERR_INTERNAL', message: 'Internal error' } });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: { code: 'QT_ERR_NOT_FOUND', message: `No route ${request.method} ${request.url.split('?')[0]}` } });
  });

  await app.register(async (scope) => authRoutes(scope, deps));
  await app.register(async (scope) => stationRoutes(scope, deps));
  await app.register(async (scope) => opsRoutes(scope, deps));
  await app.register(async (scope) => alertRoutes(scope, deps));
  await app.register(async (scope) => userRoutes(scope, deps));

  // MQTT over WebSocket on the same port, routed by path before fastify sees the request.
  const wss = new WebSocketServer({ noServer: true });
  app.server.on('upgrade', (request, socket, head) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/mqtt') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      deps.broker.handleStream(createWebSocketStream(ws), request);
    });
  });

  await app.listen({ port: deps.config.http.port, host: deps.config.host });
  const port = (app.server.address() as AddressInfo).port;

  return {
    app,
    port,
    async close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await app.close();
    },
  };
}
