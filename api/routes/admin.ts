/**
 * @module api/routes/admin
 *   POST /api/v1/admin/backup   (admin) → a consistent snapshot of the embedded database
 *                               (application/gzip, a tarball of its data directory; `quantrac db restore FILE`)
 * The embedded database has one connection, held by the running app, so a backup taken while it
 * runs must come from the app: the worker snapshots it between two statements (store/backup.ts).
 * With a database server the answer is 409 and names pg_dump: the server has its own tools.
 */
import type { FastifyInstance } from 'fastify';
import { createError } from '../../lib/errors.js';
import { download } from '../schemas/common.js';
import { snapshot } from '../../store/backup.js';
import type { HttpDeps } from '../index.js';

export async function adminRoutes(app: FastifyInstance, deps: Pick<HttpDeps, 'db'>): Promise<void> {
  app.post(
    '/api/v1/admin/backup',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['admin'],
        summary: 'A consistent snapshot of the embedded database (gzip tarball), taken while it runs; `quantrac db backup` calls it',
        response: { 200: download('The snapshot (a gzip tarball of the embedded database directory)', 'application/gzip') },
      },
    },
    async (request, reply) => {
      if (!deps.db.embedded)
        throw createError('QT_ERR_CONFLICT', 'This installation uses a database server (DATABASE_URL): back it up with pg_dump (see `quantrac db backup --help`)');
      const t0 = performance.now();
      const data = await snapshot(deps.db);
      request.log.info({ bytes: data.length, ms: Math.round(performance.now() - t0) }, 'database snapshot taken');
      const name = `quantrac-backup-${new Date().toISOString().replace(/[:.]/g, '-')}.tar.gz`;
      return reply.type('application/gzip').header('content-disposition', `attachment; filename="${name}"`).send(data);
    },
  );
}
