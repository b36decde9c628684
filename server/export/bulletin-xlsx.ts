/** The data behind a bulletin as a workbook (exceljs through xlsxStream): one sheet per table. */
import type { Readable } from 'node:stream';
import { xlsxStream, type Column } from './writers.js';
import type { Bulletin, BulletinItem } from '../services/bulletins.js';
import type { UnitProgress } from '../services/campaigns.js';
import { TARGET_KINDS } from '../../domain/campaigns.js';
import { formatShanghaiWall } from '../../domain/time.js';

const pct = { width: 11, numFmt: '0.0%' };
const STREET_COLUMNS: Column<UnitProgress>[] = [
  { key: 'rank', header: '排名', width: 7, numFmt: '0' },
  { key: 'code', header: '单位编码', width: 14 },
  { key: 'name', header: '单位', width: 16 },
  { key: 'filed', header: '立案数', width: 9, numFmt: '0' },
  { key: 'due', header: '应结案数', width: 10, numFmt: '0' },
  { key: 'closed', header: '结案数', width: 9, numFmt: '0' },
  { key: 'closure_rate', header: '结案率', ...pct },
  { key: 'on_time_rate', header: '按期结案率', ...pct },
  { key: 'rework_rate', header: '返工率', ...pct },
  { key: 'open', header: '未结案数', width: 10, numFmt: '0' },
  { key: 'overdue', header: '超期数', width: 9, numFmt: '0' },
  { key: 'score', header: '综合指标值', width: 12, numFmt: '0.00' },
  {
    key: 'targets',
    header: '目标达成',
    width: 40,
    format: (_v, u) =>
      u.targets
        .map(
          (t) =>
            `${TARGET_KINDS[t.kind].zh}:${t.status === 'met' ? '达标' : t.status === 'missed' ? '未达标' : t.status === 'pending' ? '待测评' : '无数据'}`,
        )
        .join('；'),
  },
];

const ITEM_COLUMNS: Column<BulletinItem>[] = [
  { key: 'id', header: '编号', width: 9, numFmt: '0' },
  { key: 'category_name', header: '问题类别', width: 14 },
  { key: 'region_code', header: '网格编码', width: 17 },
  { key: 'region_name', header: '网格', width: 14 },
  { key: 'description', header: '描述', width: 30 },
  { key: 'due_at', header: '期限', width: 20, format: (v) => formatShanghaiWall(v as Date) },
  { key: 'hours_overdue', header: '超期（小时）', width: 12, numFmt: '0.0' },
  { key: 'photos', header: '照片', width: 26, format: (v) => (v as string[]).join(' ') },
];

type ListRow = UnitProgress & { list: string; place: number };
const LIST_COLUMNS: Column<ListRow>[] = [
  { key: 'list', header: '榜单', width: 8 },
  { key: 'place', header: '名次', width: 7, numFmt: '0' },
  { key: 'name', header: '单位', width: 16 },
  { key: 'score', header: '综合指标值', width: 12, numFmt: '0.00' },
  { key: 'closure_rate', header: '结案率', ...pct },
  { key: 'overdue', header: '超期数', width: 9, numFmt: '0' },
];

export function bulletinXlsx(b: Bulletin): Readable {
  const title = [b.title];
  return xlsxStream([
    { name: '各街道', title, columns: STREET_COLUMNS, rows: b.streets },
    {
      name: '红黑榜',
      title,
      columns: LIST_COLUMNS,
      rows: [
        ...b.red.map((u, i) => ({ ...u, list: '红榜', place: i + 1 })),
        ...b.black.map((u, i) => ({ ...u, list: '黑榜', place: i + 1 })),
      ],
    },
    { name: '超期事项', title, columns: ITEM_COLUMNS, rows: b.oldest_overdue },
    {
      name: '约谈',
      title,
      columns: [
        { key: 'code', header: '单位编码', width: 14 },
        { key: 'name', header: '单位', width: 16 },
        { key: 'weeks', header: '连续黑榜周数', width: 14, numFmt: '0' },
      ] as Column<Bulletin['interview'][number]>[],
      rows: b.interview,
    },
    {
      name: '燃尽',
      title,
      columns: [
        { key: 'date', header: '日期', width: 12 },
        { key: 'open', header: '未结案', width: 10, numFmt: '0' },
        { key: 'ideal', header: '理想进度', width: 10, numFmt: '0.0' },
      ] as Column<Bulletin['progress']['burn_down'][number]>[],
      rows: b.progress.burn_down,
    },
  ]);
}

/** Collects a stream into one buffer (for mail attachments). */
export async function streamToBuffer(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  return Buffer.concat(chunks);
}
