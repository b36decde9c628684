/**
 * Regions (county → street → community → block).
 *
 * - `GET /` lists regions as a GeoJSON FeatureCollection, simplified in SQL for the map's zoom.
 *   Geometry rarely changes, so the answer carries an ETag built from data_version.regions, the
 *   query and the caller's scope; a matching If-None-Match gets 304 without touching geometry.
 * - `GET /search?q=` finds regions by name or code prefix, `GET /:code` is one region with its chain.
 * - `POST /import` (admin) loads a FeatureCollection all or nothing (see db/queries/regions.ts).
 *
 * A manager sees their own area and the ancestors that hold it; anything else is a 404.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ifNoneMatch } from '../services/http.js';
import { AppError, notFound } from '../errors.js';
import { requireRole, userOf } from '../plugins/auth.js';
import { errors, parseBBox } from '../schemas/common.js';
import {
  RegionCodeParams,
  RegionCollection,
  RegionDetail,
  RegionImportBody,
  RegionImportQuery,
  RegionImportResult,
  RegionListQuery,
  RegionSearchQuery,
  RegionSearchResult,
} from '../schemas/regions.js';
import {
  getRegion,
  importRegions,
  listRegions,
  regionListKey,
  regionsVersion,
  RegionImportError,
  searchRegions,
  SYNTHETIC_NOTICE,
  type RegionListFilter,
} from '../../db/queries/regions.js';

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/',
    {
      schema: {
        querystring: RegionListQuery,
        response: {
          200: RegionCollection,
          304: Type.Null({ description: 'not modified (If-None-Match matched the ETag)' }),
          ...errors(400, 401),
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const filter: RegionListFilter = { level: q.level, parent: q.parent, zoom: q.zoom };
      if (q.bbox) {
        const b = parseBBox(q.bbox);
        if (b[0] > b[2] || b[1] > b[3])
          throw new AppError('BAD_REQUEST', 'bbox must be minLon,minLat,maxLon,maxLat with min ≤ max');
        filter.bbox = b;
      }
      // Weak: the same regions may serialise with different whitespace; equality of content is what matters.
      const etag = `W/"regions-${await regionsVersion(app.db)}-${regionListKey(filter, request.scope)}"`;
      reply.header('etag', etag).header('cache-control', 'private, no-cache').header('vary', 'Authorization');
      if (ifNoneMatch(request, etag)) return reply.code(304).send(null);
      const rows = await listRegions(app.db, filter, request.scope);
      return {
        type: 'FeatureCollection' as const,
        features: rows.map(({ geometry, ...properties }) => ({
          type: 'Feature' as const,
          id: properties.code,
          geometry,
          properties,
        })),
        ...(rows.some((r) => r.synthetic) ? { synthetic_notice: SYNTHETIC_NOTICE } : {}),
      };
    },
  );

  app.get(
    '/search',
    { schema: { querystring: RegionSearchQuery, response: { 200: RegionSearchResult, ...errors(400, 401) } } },
    async (request) => ({ regions: await searchRegions(app.db, request.query.q, request.scope, 20) }),
  );

  app.get(
    '/:code',
    { schema: { params: RegionCodeParams, response: { 200: RegionDetail, ...errors(400, 401, 404) } } },
    async (request) => {
      const region = await getRegion(app.db, request.params.code, request.scope);
      if (!region) throw notFound('region');
      const { geometry, bbox, chain, ...props } = region;
      return {
        type: 'Feature' as const,
        id: props.code,
        bbox,
        geometry,
        properties: { ...props, chain },
        ...(props.synthetic ? { synthetic_notice: SYNTHETIC_NOTICE } : {}),
      };
    },
  );

  app.post(
    '/import',
    {
      preValidation: requireRole('admin'),
      schema: {
        querystring: RegionImportQuery,
        body: RegionImportBody,
        response: { 200: RegionImportResult, ...errors(400, 401, 403, 413, 422) },
      },
    },
    async (request) => {
      const user = userOf(request);
      try {
        return await importRegions(app.db, request.body, {
          repair: request.query.repair,
          toleranceM2: request.query.tolerance_m2,
          actor: user.username,
          actorId: user.id,
        });
      } catch (err) {
        if (err instanceof RegionImportError) throw new AppError('IMPORT_REJECTED', err.message, err.details);
        throw err;
      }
    },
  );
};
export default routes;
