/** Standards (测评标准): a versioned checklist per point type. */
import { Type, type Static } from 'typebox';
import { Nullable } from './common.js';

export const StandardItem = Type.Object({
  id: Type.Integer(),
  code: Type.String(),
  text: Type.String(),
  category_code: Type.String(),
  category_name: Type.String(),
  department: Type.String(),
  weight: Type.Number(),
  photo_required: Type.Boolean(),
});

export const Standard = Type.Object({
  id: Type.Integer(),
  type_code: Type.String(),
  type_name: Type.String(),
  version: Type.Integer(),
  note: Nullable(Type.String()),
  created_at: Type.String(),
  created_by: Type.String(),
  current: Type.Boolean(),
  items: Type.Array(StandardItem),
});
export const StandardsResponse = Type.Object({ standards: Type.Array(Standard) });

export const ListStandardsQuery = Type.Object({
  type: Type.Optional(Type.String({ pattern: '^[A-Z][A-Z0-9_]{1,39}$' })),
  all_versions: Type.Optional(Type.Boolean({ description: 'every version, not only the current one' })),
});

export const NewStandardBody = Type.Object(
  {
    type: Type.String({ pattern: '^[A-Z][A-Z0-9_]{1,39}$' }),
    note: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
    items: Type.Array(
      Type.Object(
        {
          code: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,40}$' }),
          text: Type.String({ minLength: 1, maxLength: 500 }),
          category: Type.String({ minLength: 1, maxLength: 50, description: 'category code or name' }),
          weight: Type.Number({ exclusiveMinimum: 0, maximum: 100, default: 1 }),
          photo_required: Type.Boolean({ default: false }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 200 },
    ),
  },
  { additionalProperties: false },
);
export type NewStandardBody = Static<typeof NewStandardBody>;
