/**
 * The closed loop on one problem: `POST /:id/transitions` and its record `GET /:id/events`
 * (registered under /api/problems). Both are scoped: a problem outside the caller's regions or
 * department answers 404, exactly like a missing one.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError, notFound } from '../errors.js';
import { userOf } from '../plugins/auth.js';
import { errors, IdParam } from '../schemas/common.js';
import { EventsResponse, ProblemDetailFeature, TransitionBody } from '../schemas/workflow.js';
import { applyTransition, listProblemEvents, type InvalidReason } from '../../db/queries/workflow.js';
import { getProblemFeature } from '../../db/queries/problems.js';

const INVALID_MESSAGES: Record<InvalidReason, string> = {
  note_required: 'this action needs a note giving the reason',
  due_at_required: 'extend needs due_at, the new deadline',
  due_at_not_later: 'the new due_at must be later than the current deadline',
  due_at_in_past: 'the new due_at must be in the future',
  due_at_not_allowed: 'due_at is only accepted with extend',
  duplicate_of_required: 'mark_duplicate needs duplicate_of, the id of the original problem',
  duplicate_of_not_allowed: 'duplicate_of is only accepted with mark_duplicate',
  duplicate_of_self: 'a problem cannot be a duplicate of itself',
  duplicate_of_unknown: 'duplicate_of names no problem you can see',
  duplicate_of_other_category: 'the original must have the same category',
  duplicate_of_voided: 'the original is voided: mark the duplicate against a live problem',
};

const UNUSABLE_ORIGINAL = new Set<InvalidReason>([
  'duplicate_of_self',
  'duplicate_of_unknown',
  'duplicate_of_other_category',
  'duplicate_of_voided',
]);

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/:id/transitions',
    {
      schema: {
        tags: ['workflow'],
        summary:
          'Apply one workflow action (立案, 派遣, 处置, 结案, 返工, 作废, 延期, 督办, 重复) with the version last read; 409 lists the allowed ones',
        params: IdParam,
        body: TransitionBody,
        response: { 200: ProblemDetailFeature, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => {
      const user = userOf(request);
      const b = request.body;
      const outcome = await applyTransition(
        app.db,
        request.params.id,
        {
          action: b.action,
          version: b.version,
          note: b.note,
          photos: b.photos,
          dueAt: b.due_at !== undefined ? new Date(b.due_at) : null,
          duplicateOf: b.duplicate_of ?? null,
        },
        { id: user.id, username: user.username, role: user.role },
        request.scope,
      );
      switch (outcome.kind) {
        case 'not_found':
          throw notFound('problem');
        case 'version_conflict':
          throw new AppError(
            'VERSION_CONFLICT',
            `the problem changed (now version ${outcome.version}): reload and try again`,
            {
              allowed_actions: outcome.allowed,
              version: outcome.version,
            },
          );
        case 'refused':
          if (outcome.reason === 'forbidden') {
            throw new AppError('FORBIDDEN', `your role (${user.role}) may not ${b.action} this problem`, {
              allowed_actions: outcome.allowed,
              version: outcome.version,
            });
          }
          throw new AppError('ILLEGAL_TRANSITION', `${b.action} is not possible in the problem's current status`, {
            allowed_actions: outcome.allowed,
            version: outcome.version,
          });
        case 'invalid': {
          // A well-formed request naming an unusable original is a 422; a missing or misplaced field a 400.
          const code = UNUSABLE_ORIGINAL.has(outcome.reason) ? 'UNPROCESSABLE' : 'VALIDATION_FAILED';
          throw new AppError(code, INVALID_MESSAGES[outcome.reason], {
            reason: outcome.reason,
            allowed_actions: outcome.allowed,
            version: outcome.version,
          });
        }
        case 'ok': {
          const feature = await getProblemFeature(app.db, outcome.id, request.scope, user.role);
          // Not expected: the transition just committed inside this scope. Kept so a race with a
          // deletion answers 404, not a 500.
          if (!feature) throw notFound('problem');
          const { chain = [], allowed_actions = [] } = feature.properties;
          return { ...feature, properties: { ...feature.properties, chain, allowed_actions } };
        }
      }
    },
  );

  app.get(
    '/:id/events',
    {
      schema: {
        tags: ['workflow'],
        summary: 'The record (台账) of a problem: every change, oldest first',
        params: IdParam,
        response: { 200: EventsResponse, ...errors(400, 401, 404) },
      },
    },
    async (request) => {
      const events = await listProblemEvents(app.db, request.params.id, request.scope);
      if (!events) throw notFound('problem');
      return { events: events.map((e) => ({ ...e, at: e.at.toISOString() })) };
    },
  );
};
export default routes;
