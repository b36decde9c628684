import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { area } from '@turf/area';
import { bbox } from '@turf/bbox';
import { booleanPointInPolygon } from '@turf/boolean-point-in-polygon';
import { featureCollection, feature } from '@turf/helpers';
import { intersect } from '@turf/intersect';
import { parse } from 'csv-parse/sync';
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import {
  partitionCounty,
  shortRegionName,
  spatialOrder,
  urbanStreetCodes,
  STREET_ANCHORS,
  type CommunityInput,
  type RegionFeature,
  type StreetInput,
} from '../../../db/seed/partition.js';
import { generateProblems } from '../../../db/seed/problems.js';
import { DEFAULT_CATEGORIES } from '../../../db/seed/categories.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const dataFile = (name: string) => here(`../../../db/seed/data/${name}`);

const fixture = JSON.parse(readFileSync(here('./fixtures/l-shaped-county.geojson'), 'utf8')) as Feature<Polygon>;
const outline = fixture.geometry;

const streets: StreetInput[] = [
  { code: '999999001', name: '东城街道' },
  { code: '999999002', name: '西城街道' },
  { code: '999999101', name: '河口镇' },
];
const communities: CommunityInput[] = [
  { code: '999999001001', name: '东门社区居委会', street_code: '999999001' },
  { code: '999999001002', name: '南湖社区居委会', street_code: '999999001' },
  { code: '999999002001', name: '西门社区居委会', street_code: '999999002' },
  { code: '999999002201', name: '柳林村委会', street_code: '999999002' },
  { code: '999999101001', name: '河口社区居委会', street_code: '999999101' },
  { code: '999999101201', name: '大桥村村民委员会', street_code: '999999101' },
];

const categories = DEFAULT_CATEGORIES.map((c) => ({
  code: c.code,
  group: c.group_code,
}));

const areaOf = (features: readonly RegionFeature[]) => features.reduce((sum, f) => sum + area(f.geometry), 0);

/** Relative difference of two areas. */
const rel = (a: number, b: number) => Math.abs(a - b) / b;

