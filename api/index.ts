/**
 * @module api
 * The HTTP API: JSON API under /api/v1, /healthz, /metrics, MQTT over WebSocket at /mqtt,
 * the operations center page at / and its live stream (socket.io) at /socket.io/ (same port).
 * Every route declares its schema and its role (`config: { role }`, api/plugins/roles.ts); every
 * error leaves as `{ error: { code, message } }` with a code and status of the catalogue
 * (api/plugins/errors.ts); unknown errors are logged and answered with an opaque 500.
 *
 * Built and started apart, as fastify's docs/Guides/Testing.md has it: `buildApi` registers
 * every plugin and route and does not listen (tests answer requests with `app.inject()`);
 * `createHttpServer` builds, routes WebSocket upgrades and listens.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LogController, fastify, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AlertEngine } from '../alerts/engine.js';
import type { Broker } from '../broker/index.js';
import type { Config } from '../config/index.js';
import type { LoadedProfile } from '../device-profiles/index.js';
import type { StationDirectory } from '../stations/directory.js';
import type { Ingest } from '../ingest/index.js';
import type { StationAuthenticator } from '../stations/credentials.js';
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
import { adminRoutes } from './routes/admin.js';
import { ingestRoutes } from './routes/ingest.js';
import { bulletinRoutes } from './routes/bulletins.js';
import { validationRoutes } from './routes/validation.js';
import { validationConfigRoutes } from './routes/validation-config.js';
import { notificationRoutes } from './routes/notifications.js';
import type { Bulletins } from '../bulletins/index.js';
import { openDataRoutes } from './open/index.js';
import type { Security } from '../security/index.js';
import { auditPlugin } from './plugins/audit.js';
import { auditRoutes } from './routes/audit.js';
import { errorHandler, frameworkErrors, notFoundHandler } from './plugins/errors.js';
import { rolesPlugin } from './plugins/roles.js';
import { sessionRenewal } from './plugins/auth.js';
import { createSessionService } from '../auth/sessions.js';
import { inputPlugin } from './plugins/input.js';
import { httpMetricsPlugin } from './plugins/http-metrics.js';
import { trustedProxies } from '../broker/client-address.js';
import { routeUpgrades } from './upgrade.js';
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
  /** Enables /api/v1/notifications and /ack/{token} (notify/), and its health in /healthz. */
  notifier?: import('../notify/index.js').Notifier;
  /** Enables the data validation routes under /api/v1/stations/{id}/validation and /api/v1/validation (validation/). */
  validation?: import('../validation/service.js').ValidationService;
  /** The database jobs' health (store/job-monitor.ts), in /healthz. */
  jobs?: import('../store/job-monitor.js').JobMonitor;
  /** Login guard, audit log, TLS (security/): HTTPS when a certificate is configured, the audit hooks and GET /api/v1/audit. */
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

/** What `buildApi` gives: the fastify app with every plugin and route registered, not listening. */
export interface Api {
  /** `app.inject()` answers in-process; `app.close()` closes the live stream too. */
  app: FastifyInstance;
  /** The live stream (socket.io), attached to `app.server`. */
  realtime: Realtime;
  /** Lets another component (Node-RED at /red) answer requests first; it returns true when it handled one. */
  intercept(handler: (req: IncomingMessage, res: ServerResponse) => boolean): void;
}

/**
 * Builds the HTTP API without listening (fastify's docs/Guides/Testing.md `build()`): every
 * plugin and route registered, socket.io attached to `app.server`. `app.close()` closes it all.
 * @example const { app } = await buildApi(deps); const res = await app.inject({ url: '/healthz' }); await app.close();
 */
