/**
 * /api/problems: create one, import many (CSV or GeoJSON), list (GeoJSON, keyset pages), detail.
 * Workflow transitions and the event record live in server/routes/workflow.ts under the same prefix.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Readable } from 'node:stream';
import { importFormatToAppError, parseImportBody, spoolCsv, type SpooledCsv } from '../services/imports.js';
import { AppError, notFound } from '../errors.js';
import { requireRole, userOf } from '../plugins/auth.js';
import { errors, IdempotencyHeaders, IdParam, parseBBox } from '../schemas/common.js';
import {
  CreateProblemBody,
  CreateProblemResponse,
  EditProblemBody,
  ImportBody,
  ImportQuery,
  ImportResponse,
  ListProblemsQuery,
  ProblemCollection,
  ProblemFeature,
} from '../schemas/problems.js';
import { coordinateProblem, toWgs84 } from '../../domain/coords.js';
import { allowedActions, REPORT_ROLES } from '../../domain/workflow.js';
import {
  coordinateReason,
  csvTextStream,
  parseProblemGeoJson,
  parseReportedAt,
  validateProblemCsvStream,
  type ImportRow,
  type Rejection,
} from '../../domain/problem-import.js';
import { importProblemStream } from '../../db/queries/problem-import-stage.js';
import {
  createProblem,
  decodeCursor,
  editProblem,
  encodeCursor,
  findPossibleDuplicates,
  getCategoryLookup,
  getProblemFeature,
  listProblems,
} from '../../db/queries/problems.js';
import { findCategory } from '../../db/queries/categories.js';
import { completeIdempotencyKey } from '../../db/queries/idempotency.js';
import { claimKey, idempotencyKeyOf } from '../services/idempotency.js';
import { attachProblemPhotos } from '../services/photos.js';
import { photoUrl } from '../../db/queries/photos.js';

/** Reports dated further ahead than this (phone clock drift) are refused. */
const FUTURE_TOLERANCE_MS = 10 * 60_000;

/** 422 naming the reason when lon / lat (degrees) cannot be a place: out of range, or swapped. */
function checkCoordinates(lon: number, lat: number): void {
  const coordError = coordinateProblem(lon, lat);
  if (coordError)
    throw new AppError('UNPROCESSABLE', coordError, { lon, lat }, { reason: coordinateReason(coordError), lon, lat });
}

/**
 * Largest CSV a problem import takes (the body streams to a temporary file: memory does not grow
 * with it). A million rows of a typical sheet is 100–150 MB.
 */
const IMPORT_BODY_LIMIT = 512 * 1024 * 1024;

const isStream = (v: unknown): v is Readable =>
  typeof v === 'object' && v !== null && typeof (v as Readable).pipe === 'function';

