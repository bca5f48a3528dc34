/**
 * @module dashboard/server
 * The HTTP server: JSON API under /api/v1, /healthz, /metrics, MQTT over WebSocket at /mqtt,
 * the operations center page at / and its live stream (socket.io) at /socket.io/ (same port). Every route declares its schema; every error leaves as
 * `{ error: { code, message } }` with the catalogue's status; unknown errors are logged and
 * answered with an opaque 500.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LogController, fastify, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { AlertEngine } from '../alerts/engine.js';
import type { Broker } from '../broker/index.js';
import type { Config } from '../config/index.js';
import type { LoadedProfile } from '../device-profiles/index.js';
import type { StationDirectory } from '../stations/directory.js';
import type { Ingest } from '../ingest/index.js';
import type { StationAuthenticator } from '../stations/credentials.js';
import { isQuantracError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { EventBus } from '../domain/events.js';
import type { Metrics } from '../lib/metrics.js';
import type { Db } from '../store/index.js';
import type { TokenService } from '../auth/tokens.js';
import type { ApiTokenService } from '../auth/api-tokens.js';
import { registerApiPlugins } from './plugins/common.js';
import { readingRoutes } from './routes/readings.js';
import { conflictRoutes } from './routes/conflicts.js';
import { tokenRoutes } from './routes/tokens.js';
import { staRoutes } from './sta/index.js';
import { alertRoutes } from './routes/alerts.js';
import { authRoutes } from './routes/auth.js';
import { opsRoutes } from './routes/ops.js';
import { overviewRoutes } from './routes/overview.js';
import { createRealtime, type Realtime } from './realtime/index.js';
import { webRoutes } from './web.js';
import { stationRoutes } from './routes/stations.js';
import { userRoutes } from './routes/users.js';
import { ingestRoutes } from './routes/ingest.js';
import { bulletinRoutes } from './routes/bulletins.js';
import type { Bulletins } from '../bulletins/index.js';
import { openDataRoutes } from './open/index.js';
import type { Security } from '../security/index.js';
import { auditRoutes, securityHttpPlugin } from './plugins/audit.js';
import { createWebServer } from '../security/tls.js';

export interface HttpDeps {
  config: Readonly<Config>;
  db: Db;
  directory: StationDirectory;
  profiles: ReadonlyMap<string, LoadedProfile>;
  tokens: TokenService;
  /** analysts' API tokens (qtk_…) */
  apiTokens: ApiTokenService;
  metrics: Metrics;
  broker: Broker;
  alerts: AlertEngine;
  bus: EventBus;
  logger: Logger;
  /** With stationAuth: enables POST /api/v1/ingest (HTTP ingest for gateways). */
  ingest?: Ingest;
  stationAuth?: StationAuthenticator;
  /** Enables /api/v1/bulletins (bulletins/). */
  bulletins?: Bulletins;
  /** Login guard, audit log, TLS (security/): HTTPS when a certificate is configured, role checks at onRequest, the audit hook and GET /api/v1/audit. */
  security?: Security;
  /** Multi-node mode: socket.io's Redis adapter (cluster/). */
  socketAdapter?: import('socket.io').ServerOptions['adapter'] | undefined;
}

export interface HttpServer {
  app: FastifyInstance;
  port: number;
  realtime: Realtime;
  /** Lets another component (Node-RED at /red) answer requests first; it returns true when it handled one. */
  intercept(handler: (req: IncomingMessage, res: ServerResponse) => boolean): void;
  close(): Promise<void>;
}

export async function createHttpServer(deps: HttpDeps): Promise<HttpServer> {
  let interceptor: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  const app = fastify({
    // One http.Server for fastify and for what embeds its own express app (Node-RED at /red).
    serverFactory: (handler) =>
      createWebServer(deps.security?.tls, (req, res) => {
        if (interceptor?.(req, res)) return;
        handler(req, res);
      }),
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

  // OpenAPI and the rate limiter must be registered before the routes they describe or limit.
  // Role checks at onRequest, the route table and the audit hook (security/http-audit.ts): before every route.
  if (deps.security) await app.register(securityHttpPlugin, { tokens: deps.tokens, audit: deps.security.audit });
  await registerApiPlugins(app, deps.config);
  if (deps.security) await app.register(async (scope) => auditRoutes(scope, { tokens: deps.tokens, audit: deps.security!.audit, db: deps.db }));
  await app.register(async (scope) => authRoutes(scope, deps));
  await app.register(async (scope) => stationRoutes(scope, deps));
  await app.register(async (scope) => opsRoutes(scope, deps));
  await app.register(async (scope) => alertRoutes(scope, deps));
  await app.register(async (scope) => userRoutes(scope, deps));
  await app.register(async (scope) => readingRoutes(scope, deps));
  await app.register(async (scope) => conflictRoutes(scope, deps));
  await app.register(async (scope) => tokenRoutes(scope, deps));
  await app.register(async (scope) => staRoutes(scope, deps));
  if (deps.ingest && deps.stationAuth) await app.register(async (scope) => ingestRoutes(scope, { ...deps, ingest: deps.ingest!, stationAuth: deps.stationAuth! }));
  if (deps.bulletins) await app.register(async (scope) => bulletinRoutes(scope, { ...deps, bulletins: deps.bulletins! }));
  const realtime = await createRealtime({ server: app.server, ...deps });
  await app.register(async (scope) => overviewRoutes(scope, deps, realtime));
  await app.register(async (scope) => webRoutes(scope, { tileUrl: deps.config.dashboard.tileUrl }));
  // Open data: /open/v1 (anonymous API) and /public (the citizens' page), and their admin controls.
  await app.register(async (scope) => {
    await openDataRoutes(scope, deps);
  });

  // MQTT over WebSocket on the same port, routed by path before fastify sees the request.
  const wss = new WebSocketServer({ noServer: true });
  app.server.on('upgrade', (request, socket, head) => {
    const path = (request.url ?? '').split('?')[0];
    // socket.io's own upgrade listener (realtime.ts) takes /socket.io/
    if (path === '/socket.io/') return;
    // Node-RED's editor comms (/red/comms) is answered by Node-RED's own upgrade listener.
    if (path?.startsWith('/red/')) return;
    if (path !== '/mqtt') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      deps.broker.handleStream(createWebSocketStream(ws), request);
    });
  });

  try {
    await app.listen({ port: deps.config.http.port, host: deps.config.host });
  } catch (err) {
    await realtime.close(); // its timers and bus listeners would outlive a server that never started
    throw err;
  }
  const port = (app.server.address() as AddressInfo).port;

  return {
    app,
    port,
    realtime,
    intercept(handler) {
      interceptor = handler;
    },
    async close() {
      await realtime.close();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await app.close();
    },
  };
}
