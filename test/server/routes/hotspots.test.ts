import { beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { sql } from 'kysely';
import { BACKENDS } from '../../helpers/db.js';
import { hexNeighbours } from '../../../domain/gistar.js';
import { useApp } from '../../helpers/app.js';
import { auth, centre, createWorld, MANAGER_BLOCK } from '../../helpers/world.js';
import { around, offset, placeProblems, type PlacedProblem } from '../../fixtures/hotspots/points.js';

/*
 * The DBSCAN case (eps 50 m, min_points 3), in createWorld's blocks:
 *   cluster A: 5 open problems within 15 m of the centre of 网格1-1-1 (the manager's block):
 *              暴露垃圾 ×3, 占道经营 ×2
 *   cluster B: 4 open problems within 15 m of the centre of 网格2-2-2: 机动车乱停放 ×3, 非法小广告 ×1,
 *              plus a closed 暴露垃圾 beside them (closed work is not a hotspot by default)
 *   noise:     one open problem alone in 网格2-1-1 and one in 网格1-2-2
 */
const A_CENTRE = centre(MANAGER_BLOCK);
const B_BLOCK = '430121002002002';
const B_CENTRE = centre(B_BLOCK);
const DBSCAN_CASE: PlacedProblem[] = [
  ...around(A_CENTRE, 5).map((at, i) => ({
    at,
    block: MANAGER_BLOCK,
    category: i < 3 ? '06010' : '09006',
    ageHours: 10 + i * 10,
  })),
  ...around(B_CENTRE, 4).map((at, i) => ({ at, block: B_BLOCK, category: i < 3 ? '09009' : '07001' })),
  { at: offset(B_CENTRE, 5, 5), block: B_BLOCK, category: '06010', status: 'closed', ageHours: 500 },
  { at: centre('430121002001001'), block: '430121002001001', category: '06010' },
  { at: centre('430121001002002'), block: '430121001002002', category: '06010' },
];

describe.each(BACKENDS)('hotspots on $name', (backend) => {
  const ctx = useApp(backend, { world: false });

  const get = (url: string, token = ctx.world.tokens.leader) => ctx.app.inject({ url, headers: auth(token) });

  describe('GET /api/hotspots?method=dbscan', () => {
    beforeAll(async () => {
      ctx.world = await createWorld(ctx.handle.db);
      await placeProblems(ctx.handle.db, DBSCAN_CASE);
    });

    it('finds the two clusters and the noise, largest first, with categories, age and place', async () => {
      const res = await get('/api/hotspots?method=dbscan&eps_m=50&min_points=3');
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({
        type: 'FeatureCollection',
        method: 'dbscan',
        total: 11,
        noise: 2,
        srid: 32649,
        eps_m: 50,
        min_points: 3,
      });
      expect(body.features).toHaveLength(2);
      const [a, b] = body.features;
      expect(a.properties).toMatchObject({
        cluster: 1,
        count: 5,
        block_code: MANAGER_BLOCK,
        block_name: '网格1-1-1',
        community_name: '社区1-1',
        street_name: '街道1',
      });
      expect(a.properties.top_categories).toEqual([
        { code: '06010', name: '暴露垃圾', count: 3 },
        { code: '09006', name: '占道经营', count: 2 },
      ]);
      // The oldest open problem of A was reported 50 h ago.
      expect(a.properties.oldest_open_hours).toBeGreaterThan(49.9);
      expect(a.properties.oldest_open_hours).toBeLessThan(50.2);
      expect(a.properties.lon).toBeCloseTo(A_CENTRE[0], 3);
      expect(a.properties.lat).toBeCloseTo(A_CENTRE[1], 3);
      expect(a.geometry.type).toBe('Polygon');
      expect(b.properties).toMatchObject({
        cluster: 2,
        count: 4,
        block_name: '网格2-2-2',
        community_name: '社区2-2',
        street_name: '街道2',
      });
      expect(b.properties.top_categories[0]).toEqual({ code: '09009', name: '机动车乱停放', count: 3 });
      // The hull holds every member: its ring spans the cluster's spread (~30 m ≈ 0.0003°).
      const ring: [number, number][] = b.geometry.coordinates[0];
      const lons = ring.map((c) => c[0]);
      expect(Math.max(...lons) - Math.min(...lons)).toBeGreaterThan(0.0001);
      expect(Math.max(...lons) - Math.min(...lons)).toBeLessThan(0.0005);
    });

    it('counts closed problems only when the status filter asks for them', async () => {
      const res = await get('/api/hotspots?method=dbscan&eps_m=50&min_points=3&status=dispatched,closed');
      const b = res
        .json()
        .features.find((f: { properties: { block_name: string } }) => f.properties.block_name === '网格2-2-2');
      expect(b.properties.count).toBe(5);
      // Its oldest item is closed: the oldest *open* one is still the 10-hour-old one.
      expect(b.properties.oldest_open_hours).toBeLessThan(10.2);
    });

    it('obeys the filters: one category leaves cluster A only three problems', async () => {
      const res = await get('/api/hotspots?method=dbscan&eps_m=50&min_points=3&category=06010');
      const body = res.json();
      expect(body.total).toBe(5);
      expect(body.features.map((f: { properties: { count: number } }) => f.properties.count)).toEqual([3]);
      expect(body.noise).toBe(2);
    });

    it('pads the hull of a cluster whose points are all in one spot', async () => {
      const res = await get(`/api/hotspots?method=dbscan&eps_m=50&min_points=2&region=430121002001001`);
      // The lone problem there is noise even at min_points 2 …
      expect(res.json()).toMatchObject({ total: 1, noise: 1, features: [] });
      // … and a cluster of two problems is a line, padded to a polygon.
      const two = await get(
        `/api/hotspots?method=dbscan&eps_m=50&min_points=2&region=430121002002002&category=07001,06010&status=dispatched,closed`,
      );
      expect(two.json().features[0].geometry.type).toBe('Polygon');
      expect(two.json().features[0].properties.count).toBe(2);
    });

    it("shows a manager only their own area's problems and block", async () => {
      const res = await get('/api/hotspots?method=dbscan&eps_m=50&min_points=3', ctx.world.tokens.manager);
      const body = res.json();
      expect(body).toMatchObject({ total: 5, noise: 0 });
      expect(body.features).toHaveLength(1);
      expect(body.features[0].properties.block_code).toBe(MANAGER_BLOCK);
    });

    it('rejects an eps below 1 m and an unknown method with 400', async () => {
      expect((await get('/api/hotspots?method=dbscan&eps_m=0')).statusCode).toBe(400);
      expect((await get('/api/hotspots?method=kmeans')).statusCode).toBe(400);
    });

    it('needs a token', async () => {
      expect((await ctx.app.inject('/api/hotspots')).statusCode).toBe(401);
    });
  });

  describe('eps is metres on the ground at 28° N', () => {
    beforeAll(async () => {
      ctx.world = await createWorld(ctx.handle.db);
      // Three problems 90 m apart on an east–west line (Web Mercator would measure 102 m).
      const start: [number, number] = [113.022, 28.21];
      await placeProblems(
        ctx.handle.db,
        [0, 90, 180].map((east) => ({ at: offset(start, east, 0), block: '430121002001001', category: '06010' })),
      );
    });

    it('clusters them with eps 100 m', async () => {
      const body = (await get('/api/hotspots?method=dbscan&eps_m=100&min_points=3')).json();
      expect(body.features.map((f: { properties: { count: number } }) => f.properties.count)).toEqual([3]);
      expect(body.noise).toBe(0);
    });

    it('leaves them as noise with eps 80 m', async () => {
      const body = (await get('/api/hotspots?method=dbscan&eps_m=80&min_points=3')).json();
      expect(body.features).toEqual([]);
      expect(body.noise).toBe(3);
    });
  });

  it("derives Gi*'s neighbours from the grid indices exactly as PostGIS's hexagons touch", async () => {
    // A 250 m grid in UTM 49N over a few km, as the Gi* query lays it.
    const { rows } = await sql<{ i: number; j: number; touching: string[] }>`
      WITH g AS (SELECT i, j, geom FROM ST_HexagonGrid(250, ST_MakeEnvelope(700000, 3120000, 703000, 3123000, 32649)))
      SELECT a.i, a.j, array_agg(b.i || ',' || b.j ORDER BY b.i, b.j) AS touching
      FROM g a JOIN g b ON ST_Intersects(a.geom, b.geom) GROUP BY a.i, a.j ORDER BY a.i, a.j`.execute(ctx.handle.db);
    expect(rows.length).toBeGreaterThan(50);
    const nb = hexNeighbours(
      rows.map((r) => r.i),
      rows.map((r) => r.j),
    );
    rows.forEach((r, k) => {
      const mine = nb[k].map((n) => `${rows[n].i},${rows[n].j}`).sort();
      expect(mine, `cell ${r.i},${r.j}`).toEqual([...r.touching].sort());
    });
  });

  describe('GET /api/hotspots?method=gistar', () => {
    /*
     * 12 problems within 2 m of one spot in 网格1-1-1, and one problem near each corner of the
     * county to spread the grid. Hexagons of edge 200 m. With N cells, x = 12 in the hot cell, 1 in
     * four far cells and 0 elsewhere: X̄ = 16/N, S = √(148/N − X̄²); the hot cell and each of its six
     * neighbours have Σwx = 12 over W = 7 cells, so all seven share
     *   z = (12 − 7X̄) / (S · √((7N − 49)/(N − 1)))
     * which is far beyond 2.576 (99 %) for the ~190 cells here.
     */
    const HOT = offset(A_CENTRE, 0, 0);
    beforeAll(async () => {
      ctx.world = await createWorld(ctx.handle.db);
      await placeProblems(ctx.handle.db, [
        ...around(HOT, 12, 2).map((at) => ({ at, block: MANAGER_BLOCK, category: '06010' })),
        { at: [113.0015, 28.2015], block: MANAGER_BLOCK, category: '09006' },
        { at: [113.0385, 28.2015], block: '430121002001002', category: '09006' },
        { at: [113.0015, 28.2385], block: '430121001002001', category: '09006' },
        { at: [113.0385, 28.2385], block: '430121002002002', category: '09006' },
      ]);
    });

    it('reports the hot cell and its six neighbours at 99 % with the z of the hand formula', async () => {
      const res = await get('/api/hotspots?method=gistar&cell_m=200');
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ method: 'gistar', total: 16, cell_m: 200, srid: 32649 });
      const N = body.cells_total;
      expect(N).toBeGreaterThan(100);
      const mean = 16 / N;
      const S = Math.sqrt(148 / N - mean * mean);
      const z = (12 - 7 * mean) / (S * Math.sqrt((7 * N - 49) / (N - 1)));
      expect(body.mean).toBeCloseTo(mean, 9);
      expect(body.sd).toBeCloseTo(S, 9);

      const hot = body.features.filter((f: { properties: { bin: number } }) => f.properties.bin === 3);
      expect(hot).toHaveLength(7);
      for (const f of hot) expect(f.properties.z).toBeCloseTo(z, 6);
      const core = hot.find((f: { properties: { count: number } }) => f.properties.count > 0);
      expect(core.properties).toMatchObject({ count: 12, block_name: '网格1-1-1', confidence: '热点（99%置信）' });
      expect(core.properties.top_categories).toEqual([{ code: '06010', name: '暴露垃圾', count: 12 }]);
      expect(core.properties.p).toBeLessThan(0.01);
      expect(core.geometry.type).toBe('Polygon');
      // The six others are the empty hexagons around it, √3·200 m (≈ 0.0036° of latitude at most) away.
      for (const f of hot) {
        if (f === core) continue;
        expect(f.properties.count).toBe(0);
        expect(Math.abs(f.properties.lat - core.properties.lat)).toBeLessThan(0.0035);
      }
      // The lone problems make non-significant cells; every problem is counted once.
      const counts = body.features.map((f: { properties: { count: number } }) => f.properties.count);
      expect(counts.reduce((a: number, b: number) => a + b, 0)).toBe(16);
      expect(
        body.features.filter(
          (f: { properties: { count: number; bin: number } }) => f.properties.count === 1 && f.properties.bin === 0,
        ),
      ).toHaveLength(4);
    });

    it('keeps a manager to their own problems and never names a block outside their area', async () => {
      const body = (await get('/api/hotspots?method=gistar&cell_m=200', ctx.world.tokens.manager)).json();
      expect(body.total).toBe(13);
      for (const f of body.features) expect([MANAGER_BLOCK, null]).toContain(f.properties.block_code);
    });

    it('refuses a grid of too many hexagons with 400 and says how many', async () => {
      await placeProblems(ctx.handle.db, [{ at: [113.5, 28.7], block: MANAGER_BLOCK, category: '06010' }]);
      const res = await get('/api/hotspots?method=gistar&cell_m=20');
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details.estimated_cells).toBeGreaterThan(250_000);
    });
  });

  describe('GET /api/exports/hotspots.{csv,xlsx,geojson}', () => {
    beforeAll(async () => {
      ctx.world = await createWorld(ctx.handle.db);
      await placeProblems(ctx.handle.db, DBSCAN_CASE);
    });
    const Q = 'method=dbscan&eps_m=50&min_points=3';

    it('CSV: BOM, Chinese headers, one row per cluster as the API lists them', async () => {
      const res = await get(`/api/exports/hotspots.csv?${Q}`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      expect(res.headers['content-disposition']).toContain('hotspots-dbscan.csv');
      expect(res.body.charCodeAt(0)).toBe(0xfeff);
      const rows: Record<string, string>[] = parse(res.body.slice(1), { columns: true });
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatchObject({
        序号: '1',
        问题数: '5',
        主要问题类别: '暴露垃圾(3)、占道经营(2)',
        网格: '网格1-1-1',
        社区: '社区1-1',
        '街道（镇）': '街道1',
      });
      expect(rows[1]).toMatchObject({ 序号: '2', 问题数: '4', 网格: '网格2-2-2' });
      expect(Number(rows[0]['中心经度'])).toBeCloseTo(A_CENTRE[0], 3);
    });

    it('XLSX: title, frozen header, rows and a total', async () => {
      const res = await get(`/api/exports/hotspots.xlsx?${Q}`);
      expect(res.statusCode).toBe(200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
      const sheet = wb.getWorksheet('聚类热点')!;
      expect(String(sheet.getRow(1).getCell(1).value)).toContain('DBSCAN');
      expect(sheet.getRow(3).values).toEqual(
        expect.arrayContaining(['序号', '问题数', '主要问题类别', '网格', '社区']),
      );
      expect(sheet.getRow(4).getCell(2).value).toBe(5);
      expect(sheet.getRow(5).getCell(2).value).toBe(4);
      expect(sheet.getRow(6).getCell(1).value).toBe('合计');
      expect(sheet.getRow(6).getCell(2).value).toBe(9);
      expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 3 });
    });

    it('GeoJSON: the same features as the API', async () => {
      const res = await get(`/api/exports/hotspots.geojson?${Q}`);
      expect(res.headers['content-type']).toMatch(/^application\/geo\+json/);
      const api = (await get(`/api/hotspots?${Q}`)).json();
      const file = JSON.parse(res.body);
      expect(file.type).toBe('FeatureCollection');
      expect(file.noise).toBe(2);
      // Identical but for the age, which grows between the two requests.
      type F = { properties: { oldest_open_hours: number } };
      const ageless = (fs: F[]) =>
        fs.map((f) => ({
          ...f,
          properties: { ...f.properties, oldest_open_hours: Math.round(f.properties.oldest_open_hours) },
        }));
      expect(ageless(file.features)).toEqual(ageless(api.features));
    });

    it("a manager's export holds only their area", async () => {
      const csv = await get(`/api/exports/hotspots.csv?${Q}`, ctx.world.tokens.manager);
      const rows: Record<string, string>[] = parse(csv.body.slice(1), { columns: true });
      expect(rows.map((r) => r['网格编码'])).toEqual([MANAGER_BLOCK]);
      const gj = JSON.parse((await get(`/api/exports/hotspots.geojson?${Q}`, ctx.world.tokens.manager)).body);
      expect(gj.total).toBe(5);
      expect(gj.features.map((f: { properties: { block_code: string } }) => f.properties.block_code)).toEqual([
        MANAGER_BLOCK,
      ]);
    });

    it('Gi* exports carry z, p and the confidence label', async () => {
      const res = await get('/api/exports/hotspots.csv?method=gistar&cell_m=200');
      const rows: Record<string, string>[] = parse(res.body.slice(1), { columns: true });
      expect(Object.keys(rows[0])).toEqual(expect.arrayContaining(['单元', 'Z得分', 'P值', '置信度']));
      expect(rows.reduce((a, r) => a + Number(r['问题数']), 0)).toBe(11);
    });
  });
});
