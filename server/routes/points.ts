/**
 * /api/point-types and /api/points: the register of assessment points (测评点位). Everyone signed
 * in reads (a manager only their area's points; outside it is a 404 like a missing id); the admin
 * (创文办) registers, imports, edits and retires. Points are never deleted.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { parseImportBody } from '../services/imports.js';
import { AppError, notFound } from '../errors.js';
import { requireRole, userOf } from '../plugins/auth.js';
import { errors, IdParam, parseBBox } from '../schemas/common.js';
import {
  CreatePointBody,
  EditPointBody,
  ListPointsQuery,
  PatchPointTypeBody,
  PointCollection,
  PointFeature,
  PointImportBody,
  PointImportQuery,
  PointImportResponse,
  PointType,
  PointTypeParam,
  PointTypesResponse,
  RetirePointBody,
} from '../schemas/points.js';
import { coordinateProblem, toWgs84, type InputCrs } from '../../domain/coords.js';
import { parsePointCsv, parsePointGeoJson, MAX_POINT_EXTENT_DEG, type NewPoint } from '../../domain/point-import.js';
import {
  createPoint,
  editPoint,
  getPoint,
  getPointTypeLookup,
  importPoints,
  listPoints,
  retirePoint,
} from '../../db/queries/points.js';
import { listPointTypes, updatePointType } from '../../db/queries/standards.js';
import { pointItemStats } from '../../db/queries/inspections.js';

const TAGS = ['assessment'];

/**
 * The geometry of a create / edit body in WGS84: `lon`/`lat` or a `geometry` (parsed with the
 * import's rules, so a body and a file row are checked alike). Throws 422 with the reason.
 */
