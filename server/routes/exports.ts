/**
 * Downloads for meetings and offline work: the filtered problem list as CSV (UTF-8 with BOM, so
 * Excel opens the Chinese text), XLSX or GeoJSON, and the monthly ranking bulletin as XLSX.
 * Everything obeys the filters and the caller's scope, and streams: problem rows are read in
 * keyset batches and written as they come, so memory stays flat at a million rows.
 * Browsers cannot set headers on a download link: these routes also accept `?access_token=`.
 */
import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AccessToken, errors } from '../schemas/common.js';
import { ProblemFilterQuery } from '../schemas/filters.js';
import { RankingsQuery } from '../schemas/rankings.js';
import { AppError } from '../errors.js';
import { attachmentHeader, csvStream, geojsonStream, xlsxStream, type Column } from '../export/writers.js';
import { copyCsvStream } from '../export/copy.js';
import {
  countProblemExport,
  inlineParameters,
  problemExportCsvSql,
  problemExportRows,
  type ExportQuery,
  type ProblemExportRow,
} from '../../db/queries/exports.js';
import { countyName } from '../../db/queries/rankings.js';
import { STATUS_LABELS_ZH, type Status } from '../../domain/workflow.js';
import {
  RATE_DEFINITIONS,
  WEIGHT_DEFINITIONS,
  ratesOf,
  sumCounts,
  type RankedUnit,
  type RateKey,
  type WeightKey,
} from '../../domain/indicators.js';
import { SHANGHAI_OFFSET_MS, toShanghaiDate } from '../../domain/time.js';
import { filtersOf } from '../services/filters.js';
import { computeRankings, rankingsRequestOf } from '../services/rankings.js';

const ProblemExportQuery = Type.Object({ ...ProblemFilterQuery.properties, access_token: AccessToken });
const RankingsExportQuery = Type.Object({ ...RankingsQuery.properties, access_token: AccessToken });
/** A streamed file: the body is a Node stream (Fastify sends streams as they are, unserialised). */
const FileBody = (description: string) => Type.Unsafe<Readable>({ type: 'string', format: 'binary', description });

/** Rows per sheet Excel can open (1,048,576 minus the header). */
const XLSX_MAX_ROWS = 1_048_575;

const SOURCE_LABELS_ZH: Readonly<Record<string, string>> = {
  inspection: '督查巡查',
  citizen: '市民上报',
  hotline: '12345热线',
  other: '其他',
};
const SEVERITY_LABELS_ZH: Readonly<Record<number, string>> = { 1: '一般', 2: '较重', 3: '紧急' };

const CSV_LABELS = { status: STATUS_LABELS_ZH, severity: SEVERITY_LABELS_ZH, source: SOURCE_LABELS_ZH };

type Kind = 'csv' | 'xlsx';

/**
 * The export columns. CSV cells carry Asia/Shanghai text ('YYYY-MM-DD HH:mm:ss', 是/否); XLSX
 * cells carry real dates and numbers with formats. Excel dates have no time zone, so they are
 * written as Asia/Shanghai wall-clock time.
 */
function problemColumns(kind: Kind, base: string): Column<ProblemExportRow>[] {
  const when = (d: unknown) =>
    d instanceof Date ? (kind === 'xlsx' ? new Date(d.getTime() + SHANGHAI_OFFSET_MS) : d) : null;
  const yesNo = (v: unknown) => (v ? '是' : '否');
  const dt = { width: 18, numFmt: 'yyyy-mm-dd hh:mm', format: when };
  return [
    { key: 'id', header: '编号', width: 10, numFmt: '0' },
    { key: 'category_code', header: '事项类别', width: 10 },
    { key: 'category_name', header: '类别名称', width: 16 },
    { key: 'group_name', header: '大类', width: 12 },
    { key: 'status', header: '状态', width: 12, format: (v) => STATUS_LABELS_ZH[v as Status] ?? v },
    { key: 'severity', header: '紧急程度', width: 10, format: (v) => SEVERITY_LABELS_ZH[v as number] ?? v },
    { key: 'source', header: '来源', width: 12, format: (v) => SOURCE_LABELS_ZH[v as string] ?? v },
    { key: 'description', header: '描述', width: 40 },
    { key: 'address', header: '地址', width: 30 },
    { key: 'region_code', header: '网格编码', width: 17 },
    { key: 'block_name', header: '网格', width: 16 },
    { key: 'community_name', header: '社区', width: 16 },
    { key: 'street_name', header: '街道', width: 12 },
    { key: 'lon', header: '经度', width: 12, numFmt: '0.000000' },
    { key: 'lat', header: '纬度', width: 12, numFmt: '0.000000' },
    { key: 'reported_at', header: '上报时间', ...dt },
    { key: 'filed_at', header: '立案时间', ...dt },
    { key: 'due_at', header: '期限', ...dt },
    { key: 'resolved_at', header: '处置时间', ...dt },
    { key: 'closed_at', header: '结案时间', ...dt },
    { key: 'overdue', header: '是否超期', width: 10, format: yesNo },
    { key: 'escalated', header: '是否督办', width: 10, format: yesNo },
    { key: 'rework_count', header: '返工次数', width: 10, numFmt: '0' },
    { key: 'extension_count', header: '延期次数', width: 10, numFmt: '0' },
    { key: 'photos', header: '照片', width: 40, format: (v) => absolute(v as string[], base).join(' ') },
  ];
}

