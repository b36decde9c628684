/**
 * The printable mock-assessment task sheet (模拟测评任务单, GET /api/samples/:id/sheet.html): one
 * self-contained HTML page for A4 — the drawn points grouped by street (type, address, responsible
 * unit, deadline, an empty check column) and a small static SVG map of the points over the county's
 * and streets' outlines. No script, no font, no image and no link: the page makes no request.
 *
 * The map is a plain linear fit of lon/lat into the SVG box with the longitude squeezed by
 * cos(latitude) (a local equirectangular view, as good as a county-sized sketch needs); it is not a
 * coordinate conversion — the coordinates stay the stored WGS84 ones.
 */
import type { SampleView, SheetOutline, SheetTask } from '../../db/queries/samples.js';
import { formatShanghaiWall } from '../../domain/time.js';

const esc = (v: unknown): string =>
  String(v ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** The SVG box of the map, in SVG units (the page scales it to the paper width). */
export const MAP_WIDTH = 640;
export const MAP_HEIGHT = 400;
const PAD = 16;

type Ring = [number, number][];

/** Every ring of a GeoJSON Polygon or MultiPolygon (other types draw nothing). */
function ringsOf(geometry: SheetOutline['geometry']): Ring[] {
  if (geometry.type === 'Polygon') return geometry.coordinates as Ring[];
  if (geometry.type === 'MultiPolygon') return (geometry.coordinates as Ring[][]).flat();
  return [];
}

export interface Projection {
  (lon: number, lat: number): [number, number];
}

/**
 * A projection of the box [minLon, minLat, maxLon, maxLat] into the map, centred, keeping the aspect
 * (longitude × cos(mid latitude)), north up; a degenerate box (one point) is widened a little.
 */
export function fitProjection(box: [number, number, number, number]): Projection {
  let [x0, y0, x1, y1] = box;
  if (x1 - x0 < 1e-4) [x0, x1] = [x0 - 0.005, x1 + 0.005];
  if (y1 - y0 < 1e-4) [y0, y1] = [y0 - 0.005, y1 + 0.005];
  const k = Math.cos((((y0 + y1) / 2) * Math.PI) / 180);
  const w = (x1 - x0) * k;
  const h = y1 - y0;
  const scale = Math.min((MAP_WIDTH - 2 * PAD) / w, (MAP_HEIGHT - 2 * PAD) / h);
  const ox = (MAP_WIDTH - w * scale) / 2;
  const oy = (MAP_HEIGHT - h * scale) / 2;
  return (lon, lat) => [ox + (lon - x0) * k * scale, oy + (y1 - lat) * scale];
}

const num = (n: number) => (Math.round(n * 10) / 10).toString();

/** The static map: outlines as paths (county bold, streets thin, labelled), points as numbered dots. */
export function sheetMapSvg(tasks: readonly SheetTask[], outlines: readonly SheetOutline[]): string {
  const coords: [number, number][] = [];
  for (const o of outlines) for (const ring of ringsOf(o.geometry)) coords.push(...ring);
  for (const t of tasks) coords.push([t.lon, t.lat]);
  if (coords.length === 0) return '';
  const box: [number, number, number, number] = [
    Math.min(...coords.map((c) => c[0])),
    Math.min(...coords.map((c) => c[1])),
    Math.max(...coords.map((c) => c[0])),
    Math.max(...coords.map((c) => c[1])),
  ];
  const project = fitProjection(box);
  const paths = outlines.map((o) => {
    const d = ringsOf(o.geometry)
      .map(
        (ring) =>
          'M' +
          ring
            .map(([lon, lat]) => project(lon, lat))
            .map(([x, y]) => `${num(x)} ${num(y)}`)
            .join('L') +
          'Z',
      )
      .join('');
    return `<path class="${o.level === 'county' ? 'county' : 'street'}" data-code="${esc(o.code)}" d="${d}"><title>${esc(o.name)}</title></path>`;
  });
  const labels = outlines
    .filter((o) => o.level === 'street')
    .map((o) => {
      const pts = ringsOf(o.geometry)[0] ?? [];
      if (pts.length === 0) return '';
      const lon = pts.reduce((s, p) => s + p[0], 0) / pts.length;
      const lat = pts.reduce((s, p) => s + p[1], 0) / pts.length;
      const [x, y] = project(lon, lat);
      return `<text class="street-label" x="${num(x)}" y="${num(y)}">${esc(o.name)}</text>`;
    });
  const dots = [...tasks]
    .sort((a, b) => a.position - b.position)
    .map((t) => {
      const [x, y] = project(t.lon, t.lat);
      return (
        `<g class="point" data-position="${t.position}"><circle cx="${num(x)}" cy="${num(y)}" r="7"/>` +
        `<text x="${num(x)}" y="${num(y + 3.5)}">${t.position}</text><title>${esc(t.point_name)}</title></g>`
      );
    });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${MAP_WIDTH} ${MAP_HEIGHT}" role="img" aria-label="点位分布图 Map of the points">` +
    `${paths.join('')}${labels.join('')}${dots.join('')}</svg>`
  );
}

