/**
 * The evaluation indicators (绩效评价) as pure functions: rates from counts, the weighted
 * composite score (综合指标值), grades A–E and competition ranks. The counts come from one SQL
 * statement (db/queries/stats.ts); everything here is arithmetic, so it is tested without a
 * database. docs/indicators.md explains each formula and the variant chosen.
 */

/** Counts for one region over one period, as db/queries/stats.ts returns them. */
export interface IndicatorCounts {
  /** Open (not closed, not voided) at the end of the period (= now for a period ending now). */
  open: number;
  /** Open and past due_at at the end of the period. */
  overdue: number;
  /** Open and escalated (督办) at the end of the period. */
  escalated: number;
  /** 立案数: filed in the period (voided cases excluded). */
  filed: number;
  /** 应结案数: due before the period's end and not closed before it began, or closed in it. */
  due: number;
  /** 结案数: closed in the period. */
  closed: number;
  /** 按期结案数: closed in the period at or before due_at. */
  closed_on_time: number;
  /** 返工数: cases among 应结案 that were sent back at least once. */
  reworked: number;
  /** 应处置数: like 应结案 with the disposal instant (resolved, or closed) in place of closure. */
  disposal_due: number;
  /** 处置数: disposed (resolved or closed, and not reworked since) in the period. */
  disposed: number;
  /** 按期处置数: disposed in the period at or before due_at. */
  disposed_on_time: number;
  /** 延期数: cases among 应处置 whose deadline was extended at least once. */
  extended: number;
  /** 超期待处置数: cases among 应处置 past due and still not disposed at the period's end. */
  overdue_pending: number;
  /** Median hours from report to closure over the cases closed in the period; null if none. */
  median_hours_to_close: number | null;
}

export const COUNT_KEYS = [
  'open',
  'overdue',
  'escalated',
  'filed',
  'due',
  'closed',
  'closed_on_time',
  'reworked',
  'disposal_due',
  'disposed',
  'disposed_on_time',
  'extended',
  'overdue_pending',
] as const satisfies readonly (keyof IndicatorCounts)[];

export type CountKey = (typeof COUNT_KEYS)[number];

export const RATE_KEYS = [
  'closure_rate',
  'on_time_rate',
  'disposal_rate',
  'on_time_disposal_rate',
  'rework_rate',
  'extension_rate',
  'overdue_pending_rate',
] as const;

export type RateKey = (typeof RATE_KEYS)[number];

export type Rates = Record<RateKey, number | null>;

/** How each rate is formed and whether a higher value is better (for the score). */
export const RATE_DEFINITIONS: Readonly<
  Record<RateKey, { zh: string; numerator: CountKey; denominator: CountKey; higherIsBetter: boolean }>
> = {
  closure_rate: { zh: '结案率', numerator: 'closed', denominator: 'due', higherIsBetter: true },
  on_time_rate: { zh: '按期结案率', numerator: 'closed_on_time', denominator: 'due', higherIsBetter: true },
  disposal_rate: { zh: '处置率', numerator: 'disposed', denominator: 'disposal_due', higherIsBetter: true },
  on_time_disposal_rate: {
    zh: '按期处置率',
    numerator: 'disposed_on_time',
    denominator: 'disposal_due',
    higherIsBetter: true,
  },
  // 返工率 over 应结案数 (the standard's first variant, docs/indicators.md); some counties divide by 处置数 instead.
  rework_rate: { zh: '返工率', numerator: 'reworked', denominator: 'due', higherIsBetter: false },
  extension_rate: { zh: '延期率', numerator: 'extended', denominator: 'disposal_due', higherIsBetter: false },
  overdue_pending_rate: {
    zh: '超期待处置率',
    numerator: 'overdue_pending',
    denominator: 'disposal_due',
    higherIsBetter: false,
  },
};

/**
 * 点位达标率 (assessment points, docs/assessment.md): Σ passed item weight / Σ checked item weight
 * of the inspections submitted in the period at the unit's points. It is not a problem count, so it
 * lives beside the problem rates: it can be weighted into the composite score (default weight 0).
 */
