/**
 * /api/categories/:code/attributes (admin): the extra questions a category asks (Open311 service
 * attributes, shown by GET /open311/v2/services/{code} and checked on POST requests).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError, notFound } from '../errors.js';
import { requireRole } from '../plugins/auth.js';
import { errors } from '../schemas/common.js';
import { CategoryCodeParam } from '../schemas/categories.js';
import { ServiceAttributesBody, ServiceDefinition } from '../schemas/open311.js';
import { setCategoryAttributes } from '../../db/queries/open311.js';

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.put(
    '/:code/attributes',
    {
      preValidation: requireRole('admin'),
      schema: {
        tags: ['categories'],
        summary: 'Set the extra questions (Open311 service attributes) a category asks',
        params: CategoryCodeParam,
        body: ServiceAttributesBody,
        response: { 200: ServiceDefinition, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const { attributes } = request.body;
      const codes = attributes.map((a) => a.code);
      const dup = codes.find((c, i) => codes.indexOf(c) !== i);
      if (dup) throw new AppError('UNPROCESSABLE', `attribute code ${dup} is used twice`, { code: dup });
      for (const a of attributes) {
        const list = a.datatype === 'singlevaluelist' || a.datatype === 'multivaluelist';
        if (list && !a.values?.length)
          throw new AppError('UNPROCESSABLE', `attribute ${a.code} is a ${a.datatype} and needs values`, {
            code: a.code,
          });
      }
      if (!(await setCategoryAttributes(app.db, request.params.code, attributes)))
        throw notFound(`category ${request.params.code}`);
      return { service_code: request.params.code, attributes };
    },
  );
};

export default routes;
