/**
 * Getis-Ord Gi* (Getis & Ord 1992; Ord & Getis 1995) as ArcGIS's Hot Spot Analysis reports it:
 * a z-score per cell (GiZScore), its two-tailed p-value (GiPValue) and a confidence bin (Gi_Bin)
 * of −3…3 for cold/hot spots at 99 / 95 / 90 % confidence. Pure: counts and neighbour lists in,
 * numbers out. The database counts problems per hexagon; this module does the statistics.
 *
 *   G*_i = (Σ_j w_ij x_j − X̄ Σ_j w_ij) / ( S · √[(n Σ_j w_ij² − (Σ_j w_ij)²) / (n − 1)] )
 *   X̄ = Σ x_j / n,   S = √(Σ x_j² / n − X̄²)
 *
 * With binary weights and the cell itself among its neighbours (the "*" of Gi*), Σ w_ij = Σ w_ij²
 * = the number of neighbours including self. The Gi* value is itself a z-score.
 */

export interface GiStarResult {
  /** Gi* z-score (standard deviations). 0 when the statistic is undefined (all counts equal). */
  z: number;
  /** Two-tailed p-value under the normal approximation, 0…1. */
  p: number;
  /** −3…3: ±3 = 99 %, ±2 = 95 %, ±1 = 90 % confidence hot (+) or cold (−) spot; 0 = not significant. */
  bin: GiBin;
}

export type GiBin = -3 | -2 | -1 | 0 | 1 | 2 | 3;

/**
 * Complementary error function, fractional error < 1.2e-7 everywhere (Chebyshev fit, Numerical
 * Recipes §6.2 `erfcc`). Relative, not absolute, accuracy matters here: tail p-values are tiny.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Two-tailed p-value of a z-score: P(|Z| ≥ |z|) = erfc(|z| / √2). */
export function twoTailedP(z: number): number {
  return Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
}

/**
 * ArcGIS's Gi_Bin without FDR correction: the sign of z, and 3 / 2 / 1 when p < 0.01 / 0.05 / 0.10
 * (|z| > 2.576 / 1.960 / 1.645).
 */
export function confidenceBin(z: number, p: number): GiBin {
  const level = p < 0.01 ? 3 : p < 0.05 ? 2 : p < 0.1 ? 1 : 0;
  if (level === 0 || z === 0) return 0;
  return (z > 0 ? level : -level) as GiBin;
}

/**
 * Gi* for every cell. `neighbours[i]` lists the indices of cell i's neighbours and must include i
 * itself (binary weights within the distance band). Does not mutate its inputs.
 */
export function giStar(counts: readonly number[], neighbours: readonly (readonly number[])[]): GiStarResult[] {
  const n = counts.length;
  if (neighbours.length !== n) throw new Error(`giStar: ${n} counts but ${neighbours.length} neighbour lists`);
  let sum = 0;
  let sumSq = 0;
  for (const x of counts) {
    sum += x;
    sumSq += x * x;
  }
  const mean = n > 0 ? sum / n : 0;
  const variance = n > 0 ? sumSq / n - mean * mean : 0;
  // Rounding can leave a tiny negative or near-zero variance when all counts are equal.
  const s = variance > 1e-12 * Math.max(1, mean * mean) ? Math.sqrt(variance) : 0;
  return counts.map((_, i) => {
    const nb = neighbours[i];
    if (n < 2 || s === 0) return { z: 0, p: 1, bin: 0 as GiBin };
    let local = 0;
    for (const j of nb) local += counts[j];
    const w = nb.length; // Σ w_ij = Σ w_ij² for binary weights
    const numerator = local - mean * w;
    const denominator = s * Math.sqrt((n * w - w * w) / (n - 1));
    if (denominator === 0) return { z: 0, p: 1, bin: 0 as GiBin };
    const z = numerator / denominator;
    const p = twoTailedP(z);
    return { z, p, bin: confidenceBin(z, p) };
  });
}

/** Summary statistics of the counts (for the response: mean and standard deviation S, population). */
export function countStats(counts: readonly number[]): { n: number; mean: number; sd: number } {
  const n = counts.length;
  if (n === 0) return { n, mean: 0, sd: 0 };
  const mean = counts.reduce((a, b) => a + b, 0) / n;
  const variance = counts.reduce((a, b) => a + b * b, 0) / n - mean * mean;
  return { n, mean, sd: Math.sqrt(Math.max(0, variance)) };
}

/**
 * Neighbour lists (self included) of the cells of an ST_HexagonGrid, from the grid's own (i, j)
 * indices: no distance search is needed, the grid's topology gives adjacency. PostGIS lays out
 * flat-topped hexagons in columns i, odd columns shifted up by half a row, so besides (i, j ± 1)
 * a cell touches (i ± 1, j − 1) and (i ± 1, j) in an even column, (i ± 1, j) and (i ± 1, j + 1)
 * in an odd one (checked against ST_DWithin of the centres in test/server/routes/hotspots.test.ts).
 * Binary weights: these six plus the cell itself. Cells missing from the input are skipped.
 */
export function hexNeighbours(i: readonly number[], j: readonly number[]): number[][] {
  const index = new Map<string, number>();
  i.forEach((ci, k) => index.set(`${ci},${j[k]}`, k));
  return i.map((ci, k) => {
    const cj = j[k];
    const side = ((ci % 2) + 2) % 2 === 0 ? [cj - 1, cj] : [cj, cj + 1];
    const around: [number, number][] = [
      [ci, cj],
      [ci, cj - 1],
      [ci, cj + 1],
      ...side.flatMap((sj): [number, number][] => [
        [ci - 1, sj],
        [ci + 1, sj],
      ]),
    ];
    return around
      .map(([a, b]) => index.get(`${a},${b}`))
      .filter((n): n is number => n !== undefined)
      .sort((a, b) => a - b);
  });
}
