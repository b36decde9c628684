/**
 * The printable task sheet of a mock assessment (GET /api/samples/:id/sheet.html): the drawn points
 * by street with type, address, unit, deadline and an empty check column, a static SVG map with one
 * numbered dot per point placed by its lon/lat, the streets' outlines, A4 print rules, and nothing
 * that would make the browser fetch anything.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth } from '../../helpers/world.js';

/**
 * Test county: street 430121001 (街道1) spans lon 113.00–113.02, street 430121002 (街道2)
 * 113.02–113.04, both lat 28.20–28.24. Sizes take every point, so the draw is the whole register.
 */
const POINTS = [
  { type: 'BUS_STOP', name: '西南公交站', address: '开元路 1 号', unit: '星沙街道城管办', lon: 113.005, lat: 28.205 },
  { type: 'BUS_STOP', name: '东南公交站', address: '东三路 9 号', unit: '东区交通站', lon: 113.035, lat: 28.205 },
  {
    type: 'PUBLIC_TOILET',
    name: '西北公厕',
    address: '北辰巷 <3> 号',
    unit: '环卫所 & 物业',
    lon: 113.005,
    lat: 28.235,
  },
];

describe.each(BACKENDS)('GET /api/samples/:id/sheet.html on $name', (backend) => {
  const ctx = useApp(backend, { world: 'once' });
  const as = (role: 'admin' | 'leader' | 'inspector') => auth(ctx.world.tokens[role]);
  let sampleId: number;
  let body: string;

  beforeAll(async () => {
    for (const p of POINTS) {
      const res = await ctx.app.inject({ method: 'POST', url: '/api/points', headers: as('admin'), payload: p });
      expect(res.statusCode, res.body).toBe(201);
    }
    const draw = await ctx.app.inject({
      method: 'POST',
      url: '/api/samples',
      headers: as('leader'),
      payload: {
        name: '六月模拟测评',
        seed: 7,
        sizes: { BUS_STOP: 2, PUBLIC_TOILET: 1 },
        due_at: '2031-06-30T18:00:00+08:00',
        assignees: [ctx.world.userIds.inspector],
      },
    });
    expect(draw.statusCode, draw.body).toBe(201);
    sampleId = draw.json().sample.id;
    const res = await ctx.app.inject({ url: `/api/samples/${sampleId}/sheet.html`, headers: as('inspector') });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    body = res.body;
  });

  it('is a Chinese-first A4 page listing the points by street with type, address, unit, deadline and a check column', () => {
    expect(body).toMatch(/^<!DOCTYPE html>\n<html lang="zh-CN">/);
    expect(body).toContain('<title>模拟测评任务单 六月模拟测评</title>');
    expect(body).toContain('@page { size: A4; margin: 12mm; }');
    expect(body).toContain('@media print');
    expect(body).toContain('随机种子 Seed 7 · 抽取 3 个点位 points · 截止 Deadline 2031-06-30 18:00');
    // Two street sections, street 1 first with its two points, street 2 with one.
    const sections = [...body.matchAll(/<section class="street" data-street="(\d+)">([\s\S]*?)<\/section>/g)];
    expect(sections.map((m) => m[1])).toEqual(['430121001', '430121002']);
    expect(sections[0][2]).toContain('<h2>街道1 <span class="en">430121001 · 2 个点位 points</span></h2>');
    expect(sections[0][2]).toContain('西南公交站');
    expect(sections[0][2]).toContain('西北公厕');
    expect(sections[0][2]).not.toContain('东南公交站');
    expect(sections[1][2]).toContain('东南公交站');
    const row = sections[1][2].match(/<tr data-point="\d+">([\s\S]*?)<\/tr>/)![1];
    const cells = [...row.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => m[1]);
    expect(cells.slice(2, 7)).toEqual(['公交站点', '东三路 9 号', '东区交通站', '测试inspector', '2031-06-30 18:00']);
    expect(cells[7]).toBe('<span></span>达标 <span></span>不达标');
    expect(cells[8]).toBe('');
    // Values are escaped.
    expect(body).toContain('北辰巷 &lt;3&gt; 号');
    expect(body).toContain('环卫所 &amp; 物业');
    expect(body).toContain('<th>检查结果<br><span class="en">Check</span></th>');
  });

  it('draws a static SVG map: one numbered dot per point where its lon/lat lie, over the county and street outlines', () => {
    const svg = body.match(/<svg[\s\S]*<\/svg>/)![0];
    expect(svg).toContain('viewBox="0 0 640 400"');
    const paths = [...svg.matchAll(/<path class="(county|street)" data-code="(\d+)" d="M[\d. LMZ]+Z"/g)].map((m) => [
      m[1],
      m[2],
    ]);
    expect(paths).toEqual([
      ['county', '430121'],
      ['street', '430121001'],
      ['street', '430121002'],
    ]);
    const dots = [
      ...svg.matchAll(
        /<g class="point" data-position="\d+"><circle cx="([\d.]+)" cy="([\d.]+)"[\s\S]*?<title>(.*?)<\/title>/g,
      ),
    ];
    const at = Object.fromEntries(dots.map((m) => [m[3], [Number(m[1]), Number(m[2])]]));
    expect(Object.keys(at).sort()).toEqual(['东南公交站', '西北公厕', '西南公交站']);
    // The county box is 0.04° × 0.04° at 28.22° N: 0.04·cos(28.22°) = 0.03525 wide, 0.04 high, so the
    // height (400 − 2·16 = 368) sets the scale, 9200 px/°; x₀ = (640 − 0.03525·9200)/2 = 157.8.
    // 西南 (113.005, 28.205): x = 157.8 + 0.005·0.8811·9200 = 198.3, y = 16 + 0.035·9200 = 338.
    expect(at['西南公交站'][0]).toBeCloseTo(198.3, 0);
    expect(at['西南公交站'][1]).toBeCloseTo(338, 0);
    // 东南 is 0.03° east: + 0.03·0.8811·9200 = 243.2 → 441.5; 西北 is 0.03° north: 338 − 276 = 62.
    expect(at['东南公交站'][0]).toBeCloseTo(441.5, 0);
    expect(at['东南公交站'][1]).toBeCloseTo(338, 0);
    expect(at['西北公厕'][0]).toBeCloseTo(198.3, 0);
    expect(at['西北公厕'][1]).toBeCloseTo(62, 0);
  });

  it('makes no external request: no script, link, image, font, iframe or url()', () => {
    const withoutSvgNs = body.replace('xmlns="http://www.w3.org/2000/svg"', '');
    expect(withoutSvgNs).not.toMatch(/https?:\/\//);
    expect(body).not.toMatch(/<(script|link|img|iframe|object|embed)\b/i);
    expect(body).not.toMatch(/\b(src|href)=/i);
    expect(body).not.toMatch(/url\(|@import/i);
  });

  it('answers 404 for a missing sample and 401 without a token', async () => {
    const missing = await ctx.app.inject({ url: '/api/samples/99999999/sheet.html', headers: as('leader') });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('NOT_FOUND');
    expect((await ctx.app.inject({ url: `/api/samples/${sampleId}/sheet.html` })).statusCode).toBe(401);
  });
});
