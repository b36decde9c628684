/**
 * Campaign rules as pure functions: the target kinds a campaign may set (from the indicators),
 * how a unit's value is judged against a threshold, the weekly bulletin's weeks, and the 约谈 rule
 * (units in the black list for N weeks in a row). No database: counts come from db/queries.
 */
import { ratesOf, type IndicatorCounts } from './indicators.js';
import { addDays, dayOfWeek, fromShanghai, toShanghaiDate } from './time.js';

/**
 * Target kinds. `min` targets are met at value ≥ threshold, `max` targets at value ≤ threshold.
 * Rates are fractions (0.95 = 95 %); counts are items. The two point kinds are fed by the
 * assessment tables (points, inspections) for the campaign's period, regions and point types.
 */
export const TARGET_KINDS = {
  closure_rate: { zh: '结案率', en: 'closure rate', sense: 'min', unit: 'rate', source: 'problems' },
  on_time_rate: { zh: '按期结案率', en: 'on-time closure rate', sense: 'min', unit: 'rate', source: 'problems' },
  rework_rate: { zh: '返工率', en: 'rework rate', sense: 'max', unit: 'rate', source: 'problems' },
  open_at_end: { zh: '期末未结案数', en: 'open at the end', sense: 'max', unit: 'count', source: 'problems' },
  overdue: { zh: '超期数', en: 'overdue items', sense: 'max', unit: 'count', source: 'problems' },
  point_pass_rate: { zh: '点位达标率', en: 'point pass rate', sense: 'min', unit: 'rate', source: 'points' },
  inspection_coverage: {
    zh: '点位检查覆盖率',
    en: 'inspection coverage',
    sense: 'min',
    unit: 'rate',
    source: 'points',
  },
} as const;

export type TargetKind = keyof typeof TARGET_KINDS;
export const TARGET_KIND_KEYS = Object.keys(TARGET_KINDS) as TargetKind[];

export interface Target {
  kind: TargetKind;
  threshold: number;
}

/** 约谈 rule: a unit in the black list (the `list_size` worst) for `weeks` consecutive weeks. */
export interface InterviewRule {
  weeks: number;
  list_size: number;
}

export const DEFAULT_INTERVIEW_RULE: InterviewRule = Object.freeze({ weeks: 3, list_size: 3 }) as InterviewRule;

/** Checks a target list; returns the first problem as a message, or null when valid. */
export function targetProblem(targets: readonly Target[]): string | null {
  const seen = new Set<string>();
  for (const [i, t] of targets.entries()) {
    const def = TARGET_KINDS[t.kind];
    if (!def) return `targets[${i}].kind: unknown target ${JSON.stringify(t.kind)}`;
    if (seen.has(t.kind)) return `targets[${i}].kind: ${t.kind} appears twice`;
    seen.add(t.kind);
    if (!Number.isFinite(t.threshold) || t.threshold < 0) return `targets[${i}].threshold must be ≥ 0`;
    if (def.unit === 'rate' && t.threshold > 1) return `targets[${i}].threshold is a fraction 0–1 for ${t.kind}`;
    if (def.unit === 'count' && !Number.isInteger(t.threshold))
      return `targets[${i}].threshold must be a whole number for ${t.kind}`;
  }
  return null;
}

/** A unit's point figures for the point target kinds (see db/queries/inspections.ts unitPointCounts). */
export interface PointCounts {
  /** Active points of the campaign's types in the unit. */
  points: number;
  /** Of them, inspected at least once in the period. */
  covered: number;
  /** Σ checked weight and Σ passed weight of the period's inspections of those points. */
  checked: number;
  passed: number;
}

export const NO_POINTS: PointCounts = Object.freeze({ points: 0, covered: 0, checked: 0, passed: 0 });

/**
 * A unit's value for a target kind; null when the rate has no denominator. 点位达标率 is the
 * weighted pass rate (Σ passed / Σ checked weight, as the assessment standing); coverage is
 * points inspected / active points.
 */
