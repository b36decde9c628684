/** Categories (事项) and their deadline settings. */
import { Type, type Static } from 'typebox';

export const ClockSchema = Type.Union(
  [
    Type.Literal('continuous_hours'),
    Type.Literal('working_hours'),
    Type.Literal('working_days'),
    Type.Literal('natural_days'),
  ],
  { description: '紧急工作时 | 工作时 (08–12, 14–18 on working days) | 工作日 | 自然日' },
);

export const Category = Type.Object({
  code: Type.String(),
  name: Type.String(),
  group_code: Type.String(),
  group_name: Type.String(),
  department: Type.String(),
  limit_value: Type.Number({ description: 'hours or days, per clock' }),
  clock: ClockSchema,
  tags: Type.Array(Type.String()),
  local: Type.Boolean(),
  legacy_code: Type.Union([Type.String(), Type.Null()]),
  active: Type.Boolean(),
  after_photo_required: Type.Boolean({ description: 'resolving needs an after-photo (处置后照片)' }),
});
export type Category = Static<typeof Category>;

export const CategoriesResponse = Type.Object({ categories: Type.Array(Category) });

export const CategoryCodeParam = Type.Object({ code: Type.String({ pattern: '^([0-9]{5}|L[0-9]{5})$' }) });

export const PatchCategoryBody = Type.Object(
  {
    limit_value: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: 8760, description: 'hours or days; working days must be whole' }),
    ),
    clock: Type.Optional(ClockSchema),
    department: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    active: Type.Optional(Type.Boolean()),
    after_photo_required: Type.Optional(Type.Boolean({ description: 'resolving needs an after-photo' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchCategoryBody = Static<typeof PatchCategoryBody>;
