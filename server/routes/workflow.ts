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
import {
  applyTransitionIn,
  listProblemEvents,
  type InvalidReason,
  type TransitionOutcome,
} from '../../db/queries/workflow.js';
import { afterPhotoRequired } from '../../db/queries/categories.js';
import { completeIdempotencyKey } from '../../db/queries/idempotency.js';
import { setPhotosEvent, type PhotoKind } from '../../db/queries/photos.js';
import { claimKey, idempotencyKeyOf } from '../services/idempotency.js';
import { attachProblemPhotos } from '../services/photos.js';
import { IdempotencyHeaders } from '../schemas/common.js';
import type { Action } from '../../domain/workflow.js';
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

/** The kind of photo each action may carry: after-photos with resolve, re-inspection photos with close / rework. */
const PHOTO_KIND_OF: Partial<Record<Action, PhotoKind>> = {
  resolve: 'resolution',
  close: 'reinspection',
  rework: 'reinspection',
};

/** Throws the error a refused outcome stands for. */
function refusal(outcome: Exclude<TransitionOutcome, { kind: 'ok' }>, action: Action, role: string): AppError {
  switch (outcome.kind) {
    case 'not_found':
      return notFound('problem');
    case 'version_conflict':
      return new AppError(
        'VERSION_CONFLICT',
        `the problem changed (now version ${outcome.version}): reload and try again`,
        { allowed_actions: outcome.allowed, version: outcome.version },
        { action, version: outcome.version },
      );
    case 'refused':
      if (outcome.reason === 'forbidden')
        return new AppError(
          'FORBIDDEN',
          `your role (${role}) may not ${action} this problem`,
          { allowed_actions: outcome.allowed, version: outcome.version },
          { reason: 'role_may_not', action, role },
        );
      return new AppError(
        'ILLEGAL_TRANSITION',
        `${action} is not possible in the problem's current status`,
        { allowed_actions: outcome.allowed, version: outcome.version },
        { action, allowed_actions: outcome.allowed },
      );
    case 'invalid': {
      // A well-formed request naming an unusable original is a 422; a missing or misplaced field a 400.
      const code = UNUSABLE_ORIGINAL.has(outcome.reason) ? 'UNPROCESSABLE' : 'VALIDATION_FAILED';
      return new AppError(
        code,
        INVALID_MESSAGES[outcome.reason],
        { reason: outcome.reason, allowed_actions: outcome.allowed, version: outcome.version },
        { reason: outcome.reason, action },
      );
    }
  }
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/:id/transitions',
    {
      schema: {
        tags: ['workflow'],
        summary:
          'Apply one workflow action (立案, 派遣, 处置, 结案, 返工, 作废, 延期, 督办, 重复) with the version last read; photos by id; Idempotency-Key makes a retry safe; 409 lists the allowed ones',
        params: IdParam,
        headers: IdempotencyHeaders,
        body: TransitionBody,
        response: { 200: ProblemDetailFeature, ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) => {
      const user = userOf(request);
      const b = request.body;
      const id = request.params.id;
      const key = idempotencyKeyOf(request);
      const photoIds = b.photo_ids ?? [];
      const kind = PHOTO_KIND_OF[b.action];
      if (photoIds.length > 0 && !kind)
        throw new AppError('VALIDATION_FAILED', `${b.action} carries no photos`, undefined, {
          reason: 'photos_not_allowed',
          action: b.action,
        });
      await app.db.transaction().execute(async (trx) => {
        if (key && (await claimKey(trx, user.id, key, `POST /api/problems/${id}/transitions`))) return;
        // Attached before the event is written (the record is append-only), rolled back with it on refusal.
        const attached = kind
          ? await attachProblemPhotos(trx, photoIds, kind, id, user.id, app.config.evidenceMaxDistanceM)
          : { urls: [], evidence: {} };
        const outcome = await applyTransitionIn(
          trx,
          id,
          {
            action: b.action,
            version: b.version,
            note: b.note,
            photos: [...(b.photos ?? []), ...attached.urls],
            dueAt: b.due_at !== undefined ? new Date(b.due_at) : null,
            duplicateOf: b.duplicate_of ?? null,
            data: Object.keys(attached.evidence).length > 0 ? { evidence: attached.evidence } : undefined,
          },
          { id: user.id, username: user.username, role: user.role },
          request.scope,
        );
        if (outcome.kind !== 'ok') throw refusal(outcome, b.action, user.role);
        // Checked once the problem is known to be the caller's (a refusal here must not leak a neighbour's category).
        if (b.action === 'resolve' && photoIds.length === 0 && !(b.photos ?? []).length) {
          const required = await afterPhotoRequired(trx, id);
          if (required)
            throw new AppError('PHOTO_REQUIRED', `category ${required} needs an after-photo to resolve`, undefined, {
              reason: 'after_photo_required',
              category: required,
            });
        }
        await setPhotosEvent(trx, photoIds, outcome.eventId);
        if (key) await completeIdempotencyKey(trx, user.id, key, id, 200);
      });
      const feature = await getProblemFeature(app.db, id, request.scope, user.role);
      // Not expected: the transition just committed inside this scope. Kept so a race with a
      // deletion answers 404, not a 500.
      if (!feature) throw notFound('problem');
      const { chain = [], allowed_actions = [] } = feature.properties;
      return { ...feature, properties: { ...feature.properties, chain, allowed_actions } };
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
