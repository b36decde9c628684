/**
 * Hotspots as a service, shared by `GET /api/hotspots`, its exports and the benchmark.
 *
 * - method=dbscan: density clusters of the selected problems (ST_ClusterDBSCAN in metres, local UTM).
 * - method=gistar: Getis-Ord Gi* on hexagons: counts per cell from SQL, the statistic in
 *   domain/gistar.ts; the answer lists every non-empty or significant cell.
 */
import type { Kysely } from 'kysely';
import type { HotspotQuery, HotspotResponse } from '../schemas/hotspots.js';
import { AppError } from '../errors.js';
import type { DB } from '../../db/types.js';
import type { Scope } from '../../db/queries/scope.js';
import {
  clusterProblemsDbscan,
  countProblemsPerHexagon,
  describeHexagons,
  MAX_GISTAR_CELLS,
  type HotspotPlace,
  type TopCategory,
} from '../../db/queries/hotspots.js';
import { countStats, giStar, hexNeighbours, type GiBin } from '../../domain/gistar.js';
import { filtersOf } from './filters.js';

export const DEFAULTS = { eps_m: 50, min_points: 5, cell_m: 250 } as const;

/** Chinese labels of ArcGIS's Gi_Bin: the `confidence` property of a Gi* cell (API and exports). */
export const BIN_LABELS_ZH: Readonly<Record<GiBin, string>> = {
  3: '热点（99%置信）',
  2: '热点（95%置信）',
  1: '热点（90%置信）',
  0: '不显著',
  [-1]: '冷点（90%置信）',
  [-2]: '冷点（95%置信）',
  [-3]: '冷点（99%置信）',
};

export interface HotspotFeature {
  type: 'Feature';
  id: number | string;
  geometry: { type: string; coordinates: unknown };
  properties: HotspotPlace & {
    count: number;
    top_categories: TopCategory[];
    lon: number;
    lat: number;
    [key: string]: unknown;
  };
}

export type HotspotAnswer = Omit<HotspotResponse, 'features'> & { features: HotspotFeature[] };

/** Runs the requested hotspot method over the selection (filters ∩ scope). */
export async function runHotspots(db: Kysely<DB>, q: HotspotQuery, scope: Scope): Promise<HotspotAnswer> {
  const sel = { filters: filtersOf(q), scope };
  if ((q.method ?? 'dbscan') === 'dbscan') {
    const eps = q.eps_m ?? DEFAULTS.eps_m;
    const minPoints = q.min_points ?? DEFAULTS.min_points;
    const r = await clusterProblemsDbscan(db, sel, eps, minPoints);
    return {
      type: 'FeatureCollection',
      method: 'dbscan',
      total: r.total,
      srid: r.srid,
      noise: r.noise,
      eps_m: eps,
      min_points: minPoints,
      features: r.clusters.map(({ hull, ...props }) => ({
        type: 'Feature',
        id: props.cluster,
        geometry: hull,
        properties: props,
      })),
    };
  }

  const size = q.cell_m ?? DEFAULTS.cell_m;
  const grid = await countProblemsPerHexagon(db, sel, size);
  if (grid.estimated > MAX_GISTAR_CELLS) {
    throw new AppError(
      'BAD_REQUEST',
      `cell_m ${size} m lays about ${grid.estimated} hexagons over the selection; at most ${MAX_GISTAR_CELLS}: use larger cells or narrow the filters`,
      {
        estimated_cells: grid.estimated,
        max_cells: MAX_GISTAR_CELLS,
      },
    );
  }
  // Binary weights over the first ring of hexagons, the cell itself included.
  const stats = giStar(grid.n, hexNeighbours(grid.i, grid.j));
  const summary = countStats(grid.n);
  const wanted = stats.flatMap((s, k) =>
    grid.n[k] > 0 || s.bin !== 0
      ? [
          {
            k,
            i: grid.i[k],
            j: grid.j[k],
            fallback_block: grid.details.get(`${grid.i[k]},${grid.j[k]}`)?.fallback_block ?? null,
          },
        ]
      : [],
  );
  const shapes = grid.srid === null ? [] : await describeHexagons(db, scope, grid.srid, size, wanted);
  const byCell = new Map(shapes.map((s) => [`${s.i},${s.j}`, s]));
  const features: HotspotFeature[] = wanted.map(({ k, i, j }) => {
    const { geometry, ...place } = byCell.get(`${i},${j}`)!;
    const s = stats[k];
    return {
      type: 'Feature',
      id: `${i},${j}`,
      geometry,
      properties: {
        ...place,
        cell: `${i},${j}`,
        count: grid.n[k],
        z: s.z,
        p: s.p,
        bin: s.bin,
        confidence: BIN_LABELS_ZH[s.bin],
        top_categories: grid.details.get(`${i},${j}`)?.top_categories ?? [],
      },
    };
  });
  features.sort(
    (a, b) => (b.properties.z as number) - (a.properties.z as number) || b.properties.count - a.properties.count,
  );
  return {
    type: 'FeatureCollection',
    method: 'gistar',
    total: grid.n.reduce((a, b) => a + b, 0),
    srid: grid.srid,
    cell_m: size,
    cells_total: summary.n,
    mean: summary.mean,
    sd: summary.sd,
    features,
  };
}
