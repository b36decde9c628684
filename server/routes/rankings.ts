/**
 * The standard monthly evaluation (绩效评价): per unit 立案数, 应结案数, 结案率, 按期结案率, 处置率,
 * 按期处置率, 返工率, 延期率, 超期待处置率, the weighted 综合指标值, grade A–E, rank and rank change.
 * Weights come from config/indicator-weights.json, overridden by INDICATOR_WEIGHTS_FILE.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errors } from '../schemas/common.js';
import { RankingsQuery, RankingsResponse } from '../schemas/rankings.js';
import { computeRankings, rankingsRequestOf } from '../services/rankings.js';

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const config = app.indicatorConfig;

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
      const result = await computeRankings(
        app.dbFor(request),
        rankingsRequestOf(request.query, request.scope, now),
        config,
        now,
      );
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
