/**
 * The standard monthly evaluation (绩效评价): per unit 立案数, 应结案数, 结案率, 按期结案率, 处置率,
 * 按期处置率, 返工率, 延期率, 超期待处置率, the weighted 综合指标值, grade A–E, rank and rank change.
 * Weights come from config/indicator-weights.json, overridden by INDICATOR_WEIGHTS_FILE.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { errors } from '../schemas/common.js';
import { RankingsQuery, RankingsResponse } from '../schemas/rankings.js';
import { AppError } from '../errors.js';
import { codeInScope, type Scope } from '../../db/queries/scope.js';
import { monthlyUnitCounts } from '../../db/queries/rankings.js';
import { LEVEL_CODE_LENGTH } from '../../db/queries/stats.js';
import type { DB } from '../../db/types.js';
import {
  DEFAULT_INDICATOR_CONFIG,
  parseIndicatorConfig,
  rankUnits,
  type IndicatorConfig,
  type RankedUnit,
} from '../../domain/indicators.js';
import { monthWindow, previousMonth, shanghaiMonth } from '../../domain/time.js';
import { filtersOf } from './stats.js';

/** The shipped defaults (domain.md's example department weights). */
export const DEFAULT_WEIGHTS_FILE = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'config',
  'indicator-weights.json',
);

/**
 * Reads the shipped weights and, if given, the county's override file over them. Called once at
 * start-up; a missing or bad file stops the app with the variable's name.
 */
export function loadIndicatorConfig(overrideFile: string | null): IndicatorConfig {
  const read = (file: string, base: IndicatorConfig, label: string) => {
    try {
      return parseIndicatorConfig(JSON.parse(readFileSync(file, 'utf8')), base);
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
  month: string;
  filters: ReturnType<typeof filtersOf>;
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
  if (parent && parent.length >= LEVEL_CODE_LENGTH[level])
    throw new AppError('BAD_REQUEST', `parent ${parent} is not above level ${level}`);
  return { level, parent, month: q.period ?? shanghaiMonth(now), filters: filtersOf(q), scope };
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
  const rows = await monthlyUnitCounts(db, {
    level: r.level,
    parent: r.parent,
    month: r.month,
    now,
    filters: r.filters,
    problemScope: { regions: null, department: r.scope.department },
  });
  const ranked = rankUnits(rows, config);
  const window = monthWindow(r.month);
  return {
    level: r.level,
    parent: r.parent,
    period: r.month,
    from: window.from,
    to: window.to,
    previous_period: previousMonth(r.month),
    units_total: ranked.length,
    units: ranked.filter((u) => codeInScope(r.scope, u.code)),
  };
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const config = loadIndicatorConfig(app.config.indicatorWeightsFile);

  app.get(
    '/rankings',
    {
      schema: {
        tags: ['stats'],
        summary: 'Monthly evaluation: indicators, 综合指标值, grade, rank and rank change per unit',
        querystring: RankingsQuery,
        response: { 200: RankingsResponse, ...errors(400, 401) },
      },
    },
    async (request) => {
      const now = new Date();
      const result = await computeRankings(app.db, rankingsRequestOf(request.query, request.scope, now), config, now);
      return {
        ...result,
        from: result.from.toISOString(),
        to: result.to.toISOString(),
        weights: config.weights as Record<string, number>,
        grades: config.grades,
      };
    },
  );
};

export default routes;
