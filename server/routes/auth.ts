import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** Routes for auth: not written yet. */
const routes: FastifyPluginAsyncTypebox = async () => {};
export default routes;
