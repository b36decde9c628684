/** Request and response schemas of /api/regions. */
import { Type, type Static } from 'typebox';
import { BBoxParam, Geometry, RegionCode, RegionLevel, RegionRef } from './common.js';

export const RegionListQuery = Type.Object(
  {
    level: Type.Optional(RegionLevel),
    parent: Type.Optional(RegionCode),
    bbox: Type.Optional(BBoxParam),
    zoom: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 22,
        description: 'web-map zoom: geometry simplified to half a pixel; omit for full detail',
      }),
    ),
  },
  { additionalProperties: false },
);
export type RegionListQuery = Static<typeof RegionListQuery>;

const BBox = Type.Array(Type.Number(), {
  minItems: 4,
  maxItems: 4,
  description: '[minLon, minLat, maxLon, maxLat], degrees',
});

export const RegionProperties = Type.Object({
  code: Type.String(),
  name: Type.String(),
  level: RegionLevel,
  parent_code: Type.Union([Type.String(), Type.Null()]),
  synthetic: Type.Boolean({ description: 'true for the demo partition: not an official boundary' }),
});

export const RegionFeature = Type.Object(
  { type: Type.Literal('Feature'), id: Type.String(), geometry: Geometry, properties: RegionProperties },
  { additionalProperties: true },
);

export const RegionCollection = Type.Object(
  {
    type: Type.Literal('FeatureCollection'),
    features: Type.Array(RegionFeature),
    synthetic_notice: Type.Optional(
      Type.String({ description: 'present when any returned region is synthetic (zh + en)' }),
    ),
  },
  { additionalProperties: true },
);

export const RegionDetail = Type.Object(
  {
    type: Type.Literal('Feature'),
    id: Type.String(),
    bbox: BBox,
    geometry: Geometry,
    properties: Type.Object({
      code: Type.String(),
      name: Type.String(),
      level: RegionLevel,
      parent_code: Type.Union([Type.String(), Type.Null()]),
      synthetic: Type.Boolean(),
      manager_name: Type.Union([Type.String(), Type.Null()]),
      manager_phone: Type.Union([Type.String(), Type.Null()]),
      valid_from: Type.Union([Type.String(), Type.Null()]),
      valid_to: Type.Union([Type.String(), Type.Null()]),
      chain: Type.Array(RegionRef, { description: 'ancestors, county first, then the region itself' }),
    }),
    synthetic_notice: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

export const RegionCodeParams = Type.Object({ code: RegionCode });

export const RegionSearchQuery = Type.Object(
  { q: Type.String({ minLength: 1, maxLength: 50, description: 'part of a name, or the start of a code' }) },
  { additionalProperties: false },
);

export const RegionSearchResult = Type.Object({
  regions: Type.Array(
    Type.Object({
      code: Type.String(),
      name: Type.String(),
      level: RegionLevel,
      chain_names: Type.Array(Type.String(), { description: 'names from the county down to the region itself' }),
      bbox: BBox,
    }),
  ),
});

export const RegionImportQuery = Type.Object(
  {
    repair: Type.Boolean({
      default: false,
      description: 'repair invalid geometry with ST_MakeValid instead of refusing it',
    }),
    tolerance_m2: Type.Number({
      minimum: 0,
      default: 1,
      description: 'overlaps, overhangs and gaps up to this many m² are ignored',
    }),
  },
  { additionalProperties: false },
);
export type RegionImportQuery = Static<typeof RegionImportQuery>;

/** Checked in depth by the import itself (every bad feature is listed, not just the first). */
export const RegionImportBody = Type.Object(
  { type: Type.Literal('FeatureCollection'), features: Type.Array(Type.Unknown()) },
  { additionalProperties: true },
);

export const RegionImportResult = Type.Object({
  created: Type.Integer(),
  updated: Type.Integer(),
  repaired: Type.Array(
    Type.Object({
      index: Type.Integer(),
      code: Type.String(),
      reason: Type.String(),
      area_before_m2: Type.Number(),
      area_after_m2: Type.Number(),
      parts: Type.Integer(),
    }),
  ),
  warnings: Type.Array(
    Type.Object({
      kind: Type.String(),
      index: Type.Union([Type.Integer(), Type.Null()]),
      code: Type.String(),
      area_m2: Type.Number(),
      message: Type.String(),
    }),
  ),
  problems_reassigned: Type.Integer(),
});
