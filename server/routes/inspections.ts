/**
 * /api/inspections: submit an inspection of a point once (督查 / 暗访 / 模拟测评), read the record;
 * /api/assessment/*: the standing per region and per standard. Scope as everywhere: a manager
 * inspects and reads only the points of their area (outside it is a 404), a department reads the
 * items of its categories.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { completeInspectionKey } from '../../db/queries/idempotency.js';
import { claimKey, idempotencyKeyOf } from '../services/idempotency.js';
import { AppError, notFound } from '../errors.js';
import { requireRole, userOf } from '../plugins/auth.js';
import { errors, IdempotencyHeaders, IdParam } from '../schemas/common.js';
import {
  Inspection,
  InspectionList,
  ListInspectionsQuery,
  StandingQuery,
  StandingResponse,
  SubmitInspectionBody,
  SubmitInspectionResponse,
  TypeStandingQuery,
  TypeStandingResponse,
} from '../schemas/inspections.js';
import { toWgs84 } from '../../domain/coords.js';
import {
  getInspection,
  InspectionAbort,
  listInspections,
  regionStanding,
  submitInspection,
  typeStanding,
  type SubmitOutcome,
} from '../../db/queries/inspections.js';
import { filterInstant } from '../../db/queries/filters.js';

const TAGS = ['assessment'];

/** A refused submission as the one error table says it, with params the page renders. */
function refusal(o: Exclude<SubmitOutcome, { kind: 'ok' }>, pointId: number): AppError {
  switch (o.kind) {
    case 'not_found':
      return notFound(`point ${pointId}`);
    case 'retired':
      return new AppError('CONFLICT', `point ${pointId} is retired`, { reason: 'point_retired' });
    case 'standard_changed':
      return new AppError('CONFLICT', 'the standard was changed meanwhile: reload the form', {
        reason: 'standard_changed',
        current_standard_id: o.current,
      });
    case 'task_mismatch':
      return new AppError('UNPROCESSABLE', 'the task is not for this point', { reason: 'task_mismatch' });
    case 'task_done':
      return new AppError('CONFLICT', `the task is already done (inspection ${o.inspection_id})`, {
        reason: 'task_done',
        inspection_id: o.inspection_id,
      });
    case 'task_not_yours':
      return new AppError('FORBIDDEN', 'the task is assigned to another inspector', { reason: 'task_not_yours' });
    case 'items_invalid':
      return new AppError(
        'UNPROCESSABLE',
        'every item of the standard needs one result; failed items needing a photo need one',
        {
          reason: 'items_invalid',
          missing: o.missing,
          unknown: o.unknown,
          duplicate: o.duplicate,
          photo_missing: o.photo_missing,
        },
      );
    case 'outside_coverage':
      return new AppError('OUTSIDE_COVERAGE', 'the point is outside every block of the map');
    case 'photo_unusable':
      return new AppError('PHOTO_UNUSABLE', `photo ${o.photo_id} cannot be attached: ${o.reason}`, undefined, {
        reason: o.reason,
        photo_id: o.photo_id,
      });
  }
}

const periodOf = (q: { from?: string; to?: string }) => ({
  from: q.from ? filterInstant(q.from) : undefined,
  to: q.to ? filterInstant(q.to, true) : undefined,
});

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/inspections',
    {
      preHandler: requireRole('admin', 'inspector', 'manager'),
      schema: {
        tags: TAGS,
        summary:
          'Submit an inspection of a point, item by item, once; each failed item files a problem with its deadline',
        headers: IdempotencyHeaders,
        body: SubmitInspectionBody,
        response: { 201: SubmitInspectionResponse, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      const b = request.body;
      let device = null;
      if (b.device) {
        const [lon, lat] = toWgs84(b.device.lon, b.device.lat, b.device.crs ?? 'wgs84');
        device = { lon, lat, accuracy_m: b.device.accuracy_m ?? null };
      }
      const key = idempotencyKeyOf(request);
      const outcome = await app.db
        .transaction()
        .execute(async (trx) => {
          // A retry (the outbox after a lost answer) gets the inspection the first request wrote.
          const prior = key ? await claimKey(trx, user.id, key, 'POST /api/inspections') : null;
          if (prior?.inspection_id != null) return { kind: 'replay' as const, id: prior.inspection_id };
          const o = await submitInspection(
            trx,
            {
              point_id: b.point_id,
              standard_id: b.standard_id,
              kind: b.kind ?? 'inspection',
              task_id: b.task_id ?? null,
              started_at: b.started_at ? new Date(b.started_at) : null,
              device,
              note: b.note ?? null,
              items: b.items,
            },
            request.scope,
            { id: user.id, username: user.username, role: user.role },
          );
          if (o.kind !== 'ok') throw refusal(o, b.point_id);
          if (key) await completeInspectionKey(trx, user.id, key, o.id);
          return o;
        })
        .catch((err) => {
          if (err instanceof InspectionAbort && err.outcome.kind !== 'ok') throw refusal(err.outcome, b.point_id);
          throw err;
        });
      const inspection = await getInspection(app.db, outcome.id, request.scope);
      const problems =
        outcome.kind === 'ok'
          ? outcome.problems
          : (inspection!.items ?? []).flatMap((i) =>
              i.problem_id === null
                ? []
                : [{ item_code: i.code, problem_id: i.problem_id, category_code: i.category_code }],
            );
      return reply.code(201).send({ inspection: inspection!, problems });
    },
  );

  app.get(
    '/inspections',
    {
      schema: {
        tags: TAGS,
        summary: 'Inspections newest first (by point, region, period), inside the caller’s area',
        querystring: ListInspectionsQuery,
        response: { 200: InspectionList, ...errors(400, 401) },
      },
    },
    async (request) => {
      const q = request.query;
      return {
        inspections: await listInspections(app.db, request.scope, {
          pointId: q.point,
          region: q.region,
          ...periodOf(q),
          limit: q.limit ?? 100,
        }),
      };
    },
  );

  app.get(
    '/inspections/:id',
    {
      schema: {
        tags: TAGS,
        summary:
          'One inspection: who, when, where the device was, every item with its photos and the problem it created',
        params: IdParam,
        response: { 200: Inspection, ...errors(401, 404) },
      },
    },
    async (request) => {
      const view = await getInspection(app.db, request.params.id, request.scope);
      if (!view) throw notFound(`inspection ${request.params.id}`);
      return view;
    },
  );

  app.get(
    '/assessment/standing',
    {
      schema: {
        tags: TAGS,
        summary: 'Per street / community / block: points covered in the period, 达标率 (weighted), most-failed items',
        querystring: StandingQuery,
        response: { 200: StandingResponse, ...errors(400, 401) },
      },
    },
    async (request) => {
      const q = request.query;
      const rows = await regionStanding(app.db, request.scope, {
        level: q.level ?? 'street',
        parent: q.parent,
        period: periodOf(q),
      });
      return {
        regions: rows.map((r) => ({
          ...r,
          coverage: r.points > 0 ? Math.round((r.covered / r.points) * 1000) / 10 : null,
        })),
      };
    },
  );

  app.get(
    '/assessment/types',
    {
      schema: {
        tags: TAGS,
        summary: 'Per standard (point type): points, covered, 达标率 and the pass rate of every item in the period',
        querystring: TypeStandingQuery,
        response: { 200: TypeStandingResponse, ...errors(400, 401) },
      },
    },
    async (request) => ({
      types: await typeStanding(app.db, request.scope, {
        region: request.query.region,
        period: periodOf(request.query),
      }),
    }),
  );
};

export default routes;
