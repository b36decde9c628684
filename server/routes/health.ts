import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { sql } from 'kysely';
import { AppError } from '../errors.js';
import { errors } from '../schemas/common.js';

/** Liveness (process up) and readiness (database answers). Public. */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/healthz',
    { config: { public: true }, schema: { response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({
      status: 'ok' as const,
    }),
  );

  // Public facts the web page needs before login: basemap settings and the demo notice.
  app.get(
    '/api/meta',
    {
      config: { public: true },
      schema: {
        response: {
          200: Type.Object({
            name: Type.String(),
            version: Type.String(),
            backend: Type.String(),
            basemap: Type.Object({
              tianditu_key: Type.Union([Type.String(), Type.Null()]),
              url: Type.Union([Type.String(), Type.Null()]),
            }),
          }),
        },
      },
    },
    async () => ({
      name: '问题地图 Problem Map',
      version: '0.1.0',
      backend: app.dbInfo.backend,
      basemap: { tianditu_key: app.config.tiandituKey, url: app.config.basemapUrl },
    }),
  );

  app.get(
    '/readyz',
    {
      config: { public: true },
      schema: {
        response: {
          200: Type.Object({ status: Type.Literal('ready'), backend: Type.String(), mvt: Type.Boolean() }),
          ...errors(503),
        },
      },
    },
    async () => {
      try {
        await sql`SELECT 1`.execute(app.db);
      } catch (err) {
        throw new AppError('DATABASE_UNAVAILABLE', 'database not reachable', String(err));
      }
      return { status: 'ready' as const, backend: app.dbInfo.backend, mvt: app.dbInfo.hasMvt };
    },
  );
};
export default routes;
