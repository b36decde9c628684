/**
 * The rules of assessment (对标达标), pure: the weighted pass rate (点位达标率), chronic points
 * (顽疾点位), the stratified allocation and the seeded draw of a mock assessment (模拟测评), and the
 * expected score with its confidence interval. No database, no HTTP. The formulas are explained
 * for a county's 创文办 in docs/assessment.md.
 */
import { rngFor } from './random.js';

export const ITEM_RESULTS = ['pass', 'fail', 'na'] as const;
export type ItemResult = (typeof ITEM_RESULTS)[number];

export const INSPECTION_KINDS = ['inspection', 'unannounced', 'mock'] as const;
export type InspectionKind = (typeof INSPECTION_KINDS)[number];

/** Grade bands of the reference (A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, E below), on a 0–100 score. */
export const GRADE_BANDS: readonly { grade: string; min: number }[] = [
  { grade: 'A', min: 90 },
  { grade: 'B', min: 75 },
  { grade: 'C', min: 60 },
  { grade: 'D', min: 40 },
  { grade: 'E', min: -Infinity },
];

/** Standing colour classes of a point on the map, from its latest inspection. */
export const POINT_STANDINGS = ['uninspected', 'passed', 'failed', 'chronic'] as const;
export type PointStanding = (typeof POINT_STANDINGS)[number];

export interface WeightedResult {
  result: ItemResult;
  weight: number;
}

/**
 * 达标率 of a set of item results: Σ weight of passed items / Σ weight of checked items (pass or
 * fail; "not applicable" is not checked). `rate` is null when nothing was checked.
 */
export function weightedPassRate(items: readonly WeightedResult[]): {
  checked: number;
  passed: number;
  rate: number | null;
} {
  let checked = 0;
  let passed = 0;
  for (const i of items) {
    if (i.result === 'na') continue;
    checked += i.weight;
    if (i.result === 'pass') passed += i.weight;
  }
  return { checked, passed, rate: checked > 0 ? passed / checked : null };
}

/** One inspection of a point as the chronic rule reads it: item code → result. */
export type InspectionResults = ReadonlyMap<string, ItemResult>;

/**
 * Items failed in consecutive inspections up to and including the latest one (顽疾): for each
 * item code failed in the latest inspection, the number of inspections in a row (newest first)
 * that failed it. An item is chronic when that streak is at least `minStreak` (default 2). Items are
 * matched by code, so a standards edit that keeps an item's code keeps its history.
 *
 * @param newestFirst the point's inspections, newest first
 */
export function chronicItems(newestFirst: readonly InspectionResults[], minStreak = 2): Map<string, number> {
  const out = new Map<string, number>();
  const latest = newestFirst[0];
  if (!latest) return out;
  for (const [code, result] of latest) {
    if (result !== 'fail') continue;
    let streak = 0;
    for (const insp of newestFirst) {
      if (insp.get(code) !== 'fail') break;
      streak++;
    }
    if (streak >= minStreak) out.set(code, streak);
  }
  return out;
}

/** The map colour of a point: never inspected, latest passed every checked item, failed, or chronic. */
export function pointStanding(latestFailed: number | null, chronic: boolean): PointStanding {
  if (latestFailed === null) return 'uninspected';
  if (chronic) return 'chronic';
  return latestFailed > 0 ? 'failed' : 'passed';
}

// ---------------------------------------------------------------- the mock assessment

export interface Stratum {
  type: string;
  /** Active points of this type in the area. */
  count: number;
}

/**
 * Sample sizes per type for a total: `fixed` types get their size (capped at what exists), the
 * rest of the total is shared among the other types in proportion to their number of points
 * (largest remainder, ties by type code), at least one point per non-empty type while the total
 * allows, never more than a type has. Deterministic.
 */
export function allocateSample(
  strata: readonly Stratum[],
  total: number,
  fixed: Readonly<Record<string, number>> = {},
): Record<string, number> {
  const out: Record<string, number> = {};
  const sorted = [...strata]
    .filter((s) => s.count > 0)
    .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  let left = Math.max(0, Math.floor(total));
  for (const s of sorted) {
    if (fixed[s.type] !== undefined) {
      out[s.type] = Math.min(s.count, Math.max(0, Math.floor(fixed[s.type])), left);
      left -= out[s.type];
    }
  }
  const free = sorted.filter((s) => fixed[s.type] === undefined);
  for (const s of free) out[s.type] = 0;
  // One each first (a type with points should be looked at), then proportional shares.
  for (const s of free) {
    if (left === 0) break;
    out[s.type] = 1;
    left--;
  }
  while (left > 0) {
    const open = free.filter((s) => out[s.type] < s.count);
    if (open.length === 0) break;
    const pool = open.reduce((n, s) => n + s.count, 0);
    const budget = left;
    const shares = open.map((s) => {
      const exact = (budget * s.count) / pool;
      const room = s.count - out[s.type];
      return { s, whole: Math.min(room, Math.floor(exact)), rest: exact - Math.floor(exact), room };
    });
    let given = 0;
    for (const sh of shares) {
      out[sh.s.type] += sh.whole;
      given += sh.whole;
    }
    left -= given;
    if (left > 0) {
      const byRest = shares
        .filter((sh) => out[sh.s.type] < sh.s.count)
        .sort((a, b) => b.rest - a.rest || (a.s.type < b.s.type ? -1 : 1));
      for (const sh of byRest) {
        if (left === 0) break;
        out[sh.s.type]++;
        left--;
      }
    }
    if (given === 0 && shares.every((sh) => out[sh.s.type] >= sh.s.count)) break;
  }
  return out;
}