describe('partitionCounty (hand-made L-shaped county)', () => {
  const result = partitionCounty(outline, streets, communities, {
    seed: 1,
    blocks: 60,
  });

  it('returns one polygon per street and community with the given codes and parents', () => {
    expect(result.streets.map((s) => s.properties.code)).toEqual(streets.map((s) => s.code));
    expect(result.streets.every((s) => s.properties.parent_code === '999999' && s.properties.level === 'street')).toBe(
      true,
    );
    expect(result.communities.map((c) => c.properties.code).sort()).toEqual(communities.map((c) => c.code).sort());
    for (const c of result.communities) {
      expect(c.properties.level).toBe('community');
      expect(c.properties.parent_code).toBe(c.properties.code.slice(0, 9));
    }
  });

  it('gives every block a 15-digit code starting with its community code, numbered 001… without gaps', () => {
    const communityCodes = new Set(result.communities.map((c) => c.properties.code));
    for (const b of result.blocks) {
      expect(b.properties.code).toMatch(/^\d{15}$/);
      expect(b.properties.code.startsWith(b.properties.parent_code)).toBe(true);
      expect(communityCodes.has(b.properties.parent_code)).toBe(true);
      expect(b.properties.level).toBe('block');
      expect(['Polygon', 'MultiPolygon']).toContain(b.geometry.type);
    }
    for (const code of communityCodes) {
      const numbers = result.blocks
        .filter((b) => b.properties.parent_code === code)
        .map((b) => b.properties.code.slice(12));
      expect(numbers.length).toBeGreaterThan(0);
      expect(numbers).toEqual(numbers.map((_, i) => String(i + 1).padStart(3, '0')));
    }
  });

  it('comes close to the requested number of blocks', () => {
    expect(result.blocks.length).toBeGreaterThanOrEqual(55);
    expect(result.blocks.length).toBeLessThanOrEqual(60);
  });

  it('tiles each level without overlaps: child areas sum to the parent area within 0.5 %', () => {
    expect(rel(areaOf(result.streets), area(outline))).toBeLessThan(0.005);
    for (const s of result.streets) {
      const children = result.communities.filter((c) => c.properties.parent_code === s.properties.code);
      expect(rel(areaOf(children), area(s.geometry))).toBeLessThan(0.005);
    }
    for (const c of result.communities) {
      const blocks = result.blocks.filter((b) => b.properties.parent_code === c.properties.code);
      expect(rel(areaOf(blocks), area(c.geometry))).toBeLessThan(0.005);
    }
  });

  it('rounds coordinates to 6 decimals', () => {
    const coords = result.blocks
      .flatMap((b) => (b.geometry.type === 'Polygon' ? [b.geometry.coordinates] : b.geometry.coordinates))
      .flat(2);
    expect(coords.every(([x, y]) => Math.round(x * 1e6) / 1e6 === x && Math.round(y * 1e6) / 1e6 === y)).toBe(true);
  });

  it('is deterministic: same seed, same output; another seed, another layout', () => {
    expect(partitionCounty(outline, streets, communities, { seed: 1, blocks: 60 })).toEqual(result);
    const other = partitionCounty(outline, streets, communities, {
      seed: 2,
      blocks: 60,
    });
    expect(other.blocks.map((b) => b.geometry)).not.toEqual(result.blocks.map((b) => b.geometry));
  });

  it('does not mutate its inputs', () => {
    const before = structuredClone({ outline, streets, communities });
    partitionCounty(outline, streets, communities, { seed: 3, blocks: 40 });
    expect({ outline, streets, communities }).toEqual(before);
  });

  it('keeps at least one block per community when asked for fewer blocks than communities', () => {
    const few = partitionCounty(outline, streets, communities, {
      seed: 1,
      blocks: 2,
    });
    expect(few.blocks.length).toBe(communities.length);
    expect(few.blocks.every((b) => b.properties.code.endsWith('001'))).toBe(true);
  });

  it('rejects a community whose code does not start with its street code', () => {
    const bad = [...communities, { code: '999999003001', name: '错社区', street_code: '999999001' }];
    expect(() => partitionCounty(outline, streets, bad, { seed: 1, blocks: 10 })).toThrow(/does not start with/);
  });
});

describe('generateProblems (hand-made county)', () => {
  const { blocks } = partitionCounty(outline, streets, communities, {
    seed: 1,
    blocks: 60,
  });
  const opts = {
    seed: 9,
    count: 1500,
    now: new Date('2026-06-30T10:00:00+08:00'),
    days: 90,
    urban: urbanStreetCodes(streets),
  };
  const problems = generateProblems(blocks, categories, opts);

  it('puts every problem inside some block', () => {
    const outside = problems.filter((p) => !blocks.some((b) => booleanPointInPolygon([p.lon, p.lat], b.geometry)));
    expect(problems).toHaveLength(1500);
    expect(outside).toEqual([]);
  });

  it('is deterministic and does not mutate its inputs', () => {
    const before = structuredClone({ blocks, categories });
    const again = generateProblems(blocks, categories, opts);
    expect(again).toEqual(problems);
    expect({ blocks, categories }).toEqual(before);
  });
});

describe('spatialOrder (block numbering rule)', () => {
  it('numbers north→south in bands, west→east within a band', () => {
    // a 3 × 3 grid given in scrambled order
    const grid = [
      [1, 0],
      [0, 2],
      [2, 1],
      [0, 0],
      [2, 2],
      [1, 1],
      [0, 1],
      [2, 0],
      [1, 2],
    ];
    const order = spatialOrder(grid).map((i) => grid[i]);
    expect(order).toEqual([
      [0, 2],
      [1, 2],
      [2, 2],
      [0, 1],
      [1, 1],
      [2, 1],
      [0, 0],
      [1, 0],
      [2, 0],
    ]);
  });
});

