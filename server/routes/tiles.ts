/**
 * Vector tiles (registered under /tiles): `/regions/{z}/{x}/{y}.mvt`, `/problems/{z}/{x}/{y}.mvt`
 * and a TileJSON 3.0.0 document per layer at `/{layer}.json`.
 *
 * - The encoder is chosen once, when the routes are registered: `ST_AsMVT` in the database when it
 *   has protobuf (PostgreSQL), else the database selects and clips and vt-pbf encodes (PGlite).
 * - Problem tiles obey the problem filters (query string) and the caller's scope, and show open
 *   problems unless the status filter names others; region tiles show the caller's area and its
 *   ancestors.
 * - ETag = version of what the tile covers + z/x/y + query + scope → 304 on a match;
 *   `Cache-Control: private, no-cache` (tiles are per user: revalidate, never share). For a
 *   problem tile the version is that of the streets under it (db/queries/tiles.ts
 *   problemTileVersion), so a write elsewhere keeps it; below z13 also the Shanghai day (cells
 *   count overdue by day), with an overdue filter the minute. Points carry their deadline, not an
 *   overdue flag: the page judges overdue by its clock. Encoded tiles are kept in an LRU sized in
 *   bytes, keyed by that ETag: a hit runs only the version statement (primary-key reads of the versions
 *   of the tile's streets, which are kept per tile while the regions' version stays).
 * - An empty tile is `204 No Content` (MapLibre and QGIS treat it as an empty tile).
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/types.js';
import { errors } from '../schemas/common.js';
import {
  PointTileQuery,
  ProblemTileQuery,
  RegionTileQuery,
  TileJson,
  TileLayerParams,
  TileParams,
} from '../schemas/tiles.js';
import { AppError } from '../errors.js';
import { filtersOf } from '../services/filters.js';
import { ifNoneMatch } from '../services/http.js';
import { encodeTile, type TileFeature } from '../../domain/tile-encode.js';
import { toShanghaiDate } from '../../domain/time.js';
import {
  MAX_TILE_ZOOM,
  PROBLEM_POINT_MIN_ZOOM,
  pointTile,
  problemTile,
  problemTileVersion,
  PROBLEM_TILE_CAP,
  regionTile,
  tileBounds,
  tileVersions,
  type TileAddress,
  type TileEncoder,
  type TileStreets,
} from '../../db/queries/tiles.js';

export const MVT_CONTENT_TYPE = 'application/vnd.mapbox-vector-tile';
/** Zoom up to which TileJSON tells clients to fetch tiles; deeper views overzoom the z16 tile. */
const TILEJSON_MAXZOOM = 16;
/** Bytes of encoded tiles kept in memory. */
const CACHE_BYTES = 64 * 1024 * 1024;

/** The start of the minute `d` is in: an overdue filter is judged there, so a tile holds for a minute. */
const minuteStart = (d: Date) => new Date(Math.floor(d.getTime() / 60_000) * 60_000);

