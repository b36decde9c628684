/** Schemas of GET /api/hotspots and /api/exports/hotspots.{csv,xlsx,geojson}. */
import { Type, type Static } from 'typebox';
import { AccessToken } from './common.js';
import { ProblemFilterQuery } from './filters.js';

export const HotspotQuery = Type.Object({
  ...ProblemFilterQuery.properties,
  method: Type.Optional(
    Type.Union([Type.Literal('dbscan'), Type.Literal('gistar')], {
      default: 'dbscan',
      description:
        'dbscan: density clusters (ST_ClusterDBSCAN); gistar: Getis-Ord Gi* hot/cold cells on a hexagon grid',
    }),
  ),
  eps_m: Type.Optional(
    Type.Number({
      minimum: 1,
      maximum: 5000,
      default: 50,
      description: 'dbscan: neighbourhood radius on the ground, metres',
    }),
  ),
  min_points: Type.Optional(
    Type.Integer({
      minimum: 2,
      maximum: 10000,
      default: 5,
      description: 'dbscan: problems within eps_m (itself included) that make a core point',
    }),
  ),
  cell_m: Type.Optional(
    Type.Number({
      minimum: 20,
      maximum: 20000,
      default: 250,
      description: 'gistar: hexagon edge (centre to corner), metres; neighbouring centres are √3·cell_m apart',
    }),
  ),
  access_token: AccessToken,
});
export type HotspotQuery = Static<typeof HotspotQuery>;

const TopCategory = Type.Object({ code: Type.String(), name: Type.String(), count: Type.Integer() });

/** Properties of a hotspot feature: a DBSCAN cluster or a Gi* cell (loose: the two differ). */
export const HotspotProperties = Type.Object(
  {
    count: Type.Integer({ description: 'problems in the cluster / cell' }),
    top_categories: Type.Array(TopCategory, { description: 'up to three most frequent categories' }),
    lon: Type.Number({ description: 'centroid (cluster) or centre (cell), WGS84' }),
    lat: Type.Number(),
    block_code: Type.Union([Type.String(), Type.Null()]),
    block_name: Type.Union([Type.String(), Type.Null()]),
    community_name: Type.Union([Type.String(), Type.Null()]),
    street_name: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: true },
);

export const HotspotResponse = Type.Object(
  {
    type: Type.Literal('FeatureCollection'),
    method: Type.Union([Type.Literal('dbscan'), Type.Literal('gistar')]),
    /** Problems the run looked at (open ones unless the filters name statuses). */
    total: Type.Integer(),
    srid: Type.Union([Type.Integer(), Type.Null()], {
      description: 'EPSG code of the metric projection used (local UTM zone)',
    }),
    noise: Type.Optional(Type.Integer({ description: 'dbscan: problems in no cluster' })),
    eps_m: Type.Optional(Type.Number()),
    min_points: Type.Optional(Type.Integer()),
    cell_m: Type.Optional(Type.Number()),
    cells_total: Type.Optional(
      Type.Integer({ description: 'gistar: hexagons in the grid, empty ones included (n of the statistic)' }),
    ),
    mean: Type.Optional(Type.Number({ description: 'gistar: mean problems per cell' })),
    sd: Type.Optional(Type.Number({ description: 'gistar: standard deviation of problems per cell' })),
    features: Type.Array(
      Type.Object(
        {
          type: Type.Literal('Feature'),
          id: Type.Optional(Type.Union([Type.String(), Type.Number()])),
          geometry: Type.Object({ type: Type.String(), coordinates: Type.Unknown() }, { additionalProperties: true }),
          properties: HotspotProperties,
        },
        { additionalProperties: true },
      ),
    ),
  },
  { additionalProperties: true },
);
export type HotspotResponse = Static<typeof HotspotResponse>;
