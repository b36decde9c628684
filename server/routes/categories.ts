/**
 * Categories (事项): every signed-in user reads them (pickers, legends); the admin sets each one's
 * deadline (limit and clock), responsible department and whether new reports may use it.
 * A change applies to problems filed afterwards; deadlines already set stay as they were.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError, notFound } from '../errors.js';
import { requireRole } from '../plugins/auth.js';
import { errors } from '../schemas/common.js';
import { CategoriesResponse, Category, CategoryCodeParam, PatchCategoryBody } from '../schemas/categories.js';
import { getCategory, listCategories, updateCategoryDeadline } from '../../db/queries/categories.js';

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/',
    {
      schema: {
        tags: ['categories'],
        summary: 'Categories (事项) with group, department, deadline and campaign tags',
        response: { 200: CategoriesResponse, ...errors(401) },
      },
    },
    async () => ({
      categories: (await listCategories(app.db)).map((c) => ({ ...c, limit_value: Number(c.limit_value) })),
    }),
  );

  app.patch(
    '/:code',
    {
      preValidation: requireRole('admin'),
      schema: {
        tags: ['categories'],
        summary: 'Change a category’s deadline, clock, department or activity (admin only)',
        params: CategoryCodeParam,
        body: PatchCategoryBody,
        response: { 200: Category, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const { code } = request.params;
      const b = request.body;
      return app.db.transaction().execute(async (trx) => {
        const current = await getCategory(trx, code);
        if (!current) throw notFound('category');
        const clock = b.clock ?? current.clock;
        const limit = b.limit_value ?? Number(current.limit_value);
        // The working-day rule counts whole days (see domain/deadline.ts).
        if (clock === 'working_days' && !Number.isInteger(limit)) {
          throw new AppError('UNPROCESSABLE', `a working_days limit must be a whole number of days, got ${limit}`);
        }
        const row = await updateCategoryDeadline(trx, code, b);
        if (!row) throw notFound('category');
        const { updated_at: _u, ...rest } = row;
        return { ...rest, limit_value: Number(rest.limit_value) };
      });
    },
  );
};
export default routes;
