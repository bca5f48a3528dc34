/**
 * @module api/plugins/common
 * Plugins that must be registered before any route: OpenAPI 3.1 (@fastify/swagger collects each
 * route's schema as it is added; what every operation shares is in ./openapi.ts) served at /api/openapi.json with Swagger UI at /api/docs, and
 * the per-token rate limiter (@fastify/rate-limit, `global: false`: analyst scopes opt in).
 */
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/index.js';
import { rateLimitOptions } from './analytics-rate-limit.js';
import { SWAGGER_OPTIONS } from './openapi.js';

export async function registerApiPlugins(app: FastifyInstance, config: Readonly<Config>): Promise<void> {
  await app.register(swagger, SWAGGER_OPTIONS);
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(rateLimit, rateLimitOptions(config));
}