const routes: FastifyPluginAsyncTypebox = async (app) => {
  // In this plugin (POST /import is its only CSV route) CSV bodies are not read by Fastify: the
  // route streams them (see IMPORT_BODY_LIMIT) instead of holding the whole file.
  const CSV_TYPES = ['text/csv', 'application/csv', 'text/plain', 'application/octet-stream'];
  app.removeContentTypeParser(CSV_TYPES);
  app.addContentTypeParser(CSV_TYPES, (_req, payload, done) => done(null, payload));
  app.post(
    '/',
    {
      preValidation: requireRole(...REPORT_ROLES),
      schema: {
        tags: ['problems'],
        summary: 'Report one problem at a point; the database assigns its block; Idempotency-Key makes a retry safe',
        headers: IdempotencyHeaders,
        body: CreateProblemBody,
        response: { 201: CreateProblemResponse, ...errors(400, 401, 403, 422) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      const b = request.body;
      checkCoordinates(b.lon, b.lat);
      const [lon, lat] = toWgs84(b.lon, b.lat, b.crs ?? 'wgs84');

      // By code, or by name as the CSV import accepts it (a user types 暴露垃圾, not 06010).
      const category = await findCategory(app.db, b.category);
      if (category) b.category = category.code;
      if (!category || !category.active)
        throw new AppError(
          'UNKNOWN_CATEGORY',
          `unknown or inactive category ${b.category}`,
          { category: b.category },
          { category: b.category },
        );

      const now = new Date();
      let reportedAt = now;
      if (b.reported_at) {
        const parsed = parseReportedAt(b.reported_at);
        if (!parsed)
          throw new AppError('VALIDATION_FAILED', `reported_at ${JSON.stringify(b.reported_at)} is not a valid date`);
        if (parsed.getTime() > now.getTime() + FUTURE_TOLERANCE_MS)
          throw new AppError('UNPROCESSABLE', 'reported_at is in the future');
        reportedAt = parsed;
      }

      const key = idempotencyKeyOf(request);
      const input = {
        lon,
        lat,
        category_code: category.code,
        description: b.description ?? '',
        address: b.address ?? null,
        source: b.source ?? ('inspection' as const),
        severity: b.severity ?? 1,
        reporter: b.reporter ?? null,
        photos: [...(b.photos ?? []), ...b.photo_ids.map(photoUrl)],
        reported_at: reportedAt,
      };
      const actor = { id: user.id, username: user.username };
      const refuse = (kind: 'outside_coverage' | 'outside_scope'): never => {
        if (kind === 'outside_coverage') {
          throw new AppError(
            'OUTSIDE_COVERAGE',
            'the point is outside every block of the map',
            { lon, lat, crs: b.crs ?? 'wgs84' },
            { lon, lat },
          );
        }
        // A refusal to create reveals nothing the caller did not send, so 403 (not 404) is honest here.
        throw new AppError(
          'FORBIDDEN',
          user.role === 'department'
            ? `category ${category.code} is not handled by your department`
            : 'the point is outside your area',
          undefined,
          user.role === 'department'
            ? { reason: 'category_not_your_department', category: category.code }
            : { reason: 'point_outside_your_area' },
        );
      };
      const done = (created: Extract<Awaited<ReturnType<typeof createProblem>>, { kind: 'ok' }>) => {
        const p = created.feature.properties;
        p.allowed_actions = allowedActions(p.status, user.role, { escalated: p.escalated });
        return { created, possible: created.possible, problem: created.feature, replay: false };
      };
      // Without an idempotency key or photos to attach, the create is one statement (atomic on its
      // own): no transaction, no second round trip, no lock held between statements.
      const result =
        !key && b.photo_ids.length === 0
          ? await createProblem(app.db, input, request.scope, actor).then((created) =>
              created.kind === 'ok' ? done(created) : refuse(created.kind),
            )
          : await app.db.transaction().execute(async (trx) => {
              const prior = key ? await claimKey(trx, user.id, key, 'POST /api/problems') : null;
              if (prior) {
                // A retry: answer with the problem the first attempt created, write nothing.
                const problem = await getProblemFeature(trx, prior.problem_id!, request.scope, user.role);
                if (!problem) throw notFound('problem');
                const created = {
                  ok: true as const,
                  id: problem.id as number,
                  region_code: problem.properties.region_code,
                  recurrence_of: (problem.properties.recurrence_of as number | null | undefined) ?? null,
                };
                return {
                  created,
                  possible: await findPossibleDuplicates(trx, created.id, request.scope),
                  problem,
                  replay: true,
                };
              }
              const created = await createProblem(trx, input, request.scope, actor);
              if (created.kind !== 'ok') return refuse(created.kind);
              // The URLs went into the row and its create event above (the record is append-only);
              // attaching checks the photos are the caller's own, unused report photos, or rolls it all back.
              await attachProblemPhotos(trx, b.photo_ids, 'report', created.id, user.id, 0);
              if (key) await completeIdempotencyKey(trx, user.id, key, created.id, 201);
              return done(created);
            });
      if (result.replay) reply.header('idempotent-replayed', 'true');

      return reply.code(201).send({
        id: result.created.id,
        region_code: result.created.region_code,
        chain: result.problem.properties.chain ?? [],
        possible_duplicates: result.possible,
        recurrence_of: result.created.recurrence_of,
        problem: result.problem,
      });
    },
  );

  app.post(
    '/import',
    {
      preValidation: requireRole('admin', 'inspector'),
      schema: {
        tags: ['problems'],
        summary:
          'Import problems from CSV (UTF-8 or GBK) or a GeoJSON FeatureCollection; all-or-nothing unless mode=partial',
        querystring: ImportQuery,
        body: ImportBody,
        response: { 201: ImportResponse, ...errors(400, 401, 403, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      const ctx = { crs: request.query.crs ?? 'wgs84', categories: await getCategoryLookup(app.db), now: new Date() };
      const partial = request.query.mode === 'partial';
      const report = { rejected: [] as Rejection[], total: 0 };
      let spooled: SpooledCsv | null = null;
      try {
        let batches: AsyncIterable<ImportRow[]> | Iterable<ImportRow[]>;
        if (isStream(request.body) || Buffer.isBuffer(request.body)) {
          // CSV: received into a temporary file (never whole in memory), then parsed as a stream
          // while the rows are staged.
          spooled = await spoolCsv(request.body, IMPORT_BODY_LIMIT);
          batches = validateProblemCsvStream(csvTextStream(spooled.open(), spooled.utf8), ctx, report);
        } else {
          const parsed = parseImportBody(
            request.body,
            () => {
              throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'send text/csv or a GeoJSON FeatureCollection');
            },
            (fc) => parseProblemGeoJson(fc, ctx),
          );
          for (const r of parsed.rejected) report.rejected.push(r); // not push(...): any number of rows
          report.total = parsed.total;
          batches = [parsed.rows];
        }
        const steps = {};
        const r = await importProblemStream(
          app.dbHandle,
          batches,
          { id: user.id, username: user.username },
          { partial, report },
          steps,
        );
        // Where a long import spent its time (stage = parse + COPY, which overlap; then SQL steps).
        request.log.info({ steps, rows: report.total }, 'problem import steps (ms)');
        const rejected = [...report.rejected, ...r.outside].sort((a, b) => a.line - b.line);
        // Nothing was written: the import is refused as a whole.
        if (r.created === 0) {
          throw new AppError(
            'IMPORT_REJECTED',
            `${rejected.length} of ${report.total} rows cannot be imported; nothing was imported`,
            { rejected, total: report.total },
          );
        }
        return reply
          .code(201)
          .send({ created: r.created, rejected, possible_duplicates: r.possibleDuplicates, total: report.total });
      } catch (err) {
        throw importFormatToAppError(err);
      } finally {
        await spooled?.remove();
      }
    },
  );

  app.patch(
    '/:id',
    {
      preValidation: requireRole(...REPORT_ROLES),
      schema: {
        tags: ['problems'],
        summary:
          'Correct a problem (text, category, severity, photos) or move it; re-assigns its block; one edit event',
        params: IdParam,
        body: EditProblemBody,
        response: { 200: ProblemFeature, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => {
      const user = userOf(request);
      const b = request.body;
      const id = request.params.id;
      if ((b.lon === undefined) !== (b.lat === undefined)) {
        throw new AppError('VALIDATION_FAILED', 'give lon and lat together to move a problem');
      }
      let lon: number | undefined;
      let lat: number | undefined;
      if (b.lon !== undefined && b.lat !== undefined) {
        checkCoordinates(b.lon, b.lat);
        [lon, lat] = toWgs84(b.lon, b.lat, b.crs ?? 'wgs84');
      }
      let categoryCode: string | undefined;
      if (b.category !== undefined) {
        const category = await findCategory(app.db, b.category);
        if (!category || !category.active) {
          throw new AppError('UNKNOWN_CATEGORY', `unknown or inactive category ${b.category}`, {
            category: b.category,
          });
        }
        categoryCode = category.code;
      }
      const outcome = await editProblem(
        app.db,
        id,
        b.version,
        {
          description: b.description,
          address: b.address,
          category_code: categoryCode,
          severity: b.severity,
          photos: b.photos,
          lon,
          lat,
        },
        b.note ?? null,
        request.scope,
        { id: user.id, username: user.username },
      );
      switch (outcome.kind) {
        case 'not_found':
          throw notFound(`problem ${id}`);
        case 'version_conflict':
          throw new AppError(
            'VERSION_CONFLICT',
            `problem ${id} changed meanwhile: reload it (version ${outcome.version})`,
            {
              version: outcome.version,
            },
          );
        case 'terminal':
          throw new AppError('CONFLICT', `a ${outcome.status} problem is part of the record and cannot be edited`);
        case 'outside_coverage':
          throw new AppError('OUTSIDE_COVERAGE', 'the new location is outside every region');
        case 'outside_scope':
          throw new AppError('FORBIDDEN', 'the new location is outside your area');
        case 'category_not_allowed':
          throw new AppError('FORBIDDEN', 'that category is not handled by your department');
      }
      const feature = await getProblemFeature(app.db, id, request.scope, user.role);
      if (!feature) throw notFound(`problem ${id}`);
      return feature;
    },
  );

  app.get(
    '/',
    {
      schema: {
        tags: ['problems'],
        summary: 'Problems as a GeoJSON FeatureCollection, newest first, one page at a time (follow `next`)',
        querystring: ListProblemsQuery,
        response: { 200: ProblemCollection, ...errors(400, 401) },
      },
    },
    async (request) => {
      const { bbox, limit, cursor, ...filters } = request.query;
      let after;
      if (cursor) {
        after = decodeCursor(cursor);
        if (!after)
          throw new AppError(
            'VALIDATION_FAILED',
            'invalid cursor: pass the `next` value of the previous page unchanged',
          );
      }
      let box: [number, number, number, number] | undefined;
      if (bbox) {
        box = parseBBox(bbox);
        if (box[0] > box[2] || box[1] > box[3])
          throw new AppError('VALIDATION_FAILED', 'bbox must be minLon,minLat,maxLon,maxLat');
      }
      const page = await listProblems(app.dbFor(request), request.scope, {
        filters,
        bbox: box,
        limit: limit ?? 100,
        after,
      });
      return {
        type: 'FeatureCollection' as const,
        features: page.features,
        next: page.next ? encodeCursor(page.next) : null,
      };
    },
  );

  app.get(
    '/:id',
    {
      schema: {
        tags: ['problems'],
        summary: 'One problem with its region chain and the workflow actions open to the caller',
        params: IdParam,
        response: { 200: ProblemFeature, ...errors(401, 404) },
      },
    },
    async (request) => {
      const user = userOf(request);
      const feature = await getProblemFeature(app.db, request.params.id, request.scope, user.role);
      // Outside the caller's scope looks exactly like a missing id: existence is not leaked.
      if (!feature) throw notFound(`problem ${request.params.id}`);
      return feature;
    },
  );
};

export default routes;