/** Total row count of an XLSX problem export, written under the table. */
const problemTotals = (count: number) =>
  ({ id: '合计', category_code: `${count} 条` }) as Partial<Record<keyof ProblemExportRow, unknown>>;

/** Photo links as full URLs (a spreadsheet cell or a GIS attribute is read outside the page). */
const absolute = (urls: string[], base: string) => urls.map((u) => (u.startsWith('/') ? `${base}${u}` : u));

/** The address the caller reached the service at, for links in files. */
const baseOf = (request: { protocol: string; host: string }) => `${request.protocol}://${request.host}`;

function problemFeature(r: ProblemExportRow, base: string) {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    type: 'Feature',
    id: r.id,
    geometry: { type: 'Point', coordinates: [r.lon, r.lat] },
    properties: {
      ...r,
      photos: absolute(r.photos, base),
      lon: undefined,
      lat: undefined,
      reported_at: iso(r.reported_at),
      filed_at: iso(r.filed_at),
      due_at: iso(r.due_at),
      resolved_at: iso(r.resolved_at),
      closed_at: iso(r.closed_at),
    },
  };
}

/** The bulletin's indicator table. */
type BulletinRow = Partial<RankedUnit> & { label?: string };
const pct = { width: 11, numFmt: '0.0%' };
const rate = (key: RateKey): Column<BulletinRow> => ({ key, header: RATE_DEFINITIONS[key].zh, ...pct });
const BULLETIN_COLUMNS: Column<BulletinRow>[] = [
  { key: 'rank', header: '排名', width: 7, numFmt: '0' },
  { key: 'code', header: '单位编码', width: 17 },
  { key: 'name', header: '单位名称', width: 18 },
  { key: 'filed', header: '立案数', width: 9, numFmt: '0' },
  { key: 'due', header: '应结案数', width: 10, numFmt: '0' },
  { key: 'closed', header: '结案数', width: 9, numFmt: '0' },
  rate('closure_rate'),
  rate('on_time_rate'),
  rate('disposal_rate'),
  rate('on_time_disposal_rate'),
  rate('rework_rate'),
  rate('extension_rate'),
  { ...rate('overdue_pending_rate'), width: 13 },
  { key: 'score', header: '综合指标值', width: 12, numFmt: '0.00' },
  { key: 'grade', header: '等级', width: 7 },
  // ↑ moved up, ↓ moved down, – unchanged; empty when there was no rank last month.
  { key: 'rank_change', header: '排名变化', width: 10, numFmt: '"↑"0;"↓"0;"–"' },
];

const LEVEL_ZH: Readonly<Record<string, string>> = { street: '街道（镇）', community: '社区（村）', block: '网格' };

