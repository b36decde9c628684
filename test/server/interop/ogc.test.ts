/**
 * OGC API – Features under /ogc: the documents through inject, and GDAL's OAPIF driver (Debian's
 * gdal-bin: ogrinfo, ogr2ogr) against the app listening on a free loopback port, authenticated by
 * a header (GDAL_HTTP_HEADERS). The page size is small on purpose, so GDAL must follow next links.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { sql, type Kysely } from 'kysely';
import { BACKENDS } from '../../helpers/db.js';
import { useApp } from '../../helpers/app.js';
import { auth, centre, MANAGER_BLOCK, NEIGHBOUR_BLOCK } from '../../helpers/world.js';
import type { DB } from '../../../db/types.js';
import { addBusStop } from '../../helpers/assessment.js';

// Async, never execFileSync: the server answering GDAL runs in this very process.
const run = promisify(execFile);

/** Problems written straight with SQL: 3 in the manager's block, 4 in the neighbour's. */
async function loadProblems(db: Kysely<DB>): Promise<void> {
  const rows: [string, string, string][] = [
    [MANAGER_BLOCK, '06010', '2026-11-01T02:00:00Z'],
    [MANAGER_BLOCK, '06011', '2026-11-02T02:00:00Z'],
    [MANAGER_BLOCK, '06010', '2026-11-03T02:00:00Z'],
    [NEIGHBOUR_BLOCK, '06010', '2026-11-01T03:00:00Z'],
    [NEIGHBOUR_BLOCK, '06011', '2026-11-02T03:00:00Z'],
    [NEIGHBOUR_BLOCK, '06010', '2026-11-04T03:00:00Z'],
    [NEIGHBOUR_BLOCK, '06012', '2026-11-05T03:00:00Z'],
  ];
  let k = 0;
  for (const [block, category, at] of rows) {
    const [lon, lat] = centre(block);
    await sql`INSERT INTO problems (category_code, description, geom, region_code, reported_at)
      VALUES (${category}, ${`OGC 测试 ${k}`}, ST_SetSRID(ST_MakePoint(${lon + k * 0.0001}, ${lat}), 4326), ${block}, ${at})`.execute(
      db,
    );
    k++;
  }
}

