/** Shared TypeBox pieces: the single source of request/response types (web/ imports these types). */
import { Type, type Static, type TSchema } from 'typebox';
import { INPUT_CRS, type InputCrs } from '../../domain/coords.js';
import { REGION_LEVELS } from '../../domain/regions.js';

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
      params: Type.Optional(
        Type.Record(Type.String(), Type.Unknown(), {
          description: 'values for the page to render the code in zh-CN or English (reason, limit, action …)',
        }),
      ),
    }),
  },
  { $id: 'ErrorBody' },
);
export type ErrorBody = Static<typeof ErrorBody>;

/** Standard 4xx/5xx responses every route declares. */
export const errors = <S extends number>(...statuses: S[]): { [K in S]: typeof ErrorBody } =>
  Object.fromEntries(statuses.map((s) => [s, ErrorBody])) as { [K in S]: typeof ErrorBody };

export const Lon = Type.Number({ minimum: -180, maximum: 180, description: 'longitude, degrees' });
export const Lat = Type.Number({ minimum: -90, maximum: 90, description: 'latitude, degrees' });

/** `minLon,minLat,maxLon,maxLat` in WGS84 degrees. */
export const BBoxParam = Type.String({
  pattern: '^-?\\d+(\\.\\d+)?,-?\\d+(\\.\\d+)?,-?\\d+(\\.\\d+)?,-?\\d+(\\.\\d+)?$',
  description: 'minLon,minLat,maxLon,maxLat (WGS84)',
});

export const RegionCode = Type.String({ pattern: '^[0-9]{6}([0-9]{3}){0,3}$', description: '6, 9, 12 or 15 digits' });
const [COUNTY, STREET, COMMUNITY, BLOCK] = REGION_LEVELS;
export const RegionLevel = Type.Union([
  Type.Literal(COUNTY),
  Type.Literal(STREET),
  Type.Literal(COMMUNITY),
  Type.Literal(BLOCK),
]);
export type RegionLevel = Static<typeof RegionLevel>;

/** A region named in an ancestor chain (county first, the region itself last). */
export const RegionRef = Type.Object({ code: Type.String(), name: Type.String(), level: RegionLevel });

/** `t` or null. */
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** `?access_token=`: the bearer token, for download links, tiles and clients that cannot send headers. */
export const AccessToken = Type.Optional(
  Type.String({ description: 'the bearer token, for download links and clients that cannot send headers' }),
);

// An enum, not a union of literals: a wrong value then gets one error naming the allowed values.
export const Crs = Type.Unsafe<InputCrs>({
  type: 'string',
  enum: [...INPUT_CRS],
  default: 'wgs84',
  description:
    'coordinate system of the input: wgs84, cgcs2000, gcj02 (Amap, Tencent) or bd09 (Baidu); stored as WGS84/CGCS2000 (EPSG:4326)',
});
export type Crs = Static<typeof Crs>;

/** Row ids are PostgreSQL integers: a larger number is a 400, not a database error. */
export const MAX_ID = 2_147_483_647;
export const Id = Type.Integer({ minimum: 1, maximum: MAX_ID });
export const IdParam = Type.Object({ id: Id });

/** Any GeoJSON geometry (validated in depth by PostGIS). */
export const Geometry = Type.Object(
  { type: Type.String(), coordinates: Type.Optional(Type.Unknown()), geometries: Type.Optional(Type.Unknown()) },
  { additionalProperties: true },
);

export const Feature = <P extends TSchema>(properties: P) =>
  Type.Object({
    type: Type.Literal('Feature'),
    id: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    geometry: Type.Union([Geometry, Type.Null()]),
    properties,
  });

export const FeatureCollection = <P extends TSchema>(properties: P, extra: Record<string, TSchema> = {}) =>
  Type.Object({ type: Type.Literal('FeatureCollection'), features: Type.Array(Feature(properties)), ...extra });

/** Parses a validated bbox string. */
export function parseBBox(value: string): [number, number, number, number] {
  const b = value.split(',').map(Number) as [number, number, number, number];
  return b;
}

/** The optional `Idempotency-Key` header of create and transition. */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      description:
        'client-generated key (8–200 of A-Z a-z 0-9 _ . : -); a retry with the same key answers the first result and writes nothing',
    }),
  ),
});
