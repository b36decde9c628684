/** Assessment points (测评点位) and point types. */
import { Type, type Static } from 'typebox';
import { BBoxParam, Crs, Lat, Lon, Nullable } from './common.js';

export const PointStanding = Type.Unsafe<'uninspected' | 'passed' | 'failed' | 'chronic'>({
  type: 'string',
  enum: ['uninspected', 'passed', 'failed', 'chronic'],
  description: '未检查 · 达标 · 未达标 · 顽疾 (failed on the same item in consecutive inspections)',
});

export const PointType = Type.Object({
  code: Type.String(),
  name: Type.String(),
  name_en: Type.String(),
  sort: Type.Integer(),
  active: Type.Boolean(),
});
export const PointTypesResponse = Type.Object({ point_types: Type.Array(PointType) });
export const PointTypeParam = Type.Object({ code: Type.String({ pattern: '^[A-Z][A-Z0-9_]{1,39}$' }) });
export const PatchPointTypeBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    name_en: Type.Optional(Type.String({ maxLength: 100 })),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ItemStat = Type.Object({
  code: Type.String(),
  text: Type.String(),
  category_code: Type.String(),
  checked: Type.Integer(),
  failed: Type.Integer(),
  pass_rate: Nullable(Type.Number({ description: 'percent' })),
});

export const PointProperties = Type.Object({
  id: Type.Integer(),
  ref: Nullable(Type.String()),
  type_code: Type.String(),
  type_name: Type.String(),
  name: Type.String(),
  address: Nullable(Type.String()),
  unit: Nullable(Type.String()),
  region_code: Type.String(),
  synthetic: Type.Boolean(),
  retired_at: Nullable(Type.String()),
  retired_reason: Nullable(Type.String()),
  standing: PointStanding,
  last_inspection_id: Nullable(Type.Integer()),
  last_inspected_at: Nullable(Type.String()),
  last_score: Nullable(Type.Number({ description: '达标率 of the latest inspection, percent' })),
  chronic_items: Type.Array(Type.String()),
  open_problems: Type.Integer(),
  lon: Type.Number(),
  lat: Type.Number(),
  version: Type.Integer(),
  distance_m: Type.Optional(Type.Number()),
  items: Type.Optional(Type.Array(ItemStat, { description: 'detail only: pass rate by item over all inspections' })),
});

const PointGeometry = Type.Object({ type: Type.String(), coordinates: Type.Unknown() });

export const PointFeature = Type.Object({
  type: Type.Literal('Feature'),
  id: Type.Integer(),
  geometry: PointGeometry,
  properties: PointProperties,
});
export const PointCollection = Type.Object({
  type: Type.Literal('FeatureCollection'),
  features: Type.Array(PointFeature),
});

export const ListPointsQuery = Type.Object({
  type: Type.Optional(Type.String({ pattern: '^[A-Z][A-Z0-9_]{1,39}$' })),
  region: Type.Optional(Type.String({ pattern: '^[0-9]{6}([0-9]{3}){0,3}$' })),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  standing: Type.Optional(PointStanding),
  retired: Type.Optional(Type.Boolean({ description: 'include retired points' })),
  bbox: Type.Optional(BBoxParam),
  near: Type.Optional(
    Type.String({
      pattern: '^-?\\d+(\\.\\d+)?,-?\\d+(\\.\\d+)?$',
      description: 'lon,lat: nearest points first, with distance_m',
    }),
  ),
  crs: Crs,
  limit: Type.Integer({ minimum: 1, maximum: 5000, default: 500 }),
});

const GeometryInput = Type.Object(
  {
    type: Type.Union([Type.Literal('Point'), Type.Literal('Polygon'), Type.Literal('MultiPolygon')]),
    coordinates: Type.Unknown(),
  },
  { description: 'a Point, or a small Polygon / MultiPolygon (at most ~1 km across)' },
);

export const CreatePointBody = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 60, description: 'point type code or name' }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    address: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    unit: Type.Optional(Nullable(Type.String({ maxLength: 200, description: '责任单位' }))),
    ref: Type.Optional(
      Nullable(Type.String({ minLength: 1, maxLength: 60, description: 'the county’s own point number' })),
    ),
    lon: Type.Optional(Lon),
    lat: Type.Optional(Lat),
    geometry: Type.Optional(GeometryInput),
    crs: Crs,
  },
  { additionalProperties: false },
);
export type CreatePointBody = Static<typeof CreatePointBody>;

export const EditPointBody = Type.Object(
  {
    version: Type.Integer({ minimum: 1 }),
    type: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    address: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    unit: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    lon: Type.Optional(Lon),
    lat: Type.Optional(Lat),
    geometry: Type.Optional(GeometryInput),
    crs: Crs,
  },
  { additionalProperties: false },
);
export type EditPointBody = Static<typeof EditPointBody>;

export const RetirePointBody = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 500 }) },
  { additionalProperties: false },
);

export const PointImportQuery = Type.Object({ crs: Crs });
export const PointImportBody = Type.Unknown({
  description:
    'CSV (UTF-8 or GBK) with columns type/类型 (code or name), name/名称, lon/经度, lat/纬度, address/地址, unit/责任单位, ref/编号; ' +
    'or a GeoJSON FeatureCollection of Points or small Polygons. All or nothing: any bad row refuses the file, every bad row is named.',
});
export const PointImportResponse = Type.Object({ created: Type.Integer(), total: Type.Integer() });