/**
 * The stratified random draw: within each type, `sizes[type]` points chosen uniformly without
 * replacement (a partial Fisher–Yates shuffle of the ids in ascending order, driven by a generator
 * seeded from `seed` and the type code). The same seed and the same register give the same sample;
 * a type's draw does not depend on the other types. Ids come back sorted within each type.
 */
export function drawSample(
  seed: number,
  pointsByType: ReadonlyMap<string, readonly number[]>,
  sizes: Readonly<Record<string, number>>,
): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const type of [...pointsByType.keys()].sort()) {
    const ids = [...pointsByType.get(type)!].sort((a, b) => a - b);
    const n = Math.min(ids.length, Math.max(0, Math.floor(sizes[type] ?? 0)));
    if (n === 0) continue;
    const rng = rngFor(seed, 'sample', type);
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(rng() * (ids.length - i));
      [ids[i], ids[j]] = [ids[j], ids[i]];
    }
    out.set(
      type,
      ids.slice(0, n).sort((a, b) => a - b),
    );
  }
  return out;
}

/** Two-sided 95 % Student t quantiles for 1–30 degrees of freedom (then 40, 60, 120, ∞). */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** t(0.975, df), conservative between the tabulated degrees of freedom. */
export function tQuantile975(df: number): number {
  if (df < 1) return Infinity;
  if (df <= 30) return T975[Math.floor(df) - 1];
  if (df < 40) return 2.042;
  if (df < 60) return 2.021;
  if (df < 120) return 2.0;
  return 1.98;
}

export interface Estimate {
  /** Sampled points with a score. */
  n: number;
  /** Points in the population (register) the estimate is for. */
  population: number;
  /** Expected 达标率 in percent (0–100), null without a scored point. */
  score: number | null;
  /** Half-width of the 95 % interval, percentage points; null when n < 2 (no spread to measure). */
  margin: number | null;
  low: number | null;
  high: number | null;
  grade: string | null;
}

export const gradeOf = (score: number): string => GRADE_BANDS.find((b) => score >= b.min)!.grade;

const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * Expected score of a group of points from a simple random sample of them: the mean of the
 * sampled points' 达标率 (each 0–1) with a 95 % interval mean ± t(n−1) · s/√n · √(1 − n/N)
 * (the finite-population correction: a census has no sampling error). Clamped to 0–100.
 */
export function estimateMean(scores: readonly number[], population: number): Estimate {
  const n = scores.length;
  const N = Math.max(population, n);
  if (n === 0) return { n, population: N, score: null, margin: null, low: null, high: null, grade: null };
  const mean = scores.reduce((a, b) => a + b, 0) / n;
  const score = round1(mean * 100);
  if (n < 2) return { n, population: N, score, margin: null, low: null, high: null, grade: gradeOf(score) };
  const variance = scores.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  const fpc = N > 1 ? Math.max(0, (N - n) / N) : 0;
  const margin = tQuantile975(n - 1) * Math.sqrt((variance / n) * fpc) * 100;
  return {
    n,
    population: N,
    score,
    margin: round1(margin),
    low: round1(Math.max(0, mean * 100 - margin)),
    high: round1(Math.min(100, mean * 100 + margin)),
    grade: gradeOf(score),
  };
}

/**
 * The stratified estimate over types: Σ W_h · ȳ_h with W_h = N_h / N, variance
 * Σ W_h² (1 − n_h/N_h) s_h² / n_h, 95 % interval with the normal quantile 1.96 (the degrees of
 * freedom of a stratified sample are many once there are several strata). A stratum with one
 * scored point contributes its mean and no variance; the margin is then a lower bound and flagged.
 */
export function estimateStratified(strata: readonly { population: number; scores: readonly number[] }[]): Estimate & {
  complete: boolean;
} {
  const used = strata.filter((s) => s.scores.length > 0);
  const N = used.reduce((a, s) => a + Math.max(s.population, s.scores.length), 0);
  const n = used.reduce((a, s) => a + s.scores.length, 0);
  if (n === 0)
    return { n, population: N, score: null, margin: null, low: null, high: null, grade: null, complete: false };
  let mean = 0;
  let variance = 0;
  let complete = true;
  for (const s of used) {
    const Nh = Math.max(s.population, s.scores.length);
    const nh = s.scores.length;
    const W = Nh / N;
    const m = s.scores.reduce((a, b) => a + b, 0) / nh;
    mean += W * m;
    if (nh < 2) {
      if (Nh > nh) complete = false;
      continue;
    }
    const v = s.scores.reduce((a, b) => a + (b - m) ** 2, 0) / (nh - 1);
    variance += W * W * (1 - nh / Nh) * (v / nh);
  }
  const score = round1(mean * 100);
  const margin = 1.96 * Math.sqrt(variance) * 100;
  return {
    n,
    population: N,
    score,
    margin: round1(margin),
    low: round1(Math.max(0, mean * 100 - margin)),
    high: round1(Math.min(100, mean * 100 + margin)),
    grade: gradeOf(score),
    complete,
  };
}
