import { beforeAll, describe, expect, it } from 'vitest';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth, centre, COUNTY, MANAGER_BLOCK, NEIGHBOUR_BLOCK, REGIONS } from '../../helpers/world.js';
import { around, placeProblems, type PlacedProblem } from '../../fixtures/hotspots/points.js';
import { sql } from 'kysely';
import {
  problemTile,
  regionTile,
  type ProblemTileOptions,
  type TileAddress,
  type TileEncoder,
} from '../../../db/queries/tiles.js';
import { toShanghaiDate } from '../../../domain/time.js';
import { encodeTile } from '../../../domain/tile-encode.js';
import { FULL_SCOPE } from '../../../db/queries/scope.js';

// ---------------------------------------------------------------- tile maths (independent of the code under test)

const R = 6378137;
/** WGS84 degrees → Web Mercator metres. */
const mercator = ([lon, lat]: [number, number]) => [
  (R * lon * Math.PI) / 180,
  R * Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360)),
];
/** The XYZ tile holding a point. */
function tileOf(p: [number, number], z: number): TileAddress {
  const [mx, my] = mercator(p);
  const size = (2 * Math.PI * R) / 2 ** z;
  return { z, x: Math.floor((mx + Math.PI * R) / size), y: Math.floor((Math.PI * R - my) / size) };
}
/** A point in a tile's units (extent 4096, y down). */
function toTileUnits(p: [number, number], t: TileAddress): [number, number] {
  const [mx, my] = mercator(p);
  const size = (2 * Math.PI * R) / 2 ** t.z;
  return [((mx + Math.PI * R - t.x * size) / size) * 4096, ((Math.PI * R - my - t.y * size) / size) * 4096];
}
/** Every tile of zoom z over the test county. */
function countyTiles(z: number): TileAddress[] {
  const a = tileOf([COUNTY.box[0], COUNTY.box[3]], z);
  const b = tileOf([COUNTY.box[2], COUNTY.box[1]], z);
  const out: TileAddress[] = [];
  for (let x = a.x; x <= b.x; x++) for (let y = a.y; y <= b.y; y++) out.push({ z, x, y });
  return out;
}

interface Decoded {
  id: number | undefined;
  type: number;
  properties: Record<string, unknown>;
  rings: [number, number][][];
}

function decode(buf: Buffer | Uint8Array): Record<string, Decoded[]> {
  const tile = new VectorTile(new PbfReader(buf));
  const out: Record<string, Decoded[]> = {};
  for (const [name, layer] of Object.entries(tile.layers)) {
    expect(layer.extent).toBe(4096);
    out[name] = Array.from({ length: layer.length }, (_, i) => {
      const f = layer.feature(i);
      return {
        id: f.id,
        type: f.type,
        properties: { ...f.properties },
        rings: f.loadGeometry().map((r) => r.map((p) => [p.x, p.y] as [number, number])),
      };
    });
  }
  return out;
}

const bboxOf = (f: Decoded) => {
  const pts = f.rings.flat();
  return [
    Math.min(...pts.map((p) => p[0])),
    Math.min(...pts.map((p) => p[1])),
    Math.max(...pts.map((p) => p[0])),
    Math.max(...pts.map((p) => p[1])),
  ];
};
/** Twice the signed area (surveyor's formula, tile units): MVT wants exterior rings positive. */
const ringArea = (r: [number, number][]) =>
  r.reduce(
    (s, p, i) => s + (r[(i + r.length - 1) % r.length][0] * p[1] - p[0] * r[(i + r.length - 1) % r.length][1]),
    0,
  );

// ---------------------------------------------------------------- the data

/*
 *   网格1-1-1 (the manager's): 3 open 暴露垃圾 within 15 m of its centre, one of them overdue
 *   网格1-1-2 (its neighbour):  2 open 机动车乱停放
 *   网格2-2-2:                  3 open 占道经营 and 1 closed one
 */
const CASE: PlacedProblem[] = [
  ...around(centre(MANAGER_BLOCK), 3).map((at, i) => ({
    at,
    block: MANAGER_BLOCK,
    category: '06010',
    // 30 h ago is always an earlier Shanghai day: overdue for the points and for the cells.
    dueInHours: i === 0 ? -30 : 24,
    severity: 1 + i,
  })),
  ...around(centre(NEIGHBOUR_BLOCK), 2).map((at) => ({ at, block: NEIGHBOUR_BLOCK, category: '09009' })),
  ...around(centre('430121002002002'), 4).map((at, i) => ({
    at,
    block: '430121002002002',
    category: '09006',
    status: i === 3 ? 'closed' : 'dispatched',
  })),
];