describe.each(BACKENDS)('OGC API – Features on $name', (backend) => {
  const ctx = useApp(backend, { config: { ogcLimitDefault: 2, ogcLimitMax: 3 } });
  let base: string;
  let adminKey: string;
  let managerKey: string;
  let dir: string;

  const get = (url: string, who: 'admin' | 'manager' = 'admin', headers: Record<string, string> = {}) =>
    ctx.app.inject({ url, headers: { ...auth(ctx.world.tokens[who]), ...headers } });
  const issue = async (userId: number) => {
    const r = await ctx.app.inject({
      method: 'POST',
      url: '/api/api-keys',
      headers: auth(ctx.world.tokens.admin),
      payload: { name: 'QGIS', user_id: userId, source: 'other' },
    });
    expect(r.statusCode, r.body).toBe(201);
    return r.json().key as string;
  };
  /** Runs a GDAL tool with the key in a header, as a GIS user would configure it. */
  const gdal = (tool: 'ogrinfo' | 'ogr2ogr', args: string[], key: string) =>
    run(tool, ['--config', 'GDAL_HTTP_HEADERS', `X-API-Key: ${key}`, ...args], { timeout: 60_000 });
  const featureCount = async (gpkg: string): Promise<number> => {
    const { stdout } = await run('ogrinfo', ['-so', gpkg, 'problems']);
    return Number(/Feature Count: (\d+)/.exec(stdout)![1]);
  };
  const regionCodes = async (gpkg: string): Promise<string[]> => {
    const { stdout } = await run('ogrinfo', ['-q', gpkg, 'problems']);
    return [...stdout.matchAll(/region_code \(String\) = (\d+)/g)].map((m) => m[1]);
  };

  beforeAll(async () => {
    await loadProblems(ctx.handle.db);
    adminKey = await issue(ctx.world.userIds.admin);
    managerKey = await issue(ctx.world.userIds.manager);
    await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}/ogc`;
    dir = mkdtempSync(join(tmpdir(), 'ogc-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ogrinfo OAPIF lists the collections with a key in a header, and nothing without one', async () => {
    const { stdout } = await gdal('ogrinfo', ['-ro', '-q', `OAPIF:${base}`], adminKey);
    for (const c of ['problems', 'blocks', 'communities', 'streets', 'points'])
      expect(stdout).toMatch(new RegExp(`: ${c}\\b`));
    await expect(run('ogrinfo', ['-ro', '-q', `OAPIF:${base}`], { timeout: 60_000 })).rejects.toThrow();
  });

  it('ogr2ogr copies problems into a GeoPackage with as many features as the API matches; a manager key only their area', async () => {
    const all = join(dir, `all-${backend.name}.gpkg`);
    await gdal('ogr2ogr', ['-f', 'GPKG', all, `OAPIF:${base}`, 'problems'], adminKey);
    const api = (await get('/ogc/collections/problems/items')).json();
    expect(api.numberMatched).toBe(7);
    expect(await featureCount(all)).toBe(7);

    const mine = join(dir, `mine-${backend.name}.gpkg`);
    await gdal('ogr2ogr', ['-f', 'GPKG', mine, `OAPIF:${base}`, 'problems'], managerKey);
    expect((await get('/ogc/collections/problems/items', 'manager')).json().numberMatched).toBe(3);
    expect(await featureCount(mine)).toBe(3);
    expect(await regionCodes(mine)).toEqual([MANAGER_BLOCK, MANAGER_BLOCK, MANAGER_BLOCK]);

    const blocks = join(dir, `blocks-${backend.name}.gpkg`);
    await gdal('ogr2ogr', ['-f', 'GPKG', blocks, `OAPIF:${base}`, 'blocks'], managerKey);
    const { stdout } = await run('ogrinfo', ['-q', blocks, 'blocks']);
    expect([...stdout.matchAll(/^\s+code \(String\) = (\d+)/gm)].map((m) => m[1])).toEqual([MANAGER_BLOCK]);
  });

  it('landing page, conformance and collections link up as the standard asks', async () => {
    const landing = (await get('/ogc')).json();
    expect(landing.links.map((l: { rel: string }) => l.rel)).toEqual(
      expect.arrayContaining(['self', 'service-desc', 'conformance', 'data']),
    );
    const conf = (await get('/ogc/conformance')).json();
    expect(conf.conformsTo).toContain('http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core');
    expect(conf.conformsTo).toContain('http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson');
    const cols = (await get('/ogc/collections')).json();
    expect(cols.collections.map((c: { id: string }) => c.id)).toEqual([
      'problems',
      'blocks',
      'communities',
      'streets',
      'points',
    ]);
    const mine = (await get('/ogc/collections/blocks', 'manager')).json();
    expect(mine.extent.spatial.bbox[0]).toEqual([113.0, 28.2, 113.01, 28.22]);
    expect((await get('/ogc/collections/nope')).statusCode).toBe(404);
    expect((await ctx.app.inject({ url: '/ogc/collections' })).statusCode).toBe(401);
  });

  it('items: geo+json, default and maximum limit, next links, bbox, datetime and the problem filters', async () => {
    const first = await get('/ogc/collections/problems/items');
    expect(first.headers['content-type']).toMatch(/^application\/geo\+json/);
    const page = first.json();
    expect(page).toMatchObject({ type: 'FeatureCollection', numberMatched: 7, numberReturned: 2 });
    expect(page.timeStamp).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    // Newest first; follow next until the end.
    const seen: number[] = page.features.map((f: { id: number }) => f.id);
    let next = page.links.find((l: { rel: string }) => l.rel === 'next');
    while (next) {
      const u = new URL(next.href);
      const p = (await get(u.pathname + u.search)).json();
      seen.push(...p.features.map((f: { id: number }) => f.id));
      next = p.links.find((l: { rel: string }) => l.rel === 'next');
    }
    expect(seen).toEqual([7, 6, 3, 5, 2, 4, 1]);
    expect((await get('/ogc/collections/problems/items?limit=1000')).json().numberReturned).toBe(3);

    const box = '113.0,28.2,113.01,28.22';
    const inBox = (await get(`/ogc/collections/problems/items?bbox=${box}&limit=3`)).json();
    expect(inBox.numberMatched).toBe(3);
    for (const f of inBox.features) expect(f.properties.region_code).toBe(MANAGER_BLOCK);

    const day = (
      await get('/ogc/collections/problems/items?datetime=2026-11-02T00:00:00Z/2026-11-02T23:59:59Z')
    ).json();
    expect(day.features.map((f: { id: number }) => f.id).sort()).toEqual([2, 5]);
    const instant = (await get('/ogc/collections/problems/items?datetime=2026-11-01T02:00:00Z')).json();
    expect(instant.features.map((f: { id: number }) => f.id)).toEqual([1]);
    const after = (await get('/ogc/collections/problems/items?datetime=2026-11-04T00:00:00Z/..')).json();
    expect(after.features.map((f: { id: number }) => f.id).sort()).toEqual([6, 7]);
    expect((await get('/ogc/collections/problems/items?datetime=yesterday')).statusCode).toBe(400);

    const filtered = (await get('/ogc/collections/problems/items?category=06010&limit=3')).json();
    expect(filtered.numberMatched).toBe(4);
    const nextOf = filtered.links.find((l: { rel: string }) => l.rel === 'next');
    expect(new URL(nextOf.href).searchParams.get('category')).toBe('06010');

    const blocks = (await get('/ogc/collections/blocks/items')).json();
    expect(blocks).toMatchObject({ numberMatched: 8, numberReturned: 2 });
    expect(blocks.features[0].id).toBe('430121001001001');
  });

  it('one item by id; outside the caller’s scope it is a 404 like a missing id', async () => {
    const one = await get('/ogc/collections/problems/items/1', 'manager');
    expect(one.statusCode).toBe(200);
    expect(one.headers['content-type']).toMatch(/^application\/geo\+json/);
    expect(one.json().properties.region_code).toBe(MANAGER_BLOCK);
    expect((await get('/ogc/collections/problems/items/4', 'manager')).statusCode).toBe(404);
    expect((await get('/ogc/collections/problems/items/4')).statusCode).toBe(200);
    expect((await get(`/ogc/collections/blocks/items/${NEIGHBOUR_BLOCK}`, 'manager')).statusCode).toBe(404);
    expect((await get(`/ogc/collections/blocks/items/${MANAGER_BLOCK}`, 'manager')).json().properties.name).toBe(
      '网格1-1-1',
    );
    expect((await get('/ogc/collections/problems/items/abc')).statusCode).toBe(404);
  });

  it('serves HTML to a browser (Accept: text/html or f=html), escaped, and JSON to GDAL', async () => {
    await sql`UPDATE problems SET description = '<script>alert(1)</script>' WHERE id = 1`.execute(ctx.handle.db);
    const html = await get('/ogc/collections/problems/items?limit=3', 'admin', {
      accept: 'text/html,application/xhtml+xml',
    });
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.body).toContain('numberMatched 7');
    const f = await get('/ogc/collections/problems/items/1?f=html');
    expect(f.body).toContain('&lt;script&gt;');
    expect(f.body).not.toContain('<script>alert');
    const landing = await get('/ogc?f=html');
    expect(landing.body).toContain('<a href=');
    const asJson = await get('/ogc/collections', 'admin', { accept: 'application/json' });
    expect(asJson.headers['content-type']).toMatch(/^application\/json/);
  });

  it('points: the assessment points as a collection, scoped like /api/points, and GDAL copies them', async () => {
    const place = (at: [number, number], name: string) =>
      addBusStop(ctx.handle.db, at, name, { id: ctx.world.userIds.admin });
    const [mx, my] = centre(MANAGER_BLOCK);
    const [nx, ny] = centre(NEIGHBOUR_BLOCK);
    const mine = await place([mx + 0.001, my + 0.002], 'OGC 本网格公交站');
    const neigh = await place([nx + 0.001, ny + 0.002], 'OGC 邻居公交站');

    const all = (await get('/ogc/collections/points/items')).json();
    expect(all).toMatchObject({ type: 'FeatureCollection', numberMatched: 2, numberReturned: 2 });
    expect(all.features.map((f: { id: number }) => f.id).sort()).toEqual([mine, neigh].sort());
    expect(all.features[0].properties).toMatchObject({ type_code: 'BUS_STOP' });
    const managers = (await get('/ogc/collections/points/items', 'manager')).json();
    expect(managers.features.map((f: { id: number }) => f.id)).toEqual([mine]);
    expect(managers.numberMatched).toBe(1);
    expect((await get(`/ogc/collections/points/items/${neigh}`, 'manager')).statusCode).toBe(404);
    expect((await get(`/ogc/collections/points/items/${mine}`, 'manager')).json().properties.name).toBe(
      'OGC 本网格公交站',
    );
    const col = (await get('/ogc/collections/points', 'manager')).json();
    expect(col.extent.spatial.bbox[0][0]).toBeCloseTo(mx + 0.001, 6);

    const gpkg = join(dir, `points-${backend.name}.gpkg`);
    await gdal('ogr2ogr', ['-f', 'GPKG', gpkg, `OAPIF:${base}`, 'points'], managerKey);
    const { stdout } = await run('ogrinfo', ['-q', gpkg, 'points']);
    expect([...stdout.matchAll(/^\s+name \(String\) = (.+)$/gm)].map((m) => m[1])).toEqual(['OGC 本网格公交站']);
  });
});