function geometryOf(
  b: { lon?: number; lat?: number; geometry?: { type: string; coordinates: unknown }; crs?: InputCrs },
  types: ReadonlyMap<string, string>,
  typeText: string,
): NewPoint['geometry'] | undefined {
  if (b.geometry) {
    const parsed = parsePointGeoJson(
      {
        type: 'FeatureCollection',
        features: [{ type: 'Feature', geometry: b.geometry, properties: { type: typeText, name: 'x' } }],
      },
      { crs: b.crs ?? 'wgs84', types },
    );
    if (parsed.rejected.length)
      throw new AppError('INVALID_GEOMETRY', parsed.rejected[0].reason, {
        reason: parsed.rejected[0].reason,
        max_extent_deg: MAX_POINT_EXTENT_DEG,
      });
    return parsed.rows[0].geometry;
  }
  if (b.lon === undefined && b.lat === undefined) return undefined;
  if (b.lon === undefined || b.lat === undefined)
    throw new AppError('VALIDATION_FAILED', 'give lon and lat together', { fields: ['lon', 'lat'] });
  const bad = coordinateProblem(b.lon, b.lat);
  if (bad) throw new AppError('UNPROCESSABLE', bad, { lon: b.lon, lat: b.lat });
  return { type: 'Point', coordinates: toWgs84(b.lon, b.lat, b.crs ?? 'wgs84') };
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/point-types',
    {
      schema: {
        tags: TAGS,
        summary: 'Point types (测评点位类型): seed data the admin edits',
        response: { 200: PointTypesResponse, ...errors(401) },
      },
    },
    async () => ({ point_types: await listPointTypes(app.db) }),
  );

  app.patch(
    '/point-types/:code',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags: TAGS,
        summary: 'Rename a point type or switch it off (admin)',
        params: PointTypeParam,
        body: PatchPointTypeBody,
        response: { 200: PointType, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const row = await updatePointType(app.db, request.params.code, request.body);
      if (!row) throw notFound(`point type ${request.params.code}`);
      return row;
    },
  );

  app.get(
    '/points',
    {
      schema: {
        tags: TAGS,
        summary: 'Assessment points as GeoJSON with their standing; `near=lon,lat` gives the nearest first',
        querystring: ListPointsQuery,
        response: { 200: PointCollection, ...errors(400, 401) },
      },
    },
    async (request) => {
      const q = request.query;
      let near: [number, number] | undefined;
      if (q.near) {
        const [lon, lat] = q.near.split(',').map(Number);
        const bad = coordinateProblem(lon, lat);
        if (bad) throw new AppError('BAD_REQUEST', bad, { near: q.near });
        near = toWgs84(lon, lat, q.crs ?? 'wgs84');
      }
      const features = await listPoints(app.db, request.scope, {
        type: q.type,
        region: q.region,
        q: q.q,
        standing: q.standing,
        includeRetired: q.retired,
        bbox: q.bbox ? parseBBox(q.bbox) : undefined,
        near,
        limit: q.limit ?? 500,
      });
      return { type: 'FeatureCollection' as const, features };
    },
  );

  app.get(
    '/points/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'One point: standing, latest inspection, open problems and the pass rate of every item',
        params: IdParam,
        response: { 200: PointFeature, ...errors(401, 404) },
      },
    },
    async (request) => {
      const point = await getPoint(app.db, request.params.id, request.scope);
      if (!point) throw notFound(`point ${request.params.id}`);
      return { ...point, properties: { ...point.properties, items: await pointItemStats(app.db, point.id) } };
    },
  );

  app.post(
    '/points',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags: TAGS,
        summary: 'Register one point (admin); the database assigns its block',
        body: CreatePointBody,
        response: { 201: PointFeature, ...errors(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      const b = request.body;
      const types = await getPointTypeLookup(app.db);
      const type = types.get(b.type);
      if (!type) throw new AppError('UNPROCESSABLE', `unknown point type ${JSON.stringify(b.type)}`, { type: b.type });
      const geometry = geometryOf(b, types, type);
      if (!geometry)
        throw new AppError('VALIDATION_FAILED', 'give lon and lat, or a geometry', {
          fields: ['lon', 'lat', 'geometry'],
        });
      const id = await app.db.transaction().execute(async (trx) => {
        const r = await createPoint(
          trx,
          {
            type_code: type,
            name: b.name,
            address: b.address ?? null,
            unit: b.unit ?? null,
            ref: b.ref ?? null,
            geometry,
          },
          request.scope,
          user,
        );
        if (r.kind === 'ok') return r.id;
        if (r.kind === 'duplicate_ref')
          throw new AppError('CONFLICT', `point number ${b.ref} is already registered`, { ref: b.ref });
        if (r.kind === 'outside_coverage')
          throw new AppError('OUTSIDE_COVERAGE', 'the point is outside every block of the map');
        throw new AppError('FORBIDDEN', 'the point is outside your area');
      });
      return reply.code(201).send((await getPoint(app.db, id, request.scope))!);
    },
  );

  app.post(
    '/points/import',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags: TAGS,
        summary: 'Import points from CSV (UTF-8 or GBK) or GeoJSON; all or nothing, every bad row named',
        querystring: PointImportQuery,
        body: PointImportBody,
        response: { 201: PointImportResponse, ...errors(400, 401, 403, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      const ctx = { crs: request.query.crs ?? 'wgs84', types: await getPointTypeLookup(app.db) };
      const parsed = parseImportBody(
        request.body,
        (bytes) => parsePointCsv(bytes, ctx),
        (fc) => parsePointGeoJson(fc, ctx),
      );
      const created = await app.db.transaction().execute(async (trx) => {
        // Bad rows already? Still stage the good ones so the one report also names the rows the
        // database refuses (outside coverage, invalid polygon, number taken); then roll back.
        const r = await importPoints(trx, parsed.rows, user, { checkOnly: parsed.rejected.length > 0 });
        const rejected = [...parsed.rejected, ...r.rejected].sort((a, b) => a.line - b.line);
        if (rejected.length > 0 || r.created === 0) {
          throw new AppError(
            'IMPORT_REJECTED',
            `${rejected.length} of ${parsed.total} rows cannot be imported; nothing was imported`,
            { rejected, total: parsed.total },
          );
        }
        return r.created;
      });
      return reply.code(201).send({ created, total: parsed.total });
    },
  );

  app.patch(
    '/points/:id',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags: TAGS,
        summary: 'Edit a point (admin); moving it re-assigns its block',
        params: IdParam,
        body: EditPointBody,
        response: { 200: PointFeature, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => {
      const b = request.body;
      const id = request.params.id;
      const types = await getPointTypeLookup(app.db);
      let type: string | undefined;
      if (b.type !== undefined) {
        type = types.get(b.type);
        if (!type)
          throw new AppError('UNPROCESSABLE', `unknown point type ${JSON.stringify(b.type)}`, { type: b.type });
      }
      const geometry = geometryOf(b, types, type ?? 'OTHER');
      const outcome = await app.db
        .transaction()
        .execute((trx) =>
          editPoint(
            trx,
            id,
            b.version,
            { type_code: type, name: b.name, address: b.address, unit: b.unit, geometry },
            request.scope,
          ),
        );
      switch (outcome.kind) {
        case 'not_found':
          throw notFound(`point ${id}`);
        case 'version_conflict':
          throw new AppError('VERSION_CONFLICT', `point ${id} changed meanwhile (version ${outcome.version})`, {
            version: outcome.version,
          });
        case 'retired':
          throw new AppError('CONFLICT', 'a retired point is part of the record and cannot be edited');
        case 'outside_coverage':
          throw new AppError('OUTSIDE_COVERAGE', 'the new location is outside every region');
        case 'outside_scope':
          throw new AppError('FORBIDDEN', 'the new location is outside your area');
      }
      return (await getPoint(app.db, id, request.scope))!;
    },
  );

  app.post(
    '/points/:id/retire',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags: TAGS,
        summary: 'Retire a point (admin): kept for its inspections, gone from lists, the map and new draws',
        params: IdParam,
        body: RetirePointBody,
        response: { 200: PointFeature, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const id = request.params.id;
      const r = await app.db.transaction().execute((trx) => retirePoint(trx, id, request.body.reason, request.scope));
      if (r === 'not_found') throw notFound(`point ${id}`);
      if (r === 'already') throw new AppError('CONFLICT', `point ${id} is already retired`);
      return (await getPoint(app.db, id, request.scope))!;
    },
  );
};

export default routes;
