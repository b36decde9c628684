/**
 * Workflow transitions and the record (台账) of a problem. A transition answers the problem
 * Feature of server/schemas/problems.ts (as GET /api/problems/:id does).
 */
import { Type, type Static } from 'typebox';
import { ACTIONS } from '../../domain/workflow.js';
import { Geometry, Nullable, RegionRef } from './common.js';
import { PhotoIds } from './photos.js';
import { ProblemProperties } from './problems.js';

export const ActionSchema = Type.Union(
  ACTIONS.map((a) => Type.Literal(a)),
  { description: ACTIONS.join(' | ') },
);

const PhotoUrl = Type.String({ pattern: '^https?://', maxLength: 2000, description: 'photo URL (http or https)' });

export const TransitionBody = Type.Object(
  {
    action: ActionSchema,
    version: Type.Integer({ minimum: 1, description: 'the version the caller last read; a stale one is a 409' }),
    note: Type.Optional(
      Type.String({ maxLength: 2000, description: 'required for resolve, void, extend, rework, mark_duplicate' }),
    ),
    photos: Type.Optional(Type.Array(PhotoUrl, { maxItems: 20 })),
    photo_ids: Type.Optional(PhotoIds),
    due_at: Type.Optional(Type.String({ format: 'date-time', description: 'new deadline (extend only)' })),
    duplicate_of: Type.Optional(Type.Integer({ minimum: 1, description: 'id of the original (mark_duplicate only)' })),
  },
  { additionalProperties: false },
);
export type TransitionBody = Static<typeof TransitionBody>;

const Instant = Type.String({ format: 'date-time' });

export const ProblemEvent = Type.Object({
  id: Type.Integer(),
  at: Instant,
  actor: Type.String({ description: 'login name as recorded' }),
  actor_name: Type.String({ description: 'display name of the actor (for the page)' }),
  actor_role: Nullable(Type.String()),
  action: Type.String({
    description: 'action code: create | edit | import | one of the workflow actions; the page labels it',
  }),
  from_status: Nullable(Type.String()),
  to_status: Nullable(Type.String()),
  note: Nullable(Type.String()),
  photos: Type.Array(Type.String()),
  data: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
});

export const EventsResponse = Type.Object({ events: Type.Array(ProblemEvent) });

/**
 * The problem detail Feature (a transition answers it). The properties are those of
 * server/schemas/problems.ts, with `chain` and `allowed_actions` always present here.
 */
export const ProblemDetailFeature = Type.Object(
  {
    type: Type.Literal('Feature'),
    id: Type.Integer(),
    geometry: Geometry,
    properties: Type.Object(
      { ...ProblemProperties.properties, chain: Type.Array(RegionRef), allowed_actions: Type.Array(Type.String()) },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: true },
);