const STYLE = `
@page { size: A4; margin: 12mm; }
* { box-sizing: border-box; }
body { font-family: "WenQuanYi Zen Hei", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; font-size: 10.5pt; color: #111; margin: 0 auto; max-width: 190mm; padding: 8px; }
h1 { font-size: 16pt; margin: 0 0 2px; }
h2 { font-size: 12pt; margin: 14px 0 4px; border-left: 4px solid #333; padding-left: 6px; }
.en { color: #555; font-size: 0.85em; font-weight: normal; }
.meta { margin: 0 0 8px; color: #333; }
figure { margin: 6px 0 10px; border: 1px solid #999; }
figure svg { display: block; width: 100%; height: auto; max-height: 110mm; }
figcaption { font-size: 9pt; color: #555; padding: 2px 6px; border-top: 1px solid #ccc; }
path.county { fill: #f4f4f4; stroke: #222; stroke-width: 2; }
path.street { fill: none; stroke: #777; stroke-width: 1; stroke-dasharray: 4 2; }
.street-label { font-size: 11px; fill: #666; text-anchor: middle; }
.point circle { fill: #c62828; stroke: #fff; stroke-width: 1.5; }
.point text { font-size: 9px; fill: #fff; text-anchor: middle; font-weight: bold; }
table { width: 100%; border-collapse: collapse; page-break-inside: auto; }
tr { page-break-inside: avoid; }
th, td { border: 1px solid #666; padding: 3px 4px; vertical-align: top; text-align: left; }
th { background: #eee; font-size: 9pt; }
td.no { width: 8mm; text-align: center; }
td.due { white-space: nowrap; }
td.check { width: 27mm; white-space: nowrap; }
th { white-space: nowrap; }
section.street { overflow-x: auto; }
td.check span { display: inline-block; width: 4mm; height: 4mm; border: 1px solid #333; margin-right: 2px; vertical-align: middle; }
.sign { margin-top: 14px; display: flex; gap: 24px; flex-wrap: wrap; }
.sign div { flex: 1 1 40%; border-bottom: 1px solid #333; padding-top: 18px; }
@media print {
  body { padding: 0; max-width: none; }
  h2 { page-break-after: avoid; }
  figure { page-break-inside: avoid; }
  th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .point circle, path.county { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
@media screen and (max-width: 600px) {
  body { font-size: 10pt; padding: 4px; }
  th, td { padding: 2px; }
}`;

/** Groups tasks by street (unknown street last), in task order within a street. */
function byStreet(tasks: readonly SheetTask[]): { code: string | null; name: string | null; tasks: SheetTask[] }[] {
  const groups = new Map<string, { code: string | null; name: string | null; tasks: SheetTask[] }>();
  const sorted = [...tasks].sort(
    (a, b) => (a.street_code ?? '\uffff').localeCompare(b.street_code ?? '\uffff') || a.position - b.position,
  );
  for (const t of sorted) {
    const key = t.street_code ?? '';
    if (!groups.has(key)) groups.set(key, { code: t.street_code, name: t.street_name, tasks: [] });
    groups.get(key)!.tasks.push(t);
  }
  return [...groups.values()];
}

/** The whole page. `generatedAt` is printed in Asia/Shanghai. */
export function renderSampleSheet(input: {
  sample: SampleView;
  tasks: readonly SheetTask[];
  outlines: readonly SheetOutline[];
  generatedAt: Date;
}): string {
  const { sample, tasks, outlines } = input;
  const wall = (iso: string) => formatShanghaiWall(new Date(iso)).slice(0, 16);
  const sections = byStreet(tasks).map((g) => {
    const rows = g.tasks.map(
      (t) =>
        `<tr data-point="${t.point_id}"><td class="no">${t.position}</td>` +
        `<td>${esc(t.point_name)}${t.point_ref ? `<br><span class="en">${esc(t.point_ref)}</span>` : ''}</td>` +
        `<td>${esc(t.type_name)}</td><td>${esc(t.address)}</td><td>${esc(t.unit)}</td>` +
        `<td>${esc(t.assignee)}</td><td class="due">${esc(wall(t.due_at))}</td>` +
        `<td class="check"><span></span>达标 <span></span>不达标</td><td></td></tr>`,
    );
    const title = g.code
      ? `${esc(g.name)} <span class="en">${esc(g.code)} · ${g.tasks.length} 个点位 points</span>`
      : `未归属街道 <span class="en">No street · ${g.tasks.length} 个点位 points</span>`;
    return (
      `<section class="street" data-street="${esc(g.code ?? '')}"><h2>${title}</h2><table><thead><tr>` +
      '<th>序号<br><span class="en">No.</span></th><th>点位名称<br><span class="en">Point</span></th>' +
      '<th>类型<br><span class="en">Type</span></th><th>地址<br><span class="en">Address</span></th>' +
      '<th>责任单位<br><span class="en">Unit</span></th><th>检查员<br><span class="en">Inspector</span></th>' +
      '<th>截止时间<br><span class="en">Deadline</span></th><th>检查结果<br><span class="en">Check</span></th>' +
      `<th>备注<br><span class="en">Notes</span></th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`
    );
  });
  const map = sheetMapSvg(tasks, outlines);
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>模拟测评任务单 ${esc(sample.name)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>模拟测评任务单：${esc(sample.name)} <span class="en">Mock assessment task sheet</span></h1>
<p class="meta">随机种子 Seed ${sample.seed} · 抽取 ${tasks.length} 个点位 points · 截止 Deadline ${esc(wall(sample.due_at))} · 打印时间 Printed ${esc(formatShanghaiWall(input.generatedAt).slice(0, 16))}（北京时间 Asia/Shanghai）</p>
${map ? `<figure>${map}<figcaption>点位分布图（红点编号 = 序号）Map of the points (number = No.)</figcaption></figure>` : ''}
${sections.join('\n') || '<p>没有可检查的点位 No tasks in your area.</p>'}
<div class="sign"><div>检查员签字 Inspector</div><div>检查日期 Date</div></div>
</body>
</html>
`;
}
