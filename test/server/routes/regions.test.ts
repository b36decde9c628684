import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth, createWorld, MANAGER_BLOCK, NEIGHBOUR_BLOCK, REGIONS } from '../../helpers/world.js';

const fixtureDir = (name: string) => fileURLToPath(new URL(`../../fixtures/regions/${name}`, import.meta.url));
const readJson = (name: string) => JSON.parse(readFileSync(fixtureDir(name), 'utf8'));
const geojson = (name: string) => readJson(`${name}.geojson`);
const expected = (name: string) => readJson(`${name}.expected.json`);

/** Positions of a Polygon / MultiPolygon (all rings). */
function positions(g: { type: string; coordinates: unknown }): number {
  const polys = (g.type === 'Polygon' ? [g.coordinates] : g.coordinates) as number[][][][];
  return polys.reduce((n, rings) => n + rings.reduce((m, r) => m + r.length, 0), 0);
}

/** Relative closeness for areas computed by two PostGIS versions. */
const close = (actual: number, wanted: number) =>
  wanted === 0 ? Math.abs(actual) < 1e-3 : Math.abs(actual - wanted) / wanted < 1e-6;

interface Rejection {
  index: number;
  code: string | null;
  reason: string;
}

describe.each(BACKENDS)('/api/regions on $name', (backend) => {
  const ctx = useApp(backend);

  const get = (url: string, token = ctx.world.tokens.leader, headers: Record<string, string> = {}) =>
    ctx.app.inject({ method: 'GET', url, headers: { ...auth(token), ...headers } });
  const importFc = (body: unknown, query = '', token = ctx.world.tokens.admin) =>
    ctx.app.inject({
      method: 'POST',
      url: `/api/regions/import${query}`,
      headers: auth(token),
      payload: body as object,
    });
  const snapshot = async () => {
    const r = await sql<{ n: number; digest: string; version: number }>`
      SELECT (SELECT count(*)::int FROM regions) AS n,
             (SELECT md5(string_agg(code || name || ST_AsText(geom) || synthetic::text, ',' ORDER BY code)) FROM regions) AS digest,
             (SELECT regions::int FROM data_version) AS version`.execute(ctx.handle.db);
    return r.rows[0];
  };

  describe('GET /api/regions', () => {
    beforeAll(async () => {
      ctx.world = await createWorld(ctx.handle.db);
    });

    it('lists the regions of a level as GeoJSON with code, name, level, parent_code and synthetic, and says the partition is synthetic', async () => {
      const res = await get('/api/regions?level=block');
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.type).toBe('FeatureCollection');
      expect(body.features.map((f: { id: string }) => f.id)).toEqual(
        REGIONS.filter((r) => r.level === 'block').map((r) => r.code),
      );
      expect(body.features[0].properties).toEqual({
        code: '430121001001001',
        name: '网格1-1-1',
        level: 'block',
        parent_code: '430121001001',
        synthetic: true,
      });
      expect(['Polygon', 'MultiPolygon']).toContain(body.features[0].geometry.type);
      expect(body.synthetic_notice).toMatch(/合成/);
      expect(body.synthetic_notice).toMatch(/synthetic/i);
    });

    it('leaves the synthetic notice out when no returned region is synthetic', async () => {
      await sql`UPDATE regions SET synthetic = false WHERE level = 'county'`.execute(ctx.handle.db);
      const res = await get('/api/regions?level=county');
      expect(res.json().features).toHaveLength(1);
      expect(res.json().synthetic_notice).toBeUndefined();
      await sql`UPDATE regions SET synthetic = true WHERE level = 'county'`.execute(ctx.handle.db);
    });

    it('filters by parent', async () => {
      const res = await get('/api/regions?parent=430121001');
      expect(res.json().features.map((f: { id: string }) => f.id)).toEqual(['430121001001', '430121001002']);
    });

    it('filters by bbox (regions whose shape meets the box)', async () => {
      const res = await get('/api/regions?level=block&bbox=113.001,28.201,113.009,28.219');
      expect(res.json().features.map((f: { id: string }) => f.id)).toEqual(['430121001001001']);
      const bad = await get('/api/regions?bbox=113.04,28.2,113.0,28.24');
      expect(bad.statusCode).toBe(400);
    });

    it('rejects an unknown level or a malformed parent with 400', async () => {
      expect((await get('/api/regions?level=province')).statusCode).toBe(400);
      expect((await get('/api/regions?parent=43012')).statusCode).toBe(400);
      expect((await get('/api/regions?zoom=30')).statusCode).toBe(400);
    });

    it('simplifies geometry for the zoom: fewer vertices at low zoom, full detail without zoom', async () => {
      const fixture = geojson('wiggly-block');
      const want = expected('wiggly-block');
      await sql`UPDATE regions SET geom = ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(fixture.features[0].geometry)}), 4326)) WHERE code = ${want.code}`.execute(
        ctx.handle.db,
      );
      const at = async (q: string) => {
        const res = await get(`/api/regions?level=block&parent=430121001002${q}`);
        const f = res.json().features.find((x: { id: string }) => x.id === want.code);
        return positions(f.geometry);
      };
      const full = await at('');
      const z18 = await at('&zoom=18');
      const z8 = await at('&zoom=8');
      expect(full).toBe(want.full_positions);
      expect(z18).toBeGreaterThanOrEqual(want.zoom_18_min_positions);
      expect(z8).toBeLessThanOrEqual(want.zoom_8_max_positions);
      expect(z8).toBeLessThan(full);
    });

    it('sends an ETag and answers 304 to If-None-Match until the regions change', async () => {
      const first = await get('/api/regions?level=street');
      expect(first.statusCode).toBe(200);
      const etag = first.headers.etag as string;
      expect(etag).toBeTruthy();
      expect(first.headers['cache-control']).toMatch(/private/);

      const again = await get('/api/regions?level=street', ctx.world.tokens.leader, { 'if-none-match': etag });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
      // The strong form of the same tag matches too.
      const strong = await get('/api/regions?level=street', ctx.world.tokens.leader, {
        'if-none-match': etag.replace(/^W\//, ''),
      });
      expect(strong.statusCode).toBe(304);

      // Another query, or another caller's scope, is another tag.
      expect((await get('/api/regions?level=county')).headers.etag).not.toBe(etag);
      expect((await get('/api/regions?level=street', ctx.world.tokens.manager)).headers.etag).not.toBe(etag);

      const imported = await importFc(geojson('reassign'));
      expect(imported.statusCode).toBe(200);
      const after = await get('/api/regions?level=street', ctx.world.tokens.leader, { 'if-none-match': etag });
      expect(after.statusCode).toBe(200);
      expect(after.headers.etag).not.toBe(etag);
    });

    it('shows a manager only their own block and the community, street and county above it', async () => {
      ctx.world = await createWorld(ctx.handle.db);
      const all = await get('/api/regions', ctx.world.tokens.manager);
      expect(all.json().features.map((f: { id: string }) => f.id)).toEqual([
        '430121',
        '430121001',
        '430121001001',
        MANAGER_BLOCK,
      ]);
      const blocks = await get('/api/regions?level=block', ctx.world.tokens.manager);
      expect(blocks.json().features.map((f: { id: string }) => f.id)).toEqual([MANAGER_BLOCK]);
      const siblings = await get('/api/regions?parent=430121001001', ctx.world.tokens.manager);
      expect(siblings.json().features.map((f: { id: string }) => f.id)).toEqual([MANAGER_BLOCK]);
    });

    it('needs a token', async () => {
      expect((await ctx.app.inject('/api/regions')).statusCode).toBe(401);
    });
  });

  describe('GET /api/regions/:code', () => {
    beforeAll(async () => {
      ctx.world = await createWorld(ctx.handle.db);
    });

    it('returns the region with its chain, county first and itself last', async () => {
      const res = await get(`/api/regions/${MANAGER_BLOCK}`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.type).toBe('Feature');
      expect(body.id).toBe(MANAGER_BLOCK);
      expect(body.properties.chain).toEqual([
        { code: '430121', name: '测试县', level: 'county' },
        { code: '430121001', name: '街道1', level: 'street' },
        { code: '430121001001', name: '社区1-1', level: 'community' },
        { code: MANAGER_BLOCK, name: '网格1-1-1', level: 'block' },
      ]);
      expect(body.bbox.map((v: number) => Math.round(v * 1e6) / 1e6)).toEqual([113.0, 28.2, 113.01, 28.22]);
      expect(body.synthetic_notice).toMatch(/synthetic/i);
    });

    it('lets a manager read their block and its ancestors, and answers 404 for anything else (existence is not leaked)', async () => {
      expect((await get(`/api/regions/${MANAGER_BLOCK}`, ctx.world.tokens.manager)).statusCode).toBe(200);
      expect((await get('/api/regions/430121', ctx.world.tokens.manager)).statusCode).toBe(200);
      const neighbour = await get(`/api/regions/${NEIGHBOUR_BLOCK}`, ctx.world.tokens.manager);
      const unknown = await get('/api/regions/430121001001009', ctx.world.tokens.manager);
      expect(neighbour.statusCode).toBe(404);
      expect(unknown.statusCode).toBe(404);
      // The same answer either way.
      expect(neighbour.json().error.code).toBe(unknown.json().error.code);
      expect(neighbour.json().error.message).toBe(unknown.json().error.message);
      expect((await get('/api/regions/430121002', ctx.world.tokens.manager)).statusCode).toBe(404);
    });

    it('answers 404 for an unknown code and 400 for a malformed one', async () => {
      expect((await get('/api/regions/430121009')).statusCode).toBe(404);
      expect((await get('/api/regions/abc')).statusCode).toBe(400);
    });
  });

  describe('GET /api/regions/search', () => {
    beforeAll(async () => {
      ctx.world = await createWorld(ctx.handle.db);
    });

    it('finds regions by part of the name, with their chain of names and a bbox to fly to', async () => {
      const res = await get(`/api/regions/search?q=${encodeURIComponent('网格1-1')}`);
      expect(res.statusCode).toBe(200);
      const hits = res.json().regions;
      expect(hits.map((h: { code: string }) => h.code)).toEqual(['430121001001001', '430121001001002']);
      expect(hits[0].chain_names).toEqual(['测试县', '街道1', '社区1-1', '网格1-1-1']);
      expect(hits[0].bbox.map((v: number) => Math.round(v * 1e6) / 1e6)).toEqual([113.0, 28.2, 113.01, 28.22]);
    });

    it('finds regions by code prefix, coarsest first', async () => {
      const hits = (await get('/api/regions/search?q=430121002')).json().regions;
      expect(hits[0].code).toBe('430121002');
      expect(hits.map((h: { code: string }) => h.code).every((c: string) => c.startsWith('430121002'))).toBe(true);
      expect(hits).toHaveLength(7);
    });

    it("searches only inside a manager's area and its ancestors", async () => {
      const hits = (await get(`/api/regions/search?q=${encodeURIComponent('网格')}`, ctx.world.tokens.manager)).json()
        .regions;
      expect(hits.map((h: { code: string }) => h.code)).toEqual([MANAGER_BLOCK]);
      const streets = (
        await get(`/api/regions/search?q=${encodeURIComponent('街道')}`, ctx.world.tokens.manager)
      ).json().regions;
      expect(streets.map((h: { code: string }) => h.code)).toEqual(['430121001']);
    });

    it('returns at most 20 and treats LIKE wildcards literally', async () => {
      expect((await get('/api/regions/search?q=4301')).json().regions).toHaveLength(15);
      // Ten more (tiny) blocks make 25 matches.
      await sql`INSERT INTO regions (code, name, level, parent_code, geom)
        SELECT '430121001001' || lpad(n::text, 3, '0'), '小网格' || n, 'block', '430121001001',
               ST_Multi(ST_MakeEnvelope(113.0 + n * 0.0001, 28.2, 113.0 + n * 0.0001 + 0.00005, 28.2001, 4326))
          FROM generate_series(3, 12) n`.execute(ctx.handle.db);
      expect((await get('/api/regions/search?q=4301')).json().regions).toHaveLength(20);
      expect((await get('/api/regions/search?q=%25')).json().regions).toHaveLength(0);
      expect((await get('/api/regions/search?q=')).statusCode).toBe(400);
    });
  });

  describe('POST /api/regions/import', () => {
    beforeEach(async () => {
      ctx.world = await createWorld(ctx.handle.db);
    });

    const refused = [
      'bow-tie',
      'unclosed-ring',
      'nan-coordinate',
      'empty-geometry',
      'lat-lon-swapped',
      'code-not-under-parent',
      'parent-missing',
    ];
    it.each(refused)('refuses %s with 422 naming each bad feature and its reason, and writes nothing', async (name) => {
      const want = expected(name);
      const before = await snapshot();
      const res = await importFc(geojson(name));
      expect(res.statusCode).toBe(want.status);
      const err = res.json().error;
      expect(err.code).toBe(want.error);
      const rejected: Rejection[] = err.details.rejected;
      expect(rejected.map((r) => [r.index, r.code])).toEqual(want.rejected.map((r: Rejection) => [r.index, r.code]));
      want.rejected.forEach((w: { reason_includes: string }, i: number) =>
        expect(rejected[i].reason).toContain(w.reason_includes),
      );
      expect(await snapshot()).toEqual(before);
    });

    it('reports sibling overlaps larger than the tolerance with both codes and the area in m², and writes nothing', async () => {
      const want = expected('sibling-overlap');
      const before = await snapshot();
      const res = await importFc(geojson('sibling-overlap'));
      expect(res.statusCode).toBe(422);
      const { overlaps } = res.json().error.details;
      expect(overlaps.map((o: { a: unknown; b: unknown }) => [o.a, o.b])).toEqual(
        want.overlaps.map((o: { a: unknown; b: unknown }) => [o.a, o.b]),
      );
      overlaps.forEach((o: { area_m2: number }, i: number) =>
        expect(close(o.area_m2, want.overlaps[i].area_m2)).toBe(true),
      );
      expect(await snapshot()).toEqual(before);
    });

    it('accepts the same overlap when tolerance_m2 is larger than it', async () => {
      const res = await importFc(geojson('sibling-overlap'), '?tolerance_m2=1000000');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ created: 1, updated: 0 });
    });

    it('accepts a GeoJSON body sent as application/geo+json (RFC 7946) like application/json', async () => {
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/api/regions/import?tolerance_m2=1000000',
        headers: { ...auth(ctx.world.tokens.admin), 'content-type': 'application/geo+json' },
        payload: JSON.stringify(geojson('sibling-overlap')),
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ created: 1, updated: 0 });
    });

    it('reports a child sticking out of its parent with the area outside, and writes nothing', async () => {
      const want = expected('child-outside-parent');
      const before = await snapshot();
      const res = await importFc(geojson('child-outside-parent'));
      expect(res.statusCode).toBe(422);
      const { outside_parent } = res.json().error.details;
      expect(outside_parent).toHaveLength(1);
      const { area_m2, ...rest } = outside_parent[0];
      const { area_m2: wantArea, ...wantRest } = want.outside_parent[0];
      expect(rest).toEqual(wantRest);
      expect(close(area_m2, wantArea)).toBe(true);
      expect(await snapshot()).toEqual(before);
    });

    it('repairs the bow-ties with repair=true, reports what changed, and warns about the gaps left', async () => {
      const want = expected('bow-tie.repaired');
      const res = await importFc(geojson('bow-tie'), '?repair=true');
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ created: want.created, updated: want.updated, problems_reassigned: 0 });
      expect(body.repaired).toHaveLength(2);
      body.repaired.forEach((r: Record<string, number | string>, i: number) => {
        const w = want.repaired[i];
        expect([r.index, r.code, r.parts]).toEqual([w.index, w.code, w.parts]);
        expect(r.reason).toContain(w.reason_includes);
        expect(close(r.area_before_m2 as number, w.area_before_m2)).toBe(true);
        expect(close(r.area_after_m2 as number, w.area_after_m2)).toBe(true);
      });
      expect(body.warnings.map((w: { kind: string; code: string }) => [w.kind, w.code])).toEqual(
        want.warnings.map((w: { kind: string; code: string }) => [w.kind, w.code]),
      );
      body.warnings.forEach((w: { area_m2: number }, i: number) =>
        expect(close(w.area_m2, want.warnings[i].area_m2)).toBe(true),
      );
      const stored = await sql<{ valid: boolean; parts: number; name: string }>`
        SELECT ST_IsValid(geom) AS valid, ST_NumGeometries(geom) AS parts, name FROM regions WHERE code = '430121002001001'`.execute(
        ctx.handle.db,
      );
      expect(stored.rows[0]).toEqual({ valid: true, parts: 2, name: '网格2-1-1' });
      const renamed = await sql<{ name: string }>`SELECT name FROM regions WHERE code = '430121001001001'`.execute(
        ctx.handle.db,
      );
      expect(renamed.rows[0].name).toBe('网格1-1-1（改名）');
    });

    it('re-assigns problems to their new block and records each move', async () => {
      const want = expected('reassign');
      const p = want.problem;
      const inserted = await sql<{ id: number }>`
        INSERT INTO problems (category_code, geom, region_code) VALUES ('06010', ST_SetSRID(ST_MakePoint(${p.lon}, ${p.lat}), 4326), ${p.from_region})
        RETURNING id`.execute(ctx.handle.db);
      // A problem far away must not move or get an event.
      await sql`INSERT INTO problems (category_code, geom, region_code) VALUES ('06010', ST_SetSRID(ST_MakePoint(113.035, 28.235), 4326), '430121002002002')`.execute(
        ctx.handle.db,
      );
      const id = Number(inserted.rows[0].id);
      const res = await importFc(geojson('reassign'));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        created: want.created,
        updated: want.updated,
        repaired: [],
        warnings: [],
        problems_reassigned: want.problems_reassigned,
      });
      const row = await sql<{
        region_code: string;
        version: number;
      }>`SELECT region_code, version FROM problems WHERE id = ${id}`.execute(ctx.handle.db);
      expect(row.rows[0].region_code).toBe(p.to_region);
      const events = await sql<{
        problem_id: number;
        actor: string;
        action: string;
        from_status: string;
        to_status: string;
        data: unknown;
      }>`
        SELECT problem_id, actor, action, from_status, to_status, data FROM problem_events`.execute(ctx.handle.db);
      expect(events.rows).toHaveLength(1);
      expect({ ...events.rows[0], problem_id: Number(events.rows[0].problem_id) }).toEqual({
        problem_id: id,
        actor: 'admin',
        action: 'reassign',
        from_status: 'reported',
        to_status: 'reported',
        data: { from_region: p.from_region, to_region: p.to_region },
      });
    });

    it.each(['leader', 'manager', 'inspector', 'department'] as const)(
      'is refused to a %s with 403, writing nothing',
      async (role) => {
        const before = await snapshot();
        const res = await importFc(geojson('reassign'), '', ctx.world.tokens[role]);
        expect(res.statusCode).toBe(403);
        expect(res.json().error.code).toBe('FORBIDDEN');
        expect(await snapshot()).toEqual(before);
      },
    );

    it('refuses a body that is not a FeatureCollection with 400', async () => {
      const res = await importFc({ type: 'Feature', properties: {}, geometry: null });
      expect(res.statusCode).toBe(400);
    });
  });
});
