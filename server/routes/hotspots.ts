/**
 * Hotspots (registered under /api): `GET /hotspots` and `GET /exports/hotspots.{csv,xlsx,geojson}`,
 * all answered by the hotspot service (server/services/hotspots.ts). Both obey the problem filters
 * and the caller's scope; exports give the same features as the API.
 */
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errors } from '../schemas/common.js';
import { HotspotQuery, HotspotResponse } from '../schemas/hotspots.js';
import type { TopCategory } from '../../db/queries/hotspots.js';
import { runHotspots, type HotspotAnswer, type HotspotFeature } from '../services/hotspots.js';
import { csvStream, geojsonStream, xlsxStream, type Column } from '../export/writers.js';

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
    async (request) => runHotspots(app.dbFor(request), request.query, request.scope),
  );

  const exportSchema = (what: string) => ({
    tags: ['hotspots', 'exports'],
    summary: `Hotspots as ${what} (same parameters and features as GET /api/hotspots)`,
    querystring: HotspotQuery,
    response: { 200: Type.Unknown({ description: `${what} file` }), ...errors(400, 401) },
  });

  app.get('/exports/hotspots.csv', { schema: exportSchema('CSV (UTF-8 with BOM)') }, async (request, reply) => {
    const answer = await runHotspots(app.dbFor(request), request.query, request.scope);
    const columns = answer.method === 'dbscan' ? DBSCAN_COLUMNS : GISTAR_COLUMNS;
    reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${fileName(answer, 'csv')}"`);
    return reply.send(csvStream(columns, rowsOf(answer)));
  });

  app.get('/exports/hotspots.xlsx', { schema: exportSchema('XLSX') }, async (request, reply) => {
    const answer = await runHotspots(app.dbFor(request), request.query, request.scope);
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
    const answer = await runHotspots(app.dbFor(request), request.query, request.scope);
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