export const POINT_RATE_KEY = 'point_pass_rate' as const;

/** Every indicator a weights file may weight: the seven problem rates and 点位达标率. */
export const WEIGHT_KEYS = [...RATE_KEYS, POINT_RATE_KEY] as const;

export type WeightKey = (typeof WEIGHT_KEYS)[number];

/** Name and direction of every weightable indicator (the bulletin prints the formula from it). */
export const WEIGHT_DEFINITIONS: Readonly<Record<WeightKey, { zh: string; higherIsBetter: boolean }>> = {
  ...RATE_DEFINITIONS,
  [POINT_RATE_KEY]: { zh: '点位达标率', higherIsBetter: true },
};

/** Weighted item sums of a unit's point inspections in one period (db/queries/rankings.ts). */
export interface PointCounts {
  /** Σ weight of the items checked (pass or fail; not applicable is not checked). */
  checked_weight: number;
  /** Σ weight of the items passed. */
  passed_weight: number;
}

/** The rates the composite score reads: the problem rates and, when known, 点位达标率. */
export type ScoredRates = Rates & { [POINT_RATE_KEY]?: number | null };

/** numerator / denominator, or null when nothing was due (a rate of nothing is not 0 %). */
export function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

/** Every rate of {@link RATE_DEFINITIONS} from the counts; null where the denominator is 0. */
export function ratesOf(counts: Pick<IndicatorCounts, CountKey>): Rates {
  const out = {} as Rates;
  for (const key of RATE_KEYS) {
    const def = RATE_DEFINITIONS[key];
    out[key] = ratio(counts[def.numerator], counts[def.denominator]);
  }
  return out;
}

/** Sums count rows (e.g. a bulletin's 合计 line); the median is not additive and comes out null. */
export function sumCounts(rows: readonly Pick<IndicatorCounts, CountKey>[]): IndicatorCounts {
  const out = { median_hours_to_close: null } as IndicatorCounts;
  for (const key of COUNT_KEYS) out[key] = rows.reduce((s, r) => s + r[key], 0);
  return out;
}

/**
 * current − previous for each count and rate (rates in fraction points, e.g. 0.1 = ten percentage
 * points); null when either side is null.
 */
export function changeOf<K extends string>(
  current: Readonly<Record<K, number | null>>,
  previous: Readonly<Record<K, number | null>>,
  keys: readonly K[],
): Record<K, number | null> {
  const out = {} as Record<K, number | null>;
  for (const k of keys) {
    const a = current[k];
    const b = previous[k];
    out[k] = a === null || b === null ? null : a - b;
  }
  return out;
}

export const GRADES = ['A', 'B', 'C', 'D', 'E'] as const;
export type Grade = (typeof GRADES)[number];

/** Weights of the composite score and the grade thresholds (config/indicator-weights.json). */
export interface IndicatorConfig {
  /** Relative weight per rate; the score is Σ weight × rate score / Σ weight × 100. */
  weights: Partial<Record<WeightKey, number>>;
  /** Lowest score (0–100) of each grade A–D; below D's threshold is E. */
  grades: Record<Exclude<Grade, 'E'>, number>;
}

/** The assessment guide's example department weights (100 points) and the standard grade bands. */
export const DEFAULT_INDICATOR_CONFIG: IndicatorConfig = Object.freeze({
  weights: Object.freeze({
    disposal_rate: 30,
    on_time_disposal_rate: 20,
    rework_rate: 20,
    overdue_pending_rate: 20,
    extension_rate: 10,
  }),
  grades: Object.freeze({ A: 90, B: 75, C: 60, D: 40 }),
}) as IndicatorConfig;

/** A weights file's members once its shape is checked (server/schemas/rankings.ts IndicatorWeightsFile). */
export interface IndicatorConfigInput {
  weights?: Partial<Record<WeightKey, number>>;
  grades?: Partial<IndicatorConfig['grades']>;
}

/**
 * Merges a weights file over the defaults: `weights`, when present, replaces the default weights
 * entirely (so a county can drop an indicator); `grades` merges per grade. Throws an Error when the
 * weights add up to nothing or the grade thresholds are out of order.
 */
