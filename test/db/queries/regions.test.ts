import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { BACKENDS, resetData } from '../../helpers/db.js';
import { createWorld, MANAGER_BLOCK } from '../../helpers/world.js';
import type { DbHandle } from '../../../db/index.js';
import { checkRegionFeatures } from '../../../domain/region-import.js';
import {
  decimalsForZoom,
  getRegion,
  importRegions,
  listRegions,
  RegionImportError,
  searchRegions,
  toleranceForZoom,
} from '../../../db/queries/regions.js';
import { FULL_SCOPE } from '../../../db/queries/scope.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const fixture = (name: string) => JSON.parse(readFileSync(here(`../../fixtures/regions/${name}.geojson`), 'utf8'));
const countyFeature = () => JSON.parse(readFileSync(here('../../../db/seed/data/county-430121.geojson'), 'utf8'));
const asCollection = (...features: unknown[]) => ({ type: 'FeatureCollection', features });

const square = (x: number, y: number, d = 0.01) => [
  [
    [x, y],
    [x + d, y],
    [x + d, y + d],
    [x, y + d],
    [x, y],
  ],
];
const feature = (code: string, level: string, parent: string | null, coordinates: unknown, type = 'Polygon') => ({
  type: 'Feature',
  properties: { code, name: `区域${code}`, level, parent_code: parent },
  geometry: { type, coordinates },
});

describe('checkRegionFeatures (structure, before the database)', () => {
  it('names a NaN coordinate with its ring and position', () => {
    const coords = square(113, 28);
    coords[0][2] = [NaN, 28.01];
    const { rejected, regions } = checkRegionFeatures(
      asCollection(feature('430121001001003', 'block', '430121001001', coords)),
    );
    expect(regions).toHaveLength(0);
    expect(rejected).toEqual([
      {
        index: 0,
        code: '430121001001003',
        reason: expect.stringMatching(/ring 0 position 2 \[NaN, 28.01\].*not a finite number/),
      },
    ]);
  });

  it('lists every bad feature, not just the first, and keeps the good ones apart', () => {
    const { rejected, regions } = checkRegionFeatures(
      asCollection(
        feature('430121', 'county', null, square(113, 28, 0.1)),
        feature('4301210011', 'street', '430121', square(113, 28)),
        feature('430121002', 'street', '430121', square(113, 28), 'LineString'),
        feature('430121003', 'street', '430121', [
          [
            [113, 28],
            [114, 28],
            [113, 28],
          ],
        ]),
        feature('430121004', 'street', '430121', [
          [
            [113, 28],
            [200, 28],
            [113, 29],
            [113, 28],
          ],
        ]),
        feature('430121', 'county', null, square(113, 28)),
        { type: 'Feature', properties: { code: '430121005', level: 'street', parent_code: '430121' }, geometry: null },
      ),
    );
    expect(regions.map((r) => r.index)).toEqual([0]);
    expect(rejected.map((r) => [r.index, r.reason])).toEqual([
      [1, 'a street code has 9 digits, 4301210011 has 10'],
      [2, 'geometry type "LineString": expected Polygon or MultiPolygon'],
      [3, 'ring 0 has 3 positions; a closed ring needs at least 4'],
      [4, 'ring 0 position 1: longitude 200 is outside −180…180'],
      [5, 'code 430121 appears twice (first at feature 0)'],
      [6, 'properties.name is missing or blank'],
    ]);
  });

  it('refuses a county with a parent and a street without one', () => {
    const { rejected } = checkRegionFeatures(
      asCollection(
        feature('430121', 'county', '430100', square(113, 28)),
        feature('430121001', 'street', null, square(113, 28)),
      ),
    );
    expect(rejected.map((r) => r.reason)).toEqual([
      'a county has no parent, got parent_code 430100',
      'a street needs parent_code',
    ]);
  });

  it('refuses impossible validity dates instead of letting the database fail on them', () => {
    const f = feature('430121', 'county', null, square(113, 28));
    const { rejected } = checkRegionFeatures(
      asCollection(
        { ...f, properties: { ...f.properties, valid_from: '2025-02-30' } },
        { ...f, properties: { ...f.properties, code: '430122', valid_from: '2026-01-01', valid_to: '2025-12-31' } },
      ),
    );
    expect(rejected.map((r) => r.reason)).toEqual([
      'valid_from "2025-02-30" must be a date YYYY-MM-DD',
      'valid_to 2025-12-31 is before valid_from 2026-01-01',
    ]);
  });

  it('refuses something that is not a FeatureCollection, or an empty one', () => {
    expect(checkRegionFeatures({ type: 'Feature' }).rejected[0].reason).toMatch(/FeatureCollection/);
    expect(checkRegionFeatures(asCollection()).rejected[0].reason).toMatch(/no features/);
  });

  it('does not mutate its input', () => {
    const input = fixture('bow-tie');
    const copy = structuredClone(input);
    checkRegionFeatures(input);
    expect(input).toEqual(copy);
  });
});

describe('zoom helpers', () => {
  it('tolerance is half a 256-px pixel in degrees; decimals follow it', () => {
    expect(toleranceForZoom(0)).toBeCloseTo(360 / 256 / 2, 12);
    expect(toleranceForZoom(10)).toBeCloseTo(360 / 256 / 1024 / 2, 12);
    expect(decimalsForZoom(undefined)).toBe(6);
    expect(decimalsForZoom(0)).toBe(2);
    expect(decimalsForZoom(10)).toBe(5);
    expect(decimalsForZoom(20)).toBe(6);
  });
});

