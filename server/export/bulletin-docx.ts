/**
 * The bulletin (通报) as a Word document, written with `docx`: title, period, headline numbers,
 * chart images (ECharts SSR → PNG), the 红黑榜, the per-street table with each target, the units to
 * be 约谈 and the oldest overdue items with their first report photo's thumbnail. The text is
 * Chinese (the document circulates in the county's offices); numbers are printed exactly as
 * percent() and integers give them.
 */
import {
  AlignmentType,
  Document,
  HeadingLevel,
  ImageRun,
  Packer,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { percent, type Bulletin } from '../services/bulletins.js';
import { photoPath } from '../services/photo-store.js';
import { burnDownOption, renderChart, unitBarsOption } from '../services/charts.js';
import { TARGET_KINDS, type TargetResult } from '../../domain/campaigns.js';
import { formatShanghaiWall } from '../../domain/time.js';

const cell = (text: string, bold = false) =>
  new TableCell({ children: [new Paragraph({ children: [new TextRun({ text, bold, size: 20 })] })] });

function table(header: string[], rows: string[][]): Table {
  return new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: [
      new TableRow({ tableHeader: true, children: header.map((h) => cell(h, true)) }),
      ...rows.map((r) => new TableRow({ children: r.map((c) => cell(c)) })),
    ],
  });
}

const p = (text: string) => new Paragraph({ children: [new TextRun({ text, size: 24 })], spacing: { after: 120 } });
const h = (text: string) =>
  new Paragraph({ text, heading: HeadingLevel.HEADING_2, spacing: { before: 240, after: 120 } });

/** A target's value as printed: rates in percent, counts as whole numbers. */
export function targetText(t: TargetResult): string {
  const def = TARGET_KINDS[t.kind];
  const fmt = (v: number) => (def.unit === 'rate' ? percent(v) : String(v));
  const op = def.sense === 'min' ? '≥' : '≤';
  if (t.status === 'pending') return `${def.zh}${op}${fmt(t.threshold)}：待测评数据`;
  if (t.value === null) return `${def.zh}${op}${fmt(t.threshold)}：无数据`;
  return `${def.zh} ${fmt(t.value)}（目标${op}${fmt(t.threshold)}，${t.met ? '达标' : '未达标'}）`;
}

export const STREET_HEADER = [
  '排名',
  '单位',
  '立案数',
  '应结案数',
  '结案数',
  '结案率',
  '按期结案率',
  '未结案数',
  '超期数',
  '综合指标值',
];

/** One per-street row as printed (the test reads these cells back). */
export function streetCells(u: Bulletin['streets'][number]): string[] {
  return [
    u.rank === null ? '—' : String(u.rank),
    u.name,
    String(u.filed),
    String(u.due),
    String(u.closed),
    percent(u.closure_rate),
    percent(u.on_time_rate),
    String(u.open),
    String(u.overdue),
    u.score === null ? '—' : u.score.toFixed(2),
  ];
}

/** Printed width of an item's thumbnail in the document, in pixels (the file itself is 320 px). */
const THUMB_WIDTH = 120;

/**
 * The thumbnail file of a photo (written by the photo store at upload) with its printed size;
 * null when the item has no photo or the file is gone from disk (the cell then says so).
 */
async function thumbnail(
  photoDir: string,
  photo: { sha256: string } | null,
): Promise<{ data: Buffer; width: number; height: number } | null> {
  if (!photo) return null;
  try {
    const data = await readFile(photoPath(photoDir, photo.sha256, 'thumb'));
    const meta = await sharp(data).metadata();
    if (!meta.width || !meta.height) return null;
    const width = Math.min(THUMB_WIDTH, meta.width);
    return { data, width, height: Math.round((meta.height * width) / meta.width) };
  } catch {
    return null;
  }
}

