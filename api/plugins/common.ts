/**
 * @module api/plugins/common
 * Plugins that must be registered before any route: OpenAPI 3 (@fastify/swagger collects each
 * route's schema as it is added) served at /api/openapi.json with Swagger UI at /api/docs, and
 * the per-token rate limiter (@fastify/rate-limit, `global: false`: analyst scopes opt in).
 */
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/index.js';
import { rateLimitOptions } from './analytics-rate-limit.js';

export async function registerApiPlugins(app: FastifyInstance, config: Readonly<Config>): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Quantrac API',
        version: '1',
        description:
          'Environmental monitoring stations, readings, aggregates with coverage, exports, completeness, alerts, and OGC SensorThings API 1.1 (read) under /sta/v1.1. ' +
          'Errors: `{ "error": { "code", "message" } }`. Authenticate with `Authorization: Bearer <token>` (POST /api/v1/auth/login) or an API token `qtk_…` (POST /api/v1/tokens; read-only).',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
      tags: [
        { name: 'auth' },
        { name: 'stations' },
        { name: 'readings', description: 'raw readings, aggregates with coverage, export, completeness' },
        { name: 'tokens', description: "analysts' read-only API tokens" },
        { name: 'sensorthings', description: 'OGC SensorThings API 1.1, read subset' },
        { name: 'alerts' },
        { name: 'bulletins', description: 'daily and monthly bulletins (HTML, CSV, PDF)' },
        { name: 'users' },
        { name: 'ops' },
        { name: 'open-data', description: 'open data, anonymous (no authentication), CORS, licence in every answer: /open/v1; admin settings under /api/v1/open' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(rateLimit, rateLimitOptions(config));
}
