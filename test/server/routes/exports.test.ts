import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { BACKENDS } from '../../helpers/db.js';
import { buildTestApp, useApp } from '../../helpers/app.js';
import { insertProblemRows, sh, type ProblemRow } from '../../helpers/problems.js';
import { auth, centre, MANAGER_BLOCK, NEIGHBOUR_BLOCK, type World } from '../../helpers/world.js';
import { problemExportRows } from '../../../db/queries/exports.js';
import { FULL_SCOPE } from '../../../db/queries/scope.js';

const OTHER_BLOCK = '430121002001001';

/** Seven problems: four in the manager's block (one ad), one next door, two in the other street. */
const DATA: ProblemRow[] = [
  {
    block: MANAGER_BLOCK,
    status: 'closed',
    reported: '2025-10-01 08:00',
    due: '2025-10-01 12:00',
    closed: '2025-10-01 10:00',
  },
  {
    block: MANAGER_BLOCK,
    status: 'closed',
    reported: '2025-10-02 08:00',
    due: '2025-10-02 12:00',
    closed: '2025-10-02 18:00',
  },
  { block: MANAGER_BLOCK, status: 'in_progress', reported: '2025-10-03 08:00', due: '2025-10-03 12:00' },
  {
    block: MANAGER_BLOCK,
    category: '07001',
    status: 'filed',
    reported: '2025-10-04 08:00',
    due: '2099-01-01 00:00',
    description: '电线杆小广告',
  },
  { block: NEIGHBOUR_BLOCK, status: 'dispatched', reported: '2025-10-05 08:00', due: '2025-10-05 12:00' },
  {
    block: OTHER_BLOCK,
    category: '09009',
    status: 'closed',
    reported: '2025-10-06 08:00',
    due: '2025-10-06 12:00',
    closed: '2025-10-06 09:00',
  },
  {
    block: OTHER_BLOCK,
    category: '09009',
    status: 'closed',
    reported: '2025-10-07 08:00',
    due: '2025-10-07 12:00',
    closed: '2025-10-07 09:00',
  },
];

const HEADERS = [
  '编号',
  '事项类别',
  '类别名称',
  '大类',
  '状态',
  '紧急程度',
  '来源',
  '描述',
  '地址',
  '网格编码',
  '网格',
  '社区',
  '街道',
  '经度',
  '纬度',
  '上报时间',
  '立案时间',
  '期限',
  '处置时间',
  '结案时间',
  '是否超期',
  '是否督办',
  '返工次数',
  '延期次数',
  '照片',
];

async function workbook(body: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(body as unknown as ArrayBuffer);
  return wb;
}