export async function buildApi(deps: HttpDeps): Promise<Api> {
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
    // The router's own refusals (a path parameter over maxParamLength, a URL that does not decode) in our shape.
    frameworkErrors,
    // Behind a load balancer (TRUSTED_PROXIES): request.ip is the client X-Forwarded-For names, for
    // the login guard, the rate limits and the audit log; nobody else's X-Forwarded-For is believed.
    trustProxy: deps.config.trustedProxies.length > 0 ? trustedProxies(deps.config.trustedProxies) : false,
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);

  // Before every route: the role check at onRequest and the route table (plugins/roles.ts), the audit hooks (plugins/audit.ts).
  await app.register(rolesPlugin, { tokens: deps.tokens });
  // After the role check: a request through the session cookie past half its lifetime gets a fresh cookie (plugins/auth.ts).
  await app.register(sessionRenewal, { sessions: createSessionService({ db: deps.db, tokens: deps.tokens, ttlSeconds: Math.round(deps.config.auth.tokenTtlHours * 3600) }) });
  // Before every route's validation: empty query values dropped, control characters and non-decimal numbers refused (plugins/input.ts).
  await app.register(inputPlugin);
  await app.register(httpMetricsPlugin, { metrics: deps.metrics });
  if (deps.security) await app.register(auditPlugin, { tokens: deps.tokens, audit: deps.security.audit });
  // OpenAPI and the rate limiter must be registered before the routes they describe or limit.
  await registerApiPlugins(app, deps.config);
  if (deps.security) await app.register(async (scope) => auditRoutes(scope, { audit: deps.security!.audit, db: deps.db }));
  await app.register(async (scope) => authRoutes(scope, deps));
  await app.register(async (scope) => stationRoutes(scope, deps));
  await app.register(async (scope) => opsRoutes(scope, deps));
  await app.register(async (scope) => alertRoutes(scope, deps));
  await app.register(async (scope) => userRoutes(scope, deps));
  await app.register(async (scope) => adminRoutes(scope, deps));
  await app.register(async (scope) => readingRoutes(scope, deps));
  await app.register(async (scope) => conflictRoutes(scope, deps));
  await app.register(async (scope) => tokenRoutes(scope, deps));
  await app.register(async (scope) => staRoutes(scope, deps));
  if (deps.ingest && deps.stationAuth) await app.register(async (scope) => ingestRoutes(scope, { ...deps, ingest: deps.ingest!, stationAuth: deps.stationAuth! }));
  if (deps.bulletins) await app.register(async (scope) => bulletinRoutes(scope, { ...deps, bulletins: deps.bulletins! }));
  if (deps.validation) {
    const withValidation = { ...deps, validation: deps.validation };
    await app.register(async (scope) => validationRoutes(scope, withValidation));
    await app.register(async (scope) => validationConfigRoutes(scope, withValidation));
  }
  await app.register(async (scope) => notificationRoutes(scope, deps));
  const realtime = await createRealtime({ server: app.server, ...deps });
  // socket.io holds its connections on app.server: closed before fastify closes the server; and
  // at onClose for an app that was never readied (preClose runs only after ready).
  app.addHook('preClose', () => realtime.close());
  app.addHook('onClose', () => realtime.close());
  await app.register(async (scope) => overviewRoutes(scope, deps, realtime));
  await app.register(async (scope) => webRoutes(scope, { tileUrl: deps.config.dashboard.tileUrl }));
  // Open data: /open/v1 (anonymous API) and /public (the citizens' page), and their admin controls.
  await app.register(async (scope) => {
    await openDataRoutes(scope, deps);
  });

  return {
    app,
    realtime,
    intercept(handler) {
      interceptor = handler;
    },
  };
}

/** Builds the API, routes WebSocket upgrades (/mqtt, /socket.io/, /red/) and listens on `config.http.port`. */
export async function createHttpServer(deps: HttpDeps): Promise<HttpServer> {
  const { app, realtime, intercept } = await buildApi(deps);
  const upgrades = routeUpgrades(app.server, deps.broker);
  try {
    await app.listen({ port: deps.config.http.port, host: deps.config.host });
  } catch (err) {
    // the live stream's timers and bus listeners would outlive a server that never started
    upgrades.close();
    await app.close().catch((closeErr: unknown) => deps.logger.error({ err: closeErr }, 'closing the HTTP API after a failed listen failed'));
    throw err;
  }
  const port = (app.server.address() as AddressInfo).port;

  return {
    app,
    port,
    realtime,
    intercept,
    async close() {
      upgrades.close();
      await app.close();
    },
  };
}