export function mergeIndicatorConfig(
  input: IndicatorConfigInput,
  base: IndicatorConfig = DEFAULT_INDICATOR_CONFIG,
): IndicatorConfig {
  const weights = { ...(input.weights ?? base.weights) };
  if (Object.values(weights).reduce((s, w) => s + (w ?? 0), 0) <= 0)
    throw new Error('the weights must add up to more than 0');
  const grades = { ...base.grades, ...input.grades };
  if (!(grades.A >= grades.B && grades.B >= grades.C && grades.C >= grades.D))
    throw new Error('grade thresholds must satisfy A ≥ B ≥ C ≥ D');
  return { weights, grades };
}

/**
 * 综合指标值 on 0–100: Σ weight × s / Σ weight × 100, where s is the rate for "higher is better"
 * indicators and 1 − rate for the others (返工率, 延期率, 超期待处置率). An indicator whose
 * denominator is 0 (rate null) drops out and the remaining weights are rescaled; when every
 * weighted rate is null (nothing was due) the score is null. 点位达标率 (higher is better) counts
 * only when weighted and known (a unit whose points were not inspected in the month drops it).
 */
export function compositeScore(rates: ScoredRates, config: IndicatorConfig = DEFAULT_INDICATOR_CONFIG): number | null {
  let sum = 0;
  let weight = 0;
  for (const [key, w] of Object.entries(config.weights) as [WeightKey, number][]) {
    const rate = rates[key];
    if (rate === null || rate === undefined || !w) continue;
    sum += w * (WEIGHT_DEFINITIONS[key].higherIsBetter ? rate : 1 - rate);
    weight += w;
  }
  return weight > 0 ? (sum / weight) * 100 : null;
}

/** Grade for a score: A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, else E (thresholds from the config). */
export function gradeOf(score: number | null, config: IndicatorConfig = DEFAULT_INDICATOR_CONFIG): Grade | null {
  if (score === null) return null;
  // Compare at the precision the score is published with, so 89.996 (shown as 90.00) is an A.
  const s = roundScore(score);
  const g = config.grades;
  return s >= g.A ? 'A' : s >= g.B ? 'B' : s >= g.C ? 'C' : s >= g.D ? 'D' : 'E';
}

/** Scores are published with two decimals; ranks and grades compare at that precision. */
export function roundScore(score: number): number {
  return Math.round(score * 100) / 100;
}

/**
 * Competition ranks ("1224"): equal scores (at two decimals) share a rank, the next rank skips.
 * Null scores get a null rank. Returns ranks in the input order; the input is not mutated.
 */
export function competitionRanks(scores: readonly (number | null)[]): (number | null)[] {
  const rounded = scores.map((s) => (s === null ? null : roundScore(s)));
  const desc = rounded.filter((s): s is number => s !== null).sort((a, b) => b - a);
  // Rank = 1 + how many scored higher = 1 + the first index of the score in descending order.
  const first = new Map<number, number>();
  desc.forEach((s, i) => first.has(s) || first.set(s, i + 1));
  return rounded.map((s) => (s === null ? null : first.get(s)!));
}

/**
 * Orders ranked units for display: by rank, then code; units without a score (nothing due) last,
 * by code. Returns a new array.
 */
export function orderByRank<T extends { rank: number | null; code: string }>(units: readonly T[]): T[] {
  return [...units].sort((a, b) => {
    if (a.rank === null && b.rank === null) return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
    if (a.rank === null) return 1;
    if (b.rank === null) return -1;
    return a.rank - b.rank || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
  });
}

/** Rounds a fraction or an hour count for JSON (4 decimals keep 0.01 % precision, drop float noise). */
export function round4(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10_000) / 10_000;
}

export type IndicatorValues = Record<CountKey, number> &
  Rates & {
    median_hours_to_close: number | null;
    change: Record<CountKey | RateKey | 'median_hours_to_close', number | null>;
  };

