/** Builds the app on a test database (never listens; use app.inject). */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/app.js';
import { loadConfig, type Config } from '../../server/config.js';
import type { DbHandle } from '../../db/index.js';

export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({ DEMO: '0', NODE_ENV: 'test' }), ...overrides };
}

export function buildTestApp(
  db: DbHandle,
  overrides: Partial<Config> = {},
  logger: false | object = false,
): Promise<FastifyInstance> {
  return buildApp({ config: testConfig(overrides), db, ownsDb: false, logger });
}
