/**
 * @module api/open/admin-routes
 * The agency's open-data controls (admin), on /api/v1 so that the audit log records every change:
 *
 *   GET   /api/v1/open/stations        what is published of every station, and the settings
 *   PATCH /api/v1/open/stations/{id}   public flag, public metrics, validated-through
 */
import type { FastifyInstance } from 'fastify';
import type { TokenService } from '../../auth/tokens.js';
import type { OpenData, PublicationPatch } from '../../open/index.js';
import { requireRole } from '../plugins/auth.js';
import { ID_PARAM, PUBLICATION, PUBLICATION_OVERVIEW, PUBLICATION_PATCH, TAGS } from './schemas.js';

export async function openAdminRoutes(admin: FastifyInstance, open: OpenData, tokens: TokenService): Promise<void> {
  const adminOnly = requireRole(tokens, 'admin');

  admin.get(
    '/api/v1/open/stations',
    { preHandler: adminOnly, schema: { tags: TAGS, summary: 'What is published of every station (admin)', response: PUBLICATION_OVERVIEW } },
    async () => open.publicationOverview(),
  );

  admin.patch<{ Params: { id: string }; Body: PublicationPatch }>(
    '/api/v1/open/stations/:id',
    {
      preHandler: adminOnly,
      schema: {
        tags: TAGS,
        summary: "Sets a station's publication: public (null = the profile's default), publicMetrics (null = all), validatedThrough (admin)",
        params: ID_PARAM,
        body: PUBLICATION_PATCH,
        response: PUBLICATION,
      },
    },
    async (request) => open.setPublication(request.params.id, request.body),
  );
}
