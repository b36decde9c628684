/** Schemas of the vector tile routes (/tiles/{layer}/{z}/{x}/{y}.mvt and /tiles/{layer}.json). */
import { Type, type Static } from 'typebox';
import { AccessToken, RegionLevel } from './common.js';
import { ProblemFilterQuery } from './filters.js';

export const TileParams = Type.Object({
  z: Type.Integer({ minimum: 0, maximum: 22, description: 'zoom' }),
  x: Type.Integer({ minimum: 0, description: 'column, 0 … 2^z − 1' }),
  y: Type.Integer({ minimum: 0, description: 'row from the north, 0 … 2^z − 1 (XYZ scheme)' }),
});
export type TileParams = Static<typeof TileParams>;

export const RegionTileQuery = Type.Object({
  level: Type.Optional(
    Type.Union(RegionLevel.anyOf, {
      description: 'draw this level (plus the county outline) instead of the zoom default',
    }),
  ),
  access_token: AccessToken,
});
export type RegionTileQuery = Static<typeof RegionTileQuery>;

export const ProblemTileQuery = Type.Object({ ...ProblemFilterQuery.properties, access_token: AccessToken });
export type ProblemTileQuery = Static<typeof ProblemTileQuery>;

export const TileLayerParams = Type.Object({ layer: Type.Union([Type.Literal('regions'), Type.Literal('problems')]) });
export type TileLayerParams = Static<typeof TileLayerParams>;

/** TileJSON 3.0.0 (github.com/mapbox/tilejson-spec), enough for MapLibre and QGIS to add the layer by URL. */
export const TileJson = Type.Object(
  {
    tilejson: Type.Literal('3.0.0'),
    name: Type.String(),
    description: Type.String(),
    scheme: Type.Literal('xyz'),
    tiles: Type.Array(Type.String()),
    minzoom: Type.Integer(),
    maxzoom: Type.Integer(),
    bounds: Type.Array(Type.Number(), { minItems: 4, maxItems: 4 }),
    center: Type.Array(Type.Number(), { minItems: 3, maxItems: 3 }),
    attribution: Type.String(),
    vector_layers: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          description: Type.String(),
          minzoom: Type.Integer(),
          maxzoom: Type.Integer(),
          fields: Type.Record(Type.String(), Type.String()),
        },
        { additionalProperties: true },
      ),
    ),
  },
  { additionalProperties: true },
);
