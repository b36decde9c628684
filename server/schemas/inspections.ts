/** Inspections (督查 / 暗访 / 模拟测评) and the standing they feed. */
import { Type, type Static } from 'typebox';
import { Crs, Lat, Lon, RegionCode, Nullable } from './common.js';
import { ItemStat } from './points.js';

export const InspectionKind = Type.Unsafe<'inspection' | 'unannounced' | 'mock'>({
  type: 'string',
  enum: ['inspection', 'unannounced', 'mock'],
  default: 'inspection',
  description: '督查 · 暗访 · 模拟测评',
});
export const ItemResult = Type.Unsafe<'pass' | 'fail' | 'na'>({
  type: 'string',
  enum: ['pass', 'fail', 'na'],
  description: '达标 · 不达标 · 不适用',
});

/** A photo reference: an id of the photos table or a URL (relative /api/… or http(s)). */
export const PhotoRef = Type.String({ pattern: '^(https?://\\S+|/\\S+|[A-Za-z0-9_-]{1,128})$', maxLength: 2000 });

export const SubmitInspectionBody = Type.Object(
  {
    point_id: Type.Integer({ minimum: 1 }),
    standard_id: Type.Integer({
      minimum: 1,
      description: 'the standard the form was filled against (the current one)',
    }),
    kind: InspectionKind,
    task_id: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
    started_at: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
    device: Type.Optional(
      Nullable(
        Type.Object(
          {
            lon: Lon,
            lat: Lat,
            accuracy_m: Type.Optional(Nullable(Type.Number({ minimum: 0 }))),
            crs: Type.Optional(
              Type.Unsafe<'wgs84' | 'gcj02' | 'bd09' | 'cgcs2000'>({
                type: 'string',
                enum: ['wgs84', 'cgcs2000', 'gcj02', 'bd09'],
              }),
            ),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    note: Type.Optional(Nullable(Type.String({ maxLength: 4000 }))),
    items: Type.Array(
      Type.Object(
        {
          item_id: Type.Integer({ minimum: 1 }),
          result: ItemResult,
          note: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
          photos: Type.Optional(Type.Array(PhotoRef, { maxItems: 10 })),
          photo_ids: Type.Optional(
            Type.Array(Type.Integer({ minimum: 1 }), {
              maxItems: 10,
              description:
                'ids of photos the inspector uploaded with POST /api/photos (kind inspection_item); recorded as their URLs',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 200 },
    ),
  },
  { additionalProperties: false },
);
export type SubmitInspectionBody = Static<typeof SubmitInspectionBody>;

export const InspectionItem = Type.Object({
  item_id: Type.Integer(),
  code: Type.String(),
  text: Type.String(),
  category_code: Type.String(),
  category_name: Type.String(),
  weight: Type.Number(),
  photo_required: Type.Boolean(),
  result: ItemResult,
  note: Nullable(Type.String()),
  photos: Type.Array(Type.String()),
  problem_id: Nullable(Type.Integer()),
  problem_status: Nullable(Type.String()),
  problem_due_at: Nullable(Type.String()),
});

export const Inspection = Type.Object({
  id: Type.Integer(),
  point_id: Type.Integer(),
  point_name: Type.String(),
  type_code: Type.String(),
  standard_id: Type.Integer(),
  standard_version: Type.Integer(),
  kind: InspectionKind,
  task_id: Nullable(Type.Integer()),
  region_code: Type.String(),
  inspector: Type.String({ description: 'username' }),
  inspector_name: Nullable(Type.String({ description: 'display name' })),
  started_at: Nullable(Type.String()),
  submitted_at: Type.String(),
  device: Nullable(Type.Object({ lon: Type.Number(), lat: Type.Number(), accuracy_m: Nullable(Type.Number()) })),
  note: Nullable(Type.String()),
  score: Nullable(Type.Number({ description: '达标率, percent' })),
  failed_count: Type.Integer(),
  items: Type.Optional(Type.Array(InspectionItem)),
});

export const SubmitInspectionResponse = Type.Object({
  inspection: Inspection,
  problems: Type.Array(
    Type.Object({ item_code: Type.String(), problem_id: Type.Integer(), category_code: Type.String() }),
  ),
});

export const ListInspectionsQuery = Type.Object({
  point: Type.Optional(Type.Integer({ minimum: 1 })),
  region: Type.Optional(RegionCode),
  from: Type.Optional(Type.String({ format: 'date-time-or-date' })),
  to: Type.Optional(Type.String({ format: 'date-time-or-date' })),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
});
export const InspectionList = Type.Object({ inspections: Type.Array(Inspection) });

export const StandingQuery = Type.Object({
  level: Type.Union(
    [Type.Literal('county'), Type.Literal('street'), Type.Literal('community'), Type.Literal('block')],
    {
      default: 'street',
    },
  ),
  parent: Type.Optional(RegionCode),
  from: Type.Optional(Type.String({ format: 'date-time-or-date', description: 'a date is the Asia/Shanghai day' })),
  to: Type.Optional(
    Type.String({ format: 'date-time-or-date', description: 'exclusive; a date means the end of that day' }),
  ),
});

export const RegionStanding = Type.Object({
  code: Type.String(),
  name: Type.String(),
  level: Type.String(),
  points: Type.Integer(),
  covered: Type.Integer(),
  coverage: Nullable(Type.Number({ description: 'covered / points, percent' })),
  inspections: Type.Integer(),
  rate: Nullable(Type.Number({ description: '达标率: Σ passed weight / Σ checked weight, percent' })),
  failed_items: Type.Integer(),
  open_problems: Type.Integer(),
  chronic_points: Type.Integer(),
  top_failed: Type.Array(ItemStat),
});
export const StandingResponse = Type.Object({ regions: Type.Array(RegionStanding) });

export const TypeStandingQuery = Type.Object({
  region: Type.Optional(RegionCode),
  from: Type.Optional(Type.String({ format: 'date-time-or-date' })),
  to: Type.Optional(Type.String({ format: 'date-time-or-date' })),
});
export const TypeStandingResponse = Type.Object({
  types: Type.Array(
    Type.Object({
      type_code: Type.String(),
      type_name: Type.String(),
      standard_id: Nullable(Type.Integer()),
      standard_version: Nullable(Type.Integer()),
      points: Type.Integer(),
      covered: Type.Integer(),
      inspections: Type.Integer(),
      rate: Nullable(Type.Number()),
      items: Type.Array(ItemStat),
    }),
  ),
});
