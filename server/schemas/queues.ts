/** Work queues: 我的待办 and 待核查. */
import { Type, type Static } from 'typebox';
import { Lat, Lon, Nullable } from './common.js';

const Instant = Type.String({ format: 'date-time' });

export const QueueItem = Type.Object({
  id: Type.Integer(),
  status: Type.String(),
  version: Type.Integer(),
  category_code: Type.String(),
  category_name: Type.String(),
  description: Type.String(),
  address: Nullable(Type.String()),
  region_code: Type.String(),
  region_name: Nullable(Type.String()),
  lon: Type.Number(),
  lat: Type.Number(),
  reported_at: Instant,
  dispatched_at: Nullable(Instant),
  due_at: Nullable(Instant),
  resolved_at: Nullable(Instant),
  overdue: Type.Boolean(),
  escalated: Type.Boolean(),
  rework_count: Type.Integer(),
  photos: Type.Array(Type.String()),
  distance_m: Nullable(Type.Number({ description: 'metres from lon/lat (nearest-first only)' })),
  allowed_actions: Type.Array(Type.String(), { description: 'what the caller may do next' }),
});

export const QueueResponse = Type.Object({
  count: Type.Integer({ description: 'items in the queue (all pages)' }),
  items: Type.Array(QueueItem),
});
export type QueueResponse = Static<typeof QueueResponse>;

const Page = {
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
};

export const TodoQuery = Type.Object(Page, { additionalProperties: false });

export const RecheckQuery = Type.Object(
  {
    ...Page,
    sort: Type.Union([Type.Literal('nearest'), Type.Literal('oldest')], {
      default: 'oldest',
      description: 'nearest needs lon and lat (the inspector’s position)',
    }),
    lon: Type.Optional(Lon),
    lat: Type.Optional(Lat),
  },
  { additionalProperties: false },
);