/** Counts, rates, median and the change from the previous period, as the statistics routes return them. */
export function indicatorValues(current: IndicatorCounts, previous: IndicatorCounts): IndicatorValues {
  const cur = { ...current, ...ratesOf(current) };
  const prev = { ...previous, ...ratesOf(previous) };
  const keys = [...COUNT_KEYS, ...RATE_KEYS, 'median_hours_to_close'] as const;
  const change = changeOf(cur, prev, keys);
  const out = { ...cur } as IndicatorValues;
  for (const key of RATE_KEYS) out[key] = round4(cur[key]);
  out.median_hours_to_close =
    current.median_hours_to_close === null ? null : Math.round(current.median_hours_to_close * 10) / 10;
  for (const key of keys) change[key] = round4(change[key]);
  out.change = change;
  return out;
}

export interface UnitCounts {
  code: string;
  name: string;
  level: string;
  current: IndicatorCounts;
  previous: IndicatorCounts;
  /** The unit's point inspections in the month and the month before; absent = none. */
  points?: { current: PointCounts; previous: PointCounts };
}

/** 点位达标率 of weighted item sums; null when nothing was checked. */
export function pointPassRate(p: PointCounts | undefined): number | null {
  return p ? ratio(p.passed_weight, p.checked_weight) : null;
}

export type RankedUnit = { code: string; name: string; level: string } & Record<CountKey, number> &
  Rates & {
    median_hours_to_close: number | null;
    /** Σ checked / passed item weight of the unit's point inspections in the month. */
    point_checked_weight: number;
    point_passed_weight: number;
    /** 点位达标率 = point_passed_weight / point_checked_weight; null when nothing was checked. */
    point_pass_rate: number | null;
    /** 综合指标值, 0–100 with two decimals; null when nothing was due. */
    score: number | null;
    grade: Grade | null;
    rank: number | null;
    previous_score: number | null;
    previous_rank: number | null;
    /** previous_rank − rank: positive = moved up; null when either rank is null. */
    rank_change: number | null;
  };

/**
 * The standard evaluation of a set of units for a month: rates, 综合指标值, grade, competition
 * rank, and the rank change against the previous month (ranked over the same units). Ordered by
 * rank; units with nothing due (null score) come last. Pure; the input is not mutated.
 */
export function rankUnits(
  units: readonly UnitCounts[],
  config: IndicatorConfig = DEFAULT_INDICATOR_CONFIG,
): RankedUnit[] {
  const scored = (u: UnitCounts, period: 'current' | 'previous'): ScoredRates => ({
    ...ratesOf(u[period]),
    [POINT_RATE_KEY]: pointPassRate(u.points?.[period]),
  });
  const scores = units.map((u) => compositeScore(scored(u, 'current'), config));
  const previousScores = units.map((u) => compositeScore(scored(u, 'previous'), config));
  const ranks = competitionRanks(scores);
  const previousRanks = competitionRanks(previousScores);
  const ranked = units.map((u, i): RankedUnit => {
    const rates = ratesOf(u.current);
    for (const key of RATE_KEYS) rates[key] = round4(rates[key]);
    const score = scores[i] === null ? null : roundScore(scores[i]!);
    const rank = ranks[i];
    const previousRank = previousRanks[i];
    const counts = {} as Record<CountKey, number>;
    for (const key of COUNT_KEYS) counts[key] = u.current[key];
    return {
      code: u.code,
      name: u.name,
      level: u.level,
      ...counts,
      ...rates,
      median_hours_to_close:
        u.current.median_hours_to_close === null ? null : Math.round(u.current.median_hours_to_close * 10) / 10,
      point_checked_weight: round4(u.points?.current.checked_weight ?? 0)!,
      point_passed_weight: round4(u.points?.current.passed_weight ?? 0)!,
      point_pass_rate: round4(pointPassRate(u.points?.current)),
      score,
      grade: gradeOf(scores[i], config),
      rank,
      previous_score: previousScores[i] === null ? null : roundScore(previousScores[i]!),
      previous_rank: previousRank,
      rank_change: rank === null || previousRank === null ? null : previousRank - rank,
    };
  });
  return orderByRank(ranked);
}
