/** Problems: create, import, list, detail. The single source of these request/response types. */
import { ROW_REASONS, type RowReason } from '../../domain/problem-import.js';
import { Type, type Static } from 'typebox';
import { BBoxParam, Crs, Nullable, RegionRef } from './common.js';
import { ProblemFilterQuery } from './filters.js';
import { STATUSES } from '../../domain/workflow.js';

export const ProblemStatus = Type.Union(
  STATUSES.map((s) => Type.Literal(s)),
  { description: '上报 · 立案 · 派遣 · 处置中 · 已处置待核查 · 结案 · 作废' },
);

export const ProblemSource = Type.Union(
  [Type.Literal('inspection'), Type.Literal('citizen'), Type.Literal('hotline'), Type.Literal('other')],
  {
    default: 'inspection',
    description: 'inspection (督查/巡查) · citizen (市民) · hotline (12345) · other',
  },
);

/** Feature properties of a problem (list and detail); detail adds `chain` and `allowed_actions`. */
export const ProblemProperties = Type.Object(
  {
    id: Type.Integer(),
    category_code: Type.String(),
    category_name: Type.String(),
    status: Type.String(),
    severity: Type.Integer(),
    source: Type.String(),
    description: Type.String(),
    address: Nullable(Type.String()),
    reporter: Nullable(Type.String()),
    photos: Type.Array(Type.String()),
    region_code: Type.String(),
    reported_at: Type.String({ description: 'ISO 8601, UTC' }),
    due_at: Nullable(Type.String()),
    resolved_at: Nullable(Type.String()),
    closed_at: Nullable(Type.String()),
    overdue: Type.Boolean({ description: 'open and past due_at (judged by the database clock)' }),
    escalated: Type.Boolean(),
    rework_count: Type.Integer(),
    extension_count: Type.Integer(),
    duplicate_of: Nullable(Type.Integer()),
    recurrence_of: Nullable(Type.Integer()),
    version: Type.Integer(),
    chain: Type.Optional(Type.Array(RegionRef)),
    allowed_actions: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: true },
);

export const PointGeometry = Type.Object(
  { type: Type.Literal('Point'), coordinates: Type.Array(Type.Number(), { minItems: 2, maxItems: 3 }) },
  { additionalProperties: true },
);

export const ProblemFeature = Type.Object(
  { type: Type.Literal('Feature'), id: Type.Integer(), geometry: PointGeometry, properties: ProblemProperties },
  { additionalProperties: true },
);

export const ProblemCollection = Type.Object(
  {
    type: Type.Literal('FeatureCollection'),
    features: Type.Array(ProblemFeature),
    next: Nullable(Type.String({ description: 'cursor of the next page; null on the last page' })),
  },
  { additionalProperties: true },
);

export const ListProblemsQuery = Type.Object({
  ...ProblemFilterQuery.properties,
  bbox: Type.Optional(BBoxParam),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  cursor: Type.Optional(
    Type.String({ maxLength: 200, pattern: '^[A-Za-z0-9_-]+$', description: 'the `next` of the previous page' }),
  ),
});
export type ListProblemsQuery = Static<typeof ListProblemsQuery>;

