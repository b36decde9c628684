import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth, MANAGER_BLOCK, NEIGHBOUR_BLOCK } from '../../helpers/world.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'points');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

describe.each(BACKENDS)('assessment points on $name', (backend) => {
  const ctx = useApp(backend, { world: 'each' });
  const admin = () => auth(ctx.world.tokens.admin);
  const count = async () =>
    Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM points`.execute(ctx.handle.db)).rows[0].n);

  describe('POST /api/points/import', () => {
    it('refuses a CSV with bad rows whole and names every bad row, the database-side ones included', async () => {
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/api/points/import',
        headers: { ...admin(), 'content-type': 'text/csv' },
        payload: fixture('bad-rows.csv'),
      });
      expect(res.statusCode, res.body).toBe(422);
      const body = res.json();
      expect(body.error.code).toBe('IMPORT_REJECTED');
      expect(body.error.details).toEqual(JSON.parse(fixture('bad-rows.expected.json').toString('utf8')));
      expect(await count()).toBe(0);
    });

    it('imports a good CSV (names or codes for types), assigning each point its block', async () => {
      const csv =
        '编号,类型,名称,地址,责任单位,经度,纬度\n' +
        'P-1,农贸市场,星沙农贸市场,开元路1号,市场监管局,113.005,28.21\n' +
        'P-2,PUBLIC_TOILET,东公厕,,环卫所,113.015,28.21\n';
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/api/points/import',
        headers: { ...admin(), 'content-type': 'text/csv' },
        payload: csv,
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toEqual({ created: 2, total: 2 });
      const rows = await ctx.handle.db
        .selectFrom('points')
        .select(['ref', 'type_code', 'name', 'unit', 'region_code', 'standing'])
        .orderBy('ref')
        .execute();
      expect(rows).toEqual([
        {
          ref: 'P-1',
          type_code: 'FARMERS_MARKET',
          name: '星沙农贸市场',
          unit: '市场监管局',
          region_code: MANAGER_BLOCK,
          standing: 'uninspected',
        },
        {
          ref: 'P-2',
          type_code: 'PUBLIC_TOILET',
          name: '东公厕',
          unit: '环卫所',
          region_code: NEIGHBOUR_BLOCK,
          standing: 'uninspected',
        },
      ]);
    });

    it('converts GCJ-02 input to WGS84 and places a small polygon by its point on surface', async () => {
      // A GCJ-02 position 113.0105, 28.2105 (as Amap shows it) is about 560 m east and 370 m south of
      // the WGS84 truth near here (113.00484, 28.21384); stored as given, it would land in the neighbour block.
      // The polygon is in GCJ-02 too (the whole file is): its WGS84 position lies in the neighbour block.
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/api/points/import?crs=gcj02',
        headers: { ...admin(), 'content-type': 'application/geo+json' },
        payload: JSON.stringify({
          type: 'FeatureCollection',
          features: [
            {
              type: 'Feature',
              properties: { type: '公交站点', name: '偏移站' },
              geometry: { type: 'Point', coordinates: [113.0105, 28.2105] },
            },
            {
              type: 'Feature',
              properties: { type: 'FARMERS_MARKET', 名称: '多边形市场' },
              geometry: {
                type: 'Polygon',
                coordinates: [
                  [
                    [113.0202, 28.2152],
                    [113.0208, 28.2152],
                    [113.0208, 28.2158],
                    [113.0202, 28.2158],
                    [113.0202, 28.2152],
                  ],
                ],
              },
            },
          ],
        }),
      });
      expect(res.statusCode, res.body).toBe(201);
      const rows = await sql<{ name: string; lon: number; lat: number; region_code: string; kind: string }>`
        SELECT name, ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat, region_code, GeometryType(geom) AS kind
        FROM points ORDER BY name`.execute(ctx.handle.db);
      const shifted = rows.rows.find((r) => r.name === '偏移站')!;
      expect(shifted.lon).toBeCloseTo(113.00484, 4);
      expect(shifted.lat).toBeCloseTo(28.21384, 4);
      expect(shifted.region_code).toBe(MANAGER_BLOCK);
      const poly = rows.rows.find((r) => r.name === '多边形市场')!;
      expect(poly.kind).toBe('POLYGON');
      expect(poly.region_code).toBe(NEIGHBOUR_BLOCK);
    });

    it('refuses a polygon over a kilometre across, an unclosed ring and a repeated number, naming each', async () => {
      await ctx.app.inject({
        method: 'POST',
        url: '/api/points',
        headers: admin(),
        payload: { type: 'BUS_STOP', name: '已有', ref: 'TAKEN', lon: 113.005, lat: 28.205 },
      });
      const ring = (x0: number, y0: number, d: number, close = true) => [
        [[x0, y0], [x0 + d, y0], [x0 + d, y0 + d], [x0, y0 + d], ...(close ? [[x0, y0]] : [[x0 + 0.0001, y0]])],
      ];
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/api/points/import',
        headers: { ...admin(), 'content-type': 'application/json' },
        payload: {
          type: 'FeatureCollection',
          features: [
            {
              type: 'Feature',
              properties: { type: 'SQUARE_PARK', name: '太大' },
              geometry: { type: 'Polygon', coordinates: ring(113.0, 28.2, 0.02) },
            },
            {
              type: 'Feature',
              properties: { type: 'SQUARE_PARK', name: '不闭合' },
              geometry: { type: 'Polygon', coordinates: ring(113.001, 28.201, 0.001, false) },
            },
            {
              type: 'Feature',
              properties: { type: 'BUS_STOP', name: '重号', ref: 'TAKEN' },
              geometry: { type: 'Point', coordinates: [113.006, 28.206] },
            },
            {
              type: 'Feature',
              properties: { type: 'BUS_STOP', name: '好的' },
              geometry: { type: 'Point', coordinates: [113.007, 28.207] },
            },
            {
              type: 'Feature',
              properties: { type: 'BUS_STOP', name: '线' },
              geometry: {
                type: 'LineString',
                coordinates: [
                  [113, 28.2],
                  [113.001, 28.2],
                ],
              },
            },
          ],
        },
      });
      expect(res.statusCode, res.body).toBe(422);
      const rejected = res.json().error.details.rejected as { line: number; reason: string }[];
      expect(rejected.map((r) => r.line)).toEqual([0, 1, 2, 4]);
      expect(rejected[0].reason).toMatch(/spans more than 0.01°/);
      expect(rejected[1].reason).toMatch(/unclosed ring/);
      expect(rejected[2].reason).toBe('ref "TAKEN" is already point 1');
      expect(rejected[3].reason).toBe('geometry must be one of Point, Polygon, MultiPolygon, got "LineString"');
      expect(await count()).toBe(1);
    });
  });

  describe('edit, retire, re-assign', () => {
    it('retires a point instead of deleting it: gone from the list, still readable, not editable', async () => {
      const created = await ctx.app.inject({
        method: 'POST',
        url: '/api/points',
        headers: admin(),
        payload: { type: '背街小巷', name: '老街巷', lon: 113.005, lat: 28.205 },
      });
      expect(created.statusCode, created.body).toBe(201);
      const id = created.json().id;
      expect(created.json().properties.region_code).toBe(MANAGER_BLOCK);
      const retired = await ctx.app.inject({
        method: 'POST',
        url: `/api/points/${id}/retire`,
        headers: admin(),
        payload: { reason: '已拆除' },
      });
      expect(retired.statusCode).toBe(200);
      expect(retired.json().properties.retired_reason).toBe('已拆除');
      const list = await ctx.app.inject({ method: 'GET', url: '/api/points', headers: admin() });
      expect(list.json().features).toEqual([]);
      const all = await ctx.app.inject({ method: 'GET', url: '/api/points?retired=true', headers: admin() });
      expect(all.json().features.map((f: { id: number }) => f.id)).toEqual([id]);
      const edit = await ctx.app.inject({
        method: 'PATCH',
        url: `/api/points/${id}`,
        headers: admin(),
        payload: { version: retired.json().properties.version, name: '新名' },
      });
      expect(edit.statusCode).toBe(409);
      expect(await count()).toBe(1);
    });

    it('moves a point to its new block when it is edited and when the blocks are re-imported', async () => {
      const created = await ctx.app.inject({
        method: 'POST',
        url: '/api/points',
        headers: admin(),
        payload: { type: 'BUS_STOP', name: '站', lon: 113.009, lat: 28.205 },
      });
      const id = created.json().id;
      const moved = await ctx.app.inject({
        method: 'PATCH',
        url: `/api/points/${id}`,
        headers: admin(),
        payload: { version: created.json().properties.version, lon: 113.011, lat: 28.205 },
      });
      expect(moved.statusCode, moved.body).toBe(200);
      expect(moved.json().properties.region_code).toBe(NEIGHBOUR_BLOCK);
      // The manager's block grows east over the point (and the neighbour shrinks): it follows.
      const box = (x0: number, x1: number) => ({
        type: 'Polygon',
        coordinates: [
          [
            [x0, 28.2],
            [x1, 28.2],
            [x1, 28.22],
            [x0, 28.22],
            [x0, 28.2],
          ],
        ],
      });
      const reimport = await ctx.app.inject({
        method: 'POST',
        url: '/api/regions/import',
        headers: admin(),
        payload: {
          type: 'FeatureCollection',
          features: [
            {
              type: 'Feature',
              properties: { code: MANAGER_BLOCK, name: '网格1-1-1', level: 'block', parent_code: '430121001001' },
              geometry: box(113.0, 113.012),
            },
            {
              type: 'Feature',
              properties: { code: NEIGHBOUR_BLOCK, name: '网格1-1-2', level: 'block', parent_code: '430121001001' },
              geometry: box(113.012, 113.02),
            },
          ],
        },
      });
      expect(reimport.statusCode, reimport.body).toBe(200);
      const after = await ctx.app.inject({ method: 'GET', url: `/api/points/${id}`, headers: admin() });
      expect(after.json().properties.region_code).toBe(MANAGER_BLOCK);
    });

    it('lists the nearest points first with their distance', async () => {
      for (const [name, lon] of [
        ['远', 113.008],
        ['近', 113.0052],
      ] as const) {
        await ctx.app.inject({
          method: 'POST',
          url: '/api/points',
          headers: admin(),
          payload: { type: 'BUS_STOP', name, lon, lat: 28.21 },
        });
      }
      const res = await ctx.app.inject({
        method: 'GET',
        url: '/api/points?near=113.005,28.21&limit=5',
        headers: admin(),
      });
      const f = res.json().features;
      expect(f.map((x: { properties: { name: string } }) => x.properties.name)).toEqual(['近', '远']);
      expect(f[0].properties.distance_m).toBeGreaterThan(15);
      expect(f[0].properties.distance_m).toBeLessThan(25);
    });
  });
});