/** A period's Chinese name (2025年10月, 2025年第4季度, 2025年) and its bulletin's kind (月度, 季度, 年度). */
function periodZh(period: string): { label: string; kind: string } {
  const [year, part] = period.split('-');
  if (!part) return { label: `${year}年`, kind: '年度' };
  if (part.startsWith('Q')) return { label: `${year}年第${part.slice(1)}季度`, kind: '季度' };
  return { label: `${year}年${Number(part)}月`, kind: '月度' };
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const indicatorConfig = app.indicatorConfig;

  const exportQuery = (q: ProblemFilterQuery, scope: ExportQuery['scope']): ExportQuery => ({
    filters: filtersOf(q),
    scope,
    now: new Date(),
  });
  const fileStem = () => `问题清单-${toShanghaiDate(new Date())}`;
  const asciiStem = () => `problems-${toShanghaiDate(new Date())}`;

  app.get(
    '/exports/problems.csv',
    {
      schema: {
        tags: ['exports'],
        summary: 'The filtered problems as CSV (UTF-8 with BOM, Chinese headers, Asia/Shanghai times)',
        querystring: ProblemExportQuery,
        response: { 200: FileBody('text/csv'), ...errors(400, 401) },
      },
    },
    async (request, reply) => {
      const q = exportQuery(request.query, request.scope);
      const columns = problemColumns('csv', baseOf(request));
      reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', attachmentHeader(`${fileStem()}.csv`, `${asciiStem()}.csv`));
      // PostgreSQL writes the CSV itself (COPY … TO STDOUT, on the primary: the replica handle has no
      // COPY stream); PGlite's rows go through the Node writer.
      const pool = app.dbHandle.pool;
      if (pool) {
        const { sql: text, parameters } = problemExportCsvSql(q, CSV_LABELS, baseOf(request)).compile(app.db);
        return reply.send(copyCsvStream(pool, columns, inlineParameters(text, parameters)));
      }
      return reply.send(csvStream(columns, problemExportRows(app.dbFor(request), q)));
    },
  );

  app.get(
    '/exports/problems.xlsx',
    {
      schema: {
        tags: ['exports'],
        summary: 'The filtered problems as an Excel workbook (frozen header, widths, date and number formats)',
        querystring: ProblemExportQuery,
        response: {
          200: FileBody('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'),
          ...errors(400, 401, 422),
        },
      },
    },
    async (request, reply) => {
      const q = exportQuery(request.query, request.scope);
      const total = await countProblemExport(app.db, q);
      if (total > XLSX_MAX_ROWS) {
        throw new AppError(
          'UNPROCESSABLE',
          `${total} rows exceed what one Excel sheet holds (${XLSX_MAX_ROWS}); narrow the filters or export CSV`,
          { rows: total, max: XLSX_MAX_ROWS },
        );
      }
      reply
        .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', attachmentHeader(`${fileStem()}.xlsx`, `${asciiStem()}.xlsx`));
      return reply.send(
        xlsxStream([
          {
            name: '问题清单',
            columns: problemColumns('xlsx', baseOf(request)),
            rows: problemExportRows(app.db, q),
            totals: problemTotals,
          },
        ]),
      );
    },
  );

  app.get(
    '/exports/problems.geojson',
    {
      schema: {
        tags: ['exports'],
        summary: 'The filtered problems as a GeoJSON FeatureCollection (WGS84)',
        querystring: ProblemExportQuery,
        response: { 200: FileBody('application/geo+json'), ...errors(400, 401) },
      },
    },
    async (request, reply) => {
      const rows = problemExportRows(app.db, exportQuery(request.query, request.scope));
      const features = (async function* () {
        for await (const r of rows) yield problemFeature(r, baseOf(request));
      })();
      reply
        .header('content-type', 'application/geo+json; charset=utf-8')
        .header('content-disposition', attachmentHeader(`${fileStem()}.geojson`, `${asciiStem()}.geojson`));
      return reply.send(geojsonStream(features));
    },
  );

  app.get(
    '/exports/rankings.xlsx',
    {
      schema: {
        tags: ['exports'],
        summary: 'The monthly ranking bulletin (月度通报) as an Excel workbook',
        querystring: RankingsExportQuery,
        response: {
          200: FileBody('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'),
          ...errors(400, 401),
        },
      },
    },
    async (request, reply) => {
      const now = new Date();
      const req = rankingsRequestOf(request.query, request.scope, now);
      const result = await computeRankings(app.db, req, indicatorConfig, now);
      const county = (await countyName(app.db, req.parent ?? request.scope.regions?.[0])) ?? '';
      const { label, kind } = periodZh(result.period);
      const firstDay = toShanghaiDate(result.from);
      const lastDay = toShanghaiDate(new Date(result.to.getTime() - 1));
      const weights = Object.entries(indicatorConfig.weights)
        .filter(([, w]) => w)
        .map(([k, w]) => {
          const def = WEIGHT_DEFINITIONS[k as WeightKey];
          return `${def.higherIsBetter ? def.zh : `(1−${def.zh})`}×${w}`;
        })
        .join(' + ');
      const g = indicatorConfig.grades;
      const title = [
        `${county}创文巩卫问题处置${kind}通报`,
        `考核周期：${label}（${firstDay} 至 ${lastDay}）　考核对象：${LEVEL_ZH[result.level]}　参评单位：${result.units_total} 个`,
        `综合指标值 = ${weights}（按权重折算为百分制）；等级 A≥${g.A}、B≥${g.B}、C≥${g.C}、D≥${g.D}、E<${g.D}；无应处置案件的单位不参与排名，列于表末。`,
      ];
      const sum = sumCounts(result.units);
      const totals = { ...sum, ...ratesOf(sum) };
      reply
        .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header(
          'content-disposition',
          attachmentHeader(
            `${county}创文巩卫问题处置${kind}通报-${result.period}.xlsx`,
            `rankings-${result.period}.xlsx`,
          ),
        );
      return reply.send(
        xlsxStream([
          {
            name: `${label}通报`,
            title,
            columns: BULLETIN_COLUMNS,
            rows: result.units,
            totals: () => ({ ...totals, rank: null, code: '合计', name: `${result.units.length} 个单位` }),
          },
        ]),
      );
    },
  );
};

export default routes;