/** The query string without the token, in a stable order (part of the ETag). */
function canonicalQuery(query: Record<string, unknown>): string {
  return JSON.stringify(
    Object.entries(query)
      .filter(([k, v]) => k !== 'access_token' && v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
}

const REGION_FIELDS: Record<string, string> = {
  code: 'String',
  name: 'String',
  level: 'String',
  parent_code: 'String',
};
const PROBLEM_FIELDS: Record<string, string> = {
  id: 'Number',
  status: 'String',
  category_code: 'String',
  severity: 'Number',
  due: 'Number (a problem: its deadline in Unix seconds, absent without one)',
  overdue: 'Number (open problems in a cell whose deadline day has passed, below z13)',
  count: 'Number (problems in a cell, below z13)',
  omitted: 'Number (one feature at the centre of a capped tile: matching problems left out)',
};

const POINT_FIELDS: Record<string, string> = {
  id: 'Number',
  type_code: 'String',
  standing: 'String (uninspected | passed | failed | chronic)',
  name: 'String',
};

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const encoder: TileEncoder = app.dbInfo.hasMvt ? 'sql' : 'js';
  // Least-recently-used encoded tiles by ETag, bounded by bytes; one tile may take at most 1/8.
  const cache = new LRUCache<string, Buffer>({
    maxSize: CACHE_BYTES,
    maxEntrySize: CACHE_BYTES / 8,
    sizeCalculation: (tile) => Math.max(tile.length, 1),
  });
  // Each problem tile's streets at a regions version (problemTileVersion): a few codes a tile, so
  // every tile of a county to z16 fits; the version statement finds again any it has dropped.
  const streetsOfTile = new LRUCache<string, TileStreets>({ max: 50_000 });

  async function serve(
    request: FastifyRequest,
    reply: FastifyReply,
    layer: 'regions' | 'problems' | 'points',
    t: TileAddress,
    query: Record<string, unknown>,
    build: (db: Kysely<DB>) => Promise<Buffer | TileFeature[]>,
  ) {
    const n = 2 ** t.z;
    if (t.x >= n || t.y >= n)
      throw new AppError(
        'VALIDATION_FAILED',
        `tile ${t.z}/${t.x}/${t.y} does not exist: x and y must be below ${n} at zoom ${t.z}`,
      );
    // What the tile's content depends on: for problems the versions of the streets under it (and
    // the day, for the cells' overdue counts, or the minute an overdue filter is judged at); for
    // regions and points their global version.
    // Reads (version and content alike) from the replica when one is configured and has caught up
    // with this user's writes; one handle for both, so a tile is never cached under another's version.
    const db = app.dbFor(request);
    let version: unknown[];
    if (layer === 'problems') {
      const f = filtersOf(query as never);
      version = [
        await problemTileVersion(db, t, f.campaign !== undefined, streetsOfTile),
        t.z < PROBLEM_POINT_MIN_ZOOM ? toShanghaiDate(new Date()) : null,
        f.overdue !== undefined ? minuteStart(new Date()).toISOString() : null,
      ];
    } else {
      const v = await tileVersions(db);
      version = [layer === 'regions' ? v.regions : v.points];
    }
    const key = createHash('sha1')
      .update(JSON.stringify([layer, version, t.z, t.x, t.y, canonicalQuery(query), request.scope]))
      .digest('base64url');
    const etag = `"${layer}-${key}"`;
    reply.header('etag', etag).header('cache-control', 'private, no-cache').header('vary', 'Authorization');
    if (ifNoneMatch(request, etag)) return reply.code(304).send();
    let tile = cache.get(etag);
    if (!tile) {
      const out = await build(db);
      tile = Buffer.isBuffer(out) ? out : encodeTile([{ name: layer, features: out }]);
      cache.set(etag, tile);
    }
    if (tile.length === 0) return reply.code(204).send();
    return reply.code(200).type(MVT_CONTENT_TYPE).send(tile);
  }

  const tileResponses = {
    200: Type.Unknown({ description: `Mapbox Vector Tile (${MVT_CONTENT_TYPE})` }),
    204: Type.Null({ description: 'empty tile' }),
    304: Type.Null({ description: 'not modified (If-None-Match matched the ETag)' }),
    ...errors(400, 401),
  };

  app.get(
    '/regions/:z/:x/:y.mvt',
    {
      schema: {
        tags: ['tiles'],
        summary: 'Region outlines: streets below z9, communities z9–11, blocks from z12, the county outline always',
        params: TileParams,
        querystring: RegionTileQuery,
        response: tileResponses,
      },
    },
    async (request, reply) =>
      serve(request, reply, 'regions', request.params, request.query, (db) =>
        regionTile(db, request.params, { scope: request.scope, level: request.query.level }, encoder),
      ),
  );

  app.get(
    '/problems/:z/:x/:y.mvt',
    {
      schema: {
        tags: ['tiles'],
        summary: `Problems: one point each from z${PROBLEM_POINT_MIN_ZOOM}, counts per cell below; filters and scope apply`,
        params: TileParams,
        querystring: ProblemTileQuery,
        response: tileResponses,
      },
    },
    async (request, reply) =>
      serve(request, reply, 'problems', request.params, request.query, (db) =>
        problemTile(
          db,
          request.params,
          {
            scope: request.scope,
            filters: filtersOf(request.query),
            now: minuteStart(new Date()),
            today: toShanghaiDate(new Date()),
          },
          encoder,
        ),
      ),
  );

  app.get(
    '/points/:z/:x/:y.mvt',
    {
      schema: {
        tags: ['tiles', 'assessment'],
        summary: 'Assessment points (测评点位), one point each with type_code and standing; scope applies',
        params: TileParams,
        querystring: PointTileQuery,
        response: tileResponses,
      },
    },
    async (request, reply) =>
      serve(request, reply, 'points', request.params, request.query, (db) =>
        pointTile(
          db,
          request.params,
          { scope: request.scope, type: request.query.type, standing: request.query.standing },
          encoder,
        ),
      ),
  );

  app.get(
    '/:layer.json',
    {
      schema: {
        tags: ['tiles'],
        summary: 'TileJSON 3.0.0 for a tile layer (the query string is carried into the tile URLs)',
        params: TileLayerParams,
        response: { 200: TileJson, ...errors(400, 401) },
      },
    },
    async (request) => {
      const { layer } = request.params;
      const bounds = (await tileBounds(app.db, request.scope)) ?? [-180, -85.0511, 180, 85.0511];
      const search = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
      const base = `${request.protocol}://${request.host}/tiles/${layer}/{z}/{x}/{y}.mvt${search}`;
      const centre = [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, 10];
      const regions = layer === 'regions';
      if (layer === 'points') {
        return {
          tilejson: '3.0.0' as const,
          name: '测评点位 points',
          description:
            'Active assessment points, one point each, coloured by standing (uninspected, passed, failed, chronic).',
          scheme: 'xyz' as const,
          tiles: [base],
          minzoom: 0,
          maxzoom: TILEJSON_MAXZOOM,
          bounds,
          center: centre,
          attribution: '问题地图 Problem Map',
          vector_layers: [
            {
              id: 'points',
              description: 'id, type_code, standing, name',
              minzoom: 0,
              maxzoom: MAX_TILE_ZOOM,
              fields: POINT_FIELDS,
            },
          ],
        };
      }
      return {
        tilejson: '3.0.0' as const,
        name: regions ? '行政区划与网格 regions' : '问题 problems',
        description: regions
          ? 'Region outlines: county always; streets below z9, communities z9–11, blocks from z12 (?level= overrides). The demo partition is synthetic.'
          : `Problems matching the filters (open unless status= says otherwise): one point per problem from z${PROBLEM_POINT_MIN_ZOOM}; below, one point per 64-unit cell with count and overdue; at most ${PROBLEM_TILE_CAP} features a tile.`,
        scheme: 'xyz' as const,
        tiles: [base],
        minzoom: 0,
        maxzoom: TILEJSON_MAXZOOM,
        bounds,
        center: centre,
        attribution: '问题地图 Problem Map',
        vector_layers: [
          {
            id: layer,
            description: regions
              ? 'county, street, community or block outline'
              : `z ≥ ${PROBLEM_POINT_MIN_ZOOM}: id, status, category_code, severity, due; below: count, overdue (counts per cell); omitted on one feature when the tile hit its cap`,
            minzoom: 0,
            maxzoom: MAX_TILE_ZOOM,
            fields: regions ? REGION_FIELDS : PROBLEM_FIELDS,
          },
        ],
      };
    },
  );
};

export default routes;
