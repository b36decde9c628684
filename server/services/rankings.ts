/**
 * The standard monthly evaluation (绩效评价) as a service: the indicator weights (read once at
 * start-up, see server/plugins/indicators.ts) and the ranking of every unit at a level, shared by
 * `GET /api/rankings` and the bulletin export.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import { IndicatorWeightsFile, type RankingsQuery } from '../schemas/rankings.js';
import { schemaProblems } from '../schemas/check.js';
import { codeInScope, type Scope } from '../../db/queries/scope.js';
import { periodPointCounts, periodUnitCounts } from '../../db/queries/rankings.js';
import type { ProblemFilters } from '../../db/queries/filters.js';
import type { DB } from '../../db/types.js';
import {
  DEFAULT_INDICATOR_CONFIG,
  mergeIndicatorConfig,
  rankUnits,
  type IndicatorConfig,
  type RankedUnit,
} from '../../domain/indicators.js';
import { periodWindow, previousPeriod, shanghaiMonth } from '../../domain/time.js';
import { filtersOf } from './filters.js';
import { checkParentAboveLevel } from './regions.js';

/** The shipped defaults (the assessment guide's example department weights, docs/indicators.md). */
export const DEFAULT_WEIGHTS_FILE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'config',
  'indicator-weights.json',
);

/**
 * Checks a parsed weights file against {@link IndicatorWeightsFile} and merges it over `base`
 * (domain/indicators.ts mergeIndicatorConfig). Throws an Error naming every bad member.
 */
export function checkIndicatorConfig(
  input: unknown,
  base: IndicatorConfig = DEFAULT_INDICATOR_CONFIG,
): IndicatorConfig {
  const problems = schemaProblems(IndicatorWeightsFile, input);
  if (problems.length > 0) throw new Error(problems.map((p) => p.message).join('; '));
  return mergeIndicatorConfig(input as IndicatorWeightsFile, base);
}

/**
 * Reads the shipped weights and, if given, the county's override file over them. Called once at
 * start-up; a missing or bad file stops the app with the variable's name.
 */
export function loadIndicatorConfig(overrideFile: string | null): IndicatorConfig {
  const read = (file: string, base: IndicatorConfig, label: string) => {
    try {
      return checkIndicatorConfig(JSON.parse(readFileSync(file, 'utf8')), base);
    } catch (err) {
      throw new Error(`${label} (${file}): ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const defaults = read(DEFAULT_WEIGHTS_FILE, DEFAULT_INDICATOR_CONFIG, 'config/indicator-weights.json');
  return overrideFile ? read(overrideFile, defaults, 'INDICATOR_WEIGHTS_FILE') : defaults;
}

export interface RankingsRequest {
  level: 'street' | 'community' | 'block';
  parent: string | null;
  /** A month 'YYYY-MM', quarter 'YYYY-Qn' or year 'YYYY'. */
  period: string;
  filters: ProblemFilters;
  scope: Scope;
}

export interface Rankings {
  level: string;
  parent: string | null;
  period: string;
  from: Date;
  to: Date;
  previous_period: string;
  units_total: number;
  units: RankedUnit[];
}

/** Parses the common rankings query (level, period, parent); 400 on a parent not above the level. */
export function rankingsRequestOf(q: RankingsQuery, scope: Scope, now: Date): RankingsRequest {
  const level = q.level ?? 'street';
  const parent = q.parent ?? null;
  checkParentAboveLevel(parent, level);
  return { level, parent, period: q.period ?? shanghaiMonth(now), filters: filtersOf(q), scope };
}

/**
 * Ranks every unit at the level (the department part of the scope applies to the counts), then
 * keeps only the units inside the caller's regions: a manager sees their own units' rows and ranks
 * among all units, never another unit's numbers.
 */
export async function computeRankings(
  db: Kysely<DB>,
  r: RankingsRequest,
  config: IndicatorConfig,
  now: Date,
): Promise<Rankings> {
  const rows = await periodUnitCounts(db, {
    level: r.level,
    parent: r.parent,
    period: r.period,
    now,
    filters: r.filters,
    problemScope: { regions: null, department: r.scope.department },
  });
  const points = await periodPointCounts(db, {
    level: r.level,
    parent: r.parent,
    period: r.period,
    department: r.scope.department,
  });
  const ranked = rankUnits(
    rows.map((u) => ({ ...u, points: points.get(u.code) })),
    config,
  );
  const window = periodWindow(r.period);
  return {
    level: r.level,
    parent: r.parent,
    period: r.period,
    from: window.from,
    to: window.to,
    previous_period: previousPeriod(r.period),
    units_total: ranked.length,
    units: ranked.filter((u) => codeInScope(r.scope, u.code)),
  };
}
