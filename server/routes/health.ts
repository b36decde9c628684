import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errors } from '../schemas/common.js';

/** Liveness (process up) and readiness (database answers). Public. */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/healthz',
    {
      config: { public: true },
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process answers',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
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
        tags: ['health'],
        summary: 'Service facts the page needs before login: name, version, backend, basemap settings',
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
        tags: ['health'],
        summary: 'Readiness: the database answers (503 DB_UNAVAILABLE when not)',
        response: {
          200: Type.Object({ status: Type.Literal('ready'), backend: Type.String(), mvt: Type.Boolean() }),
          ...errors(503),
        },
      },
    },
    async (request, reply) => {
      try {
        await app.dbHandle.ping();
      } catch (err) {
        // The cause (host, port, user) goes to the log only: this answer is public.
        request.log.warn({ err: (err as Error).message }, 'readiness check failed');
        return reply
          .status(503)
          .header('retry-after', '5')
          .send({ error: { code: 'DB_UNAVAILABLE', message: 'database not reachable' } });
      }
      return { status: 'ready' as const, backend: app.dbInfo.backend, mvt: app.dbInfo.hasMvt };
    },
  );
};
export default routes;
