/**
 * /api/standards: the versioned checklist (测评标准) of each point type. Everyone signed in reads
 * the current versions (a department only the items of its own categories); the admin writes a
 * new version, which applies to inspections from then on — earlier inspections keep theirs.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError, notFound } from '../errors.js';
import { requireRole, userOf } from '../plugins/auth.js';
import { errors, IdParam } from '../schemas/common.js';
import { ListStandardsQuery, NewStandardBody, Standard, StandardsResponse } from '../schemas/standards.js';
import { createStandardVersion, listStandards, type NewStandardItem } from '../../db/queries/standards.js';
import { findCategory } from '../../db/queries/categories.js';

const TAGS = ['assessment'];

const iso = <T extends { created_at: Date }>(s: T) => ({ ...s, created_at: new Date(s.created_at).toISOString() });

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/standards',
    {
      schema: {
        tags: TAGS,
        summary: 'Standards per point type with their items (current versions unless all_versions)',
        querystring: ListStandardsQuery,
        response: { 200: StandardsResponse, ...errors(400, 401) },
      },
    },
    async (request) => ({
      standards: (
        await listStandards(app.db, request.scope, {
          type: request.query.type,
          currentOnly: !request.query.all_versions,
        })
      ).map(iso),
    }),
  );

  app.get(
    '/standards/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'One version of a standard with its items',
        params: IdParam,
        response: { 200: Standard, ...errors(401, 404) },
      },
    },
    async (request) => {
      const [s] = await listStandards(app.db, request.scope, { id: request.params.id });
      if (!s) throw notFound(`standard ${request.params.id}`);
      return iso(s);
    },
  );

  app.post(
    '/standards',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags: TAGS,
        summary: 'Write the next version of a point type’s checklist (admin); old inspections keep theirs',
        body: NewStandardBody,
        response: { 201: Standard, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const user = userOf(request);
      const b = request.body;
      const codes = b.items.map((i) => i.code);
      const repeated = codes.filter((c, i) => codes.indexOf(c) !== i);
      if (repeated.length)
        throw new AppError('VALIDATION_FAILED', `item codes repeat: ${[...new Set(repeated)].join(', ')}`, {
          codes: [...new Set(repeated)],
        });
      const items: NewStandardItem[] = [];
      for (const i of b.items) {
        const c = await findCategory(app.db, i.category);
        if (!c || !c.active)
          throw new AppError('UNKNOWN_CATEGORY', `unknown or inactive category ${i.category}`, {
            category: i.category,
            item: i.code,
          });
        items.push({
          code: i.code,
          text: i.text,
          category_code: c.code,
          weight: i.weight,
          photo_required: i.photo_required,
        });
      }
      const type = await app.db.selectFrom('point_types').select('code').where('code', '=', b.type).executeTakeFirst();
      if (!type) throw notFound(`point type ${b.type}`);
      const created = await app.db
        .transaction()
        .execute((trx) => createStandardVersion(trx, b.type, items, b.note ?? null, user.username));
      const [s] = await listStandards(app.db, request.scope, { id: created.id });
      return reply.code(201).send(iso(s));
    },
  );
};

export default routes;