describe.each(BACKENDS)('region queries on $name', (backend) => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await backend.open();
  });
  afterAll(async () => {
    await handle.close();
  });
  const count = async () =>
    Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM regions`.execute(handle.db)).rows[0].n);

  describe('importing the real county outline', () => {
    beforeEach(async () => {
      await resetData(handle.db);
    });

    it('refuses the published 长沙县 polygon as self-intersecting, and writes nothing', async () => {
      const err = await importRegions(handle.db, asCollection(countyFeature()), { actor: 'test' }).catch((e) => e);
      expect(err).toBeInstanceOf(RegionImportError);
      // GEOS 3.11 and 3.14 name neighbouring vertices of the same spike (28.1846 / 28.1855 N).
      expect(err.details.rejected).toEqual([
        { index: 0, code: '430121', reason: expect.stringMatching(/^Self-intersection\[113\.109375 28\.18/) },
      ]);
      expect(await count()).toBe(0);
    });

    it('repairs it into one polygon of about 1,757.6 km², stored valid and not synthetic', async () => {
      const result = await importRegions(handle.db, asCollection(countyFeature()), { repair: true, actor: 'test' });
      expect(result.created).toBe(1);
      expect(result.repaired).toHaveLength(1);
      const fix = result.repaired[0];
      expect(fix).toMatchObject({
        index: 0,
        code: '430121',
        reason: expect.stringMatching(/^Self-intersection\[113\.109375 28\.18/),
        parts: 1,
      });
      expect(fix.area_after_m2 / 1e6).toBeCloseTo(1757.6, 1);
      const stored = await sql<{ type: string; valid: boolean; synthetic: boolean }>`
        SELECT ST_GeometryType(geom) AS type, ST_IsValid(geom) AS valid, synthetic FROM regions WHERE code = '430121'`.execute(
        handle.db,
      );
      expect(stored.rows[0]).toEqual({ type: 'ST_MultiPolygon', valid: true, synthetic: false });
    });

    it("runs several imports inside the caller's transaction (the loader does), and a refusal there rolls all back", async () => {
      await handle.db.transaction().execute(async (trx) => {
        await importRegions(trx, asCollection(countyFeature()), { repair: true, actor: 'test' });
        const streets = await importRegions(
          trx,
          asCollection(feature('430121001', 'street', '430121', square(113.1, 28.3, 0.02))),
          {
            actor: 'test',
            synthetic: true,
          },
        );
        expect(streets).toMatchObject({ created: 1, updated: 0 });
      });
      expect(await count()).toBe(2);
      await resetData(handle.db);
      const err = await handle.db
        .transaction()
        .execute(async (trx) => {
          await importRegions(trx, asCollection(countyFeature()), { repair: true, actor: 'test' });
          await importRegions(trx, asCollection(feature('430121001', 'street', '430121', square(112.0, 28.2, 0.02))), {
            actor: 'test',
          });
        })
        .catch((e) => e);
      expect(err).toBeInstanceOf(RegionImportError);
      expect(err.details.outside_parent[0]).toMatchObject({ code: '430121001', parent_code: '430121' });
      expect(await count()).toBe(0);
    });

    it('upserts by code: a second import of the same region updates it', async () => {
      const a = await importRegions(handle.db, asCollection(feature('430121', 'county', null, square(113, 28, 0.1))), {
        actor: 'test',
      });
      const b = await importRegions(
        handle.db,
        asCollection({
          ...feature('430121', 'county', null, square(113, 28, 0.1)),
          properties: {
            code: '430121',
            name: '新名字',
            level: 'county',
            manager_name: '张三',
            manager_phone: '0731-12345678',
            valid_from: '2026-01-01',
          },
        }),
        {
          actor: 'test',
        },
      );
      expect([a.created, a.updated, b.created, b.updated]).toEqual([1, 0, 0, 1]);
      const region = await getRegion(handle.db, '430121', FULL_SCOPE);
      expect(region).toMatchObject({
        name: '新名字',
        manager_name: '张三',
        manager_phone: '0731-12345678',
        valid_from: '2026-01-01',
        valid_to: null,
      });
    });
  });

  describe('reading', () => {
    beforeAll(async () => {
      await createWorld(handle.db);
    });
    const manager = { regions: [MANAGER_BLOCK], department: null };

    it('listRegions keeps a manager to their block and its ancestors', async () => {
      const rows = await listRegions(handle.db, {}, manager);
      expect(rows.map((r) => r.code)).toEqual(['430121', '430121001', '430121001001', MANAGER_BLOCK]);
      expect(rows[3].geometry.type).toBe('MultiPolygon');
    });

    it('getRegion returns null outside the scope and the chain inside it', async () => {
      expect(await getRegion(handle.db, '430121002', manager)).toBeNull();
      expect((await getRegion(handle.db, MANAGER_BLOCK, manager))?.chain.map((c) => c.code)).toEqual([
        '430121',
        '430121001',
        '430121001001',
        MANAGER_BLOCK,
      ]);
      expect(await getRegion(handle.db, '430121009', FULL_SCOPE)).toBeNull();
    });

    it('searchRegions ranks an exact code first', async () => {
      const hits = await searchRegions(handle.db, '430121001', FULL_SCOPE);
      expect(hits[0]).toMatchObject({ code: '430121001', level: 'street', chain_names: ['测试县', '街道1'] });
      expect(await searchRegions(handle.db, '   ', FULL_SCOPE)).toEqual([]);
    });
  });
});
