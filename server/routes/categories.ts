import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** Routes for categories: not written yet. */
const routes: FastifyPluginAsyncTypebox = async () => {};
export default routes;