export function targetValue(kind: TargetKind, counts: IndicatorCounts, points: PointCounts = NO_POINTS): number | null {
  if (kind === 'point_pass_rate') return points.checked > 0 ? points.passed / points.checked : null;
  if (kind === 'inspection_coverage') return points.points > 0 ? points.covered / points.points : null;
  const rates = ratesOf(counts);
  switch (kind) {
    case 'closure_rate':
      return rates.closure_rate;
    case 'on_time_rate':
      return rates.on_time_rate;
    case 'rework_rate':
      return rates.rework_rate;
    case 'open_at_end':
      return counts.open;
    case 'overdue':
      return counts.overdue;
    default:
      return null;
  }
}

export interface TargetResult {
  kind: TargetKind;
  threshold: number;
  value: number | null;
  /** null when there is nothing to judge (no denominator) or the data source is pending. */
  met: boolean | null;
  /** 'pending' when the value's data source is not available (kept for callers that pass `available = false`). */
  status: 'met' | 'missed' | 'no_data' | 'pending';
}

/** Judges a value against a target: min targets need value ≥ threshold, max targets value ≤ threshold. */
export function judgeTarget(target: Target, value: number | null, available = true): TargetResult {
  if (!available) return { ...target, value: null, met: null, status: 'pending' };
  if (value === null) return { ...target, value: null, met: null, status: 'no_data' };
  // Compare rates at 0.01 % precision, so 0.95 computed as 0.9499999 is still met.
  const v = Math.round(value * 10_000) / 10_000;
  const met = TARGET_KINDS[target.kind].sense === 'min' ? v >= target.threshold : v <= target.threshold;
  return { ...target, value: v, met, status: met ? 'met' : 'missed' };
}

/** The Monday (Asia/Shanghai) of the week holding `date`. */
export function weekStart(date: string): string {
  const dow = dayOfWeek(date);
  return addDays(date, dow === 0 ? -6 : 1 - dow);
}

/** The week [Monday 00:00, next Monday 00:00) Asia/Shanghai starting on `monday`. */
export function weekWindow(monday: string): { from: Date; to: Date } {
  return { from: fromShanghai(monday), to: fromShanghai(addDays(monday, 7)) };
}

/** The last complete week before `now` (the one a Monday-morning bulletin reports on). */
export function lastCompleteWeek(now: Date): string {
  return addDays(weekStart(toShanghaiDate(now)), -7);
}

/**
 * Day-end instants (next 00:00 Asia/Shanghai) of every day from `from` up to and including the day
 * holding min(to, now) — the sampling points of a burn-down. `from`/`to` are instants.
 */
export function burnDownDays(from: Date, to: Date, now: Date): { date: string; at: Date }[] {
  const last = new Date(Math.min(to.getTime(), now.getTime()) - 1);
  const out: { date: string; at: Date }[] = [];
  for (let d = toShanghaiDate(from); d <= toShanghaiDate(last); d = addDays(d, 1)) {
    const end = fromShanghai(addDays(d, 1));
    out.push({ date: d, at: new Date(Math.min(end.getTime(), now.getTime(), to.getTime())) });
  }
  return out;
}

/**
 * The red list (best `size`) and black list (worst `size`) among units with a score. A unit is
 * never on both: with fewer than 2 × size scored units the lists split them.
 */
export function redBlackLists<T extends { code: string; score: number | null }>(
  units: readonly T[],
  size: number,
): { red: T[]; black: T[] } {
  const scored = units.filter((u) => u.score !== null);
  const desc = [...scored].sort((a, b) => b.score! - a.score! || (a.code < b.code ? -1 : 1));
  const n = Math.min(size, Math.floor(desc.length / 2));
  return { red: desc.slice(0, n), black: desc.slice(desc.length - n).reverse() };
}

/**
 * Units to be interviewed (约谈): those in every one of the last `rule.weeks` black lists
 * (`blackLists` holds one set of unit codes per week, oldest first; fewer weeks than the rule
 * asks for means nobody qualifies yet).
 */
export function interviewUnits(blackLists: readonly (readonly string[])[], rule: InterviewRule): string[] {
  if (rule.weeks < 1 || blackLists.length < rule.weeks) return [];
  const recent = blackLists.slice(-rule.weeks);
  return [...recent[recent.length - 1]].filter((code) => recent.every((list) => list.includes(code))).sort();
}