describe('helpers', () => {
  it('urbanStreetCodes picks 街道 (codes 001–099)', () => {
    expect([...urbanStreetCodes(streets)]).toEqual(['999999001', '999999002']);
  });

  it('shortRegionName drops committee suffixes', () => {
    expect(shortRegionName('开元路社区居委会')).toBe('开元路社区');
    expect(shortRegionName('南塘冲社区居民委员会')).toBe('南塘冲社区');
    expect(shortRegionName('排头社区委员会')).toBe('排头社区');
    expect(shortRegionName('崩坎村委会')).toBe('崩坎村');
    expect(shortRegionName('蓝田新村村委会')).toBe('蓝田新村');
    expect(shortRegionName('大桥村村民委员会')).toBe('大桥村');
    expect(shortRegionName('敢胜村')).toBe('敢胜村');
  });
});

describe('partitionCounty (real 长沙县 data)', () => {
  const county = JSON.parse(readFileSync(dataFile('county-430121.geojson'), 'utf8')) as Feature<Polygon>;
  const realStreets = parse(readFileSync(dataFile('streets-430121.csv')), {
    columns: true,
  }) as StreetInput[];
  const realCommunities = parse(readFileSync(dataFile('communities-430121.csv')), {
    columns: true,
  }) as CommunityInput[];

  // The published outline is invalid (spikes, self-touching ring). The loader repairs it with
  // PostGIS ST_MakeValid; here polyclip (inside @turf/intersect) does the same job: its output is
  // always valid, so intersecting with a box around the county gives a valid copy.
  const [w, s, e, n] = bbox(county);
  const box: Polygon = {
    type: 'Polygon',
    coordinates: [
      [
        [w - 1, s - 1],
        [e + 1, s - 1],
        [e + 1, n + 1],
        [w - 1, n + 1],
        [w - 1, s - 1],
      ],
    ],
  };
  const valid = intersect(featureCollection([feature(county.geometry), feature(box)]))!.geometry as
    Polygon | MultiPolygon;

  it('reads 18 streets and 225 communities and a ~1,760 km² outline', () => {
    expect(realStreets).toHaveLength(18);
    expect(realCommunities).toHaveLength(225);
    expect(county.geometry.coordinates[0]).toHaveLength(1664);
    expect(area(valid) / 1e6).toBeGreaterThan(1740);
    expect(area(valid) / 1e6).toBeLessThan(1780);
  });

  it('has every street anchor inside the outline', () => {
    for (const st of realStreets) {
      const anchor = STREET_ANCHORS[st.name];
      expect(anchor, st.name).toBeDefined();
      expect(booleanPointInPolygon([anchor[0], anchor[1]], valid), st.name).toBe(true);
    }
  });

  const result = partitionCounty(valid, realStreets, realCommunities, {
    seed: 20260701,
    blocks: 2000,
  });

  it('puts the county seat (113.08 E, 28.24 N) in 星沙街道', () => {
    const home = result.streets.find((st) => booleanPointInPolygon([113.08, 28.24], st.geometry));
    expect(home?.properties.name).toBe('星沙街道');
  });

  it('makes 1,500–3,000 blocks for the default target, denser in urban streets', () => {
    expect(result.communities).toHaveLength(225);
    expect(result.blocks.length).toBeGreaterThanOrEqual(1500);
    expect(result.blocks.length).toBeLessThanOrEqual(3000);
    const urban = urbanStreetCodes(realStreets);
    const isUrban = (b: RegionFeature) => urban.has(b.properties.parent_code.slice(0, 9));
    const meanKm2 = (bs: RegionFeature[]) => areaOf(bs) / bs.length / 1e6;
    expect(meanKm2(result.blocks.filter(isUrban)) * 3).toBeLessThan(meanKm2(result.blocks.filter((b) => !isUrban(b))));
  });
});
