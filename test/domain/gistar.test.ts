import { describe, expect, it } from 'vitest';
import { confidenceBin, countStats, giStar, hexNeighbours, twoTailedP } from '../../domain/gistar.js';

describe('normal distribution', () => {
  it('gives the textbook critical values of the two-tailed test', () => {
    // Reference values: scipy.stats.norm / math.erfc to 9 digits.
    expect(twoTailedP(1.6448536)).toBeCloseTo(0.1, 7);
    expect(twoTailedP(1.959964)).toBeCloseTo(0.05, 7);
    expect(twoTailedP(2.5758293)).toBeCloseTo(0.01, 7);
    expect(twoTailedP(0)).toBe(1);
    expect(twoTailedP(-1.959964)).toBeCloseTo(0.05, 7);
  });

  it('keeps relative accuracy in the far tail (a z of 6 is p ≈ 1.97e-9, not 0)', () => {
    const p = twoTailedP(6);
    expect(p / 1.973175e-9).toBeGreaterThan(0.9999);
    expect(p / 1.973175e-9).toBeLessThan(1.0001);
  });
});

describe('confidenceBin (ArcGIS Gi_Bin)', () => {
  it('bins by p < 0.01 / 0.05 / 0.10 with the sign of z', () => {
    expect(confidenceBin(2.6, twoTailedP(2.6))).toBe(3);
    expect(confidenceBin(2.0, twoTailedP(2.0))).toBe(2);
    expect(confidenceBin(1.7, twoTailedP(1.7))).toBe(1);
    expect(confidenceBin(1.6, twoTailedP(1.6))).toBe(0);
    expect(confidenceBin(-2.6, twoTailedP(-2.6))).toBe(-3);
    expect(confidenceBin(-1.7, twoTailedP(-1.7))).toBe(-1);
  });
});

describe('giStar: a hand-computed case', () => {
  /*
   * Six cells in a row, each a neighbour of itself and of the cells beside it (binary weights):
   *
   *   cell   1  2  3  4  5  6
   *   x      0  0  0  0  6  6
   *
   * n = 6, Σx = 12, X̄ = 2, Σx² = 72, S = √(72/6 − 2²) = √8 = 2√2.
   *
   * cell 6: neighbours {5,6}, W = 2, Σwx = 12
   *   numerator   = 12 − 2·2 = 8
   *   denominator = 2√2 · √((6·2 − 2²)/5) = 2√2 · √1.6 = √12.8 = 3.5777
   *   z = 8 / √12.8 = √5 = 2.23607, p = erfc(√5/√2) = 0.0253473 → bin 2 (95 % hot)
   * cell 5: {4,5,6}, W = 3, Σwx = 12: numerator = 12 − 6 = 6,
   *   denominator = 2√2 · √((18 − 9)/5) = √14.4 = 3.7947, z = 1.58114, p = 0.113846 → bin 0
   * cell 4: {3,4,5}, Σwx = 6: numerator = 6 − 6 = 0 → z = 0, p = 1
   * cells 3 and 2: Σwx = 0, W = 3: z = −6/√14.4 = −1.58114, p = 0.113846 → bin 0
   * cell 1: {1,2}, Σwx = 0, W = 2: z = −4/√12.8 = −1.11803, p = 0.263552 → bin 0
   */
  const counts = [0, 0, 0, 0, 6, 6];
  const neighbours = [
    [0, 1],
    [0, 1, 2],
    [1, 2, 3],
    [2, 3, 4],
    [3, 4, 5],
    [4, 5],
  ];

  it('matches the arithmetic written out above', () => {
    const r = giStar(counts, neighbours);
    const z = r.map((c) => c.z);
    expect(z[5]).toBeCloseTo(Math.sqrt(5), 9);
    expect(z[4]).toBeCloseTo(6 / Math.sqrt(14.4), 9);
    expect(z[3]).toBeCloseTo(0, 9);
    expect(z[2]).toBeCloseTo(-6 / Math.sqrt(14.4), 9);
    expect(z[1]).toBeCloseTo(-6 / Math.sqrt(14.4), 9);
    expect(z[0]).toBeCloseTo(-4 / Math.sqrt(12.8), 9);
    expect(r[5].p).toBeCloseTo(0.0253473187, 7);
    expect(r[4].p).toBeCloseTo(0.113846298, 7);
    expect(r[0].p).toBeCloseTo(0.263552477, 7);
    expect(r.map((c) => c.bin)).toEqual([0, 0, 0, 0, 0, 2]);
  });

  it('does not mutate its inputs', () => {
    const c = [...counts];
    const nb = neighbours.map((l) => [...l]);
    giStar(c, nb);
    expect(c).toEqual(counts);
    expect(nb).toEqual(neighbours);
  });

  it('answers z = 0, p = 1 when every cell has the same count (S = 0)', () => {
    expect(
      giStar(
        [3, 3, 3],
        [
          [0, 1],
          [0, 1, 2],
          [1, 2],
        ],
      ),
    ).toEqual([
      { z: 0, p: 1, bin: 0 },
      { z: 0, p: 1, bin: 0 },
      { z: 0, p: 1, bin: 0 },
    ]);
  });

  it('finds a single hot cell among N empty ones at z = √((N − 7)/7) (a hexagon with six neighbours)', () => {
    // x = c in one cell, 0 elsewhere: X̄ = c/N, S = c√(N−1)/N; numerator = c − 7c/N = c(N−7)/N,
    // denominator = c/N · √(7(N−7)) → z = √((N−7)/7), independent of c. N = 100 → z = 3.645 (99 %).
    const N = 100;
    const cs = Array.from({ length: N }, (_, i) => (i === 0 ? 42 : 0));
    const nb = cs.map((_, i) => (i <= 6 ? [0, 1, 2, 3, 4, 5, 6] : [i]));
    const r = giStar(cs, nb);
    expect(r[0].z).toBeCloseTo(Math.sqrt((N - 7) / 7), 9);
    expect(r[0].bin).toBe(3);
    expect(countStats(cs)).toEqual({ n: N, mean: 0.42, sd: expect.closeTo((42 * Math.sqrt(N - 1)) / N, 9) });
  });

  it('rejects neighbour lists that do not match the counts', () => {
    expect(() => giStar([1, 2], [[0]])).toThrow(/2 counts but 1/);
  });
});

describe('hexNeighbours', () => {
  it('takes exactly the six adjacent hexagons and the cell itself, in even and odd (also negative) columns', () => {
    const i: number[] = [];
    const j: number[] = [];
    for (let a = -3; a <= 3; a++)
      for (let b = -3; b <= 3; b++) {
        i.push(a);
        j.push(b);
      }
    const nb = hexNeighbours(i, j);
    const cells = (k: number) => nb[k].map((n) => `${i[n] - i[k]},${j[n] - j[k]}`).sort();
    const at = (a: number, b: number) => i.findIndex((x, k) => x === a && j[k] === b);
    const even = ['-1,-1', '-1,0', '0,-1', '0,0', '0,1', '1,-1', '1,0'];
    const odd = ['-1,0', '-1,1', '0,-1', '0,0', '0,1', '1,0', '1,1'];
    expect(cells(at(0, 0))).toEqual(even);
    expect(cells(at(-2, 1))).toEqual(even);
    expect(cells(at(1, 0))).toEqual(odd);
    expect(cells(at(-1, -1))).toEqual(odd);
    // A corner cell keeps only the neighbours that exist.
    expect(cells(at(-3, -3))).toEqual(['0,0', '0,1', '1,0', '1,1']);
  });
});
