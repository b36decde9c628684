import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { sql } from 'kysely';
import { errors } from '../schemas/common.js';

/** Liveness (process up) and readiness (database answers). Public. */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/healthz', { config: { public: true }, schema: { response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({
    status: 'ok' as const,
  }));

  app.get(
    '/readyz',
    {
      config: { public: true },
      schema: { response: { 200: Type.Object({ status: Type.Literal('ready'), backend: Type.String(), mvt: Type.Boolean() }), ...errors(503) } },
    },
    async (_request, reply) => {
      try {
        await sql`SELECT 1`.execute(app.db);
      } catch (err) {
        return reply.status(503).send({ error: { code: 'DATABASE_UNAVAILABLE', message: 'database not reachable', details: String(err) } });
      }
      return { status: 'ready' as const, backend: app.dbInfo.backend, mvt: app.dbInfo.hasMvt };
    },
  );
};
export default routes;