describe.each(BACKENDS)('vector tiles on $name', (backend) => {
  const ctx = useApp(backend);
  let ids: number[];
  /** Deadline of each problem of CASE in Unix seconds (what the point tiles carry as `due`). */
  let dues: Map<number, number>;
  beforeAll(async () => {
    ids = await placeProblems(ctx.handle.db, CASE);
    const { rows } = await sql<{ id: number; due_at: Date }>`SELECT id, due_at FROM problems`.execute(ctx.handle.db);
    dues = new Map(rows.map((r) => [Number(r.id), Math.floor(new Date(r.due_at).getTime() / 1000)]));
  });
  const opts = (filters: ProblemTileOptions['filters'] = {}, extra: Partial<ProblemTileOptions> = {}) => ({
    scope: FULL_SCOPE,
    filters,
    now: new Date(),
    today: toShanghaiDate(new Date()),
    ...extra,
  });
  /** Open problems of CASE (the tiles' default). */
  const OPEN = CASE.map((p, i) => [p, i] as const).filter(([p]) => (p.status ?? 'dispatched') !== 'closed');

  const tileUrl = (layer: string, t: TileAddress, q = '') =>
    `/tiles/${layer}/${t.z}/${t.x}/${t.y}.mvt${q ? `?${q}` : ''}`;
  const get = (url: string, token = ctx.world.tokens.leader, headers: Record<string, string> = {}) =>
    ctx.app.inject({ url, headers: { ...auth(token), ...headers } });
  /**
   * Features of a layer over every tile of the county at zoom z (an empty tile adds none). A
   * problem point in one tile's buffer is also in its neighbour: counted once (by id).
   */
  async function county(
    layer: 'regions' | 'problems',
    z: number,
    q = '',
    token = ctx.world.tokens.leader,
  ): Promise<Decoded[]> {
    const out: Decoded[] = [];
    const seen = new Set<number>();
    for (const t of countyTiles(z)) {
      const res = await get(tileUrl(layer, t, q), token);
      expect([200, 204]).toContain(res.statusCode);
      if (res.statusCode !== 200) continue;
      for (const f of decode(res.rawPayload)[layer] ?? []) {
        if (f.id !== undefined && seen.has(f.id)) continue;
        if (f.id !== undefined) seen.add(f.id);
        out.push(f);
      }
    }
    return out;
  }
  const codes = (fs: Decoded[]) => [...new Set(fs.map((f) => f.properties.code as string))].sort();

  describe('GET /tiles/regions/{z}/{x}/{y}.mvt', () => {
    it('serves the blocks with code, name, level and parent_code from z12, plus the county outline', async () => {
      const t = tileOf(centre(MANAGER_BLOCK), 14);
      const res = await get(tileUrl('regions', t));
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/vnd.mapbox-vector-tile');
      const features = decode(res.rawPayload).regions;
      const block = features.find((f) => f.properties.code === MANAGER_BLOCK)!;
      expect(block.properties).toEqual({
        code: MANAGER_BLOCK,
        name: '网格1-1-1',
        level: 'block',
        parent_code: '430121001001',
      });
      expect(block.type).toBe(3);
      const county = features.find((f) => f.properties.code === '430121')!;
      expect(county.properties).toEqual({ code: '430121', name: '测试县', level: 'county' });
      expect(new Set(features.map((f) => f.properties.level))).toEqual(new Set(['county', 'block']));
    });

    it('draws streets below z9, communities at z9–11 and blocks from z12', async () => {
      const level = (l: string) =>
        REGIONS.filter((r) => r.level === l || r.level === 'county')
          .map((r) => r.code)
          .sort();
      expect(codes(await county('regions', 8))).toEqual(level('street'));
      expect(codes(await county('regions', 10))).toEqual(level('community'));
      expect(codes(await county('regions', 12))).toEqual(level('block'));
      expect(codes(await county('regions', 12, 'level=street'))).toEqual(level('street'));
    });

    it('shows a manager only their own block and the regions above it', async () => {
      expect(codes(await county('regions', 12, '', ctx.world.tokens.manager))).toEqual(['430121', MANAGER_BLOCK]);
      expect(codes(await county('regions', 10, '', ctx.world.tokens.manager))).toEqual(['430121', '430121001001']);
      expect(codes(await county('regions', 8, '', ctx.world.tokens.manager))).toEqual(['430121', '430121001']);
    });

    it('places a block where it is: its outline in tile units matches the projected corners', async () => {
      const t = tileOf(centre(MANAGER_BLOCK), 12);
      const f = decode((await get(tileUrl('regions', t))).rawPayload).regions.find(
        (x) => x.properties.code === MANAGER_BLOCK,
      )!;
      const box = REGIONS.find((r) => r.code === MANAGER_BLOCK)!.box;
      const [x0, y1] = toTileUnits([box[0], box[1]], t);
      const [x1, y0] = toTileUnits([box[2], box[3]], t);
      const clamp = (v: number) => Math.min(4096 + 64, Math.max(-64, v));
      const got = bboxOf(f);
      [clamp(x0), clamp(y0), clamp(x1), clamp(y1)].forEach((v, i) =>
        expect(Math.abs(got[i] - v)).toBeLessThanOrEqual(1),
      );
      expect(ringArea(f.rings[0])).toBeGreaterThan(0);
    });
  });

  describe('GET /tiles/problems/{z}/{x}/{y}.mvt', () => {
    it('has one point per open problem from z13, with id, status, category_code, severity and its deadline', async () => {
      const features = await county('problems', 14);
      // The closed one (the last of CASE) is not drawn unless the filter asks for it.
      expect(features.map((f) => f.id).sort((a, b) => a! - b!)).toEqual(OPEN.map(([, i]) => ids[i]));
      const first = features.find((f) => f.id === ids[0])!;
      expect(first.type).toBe(1);
      // `due` (Unix seconds), not an overdue flag: the tile does not change when a deadline passes.
      expect(first.properties).toEqual({
        id: ids[0],
        status: 'dispatched',
        category_code: '06010',
        severity: 1,
        due: dues.get(ids[0]),
      });
      expect(features.find((f) => f.id === ids[1])!.properties.due).toBe(dues.get(ids[1]));
      const closed = await county('problems', 14, 'status=closed');
      expect(closed.map((f) => [f.id, f.properties.status])).toEqual([[ids[8], 'closed']]);
      const both = await county('problems', 14, 'status=closed,dispatched');
      expect(both.map((f) => f.id).sort((a, b) => a! - b!)).toEqual(ids);
      // Where it is: within a tile unit of the projected point.
      const t = tileOf(CASE[0].at, 14);
      const res = decode((await get(tileUrl('problems', t))).rawPayload).problems.find((f) => f.id === ids[0])!;
      const [ex, ey] = toTileUnits(CASE[0].at, t);
      expect(Math.abs(res.rings[0][0][0] - ex)).toBeLessThanOrEqual(1);
      expect(Math.abs(res.rings[0][0][1] - ey)).toBeLessThanOrEqual(1);
    });

    it('aggregates below z13: cells with count and overdue that add up to the matching problems', async () => {
      for (const z of [8, 10, 12]) {
        const cells = await county('problems', z);
        expect(
          cells.every((c) => c.id === undefined && Object.keys(c.properties).sort().join() === 'count,overdue'),
        ).toBe(true);
        expect(cells.reduce((a, c) => a + (c.properties.count as number), 0)).toBe(OPEN.length);
        expect(cells.reduce((a, c) => a + (c.properties.overdue as number), 0)).toBe(1);
        // Cell by cell, the counts of the hand-placed problems (cells from this file's own maths).
        const expected = new Map<string, number>();
        for (const [p] of OPEN) {
          const t = tileOf(p.at, z);
          const [ux, uy] = toTileUnits(p.at, t);
          const k = `${t.x}/${t.y}/${Math.floor(ux / 64)}/${Math.floor(uy / 64)}`;
          expected.set(k, (expected.get(k) ?? 0) + 1);
        }
        const got = new Map<string, number>();
        for (const t of countyTiles(z)) {
          const res = await get(tileUrl('problems', t));
          if (res.statusCode !== 200) continue;
          for (const c of decode(res.rawPayload).problems)
            got.set(
              `${t.x}/${t.y}/${Math.floor(c.rings[0][0][0] / 64)}/${Math.floor(c.rings[0][0][1] / 64)}`,
              c.properties.count as number,
            );
        }
        expect(got).toEqual(expected);
      }
      // Cells are 64 × 64 units aligned with the tile: each point sits at a cell centre (32 + 64k).
      for (const t of countyTiles(12)) {
        const res = await get(tileUrl('problems', t));
        if (res.statusCode !== 200) continue;
        for (const c of decode(res.rawPayload).problems)
          expect(c.rings[0][0].map((v) => ((v % 64) + 64) % 64)).toEqual([32, 32]);
      }
      // Closed ones only when asked (counted from the problems: the bins hold open ones).
      const closed = await county('problems', 10, 'status=closed');
      expect(closed.reduce((a, c) => a + (c.properties.count as number), 0)).toBe(1);
      expect(closed.reduce((a, c) => a + (c.properties.overdue as number), 0)).toBe(0);
      const dispatched = await county('problems', 10, 'status=dispatched&category=09006');
      expect(dispatched.reduce((a, c) => a + (c.properties.count as number), 0)).toBe(3);
    });

    it('caps a tile and carries the count of what was left out', async () => {
      const t = tileOf(CASE[0].at, 14);
      for (const enc of ['sql', 'js'] as TileEncoder[]) {
        if (enc === 'sql' && !ctx.handle.hasMvt) continue;
        const out = await problemTile(ctx.handle.db, t, opts({ category: '06010' }, { cap: 2 }), enc);
        const features = decode(
          Buffer.isBuffer(out) ? out : encodeTile([{ name: 'problems', features: out }]),
        ).problems;
        // The two most urgent (the overdue one first), then one feature at the centre counting the rest.
        expect(features.filter((f) => f.id !== undefined).map((f) => f.id)).toEqual([ids[0], ids[1]]);
        const left = features.filter((f) => f.properties.omitted !== undefined);
        expect(left.map((f) => [f.properties, f.rings[0][0]])).toEqual([[{ omitted: 1 }, [2048, 2048]]]);
      }
      // Cells: the largest kept, the others' problems counted.
      const z8 = tileOf(CASE[0].at, 8);
      const cells = await problemTile(ctx.handle.db, z8, opts({}, { cap: 1 }), 'js');
      const feats = cells as Exclude<typeof cells, Buffer>;
      const kept = feats.filter((f) => f.properties.count !== undefined);
      const omitted = feats.find((f) => f.properties.omitted !== undefined)!.properties.omitted as number;
      expect(kept).toHaveLength(1);
      expect((kept[0].properties.count as number) + omitted).toBe(OPEN.length);
      // Under the cap: no `omitted` feature.
      const full = (await problemTile(ctx.handle.db, z8, opts(), 'js')) as typeof feats;
      expect(full.some((f) => f.properties.omitted !== undefined)).toBe(false);
    });

    it('changes with the filters', async () => {
      const parking = await county('problems', 14, 'category=09009');
      expect(parking.map((f) => f.properties.category_code)).toEqual(['09009', '09009']);
      const overdue = await county('problems', 14, 'overdue=true');
      expect(overdue.map((f) => f.id)).toEqual([ids[0]]);
      // The same filter below z13 counts from the problems, with the same cells.
      const cells = await county('problems', 10, 'overdue=true');
      expect(cells.map((c) => c.properties)).toEqual([{ count: 1, overdue: 1 }]);
    });

    it('shows a manager nothing outside their area, at any zoom', async () => {
      const points = await county('problems', 14, '', ctx.world.tokens.manager);
      expect(points.map((f) => f.id).sort((a, b) => a! - b!)).toEqual(ids.slice(0, 3));
      // The neighbour's two are ~1 km away: in the same cell at z8, yet never in the manager's count.
      for (const z of [8, 10, 12]) {
        const cells = await county('problems', z, '', ctx.world.tokens.manager);
        expect(cells.reduce((a, c) => a + (c.properties.count as number), 0)).toBe(3);
        expect(cells.reduce((a, c) => a + (c.properties.overdue as number), 0)).toBe(1);
      }
      const closed = await county('problems', 10, 'status=closed', ctx.world.tokens.manager);
      expect(closed).toEqual([]);
    });

    it('answers 204 for an empty tile and 400 for a tile that does not exist', async () => {
      expect((await get('/tiles/problems/14/0/0.mvt')).statusCode).toBe(204);
      expect((await get('/tiles/regions/14/0/0.mvt')).statusCode).toBe(204);
      const bad = await get('/tiles/problems/3/8/0.mvt');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.code).toBe('VALIDATION_FAILED');
      expect((await ctx.app.inject(tileUrl('problems', tileOf(centre(MANAGER_BLOCK), 14)))).statusCode).toBe(401);
    });
  });

  describe('ETag', () => {
    it('answers 304 to a matching If-None-Match, and a new ETag after a write or for other filters', async () => {
      const t = tileOf(centre(MANAGER_BLOCK), 14);
      const first = await get(tileUrl('problems', t));
      const etag = first.headers.etag as string;
      expect(etag).toMatch(/^"problems-/);
      expect(first.headers['cache-control']).toBe('private, no-cache');
      const again = await get(tileUrl('problems', t), ctx.world.tokens.leader, { 'if-none-match': etag });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
      // Another caller (another scope) or another filter never matches this ETag.
      expect((await get(tileUrl('problems', t), ctx.world.tokens.manager, { 'if-none-match': etag })).statusCode).toBe(
        200,
      );
      expect(
        (await get(tileUrl('problems', t, 'category=06010'), ctx.world.tokens.leader, { 'if-none-match': etag }))
          .statusCode,
      ).toBe(200);
      const regionEtag = (await get(tileUrl('regions', t))).headers.etag as string;

      const [newId] = await placeProblems(ctx.handle.db, [
        { at: centre(MANAGER_BLOCK), block: MANAGER_BLOCK, category: '06010', status: 'in_progress' },
      ]);
      const after = await get(tileUrl('problems', t), ctx.world.tokens.leader, { 'if-none-match': etag });
      expect(after.statusCode).toBe(200);
      expect(after.headers.etag).not.toBe(etag);
      expect(decode(after.rawPayload).problems.map((f) => f.id)).toContain(newId);
      // Region tiles key on the regions' version only: still 304.
      expect(
        (await get(tileUrl('regions', t), ctx.world.tokens.leader, { 'if-none-match': regionEtag })).statusCode,
      ).toBe(304);
    });
  });

  describe('the tile cache', () => {
    // A z15 tile inside street 430121001 (west of lon 113.0164): nothing of street 430121002 (east
    // of 113.02) is under it or its buffer.
    const t = tileOf(centre(MANAGER_BLOCK), 15);
    const z10 = tileOf(centre(MANAGER_BLOCK), 10);

    it('keeps a tile (ETag and bytes) through a write in another street and moves it on one in its street', async () => {
      const first = await get(tileUrl('problems', t));
      expect(first.statusCode).toBe(200);
      const etag = first.headers.etag as string;
      const low = await get(tileUrl('problems', z10));
      const lowEtag = low.headers.etag as string;
      await placeProblems(ctx.handle.db, [
        { at: centre('430121002002001'), block: '430121002002001', category: '06010' },
      ]);
      const same = await get(tileUrl('problems', t));
      expect(same.headers.etag).toBe(etag);
      expect(same.rawPayload.equals(first.rawPayload)).toBe(true);
      expect((await get(tileUrl('problems', t), ctx.world.tokens.leader, { 'if-none-match': etag })).statusCode).toBe(
        304,
      );
      // The z10 tile covers both streets: it moves, and counts the new problem.
      const lowAfter = await get(tileUrl('problems', z10));
      expect(lowAfter.headers.etag).not.toBe(lowEtag);
      // A write in the tile's street, even in a block the tile does not show, moves its ETag.
      const [moved] = await placeProblems(ctx.handle.db, [
        { at: centre(NEIGHBOUR_BLOCK), block: NEIGHBOUR_BLOCK, category: '09009' },
      ]);
      const after = await get(tileUrl('problems', t), ctx.world.tokens.leader, { 'if-none-match': etag });
      expect(after.statusCode).toBe(200);
      expect(after.headers.etag).not.toBe(etag);
      // An edit of a shown problem that changes no count (its severity) moves it too.
      const before = (await get(tileUrl('problems', t))).headers.etag;
      await sql`UPDATE problems SET severity = 3 WHERE id = ${ids[1]}`.execute(ctx.handle.db);
      expect((await get(tileUrl('problems', t))).headers.etag).not.toBe(before);
      await sql`UPDATE problems SET severity = 2 WHERE id = ${ids[1]}`.execute(ctx.handle.db);
      await sql`DELETE FROM problems WHERE id = ${moved}`.execute(ctx.handle.db);
    });

    it('follows a regions change: once another street reaches under the tile, a write there moves its ETag', async () => {
      const before = (await get(tileUrl('problems', t))).headers.etag as string;
      const outline = (
        await sql<{ g: Buffer }>`SELECT ST_AsEWKB(geom) AS g FROM regions WHERE code = '430121002'`.execute(
          ctx.handle.db,
        )
      ).rows[0].g;
      // An outline redrawn in SQL, as an administrator's repair would: no import, no explicit bump
      // (the regions' statement trigger moves their version).
      await sql`UPDATE regions SET geom = ST_Multi(ST_Union(geom, ST_Transform(ST_TileEnvelope(${t.z}::int, ${t.x}::int, ${t.y}::int), 4326)))
        WHERE code = '430121002'`.execute(ctx.handle.db);
      let placed: number[] = [];
      try {
        const grown = (await get(tileUrl('problems', t))).headers.etag as string;
        expect(grown).not.toBe(before);
        // Far from the tile, but in a street whose outline now meets it.
        placed = await placeProblems(ctx.handle.db, [
          { at: centre('430121002002001'), block: '430121002002001', category: '06010' },
        ]);
        expect((await get(tileUrl('problems', t))).headers.etag).not.toBe(grown);
      } finally {
        for (const id of placed) await sql`DELETE FROM problems WHERE id = ${id}`.execute(ctx.handle.db);
        await sql`UPDATE regions SET geom = ST_GeomFromEWKB(${outline}) WHERE code = '430121002'`.execute(ctx.handle.db);
      }
    });
  });

  describe('the two encoders', () => {
    const encode = (layer: string, out: Buffer | Parameters<typeof encodeTile>[0][number]['features']) =>
      Buffer.isBuffer(out) ? out : encodeTile([{ name: layer, features: out }]);

    it(`uses ST_AsMVT exactly when the database can (${backend.name})`, () => {
      expect(ctx.handle.hasMvt).toBe(backend.name === 'postgres');
      expect(ctx.app.dbInfo.hasMvt).toBe(ctx.handle.hasMvt);
    });

    it('vt-pbf encodes the points as written out (decoded with @mapbox/vector-tile)', async () => {
      const t = tileOf(CASE[0].at, 14);
      // The manager's block's three 暴露垃圾 (the ETag test above adds one in progress).
      const filters = { category: '06010', status: 'dispatched' };
      const out = await problemTile(ctx.handle.db, t, opts(filters), 'js');
      expect(Buffer.isBuffer(out)).toBe(false);
      const tile = decode(encode('problems', out));
      expect(Object.keys(tile)).toEqual(['problems']);
      expect(tile.problems.map((f) => [f.id, f.type, f.properties])).toEqual([
        [ids[0], 1, { id: ids[0], status: 'dispatched', category_code: '06010', severity: 1, due: dues.get(ids[0]) }],
        [ids[1], 1, { id: ids[1], status: 'dispatched', category_code: '06010', severity: 2, due: dues.get(ids[1]) }],
        [ids[2], 1, { id: ids[2], status: 'dispatched', category_code: '06010', severity: 3, due: dues.get(ids[2]) }],
      ]);
      tile.problems.forEach((f, i) => {
        const [ex, ey] = toTileUnits(CASE[i].at, t);
        expect(f.rings).toHaveLength(1);
        expect(Math.abs(f.rings[0][0][0] - ex)).toBeLessThanOrEqual(1);
        expect(Math.abs(f.rings[0][0][1] - ey)).toBeLessThanOrEqual(1);
      });
    });

    it('vt-pbf encodes a block outline where it is, exterior ring positive (decoded with @mapbox/vector-tile)', async () => {
      const t = tileOf(centre(MANAGER_BLOCK), 12);
      const out = await regionTile(ctx.handle.db, t, { scope: FULL_SCOPE }, 'js');
      const f = decode(encode('regions', out)).regions.find((x) => x.properties.code === MANAGER_BLOCK)!;
      expect(f.type).toBe(3);
      expect(f.properties).toEqual({
        code: '430121001001001',
        name: '网格1-1-1',
        level: 'block',
        parent_code: '430121001001',
      });
      const box = REGIONS.find((r) => r.code === MANAGER_BLOCK)!.box;
      const [x0, y1] = toTileUnits([box[0], box[1]], t);
      const [x1, y0] = toTileUnits([box[2], box[3]], t);
      const clamp = (v: number) => Math.min(4096 + 64, Math.max(-64, v));
      bboxOf(f).forEach((v, i) => expect(Math.abs(v - clamp([x0, y0, x1, y1][i]))).toBeLessThanOrEqual(1));
      expect(ringArea(f.rings[0])).toBeGreaterThan(0);
    });

    // Only PostgreSQL has ST_AsMVT (PGlite's PostGIS lacks protobuf-c), so only there are there two
    // encoders to compare; the tests above hold vt-pbf to written-out features on every backend.
    if (backend.name === 'postgres') {
      it('ST_AsMVT and vt-pbf give the same layers, features, properties and geometry (±1 tile unit), clipped tiles included', async () => {
        // z12 over the county (block outlines and the county outline cut by tile edges), z14 points,
        // z10 aggregates.
        const cases: [string, TileAddress][] = [
          ...countyTiles(12).map((t) => ['regions', t] as [string, TileAddress]),
          ...countyTiles(14).map((t) => ['problems', t] as [string, TileAddress]),
          ...countyTiles(10).map((t) => ['problems', t] as [string, TileAddress]),
        ];
        let compared = 0;
        for (const [layer, t] of cases) {
          const [sqlTile, jsTile] = await Promise.all(
            (['sql', 'js'] as TileEncoder[]).map(async (enc) => {
              const out =
                layer === 'regions'
                  ? await regionTile(ctx.handle.db, t, { scope: FULL_SCOPE }, enc)
                  : await problemTile(ctx.handle.db, t, opts({ status: 'dispatched,closed,in_progress' }), enc);
              expect(Buffer.isBuffer(out)).toBe(enc === 'sql');
              return decode(encode(layer, out));
            }),
          );
          // Every polygon's exterior ring is positive (clockwise on screen), as the MVT spec says.
          for (const tile of [sqlTile, jsTile])
            for (const f of tile[layer] ?? []) if (f.type === 3) expect(ringArea(f.rings[0])).toBeGreaterThan(0);
          expect(Object.keys(jsTile)).toEqual(Object.keys(sqlTile));
          const a = sqlTile[layer] ?? [];
          const b = jsTile[layer] ?? [];
          expect(b.map((f) => [f.id, f.type, f.properties])).toEqual(a.map((f) => [f.id, f.type, f.properties]));
          a.forEach((f, i) => {
            const ba = bboxOf(f);
            const bb = bboxOf(b[i]);
            ba.forEach((v, k) => expect(Math.abs(v - bb[k])).toBeLessThanOrEqual(1));
          });
          compared += a.length;
        }
        expect(compared).toBeGreaterThan(20);
      });
    }
  });

  describe('GET /tiles/{layer}.json', () => {
    it('describes the regions layer as TileJSON 3.0.0 with the county bounds', async () => {
      const res = await get('/tiles/regions.json');
      expect(res.statusCode).toBe(200);
      const tj = res.json();
      expect(tj).toMatchObject({ tilejson: '3.0.0', scheme: 'xyz', minzoom: 0, maxzoom: 16 });
      expect(tj.tiles[0]).toMatch(/^http:\/\/[^/]+\/tiles\/regions\/\{z\}\/\{x\}\/\{y\}\.mvt$/);
      tj.bounds.forEach((v: number, i: number) => expect(v).toBeCloseTo(COUNTY.box[i], 6));
      expect(tj.vector_layers[0]).toMatchObject({
        id: 'regions',
        fields: { code: 'String', name: 'String', level: 'String', parent_code: 'String' },
      });
    });

    it('carries the filters into the problem tile URLs and bounds a manager to their block', async () => {
      const tj = (await get('/tiles/problems.json?status=closed', ctx.world.tokens.manager)).json();
      expect(tj.tiles[0]).toContain('/tiles/problems/{z}/{x}/{y}.mvt?status=closed');
      const box = REGIONS.find((r) => r.code === MANAGER_BLOCK)!.box;
      tj.bounds.forEach((v: number, i: number) => expect(v).toBeCloseTo(box[i], 6));
      expect(tj.vector_layers[0].id).toBe('problems');
    });

    it('rejects an unknown layer with 400', async () => {
      expect((await get('/tiles/roads.json')).statusCode).toBe(400);
    });
  });
});
