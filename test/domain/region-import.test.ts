import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkRegionFeatures } from '../../domain/region-import.js';
import { asCollection, feature, square } from '../helpers/regions.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const fixture = (name: string) => JSON.parse(readFileSync(here(`../fixtures/regions/${name}.geojson`), 'utf8'));

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
