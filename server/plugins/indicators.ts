/** The indicator weights and grades as `app.indicatorConfig`: read once at start-up. */
import fp from 'fastify-plugin';
import type { IndicatorConfig } from '../../domain/indicators.js';
import { loadIndicatorConfig } from '../services/rankings.js';

declare module 'fastify' {
  interface FastifyInstance {
    indicatorConfig: IndicatorConfig;
  }
}

export default fp(
  async (app) => void app.decorate('indicatorConfig', loadIndicatorConfig(app.config.indicatorWeightsFile)),
  { name: 'indicators', dependencies: ['config'] },
);