/** The bulletin as a Word document; `photoDir` is the photo store's directory (thumbnails). */
export async function bulletinDocx(b: Bulletin, photoDir: string): Promise<Buffer> {
  const hl = b.headline;
  const charts = [
    await renderChart(burnDownOption(b.progress.burn_down)),
    await renderChart(unitBarsOption(b.streets)),
  ];
  const children: (Paragraph | Table)[] = [
    new Paragraph({ text: b.title, heading: HeadingLevel.TITLE, alignment: AlignmentType.CENTER }),
    p(
      `通报周期：${b.week} 起一周（${formatShanghaiWall(b.period.from)} 至 ${formatShanghaiWall(b.period.to)}，北京时间）`,
    ),
  ];
  if (b.campaign) {
    const c = b.campaign;
    children.push(
      p(
        `专项行动：${c.name}（${c.kind}）；牵头部门：${c.lead_department ?? '—'}；责任街道：${c.responsible_streets.join('、') || '全县'}`,
      ),
    );
  }
  children.push(
    h('一、总体情况'),
    p(
      `本周立案 ${hl.filed} 件，应结案 ${hl.due} 件，结案 ${hl.closed} 件，结案率 ${percent(hl.closure_rate)}，` +
        `按期结案率 ${percent(hl.on_time_rate)}，返工率 ${percent(hl.rework_rate)}；` +
        `截至周末未结案 ${hl.open} 件，其中超期 ${hl.overdue} 件、督办 ${hl.escalated} 件。`,
    ),
  );
  for (const t of b.progress.targets) children.push(p(`目标：${targetText(t)}`));
  for (const c of charts)
    children.push(
      new Paragraph({
        alignment: AlignmentType.CENTER,
        children: [new ImageRun({ type: 'png', data: c.png, transformation: { width: c.width, height: c.height } })],
      }),
    );
  children.push(
    h('二、红黑榜'),
    table(
      ['榜单', '名次', '单位', '综合指标值', '结案率', '超期数'],
      [
        ...b.red.map((u, i) => [
          '红榜',
          String(i + 1),
          u.name,
          u.score?.toFixed(2) ?? '—',
          percent(u.closure_rate),
          String(u.overdue),
        ]),
        ...b.black.map((u, i) => [
          '黑榜',
          String(i + 1),
          u.name,
          u.score?.toFixed(2) ?? '—',
          percent(u.closure_rate),
          String(u.overdue),
        ]),
      ],
    ),
    h('三、各街道（镇）情况'),
    table(STREET_HEADER, b.streets.map(streetCells)),
  );
  if (b.progress.targets.length > 0) {
    children.push(
      p('各单位目标完成情况：'),
      table(
        ['单位', ...b.progress.targets.map((t) => TARGET_KINDS[t.kind].zh)],
        b.streets.map((u) => [
          u.name,
          ...u.targets.map((t) =>
            t.status === 'pending'
              ? '待测评'
              : t.value === null
                ? '—'
                : `${TARGET_KINDS[t.kind].unit === 'rate' ? percent(t.value) : t.value}${t.met ? '✓' : '✗'}`,
          ),
        ]),
      ),
    );
  }
  children.push(
    h('四、约谈单位'),
    p(
      b.interview.length
        ? `以下单位连续 ${b.interview[0].weeks} 周列入黑榜，按规定予以约谈：${b.interview.map((u) => u.name).join('、')}。`
        : '本周无需约谈的单位。',
    ),
    h('五、超期时间最长的问题'),
  );
  const thumbs = await Promise.all(b.oldest_overdue.map((o) => thumbnail(photoDir, o.first_photo)));
  children.push(
    new Table({
      width: { size: 100, type: WidthType.PERCENTAGE },
      rows: [
        new TableRow({
          tableHeader: true,
          children: ['编号', '问题类别', '所在网格', '描述', '期限', '超期（小时）', '照片'].map((x) => cell(x, true)),
        }),
        ...b.oldest_overdue.map(
          (o, i) =>
            new TableRow({
              children: [
                ...[
                  String(o.id),
                  o.category_name,
                  o.region_name,
                  o.description,
                  formatShanghaiWall(o.due_at),
                  o.hours_overdue.toFixed(1),
                ].map((x) => cell(x)),
                thumbs[i]
                  ? new TableCell({
                      children: [
                        new Paragraph({
                          children: [
                            new ImageRun({
                              type: 'jpg',
                              data: thumbs[i]!.data,
                              transformation: { width: thumbs[i]!.width, height: thumbs[i]!.height },
                            }),
                          ],
                        }),
                      ],
                    })
                  : cell(o.first_photo ? '照片文件缺失' : '无'),
              ],
            }),
        ),
      ],
    }),
  );
  const doc = new Document({
    creator: '问题地图 Problem Map',
    title: b.title,
    styles: { default: { document: { run: { font: 'SimSun' } } } },
    sections: [{ children }],
  });
  return Packer.toBuffer(doc);
}
