import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** Routes for exports: not written yet. */
const routes: FastifyPluginAsyncTypebox = async () => {};
export default routes;