export const CreateProblemBody = Type.Object(
  {
    // Bounds are checked in the handler, not here: a swapped pair (lat 113) would otherwise be
    // refused as "lat must be <= 90", hiding the real mistake the handler names.
    lon: Type.Number({ description: 'longitude, degrees (-180..180)' }),
    lat: Type.Number({ description: 'latitude, degrees (-90..90)' }),
    crs: Type.Optional(Crs),
    category: Type.String({
      minLength: 1,
      maxLength: 50,
      description: 'category (事项) code, e.g. 06010, or its name, e.g. 暴露垃圾',
    }),
    description: Type.String({ maxLength: 4000, default: '' }),
    address: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    source: Type.Optional(ProblemSource),
    severity: Type.Integer({ minimum: 1, maximum: 3, default: 1 }),
    reporter: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
    photos: Type.Array(Type.String({ pattern: '^https?://\\S+$', maxLength: 2000 }), { maxItems: 20, default: [] }),
    photo_ids: Type.Array(Type.Integer({ minimum: 1 }), {
      maxItems: 20,
      default: [],
      description: 'photos uploaded with POST /api/photos (kind report) by the same user',
    }),
    reported_at: Type.Optional(
      Type.String({
        format: 'date-time-or-date',
        description: 'ISO 8601; without a zone it is Asia/Shanghai; default now',
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        lon: 113.0834,
        lat: 28.2456,
        crs: 'gcj02',
        category: '06010',
        description: '路口东北角暴露垃圾',
        address: '星沙大道与开元路口',
        severity: 2,
      },
    ],
  },
);
export type CreateProblemBody = Static<typeof CreateProblemBody>;

export const PossibleDuplicate = Type.Object({
  id: Type.Integer(),
  distance_m: Type.Number({ description: 'metres' }),
  status: Type.String(),
  reported_at: Type.String(),
});

export const CreateProblemResponse = Type.Object({
  id: Type.Integer(),
  region_code: Type.String(),
  chain: Type.Array(RegionRef),
  possible_duplicates: Type.Array(PossibleDuplicate),
  recurrence_of: Nullable(Type.Integer()),
  problem: ProblemFeature,
});

export const ImportQuery = Type.Object({
  crs: Crs,
  mode: Type.Union([Type.Literal('all'), Type.Literal('partial')], {
    default: 'all',
    description:
      'all: one bad row refuses the whole import (nothing written); partial: write the good rows, report the bad',
  }),
});
export type ImportQuery = Static<typeof ImportQuery>;

export const ImportBody = Type.Unknown({
  description:
    'CSV (text/csv; UTF-8 with or without BOM, or GBK) with columns lon,lat (or 经度,纬度), category (code or name; 类别 / 事项), ' +
    'description/描述, address/地址, source/来源, severity/等级, reporter/上报人, reported_at/上报时间; or a GeoJSON FeatureCollection of Points',
});

export const Rejection = Type.Object({
  line: Type.Integer({ description: 'CSV physical line (header = 1) or GeoJSON feature index (0-based)' }),
  reason: Type.String({ description: 'English' }),
  code: Type.Unsafe<RowReason>({
    type: 'string',
    enum: [...ROW_REASONS],
    description: 'stable reason code the page renders',
  }),
  params: Type.Record(Type.String(), Type.Unknown()),
});

export const ImportResponse = Type.Object({
  created: Type.Integer(),
  rejected: Type.Array(Rejection),
  total: Type.Integer(),
  /** Rows that look like an open problem already on file (same category, 50 m, 24 h): imported, but flagged. */
  possible_duplicates: Type.Array(Type.Object({ line: Type.Integer(), id: Type.Integer(), distance_m: Type.Number() })),
});

export const EditProblemBody = Type.Object(
  {
    version: Type.Integer({ minimum: 1, description: 'the version you read (optimistic concurrency)' }),
    note: Type.Optional(Type.String({ maxLength: 2000, description: 'why, for the record' })),
    lon: Type.Optional(Type.Number({ description: 'new longitude (with lat), degrees' })),
    lat: Type.Optional(Type.Number({ description: 'new latitude (with lon), degrees' })),
    crs: Type.Optional(Crs),
    category: Type.Optional(Type.String({ minLength: 1, maxLength: 50, description: 'category code or name' })),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
    address: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    severity: Type.Optional(Type.Integer({ minimum: 1, maximum: 3 })),
    photos: Type.Optional(Type.Array(Type.String({ pattern: '^https?://\\S+$', maxLength: 2000 }), { maxItems: 20 })),
  },
  { additionalProperties: false },
);
export type EditProblemBody = Static<typeof EditProblemBody>;
