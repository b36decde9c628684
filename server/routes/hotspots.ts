/**
 * Hotspots (registered under /api): `GET /hotspots` and `GET /exports/hotspots.{csv,xlsx,geojson}`.
 *
 * - method=dbscan: density clusters of the selected problems (ST_ClusterDBSCAN in metres, local UTM).
 * - method=gistar: Getis-Ord Gi* on hexagons: counts per cell from SQL, the statistic in
 *   domain/gistar.ts; the answer lists every non-empty or significant cell.
 *
 * Both obey the problem filters and the caller's scope; exports give the same features as the API.
 */
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { errors } from '../schemas/common.js';
import { HotspotQuery, HotspotResponse } from '../schemas/hotspots.js';
import { AppError } from '../errors.js';
import type { DB } from '../../db/types.js';
import type { Scope } from '../../db/queries/scope.js';
import type { ProblemFilters } from '../../db/queries/filters.js';
import {
  clusterProblemsDbscan,
  countProblemsPerHexagon,
  describeHexagons,
  MAX_GISTAR_CELLS,
  type HotspotPlace,
  type TopCategory,
} from '../../db/queries/hotspots.js';
import { countStats, giStar, hexNeighbours, type GiBin } from '../../domain/gistar.js';
import { csvStream, geojsonStream, xlsxStream, type Column } from '../export/writers.js';

export const DEFAULTS = { eps_m: 50, min_points: 5, cell_m: 250 } as const;

/** Labels of ArcGIS's Gi_Bin, as the exports and the map legend show them. */
export const BIN_LABELS_ZH: Readonly<Record<GiBin, string>> = {
  3: '热点（99%置信）',
  2: '热点（95%置信）',
  1: '热点（90%置信）',
  0: '不显著',
  [-1]: '冷点（90%置信）',
  [-2]: '冷点（95%置信）',
  [-3]: '冷点（99%置信）',
};

interface HotspotFeature {
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

function filtersOf(q: HotspotQuery): ProblemFilters {
  const { status, category, group, source, tag, region, from, to, overdue, escalated, q: text, campaign } = q;
  return { status, category, group, source, tag, region, from, to, overdue, escalated, q: text, campaign };
}

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

type Row = HotspotFeature['properties'];

const categoriesText = (cats: TopCategory[]) => cats.map((c) => `${c.name}(${c.count})`).join('、');
const round = (digits: number) => (v: unknown) => (typeof v === 'number' ? Number(v.toFixed(digits)) : v);

const PLACE_COLUMNS: Column<Row>[] = [
  { key: 'block_name', header: '网格', width: 16 },
  { key: 'community_name', header: '社区', width: 16 },
  { key: 'street_name', header: '街道（镇）', width: 14 },
  { key: 'block_code', header: '网格编码', width: 18 },
  { key: 'lon', header: '中心经度', width: 12, numFmt: '0.000000', format: round(6) },
  { key: 'lat', header: '中心纬度', width: 12, numFmt: '0.000000', format: round(6) },
];

const DBSCAN_COLUMNS: Column<Row>[] = [
  { key: 'cluster', header: '序号', width: 6, numFmt: '0' },
  { key: 'count', header: '问题数', width: 8, numFmt: '0' },
  { key: 'top_categories', header: '主要问题类别', width: 36, format: (v) => categoriesText(v as TopCategory[]) },
  { key: 'oldest_open_hours', header: '最久未结时长（小时）', width: 12, numFmt: '0.0', format: round(1) },
  ...PLACE_COLUMNS,
];

const GISTAR_COLUMNS: Column<Row>[] = [
  { key: 'cell', header: '单元', width: 10 },
  { key: 'count', header: '问题数', width: 8, numFmt: '0' },
  { key: 'z', header: 'Z得分', width: 10, numFmt: '0.000', format: round(4) },
  { key: 'p', header: 'P值', width: 10, numFmt: '0.0000', format: round(6) },
  { key: 'confidence', header: '置信度', width: 16 },
  { key: 'top_categories', header: '主要问题类别', width: 36, format: (v) => categoriesText(v as TopCategory[]) },
  ...PLACE_COLUMNS,
];

async function* rowsOf(answer: HotspotAnswer): AsyncIterable<Row> {
  for (const f of answer.features) yield f.properties;
}

const fileName = (answer: HotspotAnswer, ext: string) => `hotspots-${answer.method}.${ext}`;

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/hotspots',
    {
      schema: {
        tags: ['hotspots'],
        summary: 'Hotspots of the selected problems: DBSCAN clusters or Gi* hot/cold hexagons',
        querystring: HotspotQuery,
        response: { 200: HotspotResponse, ...errors(400, 401) },
      },
    },
    async (request) => runHotspots(app.db, request.query, request.scope),
  );

  const exportSchema = (what: string) => ({
    tags: ['hotspots', 'exports'],
    summary: `Hotspots as ${what} (same parameters and features as GET /api/hotspots)`,
    querystring: HotspotQuery,
    response: { 200: Type.Unknown({ description: `${what} file` }), ...errors(400, 401) },
  });

  app.get('/exports/hotspots.csv', { schema: exportSchema('CSV (UTF-8 with BOM)') }, async (request, reply) => {
    const answer = await runHotspots(app.db, request.query, request.scope);
    const columns = answer.method === 'dbscan' ? DBSCAN_COLUMNS : GISTAR_COLUMNS;
    reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${fileName(answer, 'csv')}"`);
    return reply.send(csvStream(columns, rowsOf(answer)));
  });

  app.get('/exports/hotspots.xlsx', { schema: exportSchema('XLSX') }, async (request, reply) => {
    const answer = await runHotspots(app.db, request.query, request.scope);
    const dbscan = answer.method === 'dbscan';
    const title = dbscan
      ? `问题热点（密度聚类 DBSCAN，半径 ${answer.eps_m} 米，最少 ${answer.min_points} 件）`
      : `问题热点（Getis-Ord Gi* 热点分析，六边形边长 ${answer.cell_m} 米）`;
    reply
      .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="${fileName(answer, 'xlsx')}"`);
    return reply.send(
      xlsxStream([
        {
          name: dbscan ? '聚类热点' : '热点单元',
          title: [
            title,
            `参与分析的问题 ${answer.total} 件${dbscan ? `，未成簇 ${answer.noise} 件` : `，单元 ${answer.cells_total} 个`}`,
          ],
          columns: dbscan ? DBSCAN_COLUMNS : GISTAR_COLUMNS,
          rows: rowsOf(answer),
          totals: () => ({
            [dbscan ? 'cluster' : 'cell']: '合计',
            count: answer.features.reduce((a, f) => a + f.properties.count, 0),
          }),
        },
      ]),
    );
  });

  app.get('/exports/hotspots.geojson', { schema: exportSchema('GeoJSON') }, async (request, reply) => {
    const answer = await runHotspots(app.db, request.query, request.scope);
    const { features, ...meta } = answer;
    reply
      .header('content-type', 'application/geo+json; charset=utf-8')
      .header('content-disposition', `attachment; filename="${fileName(answer, 'geojson')}"`);
    return reply.send(
      geojsonStream(
        (async function* () {
          yield* features;
        })(),
        Object.fromEntries(Object.entries(meta).filter(([k]) => k !== 'type')),
      ),
    );
  });
};

export default routes;
