import { describe, expect, it } from 'vitest';
import { coordinateProblem, toWgs84 } from '../../domain/coords.js';

/** Great-circle distance in metres (spherical, R = 6,371,008.8 m): enough to judge "within a few metres". */
function metres([lon1, lat1]: readonly number[], [lon2, lat2]: readonly number[]): number {
  const r = (d: number) => (d * Math.PI) / 180;
  const a =
    Math.sin(r(lat2 - lat1) / 2) ** 2 + Math.cos(r(lat1)) * Math.cos(r(lat2)) * Math.sin(r(lon2 - lon1) / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(a));
}

describe('toWgs84', () => {
  // Tiananmen: WGS84 (116.397428, 39.90923) ↔ GCJ-02 (116.403664, 39.910629), the pair published in
  // the common GCJ-02 conversion tables (e.g. the eviltransform / coordtransform READMEs).
  it('moves a published GCJ-02 position back onto its WGS84 position within 2 m', () => {
    const back = toWgs84(116.403664, 39.910629, 'gcj02');
    expect(metres(back, [116.397428, 39.90923])).toBeLessThan(2);
  });

  // Baidu's own geoconv API documentation example: GPS (WGS84) 114.21892734521,29.575429778924 →
  // bd09ll 114.23074871003,29.579084787211 (from=1 to=5).
  it("moves a BD-09 position from Baidu's documentation back onto its WGS84 position within 2 m", () => {
    const back = toWgs84(114.23074871003, 29.579084787211, 'bd09');
    expect(metres(back, [114.21892734521, 29.575429778924])).toBeLessThan(2);
  });

  it('treats the offsets as large: a GCJ-02 position read as WGS84 would be hundreds of metres off', () => {
    expect(metres([116.403664, 39.910629], [116.397428, 39.90923])).toBeGreaterThan(400);
  });

  it('passes WGS84 and CGCS2000 through unchanged and returns a new array', () => {
    const input = [113.08, 28.24] as const;
    expect(toWgs84(input[0], input[1], 'wgs84')).toEqual([113.08, 28.24]);
    expect(toWgs84(input[0], input[1], 'cgcs2000')).toEqual([113.08, 28.24]);
    expect(toWgs84(113.08, 28.24)).toEqual([113.08, 28.24]);
  });
});

describe('coordinateProblem', () => {
  it('accepts a point in China', () => {
    expect(coordinateProblem(113.08, 28.24)).toBeNull();
  });

  it('names a lat/lon swap (in China latitude is always smaller than longitude)', () => {
    expect(coordinateProblem(28.24, 113.08)).toMatch(/swapped/);
  });

  it('names NaN and out-of-range values', () => {
    expect(coordinateProblem(Number.NaN, 28)).toMatch(/longitude is not a number/);
    expect(coordinateProblem(113, Number.NaN)).toMatch(/latitude is not a number/);
    expect(coordinateProblem(190, 28)).toMatch(/outside -180..180/);
    expect(coordinateProblem(113, 95)).toMatch(/outside -90..90/);
  });
});