describe.each(BACKENDS)('exports on $name', (backend) => {
  const ctx = useApp(backend);
  let ids: number[];
  beforeAll(async () => {
    // The export tests read back the text fields, so their rows carry a description and address.
    await insertProblemRows(
      ctx.handle.db,
      DATA.map((r) => ({ description: '路边暴露垃圾, "一堆"', address: '星沙大道1号', ...r })),
    );
    ids = (await ctx.handle.db.selectFrom('problems').select('id').orderBy('id').execute()).map((r) => Number(r.id));
  });

  const get = (url: string, role: keyof World['tokens'] = 'leader') =>
    ctx.app.inject({ url, headers: auth(ctx.world.tokens[role]) });
  const csvRows = (body: string): Record<string, string>[] => parse(body, { columns: true, bom: true });

  describe('GET /api/exports/problems.csv', () => {
    it('is UTF-8 with a BOM, Chinese headers and Asia/Shanghai times, one row per problem', async () => {
      const res = await get('/api/exports/problems.csv');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      expect(res.headers['content-disposition']).toMatch(
        /^attachment; filename="problems-\d{4}-\d{2}-\d{2}\.csv"; filename\*=UTF-8''%E9%97%AE%E9%A2%98%E6%B8%85%E5%8D%95-/,
      );
      expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
      const text = res.rawPayload.toString('utf8');
      expect(text.slice(1).split(/\r?\n/)[0]).toBe(HEADERS.join(','));
      const rows = csvRows(text);
      expect(rows.map((r) => Number(r['编号']))).toEqual(ids);
      expect(rows[0]).toMatchObject({
        事项类别: '06010',
        类别名称: '暴露垃圾',
        状态: '结案',
        描述: '路边暴露垃圾, "一堆"',
        网格编码: MANAGER_BLOCK,
        网格: '网格1-1-1',
        社区: '社区1-1',
        街道: '街道1',
        上报时间: '2025-10-01 08:00:00',
        期限: '2025-10-01 12:00:00',
        结案时间: '2025-10-01 10:00:00',
        是否超期: '否',
      });
      expect(Number(rows[0]['经度'])).toBeCloseTo(centre(MANAGER_BLOCK)[0], 9);
      expect(rows[2]).toMatchObject({ 状态: '处置中', 结案时间: '', 是否超期: '是' });
    });

    it('follows the filters', async () => {
      const rows = csvRows((await get('/api/exports/problems.csv?category=09009')).body);
      expect(rows.map((r) => r['网格编码'])).toEqual([OTHER_BLOCK, OTHER_BLOCK]);
      const overdue = csvRows((await get('/api/exports/problems.csv?overdue=true')).body);
      expect(overdue.map((r) => Number(r['编号']))).toEqual([ids[2], ids[4]]);
    });

    it("holds only the manager's own area, and accepts ?access_token= for a plain download link", async () => {
      const res = await ctx.app.inject({ url: `/api/exports/problems.csv?access_token=${ctx.world.tokens.manager}` });
      expect(res.statusCode).toBe(200);
      const rows = csvRows(res.body);
      expect(rows).toHaveLength(4);
      expect(new Set(rows.map((r) => r['网格编码']))).toEqual(new Set([MANAGER_BLOCK]));
      // Asking for the neighbour's block by filter still yields nothing outside the area.
      expect(csvRows((await get(`/api/exports/problems.csv?region=${NEIGHBOUR_BLOCK}`, 'manager')).body)).toEqual([]);
    });

    it('needs a token', async () => {
      expect((await ctx.app.inject('/api/exports/problems.csv')).statusCode).toBe(401);
      expect((await ctx.app.inject('/api/exports/problems.csv?access_token=wrong')).statusCode).toBe(401);
    });
  });

  // Only PostgreSQL writes the CSV with COPY (every cell formatted in SQL, problemExportCsvSql);
  // PGlite, and every XLSX, go through the Node writer. So only there are there two files to compare.
  if (backend.name === 'postgres') {
    describe('GET /api/exports/problems.csv: COPY and the Node writer', () => {
      const own = useApp(backend);
      let ids: number[];
      let photoId: number;
      beforeAll(async () => {
        const db = own.handle.db;
        await insertProblemRows(db, [
          {
            block: MANAGER_BLOCK,
            status: 'closed',
            reported: '2025-10-01 08:00',
            due: '2025-10-02 12:00',
            closed: '2025-10-01 20:00',
          },
          { block: MANAGER_BLOCK, status: 'dispatched', reported: '2025-10-02 08:00', due: null },
          { block: NEIGHBOUR_BLOCK, status: 'in_progress', reported: '2025-10-03 08:00', due: '2025-10-03 12:00' },
          { block: OTHER_BLOCK, status: 'filed', reported: '2025-10-04 08:00', due: '2099-01-01 00:00' },
        ]);
        ids = (await db.selectFrom('problems').select('id').orderBy('id').execute()).map((r) => Number(r.id));
        // A second before and at midnight in Shanghai (16:00 UTC), with milliseconds to cut, not round.
        await db
          .updateTable('problems')
          .set({
            description: '路边垃圾，"一大堆", 有人说：\n“第二行”',
            address: '',
            reported_at: new Date('2025-10-01T15:59:59.999Z'),
            closed_at: new Date('2025-10-01T16:00:00.000Z'),
            resolved_at: new Date('2025-10-01T16:00:00.000Z'),
          })
          .where('id', '=', ids[0])
          .execute();
        await db
          .updateTable('problems')
          .set({
            description: '=HYPERLINK("http://evil.example","点我")',
            address: '+86 0731 1234',
            severity: 3,
            source: 'hotline',
            escalated: true,
            escalated_at: new Date('2025-10-02T01:00:00Z'),
            photos: ['/uploads/a.jpg', 'https://cdn.example.com/b.jpg'],
          })
          .where('id', '=', ids[1])
          .execute();
        await db
          .updateTable('problems')
          .set({ description: '-2+3', address: '@SUM(A1:A9)' })
          .where('id', '=', ids[2])
          .execute();
        await db
          .updateTable('problems')
          .set({ description: '\t制表符开头', address: '\r回车开头，逗号' })
          .where('id', '=', ids[3])
          .execute();
        photoId = (
          await db
            .insertInto('photos')
            .values({
              sha256: 'a'.repeat(64),
              size_bytes: 1234,
              mime: 'image/jpeg',
              width: 640,
              height: 480,
              uploaded_by: own.world.userIds.inspector,
              kind: 'report',
              problem_id: ids[1],
              region_code: MANAGER_BLOCK,
            })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id;
      });

      it('is byte for byte the file the Node writer makes of the same rows', async () => {
        // The same database without its pool: the route has no COPY stream and takes the Node writer.
        const node = await buildTestApp({ ...own.handle, pool: undefined });
        try {
          const request = { url: '/api/exports/problems.csv', headers: auth(own.world.tokens.leader) };
          const [byCopy, byNode] = [await own.app.inject(request), await node.inject(request)];
          expect(byCopy.statusCode).toBe(200);
          expect(byNode.statusCode).toBe(200);
          expect(byCopy.body).toBe(byNode.body);
          expect(byCopy.rawPayload.equals(byNode.rawPayload)).toBe(true);

          const rows = csvRows(byCopy.body);
          expect(rows.map((r) => Number(r['编号']))).toEqual(ids);
          expect(rows[0]).toMatchObject({
            描述: '路边垃圾，"一大堆", 有人说：\n“第二行”',
            地址: '',
            上报时间: '2025-10-01 23:59:59',
            处置时间: '2025-10-02 00:00:00',
            结案时间: '2025-10-02 00:00:00',
            是否超期: '否',
            是否督办: '否',
            照片: '',
          });
          expect(rows[1]).toMatchObject({
            描述: `'=HYPERLINK("http://evil.example","点我")`,
            地址: "'+86 0731 1234",
            期限: '',
            紧急程度: '紧急',
            来源: '12345热线',
            是否超期: '否',
            是否督办: '是',
            照片: `http://localhost:80/uploads/a.jpg https://cdn.example.com/b.jpg http://localhost:80/api/photos/${photoId}`,
          });
          expect(rows[2]).toMatchObject({ 描述: "'-2+3", 地址: "'@SUM(A1:A9)", 状态: '处置中', 是否超期: '是' });
          expect(rows[3]).toMatchObject({
            描述: "'\t制表符开头",
            地址: "'\r回车开头，逗号",
            期限: '2099-01-01 00:00:00',
          });
        } finally {
          await node.close();
        }
      });
    });
  }

  describe('GET /api/exports/problems.xlsx', () => {
    it('has the sheet, Chinese headers, a frozen header row, date formats in Asia/Shanghai and a totals row', async () => {
      const res = await get('/api/exports/problems.xlsx');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-disposition']).toMatch(/filename\*=UTF-8''%E9%97%AE.*\.xlsx$/);
      const wb = await workbook(res.rawPayload);
      const ws = wb.getWorksheet('问题清单')!;
      expect(ws).toBeDefined();
      expect((ws.getRow(1).values as unknown[]).slice(1)).toEqual(HEADERS);
      expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
      expect(ws.rowCount).toBe(1 + DATA.length + 1);
      expect(ws.getCell(2, 1).value).toBe(ids[0]);
      const reported = ws.getCell(2, HEADERS.indexOf('上报时间') + 1);
      expect(reported.numFmt).toBe('yyyy-mm-dd hh:mm');
      // Excel has no time zone: the cell holds the Asia/Shanghai wall-clock time.
      expect((reported.value as Date).toISOString()).toBe('2025-10-01T08:00:00.000Z');
      expect(ws.getCell(2, HEADERS.indexOf('经度') + 1).numFmt).toBe('0.000000');
      expect(ws.getCell(2, HEADERS.indexOf('状态') + 1).value).toBe('结案');
      expect(ws.getColumn(HEADERS.indexOf('描述') + 1).width).toBe(40);
      const last = ws.getRow(ws.rowCount);
      expect([last.getCell(1).value, last.getCell(2).value]).toEqual(['合计', `${DATA.length} 条`]);
    });

    it("holds only the manager's problems", async () => {
      const ws = (await workbook((await get('/api/exports/problems.xlsx', 'manager')).rawPayload)).getWorksheet(
        '问题清单',
      )!;
      const codes = [];
      for (let r = 2; r < ws.rowCount; r++) codes.push(ws.getCell(r, HEADERS.indexOf('网格编码') + 1).value);
      expect(codes).toEqual([MANAGER_BLOCK, MANAGER_BLOCK, MANAGER_BLOCK, MANAGER_BLOCK]);
    });
  });

  describe('GET /api/exports/problems.geojson', () => {
    it('is a FeatureCollection of points with the problem properties, filtered and scoped', async () => {
      const res = await get('/api/exports/problems.geojson?category=06010', 'manager');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/geo\+json/);
      const fc = res.json();
      expect(fc.type).toBe('FeatureCollection');
      expect(fc.features.map((f: { id: number }) => f.id)).toEqual(ids.slice(0, 3));
      const f = fc.features[0];
      expect(f.geometry.type).toBe('Point');
      expect(f.geometry.coordinates[0]).toBeCloseTo(centre(MANAGER_BLOCK)[0], 9);
      expect(f.geometry.coordinates[1]).toBeCloseTo(centre(MANAGER_BLOCK)[1], 9);
      expect(f.properties).toMatchObject({
        id: ids[0],
        category_code: '06010',
        status: 'closed',
        region_code: MANAGER_BLOCK,
        closed_at: sh('2025-10-01 10:00').toISOString(),
      });
    });
  });

  describe('problemExportRows', () => {
    it('reads every row exactly once across keyset batches', async () => {
      const rows = [];
      for await (const r of problemExportRows(ctx.handle.db, {
        filters: {},
        scope: FULL_SCOPE,
        now: new Date(),
        batch: 3,
      }))
        rows.push(r.id);
      expect(rows).toEqual(ids);
    });
  });

  describe('GET /api/exports/rankings.xlsx', () => {
    it('is the monthly bulletin: title from the county name, period line, indicator table with grades and percentages, totals', async () => {
      const res = await get('/api/exports/rankings.xlsx?level=street&period=2025-10');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-disposition']).toContain(
        `filename*=UTF-8''${encodeURIComponent('测试县创文巩卫问题处置月度通报-2025-10.xlsx')}`,
      );
      const wb = await workbook(res.rawPayload);
      const ws = wb.getWorksheet('2025年10月通报')!;
      expect(ws).toBeDefined();
      expect(ws.getCell('A1').value).toBe('测试县创文巩卫问题处置月度通报');
      expect(String(ws.getCell('A2').value)).toContain('2025年10月（2025-10-01 至 2025-10-31）');
      expect(String(ws.getCell('A3').value)).toContain('处置率×30');
      const quarter = await get('/api/exports/rankings.xlsx?level=street&period=2025-Q4');
      expect(quarter.statusCode).toBe(200);
      const qs = (await workbook(quarter.rawPayload)).getWorksheet('2025年第4季度通报')!;
      expect(qs.getCell('A1').value).toBe('测试县创文巩卫问题处置季度通报');
      expect(String(qs.getCell('A2').value)).toContain('2025年第4季度（2025-10-01 至 2025-12-31）');
      const header = (ws.getRow(4).values as unknown[]).slice(1);
      expect(header).toEqual([
        '排名',
        '单位编码',
        '单位名称',
        '立案数',
        '应结案数',
        '结案数',
        '结案率',
        '按期结案率',
        '处置率',
        '按期处置率',
        '返工率',
        '延期率',
        '超期待处置率',
        '综合指标值',
        '等级',
        '排名变化',
      ]);
      expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 4 });
      const col = (name: string) => header.indexOf(name) + 1;
      // Street 2: 2 due, 2 closed on time → 100 A, rank 1; street 1: 4 due, 2 closed, 1 on time.
      const first = ws.getRow(5);
      expect([
        first.getCell(col('排名')).value,
        first.getCell(col('单位编码')).value,
        first.getCell(col('综合指标值')).value,
        first.getCell(col('等级')).value,
      ]).toEqual([1, '430121002', 100, 'A']);
      const second = ws.getRow(6);
      expect(second.getCell(col('单位编码')).value).toBe('430121001');
      expect(second.getCell(col('应结案数')).value).toBe(4);
      expect(second.getCell(col('结案率')).value).toBe(0.5);
      expect(second.getCell(col('结案率')).numFmt).toBe('0.0%');
      const totals = ws.getRow(7);
      expect(totals.getCell(col('单位编码')).value).toBe('合计');
      expect(totals.getCell(col('应结案数')).value).toBe(6);
      expect(totals.getCell(col('结案数')).value).toBe(4);
      expect(totals.getCell(col('结案率')).value).toBeCloseTo(4 / 6, 10);
    });

    it("gives a manager a bulletin with only their own unit's row", async () => {
      const ws = (
        await workbook((await get('/api/exports/rankings.xlsx?level=block&period=2025-10', 'manager')).rawPayload)
      ).getWorksheet('2025年10月通报')!;
      expect(ws.getRow(5).getCell(2).value).toBe(MANAGER_BLOCK);
      expect(ws.getRow(6).getCell(2).value).toBe('合计');
      expect(ws.rowCount).toBe(6);
    });
  });
});
