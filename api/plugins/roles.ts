/**
 * @module api/plugins/roles
 * Authorization as data: every route declares the least role it needs (`config: { role: 'viewer' }`,
 * or, in older route modules, a `requireRole` preHandler whose tag is read here as data), and
 * this plugin, registered once with fastify-plugin before any route:
 *
 * - checks that role in ONE onRequest hook, before the body is parsed or validated: an anonymous
 *   or under-privileged caller gets 401/403 whatever it sends, and learns nothing about the
 *   route's schema (the check itself is `checkRole`, api/plugins/auth.ts);
 * - keeps the route table with each route's role (`app.routeTable()`), which
 *   test/security-roles.test.ts walks with every role.
 *
 * It only reads the routes it is shown (onRoute): it never replaces their handlers or hooks.
 * The hook runs first among the onRequest hooks (it is registered at the root), so a refused
 * caller does not count against the per-token rate limit of the analyst scopes.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { Role } from '../../store/users.js';
import type { TokenService } from '../../auth/tokens.js';
import { checkRole } from './auth.js';

export interface RouteEntry {
  method: string;
  url: string;
  /** the least role the route requires; null = public (or its own authentication: login, station ingest) */
  role: Role | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered after the roles plugin, with the role it checks. */
    routeTable(): RouteEntry[];
  }
}

/** The role of a `requireRole` preHandler (api/plugins/auth.ts), if the route has one. */
function taggedRole(preHandler: RouteOptions['preHandler']): Role | undefined {
  const list: unknown[] = preHandler === undefined ? [] : Array.isArray(preHandler) ? preHandler : [preHandler];
  for (const hook of list) {
    const role = (hook as { requiredRole?: Role }).requiredRole;
    if (role) return role;
  }
  return undefined;
}

async function roles(app: FastifyInstance, { tokens }: { tokens: TokenService }): Promise<void> {
  const table: RouteEntry[] = [];
  /** `METHOD url` → the role of routes that declare it by a tagged preHandler rather than in config. */
  const tagged = new Map<string, Role>();
  app.decorate('routeTable', () => table.slice());

  app.addHook('onRoute', (route) => {
    const declared = route.config?.role;
    const tag = taggedRole(route.preHandler);
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      table.push({ method: String(method), url: route.url, role: declared ?? tag ?? null });
      if (declared === undefined && tag !== undefined) tagged.set(`${String(method)} ${route.url}`, tag);
    }
  });

  app.addHook('onRequest', async function enforceRole(request) {
    const role = request.routeOptions.config.role ?? tagged.get(`${request.method} ${request.routeOptions.url}`);
    if (role) await checkRole(tokens, request, role);
  });
}

export const rolesPlugin = fp(roles, { name: 'quantrac-roles', fastify: '5.x' });
